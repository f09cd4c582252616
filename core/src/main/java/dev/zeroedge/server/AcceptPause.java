package dev.zeroedge.server;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Stops accepting for a second after an accept failed, typically with EMFILE when the open-file limit cannot
 * hold {@code --max-connections}: the connections waiting in the backlog are taken once descriptors are free
 * again, and the failure is logged once per pause.
 *
 * <p>Netty's acceptor pauses by turning auto-read off, which is enough for epoll and NIO. io_uring's server
 * channel, though, reports a failed accept after it has finished the read, and finishing a read already
 * asked for the next accept, which fails at once: 14,000 failed accepts a second on one loop, measured. So
 * this handler holds back every read the listening channel asks for while paused, whoever asks, and asks
 * for one itself when the pause is over. It handles the failure, so Netty's acceptor never sees it.
 */
final class AcceptPause extends ChannelDuplexHandler {

    private static final Logger log = LoggerFactory.getLogger(AcceptPause.class);

    static final long PAUSE_SECONDS = 1;

    /** Only touched on the listening channel's event loop. */
    private boolean paused;

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (paused) {
            return; // an accept asked for before the pause, failing the same way
        }
        paused = true;
        log.warn("accept failed, accepting again in {} s: {}", PAUSE_SECONDS, cause.toString());
        ctx.executor().schedule(() -> {
            paused = false;
            ctx.read();
        }, PAUSE_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (!paused) {
            ctx.read();
        }
    }
}
