package dev.zeroedge.loadtest;

import io.netty.util.ByteProcessor;

/**
 * Reads a response head byte by byte, keeping only what the load generator needs: the status code, the
 * {@code Content-Length} and whether the server said {@code Connection: close}. A head split over any
 * number of reads needs no copying: the scanner keeps its place between calls. Used through
 * {@code ByteBuf.forEachByte}, which stops at the last byte of the head (the LF of the empty line).
 */
final class ResponseScanner implements ByteProcessor {

    static final int MAX_HEAD = 64 * 1024;

    private static final byte[] CONTENT_LENGTH = "content-length".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] CONNECTION = "connection".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] CLOSE = "close".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private static final int STATUS_LINE = 0;
    private static final int LINE_START = 1;
    private static final int NAME = 2;
    private static final int LENGTH_VALUE = 3;
    private static final int CONNECTION_VALUE = 4;
    private static final int OTHER_VALUE = 5;
    private static final int END = 6;
    private static final int DONE = 7;

    private int state;
    private int column;
    private int headBytes;
    private boolean matchesLength;
    private boolean matchesConnection;
    private int closeMatched;

    private int status;
    private long contentLength;
    private boolean close;
    private String malformed;

    ResponseScanner() {
        reset();
    }

    void reset() {
        state = STATUS_LINE;
        column = 0;
        headBytes = 0;
        status = 0;
        contentLength = -1;
        close = false;
        malformed = null;
    }

    /** True once the empty line that ends the head has been read (or the head was found malformed). */
    boolean done() {
        return state == DONE;
    }

    /** Why the head cannot be read, or null. */
    String malformed() {
        return malformed;
    }

    int status() {
        return status;
    }

    /** The Content-Length, or -1 when the head had none. */
    long contentLength() {
        return contentLength;
    }

    boolean close() {
        return close;
    }

    @Override
    public boolean process(byte b) {
        if (++headBytes > MAX_HEAD) {
            return fail("head longer than " + MAX_HEAD + " bytes");
        }
        switch (state) {
            case STATUS_LINE -> {
                // "HTTP/1.1 200 OK": the code is at columns 9..11.
                if (column < 5 && b != "HTTP/".charAt(column)) {
                    return fail("status line does not start with HTTP/");
                }
                if (column >= 9 && column <= 11) {
                    if (b < '0' || b > '9') {
                        return fail("status code is not three digits");
                    }
                    status = status * 10 + (b - '0');
                }
                if (b == '\n') {
                    if (column < 12) {
                        return fail("status line too short");
                    }
                    state = LINE_START;
                }
                column++;
            }
            case LINE_START -> {
                if (b == '\r') {
                    state = END;
                } else if (b == '\n') {
                    return finish();
                } else {
                    column = 0;
                    matchesLength = true;
                    matchesConnection = true;
                    state = NAME;
                    return name(b);
                }
            }
            case NAME -> {
                return name(b);
            }
            case LENGTH_VALUE -> {
                if (b >= '0' && b <= '9') {
                    if (contentLength < 0) {
                        contentLength = 0;
                    }
                    if (contentLength > (Long.MAX_VALUE - 9) / 10) {
                        return fail("Content-Length overflows");
                    }
                    contentLength = contentLength * 10 + (b - '0');
                } else if (b == '\n') {
                    state = LINE_START;
                } else if (b != ' ' && b != '\t' && b != '\r') {
                    return fail("Content-Length is not a number");
                }
            }
            case CONNECTION_VALUE -> {
                if (b == '\n') {
                    state = LINE_START;
                } else {
                    byte lower = lower(b);
                    closeMatched = lower == CLOSE[closeMatched] ? closeMatched + 1 : lower == 'c' ? 1 : 0;
                    if (closeMatched == CLOSE.length) {
                        close = true;
                        closeMatched = 0;
                    }
                }
            }
            case OTHER_VALUE -> {
                if (b == '\n') {
                    state = LINE_START;
                }
            }
            case END -> {
                if (b != '\n') {
                    return fail("CR without LF at the end of the head");
                }
                return finish();
            }
            default -> {
                return fail("bytes after the head was done");
            }
        }
        return true;
    }

    private boolean name(byte b) {
        if (b == ':') {
            if (matchesLength && column == CONTENT_LENGTH.length) {
                if (contentLength >= 0) {
                    return fail("two Content-Length headers");
                }
                state = LENGTH_VALUE;
            } else if (matchesConnection && column == CONNECTION.length) {
                closeMatched = 0;
                state = CONNECTION_VALUE;
            } else {
                state = OTHER_VALUE;
            }
            return true;
        }
        if (b == '\n') {
            return fail("header line without a colon");
        }
        byte lower = lower(b);
        matchesLength &= column < CONTENT_LENGTH.length && CONTENT_LENGTH[column] == lower;
        matchesConnection &= column < CONNECTION.length && CONNECTION[column] == lower;
        column++;
        return true;
    }

    private static byte lower(byte b) {
        return b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b;
    }

    private boolean finish() {
        state = DONE;
        return false;
    }

    private boolean fail(String why) {
        malformed = why;
        state = DONE;
        return false;
    }
}
