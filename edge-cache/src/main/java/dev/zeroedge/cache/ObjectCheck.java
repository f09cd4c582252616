package dev.zeroedge.cache;

import dev.zeroedge.files.OpenFile;
import dev.zeroedge.files.PageCache;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.NoSuchFileException;
import java.util.zip.CRC32C;

/**
 * Reads one stored object back and compares it with its metadata: the metadata decodes and its own CRC holds,
 * the body is there with the metadata's length, and each slice the metadata says is present has the CRC32C
 * the fill computed. Blocking: a file-system thread's or the scrubber's work, never an event loop's.
 *
 * <p>It reads around the page cache: readahead is off on its descriptor, and a range the cache held less than half
 * of before it was read is dropped again after ({@link PageCache#drop}), so checking a cold object does not push
 * hot ones out of memory, and a hot range that lost a page or two to memory pressure is not dropped with them. (Where cachestat cannot tell, every range counts as held and nothing is dropped.)
 */
final class ObjectCheck {

    private static final int CHUNK = 256 * 1024;

    private final Store store;
    private final Pace pace;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK);

    ObjectCheck(Store store, Pace pace) {
        this.store = store;
        this.pace = pace;
    }

    /**
     * What is wrong with object {@code hash}, or null when nothing is. With {@code expected} (the object the index
     * holds), an object that the disk's metadata says was stored at another time is not judged: it was replaced
     * meanwhile, and null is returned.
     */
    Fault check(String hash, StoredObject expected) throws InterruptedException {
        String key = expected == null ? null : expected.key();
        StoredObject object;
        try {
            object = store.readMetadata(hash);
        } catch (NoSuchFileException gone) {
            return expected == null ? new Fault(hash, null, -1, "metadata gone") : null;
        } catch (IOException e) {
            return new Fault(hash, key, -1, "metadata: " + e.getMessage());
        }
        if (expected != null && object.storedAtMillis() != expected.storedAtMillis()) {
            return null;
        }
        OpenFile body;
        try {
            body = store.openBody(hash);
        } catch (NoSuchFileException e) {
            return new Fault(hash, object.key(), -1, "body missing");
        } catch (IOException e) {
            return new Fault(hash, object.key(), -1, "body unreadable: " + e.getMessage());
        }
        try {
            if (body.length() != object.length()) {
                return new Fault(hash, object.key(), -1, "body of " + body.length() + " bytes, metadata says "
                        + object.length());
            }
            PageCache.noReadahead(body);
            SliceMap slices = object.slices();
            for (int slice = 0; slice < slices.count(); slice++) {
                if (!slices.has(slice)) {
                    continue;
                }
                int crc;
                try {
                    crc = crc(body, slices.start(slice), slices.end(slice));
                } catch (ClosedByInterruptException closing) {
                    throw new InterruptedException("closed while reading " + hash); // not the object's fault
                } catch (IOException e) {
                    return new Fault(hash, object.key(), slice, "unreadable: " + e.getMessage());
                }
                if (crc != slices.crcs()[slice]) {
                    return new Fault(hash, object.key(), slice, String.format("CRC32C %08x, metadata says %08x",
                            crc, slices.crcs()[slice]));
                }
            }
            return null;
        } finally {
            body.release();
        }
    }

    private static long pages(int length) {
        return (length + 4095) / 4096;
    }

        private int crc(OpenFile body, long start, long end) throws IOException, InterruptedException {
        CRC32C crc = new CRC32C();
        for (long at = start; at < end; ) {
            int length = (int) Math.min(CHUNK, end - at);
            pace.take(length);
            // Mostly held: a range of a hot object that lost a few pages to memory pressure is kept, not dropped
            // whole (a whole-range test dropped 64 hot pages of 8,192 in bench-scrub's residency part).
            boolean held = PageCache.residentPages(body, at, length) >= pages(length) / 2;
            buffer.clear().limit(length);
            while (buffer.hasRemaining()) {
                if (body.channel().read(buffer, at + buffer.position()) < 0) {
                    throw new IOException("end of file at " + (at + buffer.position()));
                }
            }
            if (!held) {
                PageCache.drop(body, at, length);
            }
            crc.update(buffer.flip());
            at += length;
        }
        return (int) crc.getValue();
    }
}
