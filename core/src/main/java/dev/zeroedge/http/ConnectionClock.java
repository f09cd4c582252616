package dev.zeroedge.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * The one timer of a connection. It sits before the decoder, sees the first byte of every request and
 * is told by {@link ConnectionQueue} when a response starts, makes progress and ends:
 * <ul>
 *   <li>waiting for a request: closes after the idle keep-alive timeout. Empty lines before a request
 *       line (RFC 9112 §2.2 asks to ignore them) leave the connection waiting, on the deadline it had: they
 *       start no header timer (so no 408) and never push the idle deadline out, so a client sending
 *       nothing but CRLFs is closed when the idle time since its last response (or its connect) is up.
 *       The work they can cause is bounded too: the decoder refuses a third one before a request with
 *       400 and close;</li>
 *   <li>reading a request head: answers 408 and closes when the head is not complete within the
 *       header timeout, counted from its first byte (slowloris);</li>
 *   <li>responding: closes when the kernel takes no byte of the response for the send timeout (a client
 *       that stopped reading). Every partial write counts as progress, like nginx's {@code send_timeout}:
 *       a phone on a weak cell that reads 20 KiB/s takes 100 s for one 2 MiB slice and is still reading.
 *       Before it closes, it asks the transport when the kernel last put data on the wire: a writer is
 *       woken only when a third of the socket's send buffer has drained, which for a slow reader on a
 *       large buffer can take longer than the send timeout although the client reads all the time.</li>
 * </ul>
 * One task is scheduled at a time and moved lazily: a later deadline just waits for the task to fire
 * and re-arm, so the common request costs no cancel and no new task.
 */
final class ConnectionClock extends ChannelInboundHandlerAdapter implements Runnable {

    private enum Phase { WAITING, READING, RESPONDING }

    private final long headerNanos;
    private final long idleNanos;
    private final long sendNanos;
    private final Site site;
    private final RequestDecoder decoder;
    /** The connection's, for the 408 this clock sends itself; null when the site has no observer. */
    private final Exchange exchange;
    private ChannelHandlerContext ctx;
    private Phase phase = Phase.WAITING;
    private long deadline;
    private ScheduledFuture<?> timer;
    private long timerAt;

    ConnectionClock(Site site, HttpLimits limits, RequestDecoder decoder, Exchange exchange) {
        this.site = site;
        this.decoder = decoder;
        this.exchange = exchange;
        this.headerNanos = limits.headerTimeout().toNanos();
        this.idleNanos = limits.idleTimeout().toNanos();
        this.sendNanos = limits.sendTimeout().toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        moveTo(Phase.WAITING, idleNanos);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (phase != Phase.WAITING) {
            ctx.fireChannelRead(msg);
            return;
        }
        // The header clock starts at this first byte, but the timer is only moved forward when the head is
        // still incomplete after this read: a head that arrives whole (nearly every one) is answered before
        // that, and costs no cancelled task and no new one.
        long idleDeadline = deadline;
        phase = Phase.READING;
        deadline = System.nanoTime() + headerNanos;
        ctx.fireChannelRead(msg);
        if (phase == Phase.READING) {
            if (decoder.midRequest()) {
                pullTimerIn();
            } else {
                // Nothing but empty lines came, and the decoder let them go: still idle, on the old deadline (the
                // armed timer is at or before it).
                phase = Phase.WAITING;
                deadline = idleDeadline;
            }
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        ctx.fireChannelInactive();
    }

    void responding() {
        moveTo(Phase.RESPONDING, sendNanos);
    }

    /** The kernel took bytes of the response; runs per write, so it only moves the deadline (see the class comment). */
    void progress() {
        if (phase == Phase.RESPONDING) {
            deadline = System.nanoTime() + sendNanos;
        }
    }

    /** No response in flight; {@code midRequest}: part of the next head is already buffered. */
    void waiting(boolean midRequest) {
        if (midRequest) {
            moveTo(Phase.READING, headerNanos);
        } else {
            moveTo(Phase.WAITING, idleNanos);
        }
    }

    private void moveTo(Phase next, long timeoutNanos) {
        phase = next;
        deadline = System.nanoTime() + timeoutNanos;
        pullTimerIn();
    }

    /** A timer set for later than the deadline is replaced; one set earlier fires and re-arms. */
    private void pullTimerIn() {
        if (timer != null && timerAt - deadline > 0) {
            timer.cancel(false);
            timer = null;
        }
        arm();
    }

    private void arm() {
        if (timer == null) {
            timerAt = deadline;
            timer = ctx.executor().schedule(this, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void run() {
        timer = null;
        if (!ctx.channel().isOpen()) {
            return;
        }
        if (System.nanoTime() - deadline < 0) {
            arm();
            return;
        }
        if (phase == Phase.RESPONDING) {
            long quietNanos = TimeUnit.MILLISECONDS.toNanos(site.millisSinceDataSent(ctx.channel()));
            if (quietNanos >= 0 && quietNanos < sendNanos) {
                // The kernel took nothing new, but it still sends what it holds: the client reads.
                deadline = System.nanoTime() - quietNanos + sendNanos;
                arm();
                return;
            }
        }
        SiteObserver observer = site.observer();
        if (phase == Phase.READING) {
            String reason = "request head not received in time";
            ByteBuf response = ErrorResponse.build(ctx.alloc(), HttpResponseStatus.REQUEST_TIMEOUT, reason, false,
                    Persistence.CLOSE, null, null);
            if (observer != null) {
                observer.timedOut(SiteObserver.Timeout.HEADER);
                // A response to no request: the access log and the metrics see the 408 like any other.
                int body = ErrorResponse.bodyLength(HttpResponseStatus.REQUEST_TIMEOUT, reason);
                exchange.begin(null);
                exchange.sending(HttpResponseStatus.REQUEST_TIMEOUT.code(), response.readableBytes() - body, body);
            }
            ChannelFuture sent = ctx.writeAndFlush(response);
            if (observer != null) {
                sent.addListener(done -> {
                    exchange.end(done.isSuccess());
                    observer.responded(exchange);
                });
            }
            sent.addListener(ChannelFutureListener.CLOSE);
        } else {
            if (observer != null) {
                observer.timedOut(phase == Phase.WAITING ? SiteObserver.Timeout.IDLE : SiteObserver.Timeout.SEND);
            }
            ctx.close();
        }
    }
}
