package dev.zeroedge.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A sparse file of gigabytes that costs no disk: zeros everywhere except short ASCII markers at known
 * offsets (around the 2 GiB and 4 GiB boundaries, at slice edges, at the end), so every byte of any range
 * can be checked as it arrives without holding the file's bytes anywhere.
 */
public final class MarkedSparseFile {

    private final Path path;
    private final long length;
    private final NavigableMap<Long, byte[]> markers;

    private MarkedSparseFile(Path path, long length, NavigableMap<Long, byte[]> markers) {
        this.path = path;
        this.length = length;
        this.markers = markers;
    }

    /** Creates {@code path} with {@code length} bytes and each marker (offset → text) that fits. */
    public static MarkedSparseFile create(Path path, long length, Map<Long, String> markers) throws IOException {
        TreeMap<Long, byte[]> written = new TreeMap<>();
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            file.setLength(length);
            for (Map.Entry<Long, String> marker : markers.entrySet()) {
                byte[] bytes = marker.getValue().getBytes(StandardCharsets.US_ASCII);
                if (marker.getKey() >= 0 && marker.getKey() + bytes.length <= length) {
                    file.seek(marker.getKey());
                    file.write(bytes);
                    written.put(marker.getKey(), bytes);
                }
            }
        }
        return new MarkedSparseFile(path, length, written);
    }

    public Path path() {
        return path;
    }

    public long length() {
        return length;
    }

    /**
     * Reads {@code count} bytes from {@code in} and checks that they are the file's bytes from
     * {@code offset} on; fails at the first wrong byte, naming its file offset, or when the stream ends early.
     */
    public void assertBody(InputStream in, long offset, long count) throws IOException {
        byte[] chunk = new byte[1 << 20];
        long at = offset;
        long end = offset + count;
        while (at < end) {
            int n = in.read(chunk, 0, (int) Math.min(chunk.length, end - at));
            if (n < 0) {
                throw new AssertionError("body ended at file byte " + at + " of " + end);
            }
            assertChunk(chunk, n, at);
            at += n;
        }
    }

    private void assertChunk(byte[] chunk, int n, long at) {
        byte[] expected = new byte[n];
        Long from = markers.floorKey(at);
        for (Map.Entry<Long, byte[]> marker : markers.subMap(from != null ? from : at, true, at + n, false).entrySet()) {
            byte[] bytes = marker.getValue();
            for (int i = 0; i < bytes.length; i++) {
                long where = marker.getKey() + i - at;
                if (where >= 0 && where < n) {
                    expected[(int) where] = bytes[i];
                }
            }
        }
        int wrong = Arrays.mismatch(chunk, 0, n, expected, 0, n);
        if (wrong >= 0) {
            throw new AssertionError("file byte " + (at + wrong) + " of " + path.getFileName() + " arrived as "
                    + chunk[wrong] + ", expected " + expected[wrong]);
        }
    }
}
