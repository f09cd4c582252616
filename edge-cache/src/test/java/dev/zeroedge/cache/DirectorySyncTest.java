package dev.zeroedge.cache;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Commits that ask for one directory's fsync while another runs share the next one. */
class DirectorySyncTest {

    private static final Path DIR = Path.of("/cache/tmp");
    private static final int COMMITS = 8;

    /** Runs {@link #COMMITS} commits at once; the first force holds until all of them have asked. */
    private static List<Throwable> commitTogether(DirectorySync sync) throws InterruptedException {
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < COMMITS; i++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    sync.force(DIR);
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(20));
        }
        return List.copyOf(failures);
    }

    private static DirectorySync.Force holdingFirst(DirectorySync[] sync, AtomicInteger forces, boolean firstFails) {
        return directory -> {
            if (forces.incrementAndGet() == 1) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (sync[0].asked(directory) < COMMITS && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                if (firstFails) {
                    throw new IOException("fsync failed");
                }
            }
        };
    }

    @Test
    void commitsThatAskWhileAForceRunsShareTheNextOne() throws InterruptedException {
        AtomicInteger forces = new AtomicInteger();
        DirectorySync[] sync = new DirectorySync[1];
        sync[0] = new DirectorySync(holdingFirst(sync, forces, false));
        assertEquals(List.of(), commitTogether(sync[0]));
        assertEquals(2, forces.get(), "the first, and one for the seven that asked while it ran");
        assertEquals(0, sync[0].asked(DIR), "nothing kept once every commit is through");
    }

    @Test
    void aFailedForceFailsItsCallerAndTheOthersForceAgain() throws InterruptedException {
        AtomicInteger forces = new AtomicInteger();
        DirectorySync[] sync = new DirectorySync[1];
        sync[0] = new DirectorySync(holdingFirst(sync, forces, true));
        List<Throwable> failures = commitTogether(sync[0]);
        assertEquals(1, failures.size(), failures.toString());
        assertTrue(failures.getFirst() instanceof IOException);
        assertEquals(2, forces.get());
    }
}
