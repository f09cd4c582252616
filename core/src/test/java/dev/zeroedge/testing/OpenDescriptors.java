package dev.zeroedge.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The open file descriptors of this JVM, from /proc/self/fd: files, sockets and pipes alike. */
public final class OpenDescriptors {

    private OpenDescriptors() {
    }

    public static int count() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits up to {@code millis} for the count to come back to at most {@code baseline}; returns the last count. */
    public static int awaitAtMost(int baseline, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        int now = count();
        while (now > baseline && System.nanoTime() < deadline) {
            Thread.sleep(20);
            now = count();
        }
        return now;
    }
}
