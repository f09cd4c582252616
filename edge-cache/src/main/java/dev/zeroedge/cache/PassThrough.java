package dev.zeroedge.cache;

import dev.zeroedge.content.RelayedBody;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;

/**
 * An origin's body relayed to one client from memory, not through the cache directory: a response not to be
 * stored (no-store, private, a status the cache does not keep, a 500), or one the disk cannot take (full, or its
 * reservation refused). The client pulls ({@link RelayedBody}): the origin is read only when the client's channel
 * has taken what it was sent, so a slow client holds its origin connection back, and memory holds no more than one
 * read of the socket.
 *
 * <p>Runs on the loop of the origin connection: the fill hands it the origin's events there, and the client's
 * calls (from its own loop) are handed over to it.
 */
final class PassThrough implements RelayedBody {

    private final EventLoop loop;
    private final OriginClient.Reads reads;
    private final List<ByteBuf> pending;
    private Receiver receiver;
    /** The receiver can take the next bytes. */
    private boolean asked;
    /** A read of the origin is under way (its batch ends with {@link #endOfBatch}). */
    private boolean reading;
    private boolean ended;
    private Throwable failure;
    private boolean over;

    /**
     * @param pending what came of the body before the fill chose this way, taken over
     * @param reading whether a read of the origin is under way now (then no other is asked before its batch ends)
     * @param ended   whether the origin's body is complete already
     */
    PassThrough(EventLoop loop, OriginClient.Reads reads, List<ByteBuf> pending, boolean reading, boolean ended) {
        this.loop = loop;
        this.reads = reads;
        this.pending = new ArrayList<>(pending);
        this.reading = reading;
        this.ended = ended;
    }

    // The origin's side, on its loop.

    void body(ByteBuf content) {
        if (over) {
            content.release();
        } else {
            pending.add(content);
        }
    }

    void endOfBatch() {
        reading = false;
        flow();
    }

    void end() {
        reading = false;
        ended = true;
        flow();
    }

    void failed(Throwable cause) {
        reading = false;
        failure = cause;
        flow();
    }

    // The client's side, from any loop.

    @Override
    public void open(Receiver to) {
        onLoop(() -> {
            receiver = to;
            flow();
        });
    }

    @Override
    public void more() {
        onLoop(() -> {
            asked = true;
            flow();
        });
    }

    @Override
    public void cancel() {
        onLoop(this::letGo);
    }

    /** Hands what is here to the receiver when it asked, reads the origin when nothing is. */
    private void flow() {
        if (over || receiver == null) {
            return;
        }
        if (failure != null) {
            letGo();
            receiver.failed(failure);
            return;
        }
        if (asked && !pending.isEmpty()) {
            asked = false;
            ByteBuf bytes = pending.size() == 1 ? pending.getFirst()
                    : Unpooled.wrappedBuffer(pending.toArray(ByteBuf[]::new));
            pending.clear();
            receiver.bytes(bytes);
            if (over) {
                return; // the receiver asked for more at once, and this ran again within that call
            }
        }
        if (ended && pending.isEmpty()) {
            over = true;
            receiver.end();
        } else if (asked && !ended && !reading) {
            reading = true;
            reads.more();
        }
    }

    /** Nothing more goes to the client: what is held is released, an origin still sending is given up. */
    private void letGo() {
        if (over) {
            return;
        }
        over = true;
        for (ByteBuf buf : pending) {
            buf.release();
        }
        pending.clear();
        if (!ended) {
            reads.abandon();
        }
    }

    private void onLoop(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
            return;
        }
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            // The origin's loop has stopped (shutdown): its connection and buffers went with it.
        }
    }
}
