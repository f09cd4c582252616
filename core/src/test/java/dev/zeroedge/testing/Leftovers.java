package dev.zeroedge.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * What this JVM still holds of a file, read from {@code /proc/self}: open descriptors and mappings. A
 * finished or abandoned response must leave neither behind.
 */
public final class Leftovers {

    private Leftovers() {
    }

    public static long descriptors(Path file) throws IOException {
        Path target = file.toRealPath();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(target);
                } catch (IOException e) {
                    return false; // closed while we looked
                }
            }).count();
        }
    }

    public static long mappings(Path file) throws IOException {
        String target = file.toRealPath().toString();
        try (Stream<String> maps = Files.lines(Path.of("/proc/self/maps"))) {
            return maps.filter(line -> line.endsWith(" " + target)).count();
        }
    }

    /** Waits up to {@code millis} for the file to be neither open nor mapped; returns what is left. */
    public static String awaitNone(Path file, long millis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (true) {
            long fds = descriptors(file);
            long maps = mappings(file);
            if (fds == 0 && maps == 0) {
                return "";
            }
            if (System.nanoTime() > deadline) {
                return fds + " descriptors and " + maps + " mappings of " + file;
            }
            Thread.sleep(10);
        }
    }
}
