package dev.zeroedge.http;

import io.netty.handler.codec.http.HttpVersion;

/**
 * What becomes of a connection after a response, and what the response says about it (RFC 9112 §9.3).
 * Every response built for a request goes through here, whatever its status, so the field and what the
 * server then does with the connection never disagree.
 */
public enum Persistence {

    /** The connection closes after this response, which says so. */
    CLOSE("close"),
    /**
     * An HTTP/1.0 client asked to keep the connection: each response must say keep-alive, or the client
     * takes the connection as closing and waits for a close that never comes.
     */
    KEEP_ALIVE_1_0("keep-alive"),
    /** HTTP/1.1's default: the connection stays, nothing needs saying. */
    KEEP_ALIVE(null);

    private final String field;

    Persistence(String field) {
        this.field = field;
    }

    /** Closing when the client did not keep the connection or the server is draining. */
    static Persistence of(Request request, boolean draining) {
        if (!request.keepAlive() || draining) {
            return CLOSE;
        }
        return request.version() == HttpVersion.HTTP_1_0 ? KEEP_ALIVE_1_0 : KEEP_ALIVE;
    }

    public boolean closes() {
        return this == CLOSE;
    }

    /** Adds the Connection field this calls for, if any. */
    ResponseHead say(ResponseHead head) {
        return field == null ? head : head.add("Connection", field);
    }
}
