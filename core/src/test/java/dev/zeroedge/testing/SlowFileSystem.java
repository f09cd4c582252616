package dev.zeroedge.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A real slow file system for tests: {@code slowfs.py} (FUSE, through Debian's {@code python3-fusepy})
 * mounts {@code source} read-only at {@code mountPoint} and sleeps before each operation named, so a test
 * can put part of a document root on a disk where every {@code open}, {@code stat} or {@code read} takes
 * 200 ms, as a failing disk, an overloaded NFS server or a cold network volume does.
 *
 * <p>Needs root (or a {@code /dev/fuse} the user may open) and the packages {@code scripts/test.sh}
 * installs. It never skips: a machine of this project's kind that cannot mount it fails the test that
 * asked, with the program's own output in the message.
 */
public final class SlowFileSystem implements AutoCloseable {

    /** The operations {@code slowfs.py} knows, as its {@code --ops} spells them. */
    public static final Set<String> OPERATIONS =
            Set.of("getattr", "readdir", "open", "read", "release", "readlink", "statfs", "access");

    private static final String PYTHON = "/usr/bin/python3";

    private final Path mountPoint;
    private final Process process;
    private final Path log;

    private SlowFileSystem(Path mountPoint, Process process, Path log) {
        this.mountPoint = mountPoint;
        this.process = process;
        this.log = log;
    }

    /**
     * Mounts {@code source} at {@code mountPoint} (an empty directory) with {@code delay} before each of
     * {@code operations}, and returns once the mount is in {@code /proc/self/mounts}.
     */
    public static SlowFileSystem mount(Path source, Path mountPoint, Duration delay, Set<String> operations)
            throws IOException, InterruptedException {
        if (!OPERATIONS.containsAll(operations)) {
            throw new IllegalArgumentException("unknown operations in " + operations + "; known: " + OPERATIONS);
        }
        Path script = Files.createTempFile("slowfs", ".py");
        try (InputStream in = SlowFileSystem.class.getResourceAsStream("slowfs.py")) {
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        Path log = Files.createTempFile("slowfs", ".log");
        Process process = new ProcessBuilder(PYTHON, script.toString(), source.toString(), mountPoint.toString(),
                "--delay-ms", Long.toString(delay.toMillis()), "--ops", String.join(",", operations))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        SlowFileSystem fs = new SlowFileSystem(mountPoint.toRealPath(), process, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!fs.mounted()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                fs.close();
                throw new IOException("slowfs did not mount " + mountPoint + " (exit "
                        + (process.isAlive() ? "none, still running" : process.exitValue()) + "): "
                        + Files.readString(log).strip());
            }
            Thread.sleep(20);
        }
        return fs;
    }

    public Path path() {
        return mountPoint;
    }

    /**
     * Drops the cached pages of {@code files} (files of this mount) every half millisecond until closed, by
     * {@code POSIX_FADV_DONTNEED} through a descriptor of its own for each: memory pressure at its worst, where a page
     * read into the cache is gone again at once unless something holds it (a mapping, a pipe or socket buffer that
     * references it, a reader waiting for it). Opening the file drops its pages too (FUSE, no {@code keep_cache}).
     * Returns once the first drop is done.
     */
    public AutoCloseable evicting(List<Path> files) throws IOException {
        List<String> command = new ArrayList<>(List.of(PYTHON, "-c", """
                import os, sys, time
                fds = [os.open(name, os.O_RDONLY) for name in sys.argv[1:]]
                for fd in fds:
                    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                print("dropping", flush=True)
                while True:
                    time.sleep(0.0005)
                    for fd in fds:
                        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                """));
        files.forEach(file -> command.add(file.toString()));
        Process dropper = new ProcessBuilder(command).redirectErrorStream(true).start();
        String first = new String(dropper.getInputStream().readNBytes("dropping\n".length()));
        if (!first.equals("dropping\n")) {
            dropper.destroyForcibly();
            throw new IOException("cannot drop the pages of " + files + ": " + first
                    + new String(dropper.getInputStream().readAllBytes()));
        }
        return () -> {
            dropper.destroy();
            dropper.waitFor(5, TimeUnit.SECONDS);
        };
    }

    /** Whether the mount is in place: {@code /proc/self/mounts} names it as a {@code slowfs} FUSE mount. */
    boolean mounted() throws IOException {
        String where = mountPoint.toString();
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
            String[] fields = line.split(" ");
            if (fields.length > 2 && fields[0].equals("slowfs") && fields[1].equals(where)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Unmounts (lazily, so a descriptor a test still holds cannot keep the mount) and waits for the program
     * to end.
     */
    @Override
    public void close() throws IOException, InterruptedException {
        if (mounted()) {
            Process umount = new ProcessBuilder(List.of("umount", "-l", mountPoint.toString()))
                    .redirectErrorStream(true).start();
            String out = new String(umount.getInputStream().readAllBytes()).strip();
            if (umount.waitFor() != 0 && mounted()) {
                throw new IOException("cannot unmount " + mountPoint + ": " + out);
            }
        }
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        Files.deleteIfExists(log);
    }
}
