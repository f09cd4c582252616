package dev.zeroedge.content;

import java.io.IOException;

/**
 * The body of a request, read from the client only as fast as the source takes it: a {@link RelayedBody} in the
 * other direction. The source (an edge cache sending it on to its origin) opens it with a receiver and asks for
 * each next part with {@link #more}; the client's connection reads nothing it was not asked for (its {@code
 * autoRead} is off for the body's whole life), so an upload through a slow origin waits in the client's socket, not
 * in memory: at most one socket read of it is held. A body of {@code Transfer-Encoding: chunked} arrives decoded
 * (chunk extensions ignored, trailers dropped, RFC 9112 §7.1). An {@code Expect: 100-continue} is answered
 * {@code 100 Continue} at the first {@link #more}, so a client that waits for it sends nothing before the source
 * wants the body.
 *
 * <p>Only a source whose {@link ContentSource#acceptsBody} says so is handed one; every other request with a body is
 * answered and its connection closed, as before. The receiver hears {@link Receiver#failed} when the client closes
 * or stops before the end, or when a chunked body passes {@code --max-request-body} ({@link TooLarge}). Calls are
 * made on the connection's event loop; a call from another thread is handed to it.
 */
public interface RequestBody extends RelayedBody {

    /** The body's Content-Length, or -1 when it is chunked (its length known only at its end). */
    long length();

    default boolean chunked() {
        return length() < 0;
    }

    /** A chunked body grew past {@code --max-request-body}: 413 when nothing was answered yet, else a close. */
    final class TooLarge extends IOException {
        public TooLarge(long limit) {
            super("request body larger than " + limit + " bytes");
        }
    }
}
