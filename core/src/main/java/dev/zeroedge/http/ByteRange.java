package dev.zeroedge.http;

/** Bytes {@code first} to {@code last}, both inclusive, of a representation (RFC 9110 §14.1.2). */
public record ByteRange(long first, long last) {

    public ByteRange {
        if (first < 0 || last < first) {
            throw new IllegalArgumentException("bad range " + first + "-" + last);
        }
    }

    public long length() {
        return last - first + 1;
    }

    /** The Content-Range value, e.g. {@code bytes 0-499/1234}. */
    public String contentRange(long completeLength) {
        return "bytes " + first + '-' + last + '/' + completeLength;
    }
}
