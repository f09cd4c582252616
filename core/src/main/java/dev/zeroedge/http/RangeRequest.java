package dev.zeroedge.http;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What a {@code Range} header asks of a representation of a given length, decided by a pure parser
 * that knows nothing of requests (RFC 9110 §14.2).
 *
 * <ul>
 *   <li>{@link Whole}: serve 200 with everything. The header is absent, not in {@code bytes}, not
 *       valid by the grammar (one bad spec spoils the whole header), asks for more than
 *       {@value #MAX_RANGES} ranges or for more bytes in total than the representation has (the
 *       overlapping-ranges attack of §14.2), or the representation is empty.</li>
 *   <li>{@link Unsatisfiable}: 416 with {@code Content-Range: bytes *}{@code /length}.</li>
 *   <li>{@link Partial}: the satisfiable ranges, clamped to the end, sorted, and with overlapping or
 *       adjacent ones merged: one means a single 206, several mean multipart/byteranges.</li>
 * </ul>
 * Numbers are read with saturation, so a position past {@code Long.MAX_VALUE} or thousands of digits
 * is simply "very large", never an overflow.
 */
public sealed interface RangeRequest {

    int MAX_RANGES = 16;

    record Whole() implements RangeRequest {
    }

    record Unsatisfiable() implements RangeRequest {
    }

    record Partial(List<ByteRange> ranges) implements RangeRequest {
        public Partial {
            ranges = List.copyOf(ranges);
        }
    }

    RangeRequest WHOLE = new Whole();
    RangeRequest UNSATISFIABLE = new Unsatisfiable();

    static RangeRequest parse(String header, long length) {
        if (header == null || length <= 0) {
            return WHOLE;
        }
        int eq = header.indexOf('=');
        if (eq < 0 || !header.substring(0, eq).trim().equalsIgnoreCase("bytes")) {
            return WHOLE;
        }
        List<ByteRange> satisfiable = new ArrayList<>();
        int specs = 0;
        long requested = 0;
        int at = eq + 1;
        while (true) {
            int comma = header.indexOf(',', at);
            String spec = header.substring(at, comma < 0 ? header.length() : comma).trim();
            at = comma + 1;
            if (!spec.isEmpty()) {
                if (++specs > MAX_RANGES) {
                    return WHOLE;
                }
                int dash = spec.indexOf('-');
                if (dash < 0) {
                    return WHOLE;
                }
                String firstText = spec.substring(0, dash);
                String lastText = spec.substring(dash + 1);
                if (firstText.isEmpty()) {
                    long suffix = Tokens.digits(lastText);
                    if (suffix < 0) {
                        return WHOLE;
                    }
                    if (suffix > 0) {
                        ByteRange range = new ByteRange(Math.max(0, length - suffix), length - 1);
                        satisfiable.add(range);
                        requested = saturatingAdd(requested, range.length());
                    }
                } else {
                    long first = Tokens.digits(firstText);
                    long last = lastText.isEmpty() ? Long.MAX_VALUE : Tokens.digits(lastText);
                    if (first < 0 || last < 0 || last < first) {
                        return WHOLE;
                    }
                    if (first < length) {
                        ByteRange range = new ByteRange(first, Math.min(last, length - 1));
                        satisfiable.add(range);
                        requested = saturatingAdd(requested, range.length());
                    }
                }
            } else if (comma < 0 && specs == 0) {
                return WHOLE;
            }
            if (comma < 0) {
                break;
            }
        }
        if (specs == 0) {
            return WHOLE;
        }
        if (satisfiable.isEmpty()) {
            return UNSATISFIABLE;
        }
        if (requested > length) {
            return WHOLE;
        }
        return new Partial(merge(satisfiable));
    }

    /** Sorts and merges overlapping or adjacent ranges. */
    private static List<ByteRange> merge(List<ByteRange> ranges) {
        if (ranges.size() == 1) {
            return ranges;
        }
        List<ByteRange> sorted = new ArrayList<>(ranges);
        sorted.sort(Comparator.comparingLong(ByteRange::first));
        List<ByteRange> merged = new ArrayList<>();
        ByteRange current = sorted.getFirst();
        for (int i = 1; i < sorted.size(); i++) {
            ByteRange next = sorted.get(i);
            if (next.first() <= current.last() + 1) {
                current = new ByteRange(current.first(), Math.max(current.last(), next.last()));
            } else {
                merged.add(current);
                current = next;
            }
        }
        merged.add(current);
        return merged;
    }

    private static long saturatingAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }
}
