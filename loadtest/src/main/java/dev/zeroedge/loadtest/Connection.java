package dev.zeroedge.loadtest;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One keep-alive connection slot of a load run, with one request in flight at a time. It lives on one
 * event loop for the whole run; when the server closes the connection (or a response is wrong) the slot
 * counts the error and connects again, keeping its place in the open-loop schedule.
 *
 * <p>A response is read without copying: the {@link ResponseScanner} walks the head in place, then the
 * body bytes are only counted, except for one response in {@code checkEvery} (and the first of each
 * slot), whose body is compared with the file's bytes.
 *
 * <p>Sharable only in the sense that the slot's successive channels reuse it: a new channel is connected
 * after the previous one went inactive, never two at once.
 */
@ChannelHandler.Sharable
final class Connection extends ChannelInboundHandlerAdapter {

    private final LoadRun run;
    private final int index;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final SplittableRandom random;
    private final ResponseScanner scanner = new ResponseScanner();

    private Channel channel;
    private ScheduledFuture<?> pendingWrite;
    private ScheduledFuture<?> timeoutCheck;
    private long scheduled;
    private long completed;

    private RequestTarget target;
    private long intendedStart;
    private long sentAt;
    private boolean inFlight;
    private boolean inBody;
    private boolean checkBody;
    private long remaining;
    private long bodyPosition;

    Connection(LoadRun run, int index, EventLoop loop, Bootstrap bootstrap, long seed) {
        this.run = run;
        this.index = index;
        this.loop = loop;
        this.bootstrap = bootstrap.clone(loop).handler(this);
        this.random = new SplittableRandom(seed);
    }

    /** Starts the slot; called once, from any thread. */
    void start() {
        loop.execute(() -> {
            long period = Math.max(TimeUnit.MILLISECONDS.toNanos(10), Math.min(run.timeoutNanos() / 4,
                    TimeUnit.MILLISECONDS.toNanos(250)));
            timeoutCheck = loop.scheduleAtFixedRate(this::checkTimeout, period, period, TimeUnit.NANOSECONDS);
            connect();
        });
    }

    /** Stops sending and closes; the returned future completes on the slot's loop. */
    io.netty.util.concurrent.Future<?> stop() {
        return loop.submit(() -> {
            timeoutCheck.cancel(false);
            if (pendingWrite != null) {
                pendingWrite.cancel(false);
            }
            if (channel != null) {
                channel.close();
            }
        });
    }

    private void connect() {
        if (run.stopping()) {
            return;
        }
        ChannelFuture connecting = bootstrap.connect(run.address());
        connecting.addListener(future -> {
            if (!future.isSuccess() && !run.stopping()) {
                run.error(ErrorKind.CONNECT);
                loop.schedule(this::connect, 100, TimeUnit.MILLISECONDS);
            }
        });
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        sendNext();
    }

    private void sendNext() {
        if (run.stopping() || !channel.isActive()) {
            return;
        }
        target = run.workload().next(random);
        OpenLoopSchedule schedule = run.schedule();
        if (schedule == null) {
            write();
            return;
        }
        intendedStart = schedule.intendedStart(index, scheduled++);
        long wait = intendedStart - System.nanoTime();
        if (wait > 0) {
            pendingWrite = loop.schedule(this::write, wait, TimeUnit.NANOSECONDS);
        } else {
            write();
        }
    }

    private void write() {
        pendingWrite = null;
        if (run.stopping() || !channel.isActive()) {
            return;
        }
        sentAt = System.nanoTime();
        if (run.schedule() == null) {
            intendedStart = sentAt;
        }
        scanner.reset();
        inFlight = true;
        inBody = false;
        checkBody = completed % run.checkEvery() == 0;
        channel.writeAndFlush(target.request().duplicate(), channel.voidPromise());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        try {
            while (buf.isReadable()) {
                if (!inFlight) {
                    fail(ErrorKind.UNEXPECTED);
                    return;
                }
                if (!inBody) {
                    int end = buf.forEachByte(buf.readerIndex(), buf.readableBytes(), scanner);
                    if (end < 0) {
                        buf.skipBytes(buf.readableBytes());
                        return;
                    }
                    buf.readerIndex(end + 1);
                    if (!checkHead()) {
                        return;
                    }
                    continue;
                }
                int n = (int) Math.min(buf.readableBytes(), remaining);
                if (checkBody && !ByteBufUtil.equals(buf, buf.readerIndex(), target.file(), (int) bodyPosition, n)) {
                    fail(ErrorKind.BODY);
                    return;
                }
                buf.skipBytes(n);
                remaining -= n;
                bodyPosition += n;
                if (remaining == 0) {
                    complete();
                }
            }
        } finally {
            buf.release();
        }
    }

    private boolean checkHead() {
        ErrorKind wrong = scanner.malformed() != null ? ErrorKind.MALFORMED
                : scanner.status() != target.status() ? ErrorKind.STATUS
                : scanner.contentLength() != target.length() ? ErrorKind.LENGTH
                : null;
        if (wrong != null) {
            fail(wrong);
            return false;
        }
        inBody = true;
        remaining = target.length();
        bodyPosition = target.offset();
        if (remaining == 0) {
            complete();
        }
        return true;
    }

    private void complete() {
        long now = System.nanoTime();
        inFlight = false;
        inBody = false;
        completed++;
        run.record(now - intendedStart, target.length());
        if (scanner.close()) {
            channel.close();
        } else {
            sendNext();
        }
    }

    private void fail(ErrorKind kind) {
        if (inFlight && !run.stopping()) {
            run.error(kind);
        }
        inFlight = false;
        channel.close();
    }

    private void checkTimeout() {
        if (inFlight && System.nanoTime() - sentAt > run.timeoutNanos()) {
            fail(ErrorKind.TIMEOUT);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (inFlight && !run.stopping()) {
            run.error(inBody ? ErrorKind.SHORT_BODY : ErrorKind.CLOSED);
        }
        inFlight = false;
        if (pendingWrite != null) {
            pendingWrite.cancel(false);
            pendingWrite = null;
            // The request that was waiting for its time was never sent: keep its place in the schedule.
            scheduled--;
        }
        connect();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Reset by peer and the like: channelInactive follows and counts the request that was in flight.
        ctx.close();
    }
}
