package dev.zeroedge.http;

import dev.zeroedge.content.RequestBody;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * A request body as {@link RequestDecoder} reads it off the client's connection, handed to the source a part at a
 * time as the source asks ({@link RequestBody}). Take {@code PUT /v/seg.m4s} with {@code Content-Length: 1073741824}
 * to an edge cache: the decoder turns the connection's {@code autoRead} off at the end of the head; each part the
 * cache asks for (it asks for the next when its write to the origin is done) is the bytes of one socket read, a
 * slice of Netty's receive buffer, never copied; when none is held, {@link #more} asks the connection for one read.
 * So the client's bytes wait in its socket while the origin is slow, and the JVM holds at most one read of them.
 * Every part and every ask moves the connection's send clock ({@link ConnectionClock#progress}): an upload that
 * moves is never cut off, a client that stops sending mid-body is closed by the send timeout.
 *
 * <p>Event loop of the connection only (calls from elsewhere are handed to it).
 */
final class ClientBody implements RequestBody {

    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    private final ChannelHandlerContext ctx;
    private final long length;
    private final Runnable progress;
    /** The client sent {@code Expect: 100-continue} (HTTP/1.1): it waits for a 100 before it sends the body. */
    private boolean expectsContinue;
    private final ArrayDeque<ByteBuf> held = new ArrayDeque<>(2);
    private Receiver receiver;
    private boolean asked;
    /** Every byte of the body has come (the decoder saw its end). */
    private boolean received;
    private Throwable failure;
    /** The receiver was told the end or the failure, or cancelled: nothing more goes to it. */
    private boolean over;
    private long bytes;

    ClientBody(ChannelHandlerContext ctx, long length, boolean expectsContinue, Runnable progress) {
        this.ctx = ctx;
        this.length = length;
        this.expectsContinue = expectsContinue;
        this.progress = progress;
    }

    @Override
    public long length() {
        return length;
    }

    /** Every byte of the body is in: the connection can carry another request after the response. */
    boolean received() {
        return received;
    }

    @Override
    public void open(Receiver receiver) {
        this.receiver = receiver;
    }

    @Override
    public void more() {
        if (!ctx.executor().inEventLoop()) {
            ctx.executor().execute(this::more);
            return;
        }
        if (over) {
            return;
        }
        asked = true;
        progress.run();
        if (expectsContinue) {
            expectsContinue = false;
            if (bytes == 0 && !received && failure == null) {
                // RFC 9110 §10.1.1: the client waits for this before it sends; one that did not wait needs none.
                ctx.writeAndFlush(Unpooled.wrappedBuffer(CONTINUE));
            }
        }
        deliver();
    }

    @Override
    public void cancel() {
        if (!ctx.executor().inEventLoop()) {
            ctx.executor().execute(this::cancel);
            return;
        }
        over = true;
        releaseHeld();
    }

    /** The decoder read {@code part} of the body (owned here from now on). */
    void arrived(ByteBuf part) {
        if (over || failure != null) {
            part.release();
            return;
        }
        bytes += part.readableBytes();
        held.add(part);
        progress.run();
        deliver();
    }

    /** The decoder reached the body's end. */
    void ended() {
        received = true;
        deliver();
    }

    /** The body will not be complete: the client closed, sent a malformed chunk, or passed the limit. */
    void failed(Throwable cause) {
        if (received || failure != null) {
            return;
        }
        failure = cause;
        releaseHeld();
        deliver();
    }

    private void deliver() {
        if (over || receiver == null) {
            return;
        }
        if (failure != null) {
            over = true;
            receiver.failed(failure);
            return;
        }
        if (!asked) {
            return;
        }
        ByteBuf next = held.poll();
        if (next != null) {
            asked = false;
            receiver.bytes(next);
        } else if (received) {
            over = true;
            asked = false;
            receiver.end();
        } else {
            ctx.read(); // autoRead is off for the body: this is the one read it asked for
        }
    }

    private void releaseHeld() {
        ByteBuf part;
        while ((part = held.poll()) != null) {
            part.release();
        }
    }
}
