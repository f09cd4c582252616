package dev.zeroedge.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * A short plain-text response: the status and, for refusals, why. Never a stack trace, never an echo
 * of the request.
 */
public final class ErrorResponse {

    private ErrorResponse() {
    }

    /**
     * @param reason    a fixed phrase of ours, or null
     * @param bodyless  HEAD: the same fields, no body
     * @param persistence what becomes of the connection after it, said in the response
     * @param extraName an extra field (Allow, Location, Content-Range) or null
     */
    public static ByteBuf build(ByteBufAllocator alloc, HttpResponseStatus status, String reason, boolean bodyless,
                         Persistence persistence, String extraName, String extraValue) {
        return build(alloc, status, reason, bodyless, persistence, extraName, extraValue, null);
    }

    /** {@link #build}, with {@code fields}: head lines of a content source's own (encoded), or null. */
    static ByteBuf build(ByteBufAllocator alloc, HttpResponseStatus status, String reason, boolean bodyless,
                         Persistence persistence, String extraName, String extraValue, byte[] fields) {
        String body = status.code() + " " + status.reasonPhrase() + (reason == null ? "" : ": " + reason) + "\n";
        assert body.length() == bodyLength(status, reason);
        ResponseHead head = ResponseHead.start(alloc, status)
                .add("Content-Type", "text/plain; charset=utf-8")
                .add("Content-Length", body.length());
        if (extraName != null) {
            head.add(extraName, extraValue);
        }
        if (fields != null) {
            head.add(fields);
        }
        return persistence.say(head).end(bodyless ? null : body);
    }

    /** The length of the text {@link #build} sends for {@code status} and {@code reason}, worked out without it. */
    public static int bodyLength(HttpResponseStatus status, String reason) {
        // "NNN Phrase[: reason]\n", one byte per char: the phrases and reasons are ASCII.
        return 3 + 1 + status.reasonPhrase().length() + (reason == null ? 0 : 2 + reason.length()) + 1;
    }
}
