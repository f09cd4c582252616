package dev.zeroedge.cache;

import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Whether one cache directory still works: its I/O errors counted in a window, and a look at the directory itself.
 *
 * <p>{@link #ERRORS} errors within {@link #WINDOW_NANOS} (an open, read, write or fsync that failed with an
 * I/O error, or an object the scrubber found corrupt) say the disk is failing: one bad sector gives one or two
 * (its object is quarantined), a dying disk gives them by the hundred. Errors that are the cache's normal life do
 * not count: a file evicted meanwhile (ENOENT), a full disk (that has its own answer, see {@link DiskSpace}), an
 * interrupted read. The look ({@link #problem}) finds what no request may meet for a while: the directory no longer
 * the one it was at startup (its file system unmounted: the path now names the directory under the mount point,
 * whose device and inode differ) or no longer readable.
 */
final class DirectoryHealth {

    static final int ERRORS = 5;
    static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final Path directory;
    /** The directory's device and inode at startup ({@link BasicFileAttributes#fileKey}). */
    private final Object identity;
    /** The times of the last {@link #ERRORS} errors, a ring. Guarded by this. */
    private final long[] errors = new long[ERRORS];
    private int next;
    private long counted;

    DirectoryHealth(Path directory) throws IOException {
        this.directory = directory;
        this.identity = Files.readAttributes(directory, BasicFileAttributes.class).fileKey();
    }

    /** Whether {@code failure} is an I/O error of the disk, as opposed to the cache's normal life. */
    static boolean counts(Throwable failure) {
        return failure instanceof IOException && !(failure instanceof NoSuchFileException
                || failure instanceof FileAlreadyExistsException || failure instanceof ClosedByInterruptException
                || failure instanceof ClosedChannelException || Store.noSpace(failure));
    }

    /** Counts one error now; true when it is the {@link #ERRORS}th within the window. */
    synchronized boolean error(long nowNanos) {
        errors[next] = nowNanos;
        next = (next + 1) % ERRORS;
        counted++;
        // errors[next] is now the oldest of the last ERRORS.
        return counted >= ERRORS && nowNanos - errors[next] <= WINDOW_NANOS;
    }

    /** Errors counted since startup. */
    synchronized long errors() {
        return counted;
    }

    /** What is wrong with the directory itself, or null: blocking (a stat and a listing), off the event loops. */
    String problem() {
        try {
            Object now = Files.readAttributes(directory, BasicFileAttributes.class).fileKey();
            if (!Objects.equals(now, identity)) {
                return "it is no longer the directory it was at startup (" + identity + ", now " + now
                        + "): its file system was unmounted";
            }
            try (DirectoryStream<Path> tmp = Files.newDirectoryStream(directory.resolve("tmp"))) {
                tmp.iterator().hasNext();
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return "it cannot be read: " + e;
        }
    }
}
