package dev.zeroedge.transport;

import dev.zeroedge.files.FileSystemPool;
import dev.zeroedge.files.OpenFile;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelProgressiveFuture;
import io.netty.channel.ChannelProgressiveFutureListener;
import io.netty.channel.ChannelProgressivePromise;

import java.util.concurrent.TimeUnit;

/**
 * How a transport puts file bytes on a socket. The HTTP layer never writes file bytes any other way:
 * it goes through {@link dev.zeroedge.http.FairFileSender}, which cuts a body into bounded slices and calls this once
 * per slice.
 *
 * <p>Contract of {@link #send}: called on the channel's event loop; writes {@code head} (never null,
 * maybe empty: the response head or a multipart boundary, owned by the sender from now on) and then
 * bytes {@code [offset, offset + length)} of {@code file}, after everything written on the channel
 * before; flushes; and returns a future that completes when the last byte has been handed to the
 * kernel, or fails: with {@link NothingSentException} when it wrote nothing of this call (the head is
 * released unsent), so that a response of which nothing is out yet can still be refused cleanly. The
 * sender retains {@code file} for as long as it needs it and releases it
 * itself, also on failure. {@code length} is at least 1.
 *
 * <p>{@code progress} runs on the event loop every time the kernel has taken some of the range's bytes:
 * each partial sendfile, each write, each splice into the socket, not only at the end of the slice. It
 * is the connection's send timeout: a slice of 2 MiB to a client that reads 20 KiB/s takes 100 s and must
 * not count as 100 s without progress. Writes through Netty report it with a promise from
 * {@link #reporting}: Netty's outbound buffer tells a progressive promise about every partial write of a
 * buffer or a file region.
 */
@FunctionalInterface
public interface FileSender {

    ChannelFuture send(ChannelHandlerContext ctx, ByteBuf head, OpenFile file, long offset, long length,
                       Runnable progress);

    /**
     * Whether this sender can send a range whose pages the page cache does not hold ({@link #sendCold}) reading
     * them off the event loop itself. When not, the HTTP layer reads such a range into the page cache first, or
     * sends it from a file-system thread ({@link #sendfileSocket}).
     */
    default boolean sendsCold() {
        return false;
    }

    /**
     * {@link #send}, for a range whose pages the page cache does not hold ({@link dev.zeroedge.files.PageCache#holds}),
     * by a sender that {@link #sendsCold}: it has the file-system threads of the file's disk read them, in one pass,
     * and the loop only writes what is already in memory. {@code refuse}: nothing of the response is out yet, so a
     * full file-system queue fails the future with {@link NothingSentException} (the head released unsent) rather
     * than waiting; otherwise the sender asks the queue again every {@link dev.zeroedge.files.FileSystemPool#BUSY_RETRY_MILLIS} ms.
     */
    default ChannelFuture sendCold(ChannelHandlerContext ctx, ByteBuf head, OpenFile file, long offset, long length,
                                   Runnable progress, boolean refuse) {
        throw new UnsupportedOperationException("this sender does not send cold ranges itself");
    }

    /**
     * The descriptor number of {@code channel}'s socket when this sender's bytes go by sendfile(2), so that a
     * cold range may be sent by a file-system thread instead ({@link PoolSendfile}); -1 when they go some other
     * way (a mapping, a copy, a splice) or the number cannot be read. Asked on the channel's event loop.
     */
    default int sendfileSocket(Channel channel) {
        return -1;
    }

    /**
     * Work that a full file-system queue refused past a response's first bytes: {@code again} on {@code ctx}'s loop
     * after {@link FileSystemPool#BUSY_RETRY_MILLIS}, if the connection is still open then, else {@code closed}.
     */
    static void askAgainLater(ChannelHandlerContext ctx, Runnable again, Runnable closed) {
        ctx.executor().schedule(() -> {
            if (ctx.channel().isActive()) {
                again.run();
            } else {
                closed.run();
            }
        }, FileSystemPool.BUSY_RETRY_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** A promise for a write through Netty that runs {@code progress} whenever part of the write is in the kernel. */
    static ChannelProgressivePromise reporting(ChannelHandlerContext ctx, Runnable progress) {
        return ctx.newProgressivePromise().addListener(new ChannelProgressiveFutureListener() {
            @Override
            public void operationProgressed(ChannelProgressiveFuture future, long done, long total) {
                progress.run();
            }

            @Override
            public void operationComplete(ChannelProgressiveFuture future) {
            }
        });
    }
}
