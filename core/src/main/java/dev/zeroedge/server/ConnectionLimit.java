package dev.zeroedge.server;

import dev.zeroedge.http.ErrorResponse;
import dev.zeroedge.http.Persistence;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds open client connections. One past the limit is told so with a 503 and closed at once, before
 * anything of it is read: under a connection flood the server spends one write per refusal.
 */
@ChannelHandler.Sharable
final class ConnectionLimit extends ChannelInboundHandlerAdapter {

    /**
     * Changed by a reload while the loops accept: volatile, read once per accepted connection. Lowering it
     * below the connections open now closes none of them; new ones are refused until enough have ended.
     */
    private volatile int max;
    /** Runs for each refusal (the metrics' count), or null. */
    private final Runnable refused;
    private final AtomicInteger open = new AtomicInteger();

    ConnectionLimit(int max, Runnable refused) {
        this.max = max;
        this.refused = refused;
    }

    void changeMax(int next) {
        max = next;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.channel().closeFuture().addListener(f -> open.decrementAndGet());
        if (open.incrementAndGet() > max) {
            if (refused != null) {
                refused.run();
            }
            ctx.writeAndFlush(ErrorResponse.build(ctx.alloc(), HttpResponseStatus.SERVICE_UNAVAILABLE,
                            "too many connections", false, Persistence.CLOSE, "Retry-After", "1"))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.pipeline().remove(this);
        ctx.fireChannelActive();
    }
}
