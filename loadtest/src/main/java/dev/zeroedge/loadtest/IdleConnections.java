package dev.zeroedge.loadtest;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Keep-alive connections that each make one request, check its answer byte for byte, and then stay open
 * and silent: what thousands of idle browsers and players cost a server while others are being served.
 *
 * <p>They are opened {@code parallel} at a time (a slot connects its next connection once the previous one
 * has its answer), so the server's accept queue never overflows into SYN retries and every connection has
 * been through the server's whole request path before it goes idle. A connection the server closes after
 * that is counted as {@link #closedByServer}.
 */
final class IdleConnections implements AutoCloseable {

    private final Bootstrap bootstrap;
    private final InetSocketAddress address;
    private final RequestTarget target;
    private final int count;
    private final AtomicInteger started = new AtomicInteger();
    private final CountDownLatch settled;
    private final Queue<Channel> channels = new ConcurrentLinkedQueue<>();
    private final LongAdder idle = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder closedByServer = new LongAdder();
    private volatile boolean closing;
    private volatile String firstError;

    IdleConnections(EventLoopGroup group, Bootstrap bootstrap, InetSocketAddress address, RequestTarget target,
                    int count, int parallel) {
        this.bootstrap = bootstrap.clone(group).handler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel channel) {
                channel.pipeline().addLast(new OneRequest());
            }
        });
        this.address = address;
        this.target = target;
        this.count = count;
        this.settled = new CountDownLatch(count);
        for (int i = 0; i < Math.min(parallel, count); i++) {
            openNext();
        }
    }

    /** Waits until every connection has its answer (or failed); false on timeout. */
    boolean awaitIdle(Duration timeout) throws InterruptedException {
        return settled.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Connections that got their answer and are open and idle now. */
    long idle() {
        return idle.sum();
    }

    /** Connections that could not be made or whose answer was wrong. */
    long errors() {
        return errors.sum();
    }

    /** Idle connections the server closed. */
    long closedByServer() {
        return closedByServer.sum();
    }

    private void openNext() {
        if (closing || started.getAndIncrement() >= count) {
            return;
        }
        ChannelFuture connecting = bootstrap.connect(address);
        channels.add(connecting.channel());
        connecting.addListener(connected -> {
            if (!connected.isSuccess()) {
                failed(String.valueOf(connected.cause()));
            }
        });
    }

    /** What went wrong first, or null. */
    String firstError() {
        return firstError;
    }

    private void failed(String why) {
        if (firstError == null) {
            firstError = why;
        }
        errors.increment();
        settled.countDown();
        openNext();
    }

    /** Closes every connection and waits until they are closed. */
    @Override
    public void close() {
        closing = true;
        // A connection whose socket could not even be made (EMFILE) never had an event loop to close on.
        List<Channel> registered = channels.stream().filter(Channel::isRegistered).toList();
        for (Channel channel : registered) {
            channel.close();
        }
        for (Channel channel : registered) {
            channel.closeFuture().syncUninterruptibly();
        }
    }

    /** One connection: its request, the check of its answer, then silence. */
    private final class OneRequest extends ChannelInboundHandlerAdapter {

        private final ResponseScanner scanner = new ResponseScanner();
        private State state = State.ASKING;
        private boolean inBody;
        private long bodyPosition;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(target.request().duplicate(), ctx.voidPromise());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                if (state != State.ASKING) {
                    wrong(ctx);
                    return;
                }
                if (!inBody) {
                    int end = buf.forEachByte(buf.readerIndex(), buf.readableBytes(), scanner);
                    if (end < 0) {
                        return;
                    }
                    buf.readerIndex(end + 1);
                    if (scanner.malformed() != null || scanner.status() != target.status()
                            || scanner.contentLength() != target.length() || scanner.close()) {
                        wrong(ctx);
                        return;
                    }
                    inBody = true;
                }
                int n = buf.readableBytes();
                if (bodyPosition + n > target.length()
                        || !ByteBufUtil.equals(buf, buf.readerIndex(), target.file(), (int) bodyPosition, n)) {
                    wrong(ctx);
                    return;
                }
                bodyPosition += n;
                if (bodyPosition == target.length()) {
                    state = State.IDLE;
                    idle.increment();
                    settled.countDown();
                    openNext();
                }
            } finally {
                buf.release();
            }
        }

        /** A wrong answer, or bytes while idle: an error, and the connection is closed. */
        private void wrong(ChannelHandlerContext ctx) {
            if (state == State.ASKING) {
                failed("wrong answer: status " + scanner.status() + ", Content-Length " + scanner.contentLength());
            } else if (state == State.IDLE) {
                idle.decrement();
                errors.increment();
            }
            state = State.DONE;
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!closing && state == State.ASKING) {
                failed("closed by the server before the answer was complete");
            } else if (!closing && state == State.IDLE) {
                idle.decrement();
                closedByServer.increment();
            }
            state = State.DONE;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private enum State { ASKING, IDLE, DONE }
}
