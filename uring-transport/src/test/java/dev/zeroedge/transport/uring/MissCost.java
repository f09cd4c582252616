package dev.zeroedge.transport.uring;

import dev.zeroedge.files.DocumentRoot;
import dev.zeroedge.files.FileOpener;
import dev.zeroedge.files.FileSystemPool;
import dev.zeroedge.files.HeldBodies;
import dev.zeroedge.files.Lookup;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * What one miss of the open-file cache costs, through the ring and through the file-system pool: not a
 * test (mvn verify never runs it), a measurement to run on purpose:
 * {@code java -cp ... dev.zeroedge.transport.uring.MissCost [lookups] [in flight] [rounds]}.
 *
 * <p>One io_uring event loop looks {@code lookups} names up (a name per file, 64 files of 1 KiB in a
 * two-level tree, real and in the page cache), {@code in flight} at a time, each answer released on the
 * loop as it comes; small bodies held (the read and the second statx included) or not. It prints, per
 * opener, the wall time and the process CPU time (every thread: the loop, the pool's threads, the kernel's
 * io-wq workers) per lookup, per round, so the spread shows.
 */
public final class MissCost {

    private MissCost() {
    }

    public static void main(String[] args) throws Exception {
        int lookups = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int inFlight = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        Path dir = Files.createTempDirectory("miss-cost");
        String[] names = new String[64];
        for (int i = 0; i < names.length; i++) {
            Path file = dir.resolve("d" + i % 8).resolve("f" + i + ".css");
            Files.createDirectories(file.getParent());
            Files.write(file, new byte[1024]);
            names[i] = "/d" + i % 8 + "/f" + i + ".css";
        }
        DocumentRoot root = new DocumentRoot(dir, false);
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, IoUringIoHandler.newFactory());
        EventLoop loop = group.next();
        try (FileSystemPool pool = new FileSystemPool(FileSystemPool.DEFAULT_THREADS, FileSystemPool.DEFAULT_QUEUE)) {
            FileOpener ring = new RingFileOpener(pool);
            for (boolean hold : new boolean[] {false, true}) {
                HeldBodies held = hold ? new HeldBodies(16 * 1024, 64L * 1024 * 1024) : HeldBodies.NONE;
                for (int round = 0; round <= rounds; round++) {
                    // Round 0 warms up both (JIT, the loop's ring handle, the pool's threads).
                    for (FileOpener opener : new FileOpener[] {ring, pool}) {
                        long cpu = processCpuNanos();
                        long start = System.nanoTime();
                        run(opener, root, names, held, loop, lookups, inFlight);
                        long wall = System.nanoTime() - start;
                        long used = processCpuNanos() - cpu;
                        if (round > 0) {
                            System.out.printf("%s held=%s round=%d: %.2f us wall, %.2f us cpu per lookup%n",
                                    opener == ring ? "ring" : "pool", hold, round, wall / 1000.0 / lookups,
                                    used / 1000.0 / lookups);
                        }
                    }
                }
            }
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        }
    }

    /** {@code lookups} lookups from the loop, {@code inFlight} at a time; returns when the last has answered. */
    private static void run(FileOpener opener, DocumentRoot root, String[] names, HeldBodies held, EventLoop loop,
                            int lookups, int inFlight) throws Exception {
        Promise<Void> done = loop.newPromise();
        loop.execute(() -> new Object() {
            int asked;
            int answered;

            void start() {
                for (int i = 0; i < inFlight; i++) {
                    next();
                }
            }

            void next() {
                if (asked == lookups) {
                    return;
                }
                Future<Lookup> answer = opener.open(root, names[asked++ % names.length], held, loop);
                answer.addListener(f -> {
                    if (!(answer.getNow() instanceof Lookup.Found found)) {
                        done.tryFailure(new IllegalStateException("not found: " + answer.getNow()));
                        return;
                    }
                    found.open().release();
                    if (++answered == lookups) {
                        done.setSuccess(null);
                    } else {
                        next();
                    }
                });
            }
        }.start());
        done.sync();
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
