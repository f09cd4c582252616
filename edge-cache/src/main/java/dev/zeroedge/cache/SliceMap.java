package dev.zeroedge.cache;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.BitSet;

/**
 * Which slices of a body are on disk, and the CRC32C of each, computed by the fill from the bytes it wrote (an
 * integrity scrubber checks them against the file later). Slice {@code i} is bytes
 * {@code [i * size, min((i + 1) * size, length))}; an object fetched whole is one slice of its whole length.
 * Immutable: a fill that commits a slice makes the next map ({@link #with}).
 *
 * @param size    the length of every slice but the last (for an object fetched whole: its length)
 * @param length  the body's length
 * @param present the slices on disk
 * @param crcs    each present slice's CRC32C; 0 for a missing one
 */
record SliceMap(long size, long length, BitSet present, int[] crcs) {

    /** A body of {@code length} bytes in slices of {@code size}, none of them on disk yet. */
    static SliceMap empty(long length, long size) {
        if (length < 0 || size < 0 || (length > 0 && size == 0)) {
            throw new IllegalArgumentException("slices of " + size + " bytes of a " + length + "-byte body");
        }
        int count = count(length, size);
        return new SliceMap(size, length, new BitSet(count), new int[count]);
    }

    /** An object fetched whole: one slice of its {@code length}, present, with its checksum. */
    static SliceMap whole(long length, int crc) {
        return empty(length, length).with(0, crc);
    }

    private static int count(long length, long size) {
        long count = length <= size ? 1 : (length + size - 1) / size;
        if (count > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException(count + " slices");
        }
        return (int) count;
    }

    int count() {
        return crcs.length;
    }

    boolean has(int slice) {
        return present.get(slice);
    }

    boolean complete() {
        return present.cardinality() == count();
    }

    /** The first byte of {@code slice}. */
    long start(int slice) {
        return slice * size;
    }

    /** The byte after the last of {@code slice}. */
    long end(int slice) {
        return slice == count() - 1 ? length : (slice + 1) * size;
    }

    /** The slice that holds byte {@code position}. */
    int sliceOf(long position) {
        return size == 0 ? 0 : (int) Math.min(count() - 1, position / size);
    }

    SliceMap with(int slice, int crc) {
        BitSet more = (BitSet) present.clone();
        more.set(slice);
        int[] sums = crcs.clone();
        sums[slice] = crc;
        return new SliceMap(size, length, more, sums);
    }

    void encode(DataOutputStream out) throws IOException {
        out.writeLong(size);
        out.writeInt(count());
        for (int i = 0; i < count(); i++) {
            out.writeBoolean(present.get(i));
            out.writeInt(crcs[i]);
        }
    }

    static SliceMap decode(DataInputStream in, long length) throws IOException {
        long size = in.readLong();
        int count = in.readInt();
        if (size < 0 || (length > 0 && size == 0) || count != count(length, size)) {
            throw new IOException(count + " slices of " + size + " bytes for a " + length + "-byte body");
        }
        BitSet present = new BitSet(count);
        int[] crcs = new int[count];
        for (int i = 0; i < count; i++) {
            present.set(i, in.readBoolean());
            crcs[i] = in.readInt();
        }
        return new SliceMap(size, length, present, crcs);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SliceMap map && map.size == size && map.length == length
                && map.present.equals(present) && Arrays.equals(map.crcs, crcs);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(size) * 31 + present.hashCode();
    }

    @Override
    public String toString() {
        return "SliceMap(" + present.cardinality() + " of " + count() + " slices of " + size + " bytes)";
    }
}
