package dev.zeroedge.files;

import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.Closeable;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Closes files on a thread of its own, because close(2) can wait: FUSE sends a flush and waits for the
 * daemon's answer, behind whatever the daemon is slow at; NFSv4 sends a CLOSE to its server. The last
 * response to let go of a file does so on its event loop, which must not wait for that.
 *
 * <p>Not bounded: a close must never be refused (a refused one would leak the descriptor), and what waits
 * here is bounded by the descriptors the process may hold.
 */
final class Closer {

    private static final ExecutorService THREAD =
            Executors.newSingleThreadExecutor(new DefaultThreadFactory("file-closer", true));

    private Closer() {
    }

    static void later(Closeable file) {
        THREAD.execute(() -> {
            try {
                file.close();
            } catch (IOException ignored) {
                // Closing a read-only descriptor cannot lose data; nothing to report.
            }
        });
    }
}
