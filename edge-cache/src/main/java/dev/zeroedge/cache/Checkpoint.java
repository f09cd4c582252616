package dev.zeroedge.cache;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.concurrent.TimeUnit;

/**
 * What a cache directory says of the last run's end: its extended attribute {@code user.zeroedge.checkpoint} (on
 * the directory: no file among the objects, nothing for a walk or the offline check to trip on) holds
 * {@code running MILLIS}, rewritten
 * every {@link #PERIOD_MILLIS} while the cache serves, or {@code clean MILLIS} once it closed. At startup it tells
 * which objects to check before their first hit ({@link #trustedBefore}): none after a clean close; after a crash,
 * those whose metadata was written since one period before the last checkpoint, i.e. in the seconds before the
 * crash, when a disk that acknowledged an fsync from its volatile cache (or a torn write) may have lost them.
 * Objects older than that were acknowledged long before the crash, and the scrubber checks them in its turn.
 *
 * <p>The attribute is replaced at once (setxattr), not forced: a checkpoint lost in the crash leaves the one before
 * it, which trusts less, never more. A value that does not read back trusts nothing. On a file system without user
 * extended attributes there is no checkpoint: every object is trusted at startup, and the scrubber checks it in its
 * turn (logged once).
 */
final class Checkpoint {

    private static final Logger log = LoggerFactory.getLogger(Checkpoint.class);
    static final long PERIOD_MILLIS = TimeUnit.SECONDS.toMillis(10);

    private static final String NAME = "zeroedge.checkpoint";

    private final Path directory;
    private volatile boolean unsupported;

    Checkpoint(Path directory) {
        this.directory = directory;
    }

    /**
     * Reads what the last run left, before this run writes its own: objects committed before the time returned are
     * trusted; {@link Long#MAX_VALUE} after a clean close or when there is no checkpoint (a new directory), 0 when it
     * does not read back.
     */
    long trustedBefore() {
        String said;
        try {
            UserDefinedFileAttributeView view = view();
            if (view == null || !view.list().contains(NAME)) {
                return Long.MAX_VALUE;
            }
            ByteBuffer value = ByteBuffer.allocate(view.size(NAME));
            view.read(NAME, value);
            said = StandardCharsets.US_ASCII.decode(value.flip()).toString().trim();
        } catch (FileSystemException e) {
            if (e.getMessage() != null && e.getMessage().contains("not supported")) {
                noAttributes(e);
                return Long.MAX_VALUE;
            }
            log.warn("cannot read the checkpoint of {}: {}: every object is checked before its first hit", directory,
                    e.toString());
            return 0;
        } catch (IOException | RuntimeException e) {
            log.warn("cannot read the checkpoint of {}: {}: every object is checked before its first hit", directory,
                    e.toString());
            return 0;
        }
        String[] parts = said.split(" ");
        try {
            if (parts.length == 2 && parts[0].equals("clean")) {
                Long.parseLong(parts[1]);
                return Long.MAX_VALUE;
            }
            if (parts.length == 2 && parts[0].equals("running")) {
                return Long.parseLong(parts[1]) - PERIOD_MILLIS;
            }
        } catch (NumberFormatException e) {
            // below
        }
        log.warn("the checkpoint of {} says {}: every object is checked before its first hit", directory, said);
        return 0;
    }

    /** This run is serving, at {@code nowMillis}: blocking, on a file-system thread. */
    void running(long nowMillis) throws IOException {
        write("running " + nowMillis);
    }

    /** This run closed, every commit done. */
    void clean(long nowMillis) throws IOException {
        write("clean " + nowMillis);
    }

    private synchronized void write(String line) throws IOException {
        UserDefinedFileAttributeView view = view();
        if (view == null) {
            return;
        }
        try {
            view.write(NAME, StandardCharsets.US_ASCII.encode(line));
        } catch (FileSystemException e) {
            if (e.getMessage() != null && e.getMessage().contains("not supported")) {
                noAttributes(e);
                return;
            }
            throw e;
        }
    }

    /** The directory's user attributes; null where the file system has none. */
    private UserDefinedFileAttributeView view() {
        if (unsupported) {
            return null;
        }
        UserDefinedFileAttributeView view = Files.getFileAttributeView(directory, UserDefinedFileAttributeView.class);
        if (view == null) {
            noAttributes(null);
        }
        return view;
    }

    private void noAttributes(Exception why) {
        if (!unsupported) {
            unsupported = true;
            log.warn("cache directory {}: no user extended attributes ({}): no checkpoint, objects committed just"
                    + " before a crash are not checked before their first hit", directory, why);
        }
    }
}
