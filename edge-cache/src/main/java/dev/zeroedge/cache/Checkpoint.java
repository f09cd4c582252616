package dev.zeroedge.cache;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

/**
 * What a cache directory says of the last run's end: {@code DIR/checkpoint} holds {@code running MILLIS}, rewritten
 * every {@link #PERIOD_MILLIS} while the cache serves, or {@code clean MILLIS} once it closed. At startup it tells
 * which objects to check before their first hit ({@link #trustedBefore}): none after a clean close; after a crash,
 * those whose metadata was written since one period before the last checkpoint, i.e. in the seconds before the
 * crash, when a disk that acknowledged an fsync from its volatile cache (or a torn write) may have lost them.
 * Objects older than that were acknowledged long before the crash, and the scrubber checks them in its turn.
 *
 * <p>The file is written beside and renamed, not forced: a checkpoint lost in the crash leaves the one before it,
 * which trusts less, never more. A file that does not read back trusts nothing.
 */
final class Checkpoint {

    private static final Logger log = LoggerFactory.getLogger(Checkpoint.class);
    static final long PERIOD_MILLIS = TimeUnit.SECONDS.toMillis(10);

    private final Path file;
    private final Path beside;

    Checkpoint(Path directory) {
        this.file = directory.resolve("checkpoint");
        this.beside = directory.resolve("tmp").resolve("checkpoint.next");
    }

    /**
     * Reads what the last run left, before this run writes its own: objects committed before the time returned are
     * trusted; {@link Long#MAX_VALUE} after a clean close or when there is no checkpoint (a new directory), 0 when it
     * does not read back.
     */
    long trustedBefore() {
        String said;
        try {
            said = Files.readString(file, StandardCharsets.US_ASCII).trim();
        } catch (NoSuchFileException none) {
            return Long.MAX_VALUE;
        } catch (IOException | RuntimeException e) {
            log.warn("cannot read {}: {}: every object is checked before its first hit", file, e.toString());
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
        log.warn("{} says {}: every object is checked before its first hit", file, said);
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
        Files.writeString(beside, line + "\n", StandardCharsets.US_ASCII);
        Files.move(beside, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
