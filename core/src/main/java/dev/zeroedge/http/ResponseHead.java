package dev.zeroedge.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.FastThreadLocal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A response head: status line, fields, blank line. zeroedge sends only heads it built itself, so no
 * general encoder sits on the write path.
 *
 * <p>The head is composed in a scratch array of the event loop's thread and copied into its direct buffer
 * in one bulk write, so a head costs no garbage but its buffer. Both choices are measured at 1 KiB: writing
 * byte by byte into the direct buffer was a quarter of the server's CPU (on Java 25 Netty runs without
 * {@code sun.misc.Unsafe}, so every single-byte put goes through the NIO buffer's checks), and composing
 * the head as a String (builder, copy, encode) was half of the bytes the server allocated per request,
 * which at 100k requests/s means a young collection, and a pause of several ms, twice a second (JFR).
 * What does not change from response to response comes encoded: the status line with Server and Date (once
 * per second and status) and a file's {@link FileFields}.
 */
final class ResponseHead {

    /** Enough for every head but one with a long Location; a longer one grows a private copy. */
    private static final int SCRATCH_SIZE = 1024;
    private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[SCRATCH_SIZE];
        }
    };

    private final ByteBufAllocator alloc;
    private byte[] bytes;
    private int length;

    private ResponseHead(ByteBufAllocator alloc) {
        this.alloc = alloc;
        this.bytes = SCRATCH.get();
    }

    /** Starts a head with its status line, Server and Date. */
    static ResponseHead start(ByteBufAllocator alloc, HttpResponseStatus status) {
        return new ResponseHead(alloc).add(prefix(status));
    }

    /** Status line, Server and Date of one status, encoded once per second (the Date's resolution). */
    private record Prefix(String date, byte[] bytes) {
    }

    private static final AtomicReferenceArray<Prefix> PREFIXES = new AtomicReferenceArray<>(600);

    private static byte[] prefix(HttpResponseStatus status) {
        String date = HttpDate.now();
        int code = status.code();
        if (code < 100 || code >= 600) {
            return encodePrefix(status, date);
        }
        Prefix cached = PREFIXES.getAcquire(code);
        if (cached == null || cached.date != date) {
            // HttpDate hands out one String per second, so identity tells a new second.
            cached = new Prefix(date, encodePrefix(status, date));
            PREFIXES.setRelease(code, cached);
        }
        return cached.bytes;
    }

    private static byte[] encodePrefix(HttpResponseStatus status, String date) {
        return ("HTTP/1.1 " + status.code() + ' ' + status.reasonPhrase() + "\r\nServer: zeroedge\r\nDate: " + date
                + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    ResponseHead add(String name, String value) {
        // Values are ours (media types of our table, numbers, a Location we encoded): all US-ASCII.
        return append(name).append(": ").append(value).append("\r\n");
    }

    ResponseHead add(String name, long value) {
        return append(name).append(": ").append(value).append("\r\n");
    }

    /** Fields already encoded, each ended by CRLF. */
    ResponseHead add(byte[] fields) {
        room(fields.length);
        System.arraycopy(fields, 0, bytes, length, fields.length);
        length += fields.length;
        return this;
    }

    /** Ends the head; the buffer is the caller's to write and release. */
    ByteBuf end() {
        return end(null);
    }

    /** Ends the head and appends {@code body} (a short text of ours), or nothing when null. */
    ByteBuf end(String body) {
        append("\r\n");
        if (body != null) {
            append(body);
        }
        return alloc.directBuffer(length).writeBytes(bytes, 0, length);
    }

    @SuppressWarnings("deprecation") // the one String → byte[] copy without a new array: for Latin-1 text an arraycopy
    private ResponseHead append(String text) {
        int n = text.length();
        room(n);
        text.getBytes(0, n, bytes, length);
        length += n;
        return this;
    }

    /** A length or a status code: never negative. */
    private ResponseHead append(long value) {
        if (value < 0) {
            return append(Long.toString(value));
        }
        int digits = 1;
        for (long rest = value / 10; rest > 0; rest /= 10) {
            digits++;
        }
        room(digits);
        for (int i = length + digits - 1; i >= length; i--) {
            bytes[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        length += digits;
        return this;
    }

    private void room(int needed) {
        if (length + needed > bytes.length) {
            // Copied, never put back: the thread's scratch array stays at its size.
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + needed));
        }
    }
}
