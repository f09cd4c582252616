package dev.zeroedge.files;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;

/**
 * How the document root's files are looked up and opened without a blocking call on an event loop: the one
 * way the open-file cache reaches the disk. A transport may bring its own (uring-splice opens and stats through
 * its ring); every other mode uses the {@link FileSystemPool}.
 */
@FunctionalInterface
public interface FileOpener {

    /**
     * Looks the canonical {@code name} ({@link DocumentRoot#name}) up under {@code root} and opens it, as
     * {@link DocumentRoot#openName} does, holding its bytes if {@code held} takes them. The future completes
     * on {@code loop} and never fails: trouble is a {@link Lookup} ({@link Lookup.Busy} when the work cannot
     * even be queued). A {@link Lookup.Found} carries a file retained for the listener, who must release it,
     * also when the connection that asked has gone meanwhile.
     */
    Future<Lookup> open(DocumentRoot root, String name, HeldBodies held, EventExecutor loop);

    /**
     * As {@link #open}, for a name whose file the asker has open as {@code known}: {@link Lookup.Unchanged}
     * when the name still names that version (a stat, no descriptor taken), else what {@link #open} finds.
     */
    default Future<Lookup> recheck(DocumentRoot root, String name, HeldBodies held, FileInfo known,
                                   EventExecutor loop) {
        return open(root, name, held, loop);
    }
}
