package dev.zeroedge.http;

import dev.zeroedge.files.FileInfo;
import io.netty.util.concurrent.FastThreadLocal;

import java.nio.charset.StandardCharsets;

/**
 * What every response head for a file's bytes carries about the file: its media type, and its validator
 * fields (Last-Modified, ETag, Accept-Ranges) already encoded. Worked out once per file and kept per
 * event-loop thread, so that a hot file's head costs no media-type lookup and no formatting. The key is
 * the {@link FileInfo} instance the open-file cache hands out until the file is checked again, so a
 * changed file gets new fields.
 */
record FileFields(String type, byte[] validators) {

    /** Direct-mapped: a slot holds the last file that hashed to it; a miss costs one encoding. */
    private static final int SLOTS = 256;

    private static final class Slots {
        final FileInfo[] files = new FileInfo[SLOTS];
        final FileFields[] fields = new FileFields[SLOTS];
    }

    private static final FastThreadLocal<Slots> OF_THREAD = new FastThreadLocal<>() {
        @Override
        protected Slots initialValue() {
            return new Slots();
        }
    };

    static FileFields of(FileInfo info) {
        Slots slots = OF_THREAD.get();
        int slot = System.identityHashCode(info) & (SLOTS - 1);
        if (slots.files[slot] != info) {
            slots.fields[slot] = new FileFields(MediaTypes.of(info.path().getFileName().toString()),
                    ("Last-Modified: " + info.lastModified() + "\r\nETag: " + info.etag()
                            + "\r\nAccept-Ranges: bytes\r\n").getBytes(StandardCharsets.ISO_8859_1));
            slots.files[slot] = info;
        }
        return slots.fields[slot];
    }
}
