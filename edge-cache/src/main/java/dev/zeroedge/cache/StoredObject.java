package dev.zeroedge.cache;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * What the metadata file beside a body says about it: the full key (a hash collision is told from the
 * object), the status, the media type, the validators, the stored end-to-end fields, the body's length, when it
 * was stored and how long it is fresh, and which of its slices are on disk with their checksums. The metadata
 * file is the commit record: an object is there when its metadata file is, its body file has exactly
 * {@link #length} bytes (a sparse file where slices are missing), and the bytes of the slices it says are
 * present are on disk.
 *
 * <p>On disk: magic, version, the fields in order, the slice map, then a CRC32C of everything before it, so a
 * torn or foreign file is refused rather than half read. Version 2 added the slice map, version 3 the secondary
 * key (a variant's: {@link Variants}); a version 2 file is read as an object without one, a file of another
 * version is refused, and the object dropped at startup.
 *
 * @param etag          a strong entity tag with its quotes, or null (a weak one stays among {@code fields})
 * @param lastModified  the origin's Last-Modified, or null
 * @param fields        the origin's other end-to-end fields, name and value, in order
 * @param storedAtMillis when the origin's response came in (epoch ms)
 * @param initialAge    the origin's Age at that time, seconds
 * @param lifetime      seconds it is fresh for (RFC 9111 §4.2.1)
 * @param noCache       every use must be validated first (here: fetched again)
 * @param slices        which slices are on disk; null while a body fetched whole is still being written
 * @param secondary     the {@link SecondaryKey} of the requests this variant answers (its response's {@code Vary}
 *                      stays among {@code fields}); null for an object that does not vary
 */
record StoredObject(String key, int status, String type, String etag, String lastModified, long lastModifiedSeconds,
                    List<String[]> fields, long length, long storedAtMillis, long initialAge, long lifetime,
                    boolean noCache, SliceMap slices, String secondary) {

    private static final int MAGIC = 0x7a656f31; // "zeo1"
    private static final int VERSION = 3;
    /** Still read: the same without the secondary key. */
    private static final int VERSION_WITHOUT_VARIANTS = 2;

    /** An object that does not vary. */
    StoredObject(String key, int status, String type, String etag, String lastModified, long lastModifiedSeconds,
                 List<String[]> fields, long length, long storedAtMillis, long initialAge, long lifetime,
                 boolean noCache, SliceMap slices) {
        this(key, status, type, etag, lastModified, lastModifiedSeconds, fields, length, storedAtMillis, initialAge,
                lifetime, noCache, slices, null);
    }

    /** The object's age in seconds at {@code nowMillis} (RFC 9111 §4.2.3, with the origin's Age as its start). */
    long age(long nowMillis) {
        return initialAge + Math.max(0, (nowMillis - storedAtMillis) / 1000);
    }

    boolean freshAt(long nowMillis) {
        return !noCache && age(nowMillis) < lifetime;
    }

    /** Whether every byte of the body is on disk (else it is an object in slices, some of them still missing). */
    boolean whole() {
        return slices == null || slices.complete();
    }

    StoredObject withSlices(SliceMap map) {
        return new StoredObject(key, status, type, etag, lastModified, lastModifiedSeconds, fields, length,
                storedAtMillis, initialAge, lifetime, noCache, map, secondary);
    }

    /** The same object as the variant of {@code key} that requests of secondary key {@code key} ask for. */
    StoredObject withSecondary(String key) {
        return new StoredObject(this.key, status, type, etag, lastModified, lastModifiedSeconds, fields, length,
                storedAtMillis, initialAge, lifetime, noCache, slices, key);
    }

    /** The same object, stale from now on (a soft purge): its next use validates it with the origin. */
    StoredObject staled() {
        return new StoredObject(key, status, type, etag, lastModified, lastModifiedSeconds, fields, length,
                storedAtMillis, initialAge, 0, noCache, slices, secondary);
    }

    /** The value of the stored end-to-end field {@code name} (a weak ETag, an unparsable Last-Modified), or null. */
    String field(String name) {
        for (String[] field : fields) {
            if (field[0].equalsIgnoreCase(name)) {
                return field[1];
            }
        }
        return null;
    }

    byte[] encode() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeUTF(key);
            out.writeInt(status);
            out.writeUTF(type);
            writeNullable(out, etag);
            writeNullable(out, lastModified);
            out.writeLong(lastModifiedSeconds);
            out.writeInt(fields.size());
            for (String[] field : fields) {
                out.writeUTF(field[0]);
                out.writeUTF(field[1]);
            }
            out.writeLong(length);
            out.writeLong(storedAtMillis);
            out.writeLong(initialAge);
            out.writeLong(lifetime);
            out.writeBoolean(noCache);
            slices.encode(out);
            writeNullable(out, secondary);
            out.flush();
            CRC32C crc = new CRC32C();
            crc.update(bytes.toByteArray());
            out.writeInt((int) crc.getValue());
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("a byte array cannot fail", e);
        }
    }

    /** The object a metadata file describes; IOException when it is torn, foreign or of another version. */
    static StoredObject decode(byte[] file) throws IOException {
        if (file.length < 12) {
            throw new IOException("metadata file of " + file.length + " bytes");
        }
        CRC32C crc = new CRC32C();
        crc.update(file, 0, file.length - 4);
        int expected = ((file[file.length - 4] & 0xff) << 24) | ((file[file.length - 3] & 0xff) << 16)
                | ((file[file.length - 2] & 0xff) << 8) | (file[file.length - 1] & 0xff);
        if ((int) crc.getValue() != expected) {
            throw new IOException("metadata checksum mismatch");
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(file, 0, file.length - 4));
        int version = in.readInt() == MAGIC ? in.readInt() : -1;
        if (version != VERSION && version != VERSION_WITHOUT_VARIANTS) {
            throw new IOException("not a zeroedge metadata file of version " + VERSION);
        }
        String key = in.readUTF();
        int status = in.readInt();
        String type = in.readUTF();
        String etag = readNullable(in);
        String lastModified = readNullable(in);
        long lastModifiedSeconds = in.readLong();
        int count = in.readInt();
        if (count < 0 || count > 10_000) {
            throw new IOException("metadata with " + count + " fields");
        }
        List<String[]> fields = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            fields.add(new String[] {in.readUTF(), in.readUTF()});
        }
        long length = in.readLong();
        long storedAt = in.readLong();
        long initialAge = in.readLong();
        long lifetime = in.readLong();
        boolean noCache = in.readBoolean();
        SliceMap slices = SliceMap.decode(in, length);
        String secondary = version == VERSION ? readNullable(in) : null;
        return new StoredObject(key, status, type, etag, lastModified, lastModifiedSeconds, List.copyOf(fields),
                length, storedAt, initialAge, lifetime, noCache, slices, secondary);
    }

    private static void writeNullable(DataOutputStream out, String value) throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            out.writeUTF(value);
        }
    }

    private static String readNullable(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }
}
