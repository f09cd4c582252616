package dev.zeroedge.content;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;

import java.time.Duration;

/**
 * Where responses come from. Asked on a connection's event loop; answers through a future completed on that
 * loop (at once when the answer is at hand, later when the disk or an origin had to be asked) and never
 * blocks the loop meanwhile. The future fails only on a bug of the source: every expected trouble is an
 * {@link Answer.Status}.
 *
 * <p>A {@link Representation} hands its body to the listener, who releases it (also when the connection
 * that asked has gone in the meantime).
 */
public interface ContentSource extends AutoCloseable {

    Future<Answer> find(ContentRequest request, EventExecutor loop);

    /**
     * Whether the source answers {@code method} itself, besides GET and HEAD (the edge cache's {@code PURGE});
     * any other method is answered 405 or 501 before the source is asked.
     */
    default boolean takes(io.netty.handler.codec.http.HttpMethod method) {
        return false;
    }

    /**
     * Whether the source reads the body of a request of {@code method} (one it {@linkplain #takes takes}): such a
     * request's body is handed to it as a {@link RequestBody} (the edge cache relays POST and PUT uploads to its
     * origin). For any other request (the static document root: every one) a body is not read: the request is
     * answered, and its connection closed after the response, so a request hidden in a body is never answered.
     */
    default boolean acceptsBody(io.netty.handler.codec.http.HttpMethod method) {
        return false;
    }

    /**
     * A reload changed how long a looked-up file is trusted before it is checked again and how long an unused
     * one stays open ({@code --open-file-cache-valid}, {@code --open-file-cache-inactive}); a source that keeps
     * no such files ignores it. Any thread may call it.
     */
    default void retime(Duration valid, Duration inactive) {
    }

    /** Lets go of what the source keeps (open files, threads); responses in flight keep their bodies. */
    @Override
    void close();
}
