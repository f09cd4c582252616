package dev.zeroedge.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayDeque;

/**
 * The requests of one connection, answered one at a time and in the order they came. {@link RequestDecoder}
 * hands on each request head (or a {@link Rejection}); it waits here behind the response in flight, so
 * pipelined requests are answered in order, and when {@link HttpLimits#maxPipelined} are waiting the
 * connection stops reading until the queue drains: a pipelining client is bounded. Each turn goes to the
 * {@link Responder}; when its response is in the kernel, the connection closes (Connection: close,
 * HTTP/1.0, shutdown) or the next request takes its turn, and the {@link ConnectionClock} goes back to
 * waiting when there is none.
 */
public final class ConnectionQueue extends ChannelInboundHandlerAdapter implements Responder.Done {

    private static final Logger log = LoggerFactory.getLogger(ConnectionQueue.class);

    private final Site site;
    private final ConnectionClock clock;
    private final RequestDecoder decoder;
    private final Exchange exchange;
    private final ArrayDeque<Inbound> queue = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private Responder responder;
    private boolean responding;
    private boolean serving;

    ConnectionQueue(Site site, ConnectionClock clock, RequestDecoder decoder, Exchange exchange) {
        this.site = site;
        this.exchange = exchange;
        this.clock = clock;
        this.decoder = decoder;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.responder = new Responder(site, ctx, clock, this, exchange);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof RequestDecoder.BodyPart part) {
            part.hand();
            return;
        }
        if (!(msg instanceof Inbound inbound)) {
            ctx.fireChannelRead(msg);
            return;
        }
        queue.add(inbound);
        if (queue.size() >= site.limits().maxPipelined()) {
            ctx.channel().config().setAutoRead(false);
        }
        serveNext();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == Drain.INSTANCE) {
            if (!responding) {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn("connection {} failed", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }

    /** A response is in the kernel: count it, then close or take the next request. */
    @Override
    public void sent(Persistence persistence) {
        site.counters().addResponse();
        if (persistence.closes() || site.draining()) {
            ctx.close();
            return;
        }
        responding = false;
        serveNext();
    }

    /** Answers queued requests until one is in flight. Re-entrant calls (a response that completed at once) return. */
    private void serveNext() {
        if (serving) {
            return;
        }
        serving = true;
        try {
            while (!responding) {
                Inbound next = queue.poll();
                if (next == null) {
                    clock.waiting(decoder.midRequest());
                    if (!ctx.channel().config().isAutoRead() && !decoder.readingBody()) {
                        ctx.channel().config().setAutoRead(true);
                    }
                    return;
                }
                if (!ctx.channel().isActive()) {
                    queue.clear();
                    return;
                }
                responding = true;
                clock.responding();
                responder.respond(next);
            }
        } finally {
            serving = false;
        }
    }
}
