package dev.zeroedge.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.nio.charset.StandardCharsets;

/**
 * A response head: status line, fields, blank line. zeroedge sends only heads it built itself, so no
 * general encoder sits on the write path.
 *
 * <p>The head is composed as text and copied into its direct buffer in one bulk write. Writing it byte by
 * byte into the direct buffer was a quarter of the server's CPU at 1 KiB (JFR): on Java 25 Netty runs
 * without {@code sun.misc.Unsafe}, so every single-byte put goes through the NIO buffer's bounds and
 * session checks.
 */
final class ResponseHead {

    private final ByteBufAllocator alloc;
    private final StringBuilder text = new StringBuilder(320);

    private ResponseHead(ByteBufAllocator alloc) {
        this.alloc = alloc;
    }

    /** Starts a head with its status line, Server and Date. */
    static ResponseHead start(ByteBufAllocator alloc, HttpResponseStatus status) {
        ResponseHead head = new ResponseHead(alloc);
        head.text.append("HTTP/1.1 ").append(status.code()).append(' ').append(status.reasonPhrase()).append("\r\n");
        return head.add("Server", "zeroedge").add("Date", HttpDate.now());
    }

    ResponseHead add(String name, String value) {
        // Values are ours, media types of our table or numbers: all US-ASCII.
        text.append(name).append(": ").append(value).append("\r\n");
        return this;
    }

    ResponseHead add(String name, long value) {
        text.append(name).append(": ").append(value).append("\r\n");
        return this;
    }

    /** Ends the head; the buffer is the caller's to write and release. */
    ByteBuf end() {
        return end(null);
    }

    /** Ends the head and appends {@code body} (a short text of ours), or nothing when null. */
    ByteBuf end(String body) {
        text.append("\r\n");
        if (body != null) {
            text.append(body);
        }
        byte[] bytes = text.toString().getBytes(StandardCharsets.ISO_8859_1);
        return alloc.directBuffer(bytes.length).writeBytes(bytes);
    }
}
