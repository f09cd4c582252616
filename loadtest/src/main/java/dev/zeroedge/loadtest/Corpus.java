package dev.zeroedge.loadtest;

import dev.zeroedge.cli.UsageException;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The files a workload asks for: {@code 1k.bin 64k.bin 1m.bin 64m.bin 1g.bin} of random bytes (random so
 * that nothing on the path can compress or deduplicate them). A file of the right size is kept as it is,
 * so an existing corpus (the peers harness writes the same names) is reused and {@code 1g.bin} is only
 * written when a workload needs it.
 */
final class Corpus {

    /** Name → size. */
    static final Map<String, Long> SIZES;

    /** The names, smallest first. */
    static final String[] ORDER;

    static {
        Map<String, Long> sizes = new LinkedHashMap<>();
        sizes.put("1k", 1024L);
        sizes.put("64k", 64L * 1024);
        sizes.put("1m", 1024L * 1024);
        sizes.put("64m", 64L * 1024 * 1024);
        sizes.put("1g", 1024L * 1024 * 1024);
        SIZES = Map.copyOf(sizes);
        ORDER = sizes.keySet().toArray(String[]::new);
    }

    private final Path dir;

    Corpus(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    static long size(String name) throws UsageException {
        Long size = SIZES.get(name);
        if (size == null) {
            throw new UsageException("unknown corpus file '" + name + "' (files: " + String.join(", ", ORDER) + ")");
        }
        return size;
    }

    static String fileName(String name) {
        return name + ".bin";
    }

    Path path(String name) {
        return dir.resolve(fileName(name));
    }

    /** Writes each named file that is missing or has the wrong size. */
    void ensure(Collection<String> names) throws IOException, UsageException {
        Files.createDirectories(dir);
        for (String name : names) {
            long size = size(name);
            Path file = path(name);
            if (Files.isRegularFile(file) && Files.size(file) == size) {
                continue;
            }
            write(file, size, new SplittableRandom(name.hashCode()));
        }
    }

    private static void write(Path file, long size, SplittableRandom random) throws IOException {
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(partial)) {
            for (long written = 0; written < size; written += chunk.length) {
                random.nextBytes(chunk);
                out.write(chunk, 0, (int) Math.min(chunk.length, size - written));
            }
        }
        Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Removes the corpus files this class writes, and the directory if that leaves it empty. */
    void delete() throws IOException {
        for (String name : ORDER) {
            Files.deleteIfExists(path(name));
        }
        try {
            Files.deleteIfExists(dir);
        } catch (java.nio.file.DirectoryNotEmptyException e) {
            // Something else lives there too: leave it.
        }
    }

    /**
     * The file's bytes as a read-only mapped buffer, to check sampled response bodies against without
     * reading the file into the heap (every corpus file is below 2 GiB, so one mapping holds it).
     */
    ByteBuf map(String name) throws IOException {
        try (FileChannel channel = FileChannel.open(path(name), StandardOpenOption.READ)) {
            return Unpooled.wrappedBuffer(channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size()));
        }
    }
}
