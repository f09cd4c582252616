package dev.zeroedge.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * A response head written straight into a buffer: status line, fields, blank line. zeroedge sends only
 * heads it built itself, so no general encoder sits on the write path.
 */
final class ResponseHead {

    private final ByteBuf buf;

    private ResponseHead(ByteBuf buf) {
        this.buf = buf;
    }

    /** Starts a head with its status line, Server and Date. */
    static ResponseHead start(ByteBufAllocator alloc, HttpResponseStatus status) {
        ResponseHead head = new ResponseHead(alloc.directBuffer(256));
        ByteBufUtil.writeAscii(head.buf, "HTTP/1.1 ");
        ByteBufUtil.writeAscii(head.buf, status.codeAsText());
        head.buf.writeByte(' ');
        ByteBufUtil.writeAscii(head.buf, status.reasonPhrase());
        head.buf.writeShort(CRLF);
        return head.add("Server", "zeroedge").add("Date", HttpDate.now());
    }

    ResponseHead add(String name, String value) {
        ByteBufUtil.writeAscii(buf, name);
        buf.writeShort(COLON_SPACE);
        // Values are ours or file names' media types; ISO-8859-1 keeps any byte as itself.
        ByteBufUtil.writeAscii(buf, value);
        buf.writeShort(CRLF);
        return this;
    }

    ResponseHead add(String name, long value) {
        return add(name, Long.toString(value));
    }

    /** Ends the head; the buffer is the caller's to write and release. */
    ByteBuf end() {
        buf.writeShort(CRLF);
        return buf;
    }

    private static final int CRLF = ('\r' << 8) | '\n';
    private static final int COLON_SPACE = (':' << 8) | ' ';
}
