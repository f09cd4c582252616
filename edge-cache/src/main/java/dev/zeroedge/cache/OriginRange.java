package dev.zeroedge.cache;

/**
 * The byte range the cache asks the origin for when it fetches in slices, and whether a {@code 206}'s
 * {@code Content-Range} answers it. The first fetch of an object not known yet asks the slice that holds the
 * first byte a client wants (slice 0 without a Range; nginx's slice module asks the same way), and learns the
 * object's length from the answer; a client's suffix range ({@code bytes=-500}) asks the last slice's worth of
 * bytes from the end ({@code bytes=-SLICE}), which holds the whole last slice whatever the length turns out to be.
 * Later fetches ask exactly one slice.
 *
 * @param first the first byte asked, or -1 for a suffix of {@code last} bytes
 * @param last  the last byte asked (inclusive), or the suffix length
 */
record OriginRange(long first, long last) {

    /** The range a first fetch asks, for a client that sent {@code clientRange} (or null). */
    static OriginRange forClient(String clientRange, long sliceSize) {
        long start = 0;
        if (clientRange != null) {
            String value = clientRange.trim();
            if (value.regionMatches(true, 0, "bytes=", 0, 6)) {
                String spec = value.substring(6);
                int comma = spec.indexOf(',');
                spec = (comma < 0 ? spec : spec.substring(0, comma)).trim();
                int dash = spec.indexOf('-');
                if (dash == 0) {
                    return new OriginRange(-1, sliceSize);
                }
                if (dash > 0) {
                    try {
                        start = Math.max(0, Long.parseLong(spec.substring(0, dash).trim()));
                    } catch (NumberFormatException e) {
                        start = 0; // not a range the ladder will honour: the object's start
                    }
                }
            }
        }
        long slice = start / sliceSize;
        return of(slice * sliceSize, slice * sliceSize + sliceSize);
    }

    /** Bytes {@code [from, to)}. */
    static OriginRange of(long from, long to) {
        return new OriginRange(from, to - 1);
    }

    /** The Range field's value. */
    String header() {
        return first < 0 ? "bytes=-" + last : "bytes=" + first + "-" + last;
    }

    /** Whether {@code answer} is this range, as the origin can satisfy it for an object of the length it says. */
    boolean answeredBy(ContentRange answer) {
        long total = answer.total();
        if (first < 0) {
            return answer.last() == total - 1 && answer.first() == Math.max(0, total - last);
        }
        return answer.first() == first && answer.last() == Math.min(last, total - 1);
    }

    /**
     * A {@code Content-Range: bytes FIRST-LAST/TOTAL} of a 206 (RFC 9110 §14.4), or of a 416 ({@code bytes
     * *}{@code /TOTAL}: {@code first} and {@code last} -1). A total of {@code *} is no use to a cache: null.
     */
    record ContentRange(long first, long last, long total) {

        static ContentRange parse(String value) {
            if (value == null) {
                return null;
            }
            String v = value.trim();
            if (!v.regionMatches(true, 0, "bytes ", 0, 6)) {
                return null;
            }
            v = v.substring(6).trim();
            int slash = v.indexOf('/');
            if (slash < 0) {
                return null;
            }
            try {
                long total = Long.parseLong(v.substring(slash + 1).trim());
                String range = v.substring(0, slash).trim();
                if (range.equals("*")) {
                    return total >= 0 ? new ContentRange(-1, -1, total) : null;
                }
                int dash = range.indexOf('-');
                long first = Long.parseLong(range.substring(0, dash).trim());
                long last = Long.parseLong(range.substring(dash + 1).trim());
                if (first < 0 || last < first || last >= total) {
                    return null;
                }
                return new ContentRange(first, last, total);
            } catch (NumberFormatException | IndexOutOfBoundsException e) {
                return null;
            }
        }

        /** Whether this is all of the object (the origin answered a range that covers it). */
        boolean whole() {
            return first == 0 && last == total - 1;
        }
    }
}
