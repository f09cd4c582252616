package dev.zeroedge.content;

import io.netty.buffer.ByteBuf;

/**
 * A body that is in no file: bytes a source hands on as they come from elsewhere, e.g. an edge cache passing an
 * origin's response through when its disk cannot take it (full, or past its reservations). The receiver pulls:
 * the source sends nothing before {@link #more}, and after each {@link Receiver#bytes} it sends nothing more
 * until the next {@link #more}, so a body goes no faster than the client takes it and is never held in memory
 * beyond one read of its source. The source reads on only when asked, so a slow client slows its source, the one
 * price of a body that is not on disk.
 *
 * <p>Source and receiver may run on different event loops: each side's methods may be called from any thread,
 * and each hands the call to its own loop.
 */
public interface RelayedBody {

    /**
     * Who is sent the bytes: the HTTP layer, which writes them to a client (or, for a {@link RequestBody}, the
     * source, which sends them on to its origin).
     */
    interface Receiver {

        /** The next bytes of the body, owned by the receiver. */
        void bytes(ByteBuf bytes);

        /** The body is complete (may follow {@link #bytes} without a {@link RelayedBody#more} between). */
        void end();

        /** The body will never be complete: the response must not look complete either. */
        void failed(Throwable cause);
    }

    /** Where the bytes go; called once, before the first {@link #more}. */
    void open(Receiver receiver);

    /** The receiver can take the next bytes: one {@link Receiver#bytes} (or the end, or a failure) follows. */
    void more();

    /** Nothing more is wanted (the client went, or it is answered otherwise): the source lets go. Idempotent. */
    void cancel();
}
