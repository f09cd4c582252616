package dev.zeroedge.cache;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The directory fsyncs of commits, shared by the commits that need one at the same time (a group commit): a
 * commit whose renames are done asks for its directory to be forced; a force that starts after that covers it,
 * so while one force runs, every commit that asks meanwhile waits for the next one, and that one force covers
 * them all. Every commit shares {@code tmp/} (its name leaves it), so under concurrent fills most of those forces
 * are shared; the fan directories of objects are shared only when two commits meet in one.
 *
 * <p>Called on the file-system threads, which wait for the force that covers them as they would wait for
 * their own. A failed force fails its caller; the waiters it would have covered force again themselves.
 */
final class DirectorySync {

    /** What forces one directory: {@code fsync} of it, or a test's stand-in. */
    interface Force {
        void force(Path directory) throws IOException;
    }

    private static final class Directory {
        final ReentrantLock lock = new ReentrantLock();
        final Condition forced = lock.newCondition();
        /** Commits that asked so far, and how many of them a completed force covers. */
        long asked;
        long covered;
        boolean forcing;
        /** Callers inside {@link #force}: the entry goes when the last leaves. */
        int callers;
    }

    private final Force force;
    private final ConcurrentHashMap<Path, Directory> directories = new ConcurrentHashMap<>();

    DirectorySync(Force force) {
        this.force = force;
    }

    /** Returns once a force of {@code directory} that started after this call has completed. */
    void force(Path directory) throws IOException {
        Directory d = directories.compute(directory, (p, known) -> {
            Directory entry = known == null ? new Directory() : known;
            entry.callers++;
            return entry;
        });
        try {
            d.lock.lock();
            try {
                long mine = ++d.asked;
                while (d.covered < mine) {
                    if (d.forcing) {
                        d.forced.awaitUninterruptibly();
                        continue;
                    }
                    d.forcing = true;
                    long covers = d.asked;
                    d.lock.unlock();
                    try {
                        force.force(directory);
                    } finally {
                        d.lock.lock();
                        d.forcing = false;
                        d.forced.signalAll();
                    }
                    d.covered = Math.max(d.covered, covers);
                }
            } finally {
                d.lock.unlock();
            }
        } finally {
            directories.compute(directory, (p, entry) -> --entry.callers == 0 ? null : entry);
        }
    }

    /** Commits that have asked for {@code directory} while some are still in {@link #force} (tests). */
    long asked(Path directory) {
        Directory d = directories.get(directory);
        if (d == null) {
            return 0;
        }
        d.lock.lock();
        try {
            return d.asked;
        } finally {
            d.lock.unlock();
        }
    }
}
