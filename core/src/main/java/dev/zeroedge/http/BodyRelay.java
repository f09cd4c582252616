package dev.zeroedge.http;

import dev.zeroedge.content.RelayedBody;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.RejectedExecutionException;

/**
 * A {@link RelayedBody} on its way to one client: bytes from memory, not from a file, so no file sender is
 * involved and it goes the same way in every mode (a copy, as every byte that passes through the JVM).
 *
 * <p>The client's channel sets the pace. The head goes out first; then the source is asked for bytes, and for
 * the next ones only when the channel can take more: at once while it is writable, else when what was written
 * last is in the kernel (the outbound buffer has drained by then). So a slow client stops its source from
 * reading, and no more than one read of it waits in memory. Everything here runs on the client's event loop:
 * the source may call from another (the origin's), and its calls are handed over.
 *
 * <p>A body of announced length that ends short or runs long, or whose source fails, fails the response: the
 * connection closes before its Content-Length (or without the last chunk), never a short body that looks complete.
 */
final class BodyRelay implements RelayedBody.Receiver {

    private static final byte[] CRLF = {'\r', '\n'};

    private final ChannelHandlerContext ctx;
    private final RelayedBody body;
    private final long length;
    private final boolean chunked;
    private final Runnable progress;
    private final Exchange exchange;
    private final ChannelPromise promise;
    /** A connection that closes fails the body at once, not when the source next has bytes. */
    private final ChannelFutureListener closed = future -> fail(new ClosedChannelException());
    private long relayed;
    private boolean over;

    private BodyRelay(ChannelHandlerContext ctx, RelayedBody body, long length, boolean chunked, Runnable progress,
                      Exchange exchange) {
        this.ctx = ctx;
        this.body = body;
        this.length = length;
        this.chunked = chunked;
        this.progress = progress;
        this.exchange = exchange;
        this.promise = ctx.newPromise();
    }

    /**
     * Writes {@code head} (owned from now on), then {@code body} as its source gives it: {@code length} bytes, or
     * when -1 until its end, chunked when {@code chunked}. The future completes when the last byte is in the
     * kernel, and fails when the body or the connection did. Called on the client's loop.
     */
    static ChannelFuture send(ChannelHandlerContext ctx, ByteBuf head, RelayedBody body, long length, boolean chunked,
                              Runnable progress, Exchange exchange) {
        BodyRelay relay = new BodyRelay(ctx, body, length, chunked, progress, exchange);
        body.open(relay);
        // The client has its head as soon as the source does; a failed write fails the body.
        relay.written(ctx.writeAndFlush(head), false);
        ctx.channel().closeFuture().addListener(relay.closed);
        if (!relay.over) {
            body.more();
        }
        return relay.promise;
    }

    @Override
    public void bytes(ByteBuf bytes) {
        if (!ctx.executor().inEventLoop()) {
            onLoop(() -> bytes(bytes), bytes);
            return;
        }
        if (over) {
            bytes.release();
            return;
        }
        int n = bytes.readableBytes();
        if (length >= 0 && relayed + n > length) {
            bytes.release();
            fail(new IOException("source sent more than the announced " + length + " bytes"));
            return;
        }
        relayed += n;
        if (n == 0) {
            bytes.release();
            body.more(); // nothing to write (an empty chunk would end the body)
            return;
        }
        ChannelFuture sent;
        if (chunked) {
            ByteBuf size = ctx.alloc().buffer(18);
            size.writeCharSequence(Integer.toHexString(n) + "\r\n", StandardCharsets.US_ASCII);
            ctx.write(size);
            ctx.write(bytes);
            sent = ctx.writeAndFlush(Unpooled.wrappedBuffer(CRLF));
        } else {
            sent = ctx.writeAndFlush(bytes);
        }
        sent.addListener(done -> {
            if (done.isSuccess()) {
                progress.run();
                if (exchange != null) {
                    exchange.fileBytesSent(n, true);
                }
            }
        });
        written(sent, true);
    }

    /** Fails the body when {@code sent} fails; when {@code more}, asks the source for more once the channel can take it. */
    private void written(ChannelFuture sent, boolean more) {
        if (sent.isDone() && !sent.isSuccess()) {
            fail(sent.cause());
            return;
        }
        if (more && ctx.channel().isWritable() && !over) {
            body.more();
            more = false;
        }
        boolean askWhenWritten = more;
        sent.addListener(done -> {
            if (!done.isSuccess()) {
                fail(done.cause());
            } else if (askWhenWritten && !over) {
                body.more();
            }
        });
    }

    @Override
    public void end() {
        if (!ctx.executor().inEventLoop()) {
            onLoop(this::end, null);
            return;
        }
        if (over) {
            return;
        }
        if (length >= 0 && relayed != length) {
            fail(new EOFException("relayed body ended at " + relayed + " of " + length + " bytes"));
            return;
        }
        over();
        ByteBuf last = chunked ? Unpooled.copiedBuffer("0\r\n\r\n", StandardCharsets.US_ASCII) : Unpooled.EMPTY_BUFFER;
        ctx.writeAndFlush(last).addListener(sent -> {
            if (sent.isSuccess()) {
                promise.trySuccess();
            } else {
                promise.tryFailure(sent.cause());
            }
        });
    }

    @Override
    public void failed(Throwable cause) {
        if (!ctx.executor().inEventLoop()) {
            onLoop(() -> failed(cause), null);
            return;
        }
        fail(cause);
    }

    /** The body or the connection failed: the source lets go, and the response fails (its connection closes). */
    private void fail(Throwable cause) {
        if (over) {
            return;
        }
        over();
        body.cancel();
        promise.tryFailure(cause);
    }

    private void over() {
        over = true;
        ctx.channel().closeFuture().removeListener(closed);
    }

    /** Runs {@code task} on the client's loop; a loop that takes nothing any more (shut down) drops {@code held}. */
    private void onLoop(Runnable task, ByteBuf held) {
        try {
            ctx.executor().execute(task);
        } catch (RejectedExecutionException e) {
            if (held != null) {
                held.release();
            }
            body.cancel();
        }
    }
}
