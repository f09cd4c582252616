package dev.zeroedge.transport.uring;

import dev.zeroedge.files.OpenFile;
import dev.zeroedge.transport.NothingSentException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.unix.UnixChannel;
import io.netty.channel.uring.IoUringIoEvent;
import io.netty.channel.uring.IoUringIoHandle;
import io.netty.channel.uring.IoUringIoOps;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;

/**
 * The splice engine of one connection, registered on the connection's io_uring event loop beside Netty's
 * own handle for the socket. It moves one slice at a time: {@code IORING_OP_SPLICE} file → pipe
 * (64-bit file offset, no file position), then pipe → socket, reports every pipe → socket completion as
 * progress (the connection's send timeout), and completes the slice's promise when the last byte of the
 * slice has been accepted by the socket.
 *
 * <p>Walk-through of a 2 MiB slice with a 1 MiB pipe: {@link #send} writes the response head through
 * Netty's pipeline (so it is ordered after anything Netty still has to write) and, without waiting for
 * it, borrows an empty pipe and submits file → pipe (1 MiB). When the head's write completes and the pipe
 * holds bytes, pipe → socket is submitted for exactly what the pipe holds. When the pipe is empty and the
 * head is out, the two are submitted as one {@code IOSQE_IO_LINK} chain: the kernel worker that filled
 * the pipe goes straight on to empty it, with no trip through the event loop. A short file → pipe (an
 * unaligned first page) breaks the chain; the socket half then completes with {@code -ECANCELED} and is
 * resubmitted for what really is in the pipe.
 *
 * <p>At most one file → pipe and one pipe → socket are in flight, so bytes enter and leave the pipe in
 * file order. Descriptors are closed only when no operation that names them is in flight: the kernel
 * looks the pipe's read end up when the splice runs, and a closed number could by then name another file.
 * A slice that fails (client reset, EPIPE) or a connection that closes cancels what is in flight and
 * closes the pipe: it may hold bytes of this response and is never reused.
 *
 * <p>What a connection holds between slices: no descriptor of ours. The pipe goes back to the loop's pool
 * and our number for the socket (see {@link #takeSocket}) is closed when a slice is done, the file when its
 * last byte is out. So the open-file limit counts one descriptor per connection, plus a dup and a pipe
 * only for the connections that have a slice on its way, also in a burst of ten thousand new connections
 * that each fetch something. Once no slice has started for {@link #LINGER_NANOS} the stream retires: it
 * lets go of the file and leaves the ring and the channel; the connection's next body opens a new stream.
 */
final class SpliceStream implements IoUringIoHandle {

    private static final byte IORING_OP_POLL_ADD = 6;
    private static final byte IORING_OP_ASYNC_CANCEL = 14;
    private static final byte IORING_OP_SPLICE = 30;
    private static final byte IOSQE_IO_LINK = 1 << 2;
    private static final int SPLICE_F_MOVE = 1;
    private static final int POLLOUT = 0x004;
    private static final long PAGE = 4096;

    private static final int EINTR = 4;
    private static final int EAGAIN = 11;
    private static final int EPIPE = 32;
    private static final int ECONNRESET = 104;
    private static final int ECANCELED = 125;

    /**
     * How long a stream stays after its last slice: a connection that keeps sending registers its stream
     * once per second at most instead of per response; an idle one holds no splice state for long.
     */
    static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(1);

    private static final AttributeKey<SpliceStream> STREAM = AttributeKey.valueOf(SpliceStream.class, "stream");

    /** What a completion is for; the fast path of Netty's registration carries a short. */
    private static final short TO_PIPE = 1;
    private static final short TO_SOCKET = 2;
    private static final short SOCKET_WRITABLE = 3;
    private static final short CANCEL = 4;

    private final Channel channel;
    private final SpliceTuning tuning;
    private final ChannelFutureListener onChannelClosed = closed -> close();
    private IoRegistration registration;
    /** The channel closed (or the loop shuts down): what is in flight is cancelled, then all is released. */
    private boolean closing;
    /** Everything is given back: descriptors, file, registration; the channel no longer names this stream. */
    private boolean released;

    /** Our own number for the socket (see {@link #takeSocket}). */
    private int socketFd = -1;
    /** The retirement check is scheduled; {@link #slice} when it was. */
    private boolean lingering;
    private long sliceAtLinger;

    /**
     * The file spliced from and its descriptor number (see {@link #useFile}), held for the following
     * slices of a body and let go when a slice reaches the end of the file, so an idle keep-alive
     * connection does not keep a file the open-file cache has dropped.
     */
    private OpenFile file;
    private int fileFd = -1;
    private boolean ownFileFd;

    /** The slice on its way: null promise = none; {@code progress} runs when the socket took some of it. */
    private ChannelPromise promise;
    private Runnable progress;
    private long slice;
    private long position;
    private long end;
    private long unsent;
    private boolean headOut;

    private Pipe pipe;
    private boolean pipeDirty;
    private long inPipe;

    /** The kernel's user data of what is in flight, 0 = nothing. */
    private long toPipeId;
    private long toSocketId;
    private long pollId;

    private SpliceStream(Channel channel, SpliceTuning tuning) {
        this.channel = channel;
        this.tuning = tuning;
    }

    /** The stream of {@code channel}, opened if it has none (or its last one retired); on the channel's loop. */
    static SpliceStream of(Channel channel, SpliceTuning tuning) throws IOException {
        SpliceStream stream = channel.attr(STREAM).get();
        if (stream == null) {
            stream = open(channel, tuning);
            channel.attr(STREAM).set(stream);
        }
        return stream;
    }

    /** Registers a stream for {@code channel} on its event loop. */
    private static SpliceStream open(Channel channel, SpliceTuning tuning) throws IOException {
        SpliceStream stream = new SpliceStream(channel, tuning);
        Future<IoRegistration> registered = ((IoEventLoop) channel.eventLoop()).register(stream);
        if (!registered.isDone() || !registered.isSuccess()) {
            registered.cancel(false);
            throw new IOException("cannot register the splice stream on the io_uring loop of " + channel,
                    registered.cause());
        }
        stream.registration = registered.getNow();
        channel.closeFuture().addListener(stream.onChannelClosed);
        return stream;
    }

    /** See {@link dev.zeroedge.transport.FileSender#send}. */
    ChannelFuture send(ChannelHandlerContext ctx, ByteBuf head, OpenFile file, long offset, long length,
                       Runnable progress) {
        ChannelPromise sent = ctx.newPromise();
        if (closing || released || promise != null || busy()) {
            head.release();
            return sent.setFailure(closing ? new ClosedChannelException()
                    : new IllegalStateException((released ? "a retired stream" : "a slice is still on its way")
                            + " on " + channel));
        }
        try {
            takeSocket();
            useFile(file, offset + length);
            if (pipe == null) {
                pipe = Pipe.borrow(tuning.pipeSize());
                inPipe = 0;
            }
        } catch (IOException e) {
            // No dup, file or pipe to be had (EMFILE past the open-file limit): nothing is written yet.
            head.release();
            settle();
            return sent.setFailure(new NothingSentException(e));
        }
        promise = sent;
        this.progress = progress;
        long thisSlice = ++slice;
        position = offset;
        end = offset + length;
        unsent = length;
        ChannelOutboundBuffer outbound = channel.unsafe().outboundBuffer();
        boolean nettyIdle = outbound == null || outbound.totalPendingWriteBytes() == 0;
        if (nettyIdle && !head.isReadable()) {
            head.release();
            headOut = true;
        } else if (nettyIdle && tuning.headInPipe() && head.readableBytes() <= pipe.capacity / 4) {
            headOut = true;
            if (!headIntoPipe(head)) {
                return sent;
            }
        } else {
            headOut = false;
            ctx.writeAndFlush(head).addListener((ChannelFutureListener) written -> {
                if (slice != thisSlice || promise == null) {
                    return;
                }
                if (written.isSuccess()) {
                    headOut = true;
                    pump();
                } else {
                    fail(written.cause());
                }
            });
        }
        pump();
        return sent;
    }

    /**
     * Puts the head into the (empty) pipe in front of the body, so one pipe → socket splice carries both:
     * a small response leaves as one TCP segment and with one socket operation. Only done when Netty has
     * nothing left to write on this channel, so nothing can come between. A head that fits a quarter of
     * the pipe cannot block a blocking write into an empty pipe.
     */
    private boolean headIntoPipe(ByteBuf head) {
        int length = head.readableBytes();
        long written;
        try {
            written = Libc.writeSmall(pipe.writeFd, MemorySegment.ofBuffer(head.nioBuffer()));
        } finally {
            head.release();
        }
        if (written != length) {
            fail(new IOException("writing the " + length + "-byte head into the pipe wrote " + written));
            return false;
        }
        inPipe += length;
        unsent += length;
        return true;
    }

    /**
     * Our own number for the socket, taken when a slice needs it and none is held. A splice punted to an
     * io-wq worker looks its descriptors up when it runs, so with Netty's number a splice still queued when
     * Netty closes an aborted connection could write into the next connection that got the same number.
     * This one is closed only when nothing of ours in flight names it ({@link #settle}). Taken on the event
     * loop while the channel is open, so Netty's number still names this connection. It costs a fcntl and
     * a close per slice; kept between slices it cost a descriptor per recently busy connection, and a
     * burst of 10,000 connections that each fetched a file ran the server out of descriptors (EMFILE on
     * accept) with a 1 s linger.
     */
    private void takeSocket() throws IOException {
        if (socketFd >= 0) {
            return;
        }
        if (!channel.isOpen()) {
            throw new ClosedChannelException();
        }
        socketFd = Libc.fcntl(((UnixChannel) channel).fd().intValue(), Libc.F_DUPFD_CLOEXEC, 3);
    }

    /** Checks once per {@link #LINGER_NANOS} whether the stream can retire; armed by {@link #settle}. */
    private void linger() {
        // A loop that is shutting down closes its connections, and closing releases everything.
        if (!lingering && !closing && !released && !channel.eventLoop().isShuttingDown()) {
            lingering = true;
            sliceAtLinger = slice;
            channel.eventLoop().schedule(this::retireIfIdle, LINGER_NANOS, TimeUnit.NANOSECONDS);
        }
    }

    private void retireIfIdle() {
        lingering = false;
        if (closing || released || promise != null || busy()) {
            // Closing releases by itself; a busy stream arms the check again when it settles.
            return;
        }
        if (slice != sliceAtLinger) {
            linger();
            return;
        }
        channel.closeFuture().removeListener(onChannelClosed);
        channel.attr(STREAM).compareAndSet(this, null);
        release();
    }

    /** Gives back the dup, the file and the registration; only when nothing in flight names them. */
    private void release() {
        released = true;
        closeFile();
        closeSocket();
        registration.cancel();
    }

    /**
     * Closes our number for the socket. Only when nothing in flight names it: the kernel resolves descriptor
     * numbers when a punted splice runs, and a closed number could by then name another connection.
     */
    private void closeSocket() {
        if (socketFd >= 0 && !busy()) {
            Libc.close(socketFd);
            socketFd = -1;
        }
    }

    /**
     * Makes {@code wanted} the file spliced from, unless it already is (the next slice, or the next
     * response from core's open-file cache). The stream holds a reference to it until it moves on, so
     * the descriptor stays open while an operation may name it. Its own descriptor when the JDK's is
     * readable ({@link OpenFile#descriptor}); otherwise the path is opened again, and refused if it no
     * longer has the length the response head announced.
     */
    private void useFile(OpenFile wanted, long sliceEnd) throws IOException {
        if (wanted == file) {
            return;
        }
        closeFile();
        int fd = wanted.descriptor();
        boolean own = fd < 0;
        if (own) {
            fd = Libc.openForReading(wanted.path());
            long size;
            try {
                size = Libc.size(fd);
            } catch (IOException e) {
                Libc.close(fd);
                throw e;
            }
            if (size != wanted.length() || size < sliceEnd) {
                Libc.close(fd);
                throw new IOException(wanted.path() + " changed since it was opened: " + size + " bytes, "
                        + wanted.length() + " expected");
            }
        }
        file = wanted.retain();
        fileFd = fd;
        ownFileFd = own;
    }

    /** Submits what can run now: file → pipe while the pipe has room, pipe → socket once the head is out. */
    private void pump() {
        if (promise == null || closing) {
            return;
        }
        // A pipe holds pages, not bytes: what is in it takes at least its pages, and an unaligned file
        // offset starts in the middle of one. Asking for more than fits only makes the splice come back
        // short (and break the chain), so ask for what fits.
        long room = pipe.capacity - roundUpToPage(inPipe) - (position & (PAGE - 1));
        long toRead = Math.min(end - position, Math.min(room, pipe.capacity / tuning.chunks()));
        boolean wantPipe = toPipeId == 0 && toRead > 0;
        boolean wantSocket = toSocketId == 0 && headOut;
        if (wantPipe && wantSocket && tuning.chain() != SpliceTuning.Chain.SERIAL) {
            byte link = tuning.chain() == SpliceTuning.Chain.LINKED ? IOSQE_IO_LINK : 0;
            toPipeId = submit(toPipe((int) toRead, link));
            toSocketId = submit(toSocket((int) (inPipe + toRead)));
            return;
        }
        if (wantSocket && inPipe > 0) {
            toSocketId = submit(toSocket((int) inPipe));
        }
        if (wantPipe) {
            toPipeId = submit(toPipe((int) toRead, (byte) 0));
        }
    }

    private static long roundUpToPage(long bytes) {
        return (bytes + PAGE - 1) & -PAGE;
    }

    private IoUringIoOps toPipe(int length, byte flags) {
        return splice(fileFd, position, pipe.writeFd, length, flags, TO_PIPE);
    }

    private IoUringIoOps toSocket(int length) {
        return splice(pipe.readFd, -1, socketFd, length, (byte) 0, TO_SOCKET);
    }

    /** An IORING_OP_SPLICE entry: fd = out, off = out offset, addr = in offset, splice_fd_in = in. */
    private static IoUringIoOps splice(int in, long inOffset, int out, int length, byte flags, short what) {
        return new IoUringIoOps(IORING_OP_SPLICE, flags, (short) 0, out, -1L, inOffset, length, SPLICE_F_MOVE,
                what, (short) 0, (short) 0, in, 0L);
    }

    private long submit(IoUringIoOps ops) {
        long id = registration.submit(ops);
        if (id == 0) {
            throw new IllegalStateException("io_uring registration of " + channel + " is no longer valid");
        }
        return id;
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        IoUringIoEvent completion = (IoUringIoEvent) event;
        int res = completion.res();
        try {
            switch ((short) completion.userData()) {
                case TO_PIPE -> {
                    toPipeId = 0;
                    pipeFilled(res);
                }
                case TO_SOCKET -> {
                    toSocketId = 0;
                    socketFed(res);
                }
                case SOCKET_WRITABLE -> {
                    pollId = 0;
                    pump();
                }
                default -> {
                    // A cancellation's own completion: the cancelled operation completes separately.
                }
            }
        } catch (RuntimeException e) {
            fail(e);
        }
        if (!busy()) {
            settle();
        }
    }

    private void pipeFilled(int res) {
        if (res > 0) {
            position += res;
            inPipe += res;
            pump();
        } else if (res == 0) {
            fail(new EOFException(file.path() + " ended at byte " + position + ", " + end + " expected"));
        } else if (res == -EAGAIN || res == -EINTR) {
            pump();
        } else if (res != -ECANCELED || promise != null) {
            fail(new IOException("splice " + file.path() + " → pipe at byte " + position + " failed: "
                    + errno(-res)));
        }
    }

    private void socketFed(int res) {
        if (res > 0) {
            inPipe -= res;
            unsent -= res;
            if (progress != null) {
                // The client reads: the connection's send timeout starts again (not once per slice).
                progress.run();
            }
            if (unsent == 0) {
                complete();
            } else {
                pump();
            }
        } else if (res == -ECANCELED) {
            // The chain broke on a short file → pipe, or the connection is closing.
            pump();
        } else if (res == -EAGAIN) {
            // A non-blocking socket is full: wait until it can take more.
            pollId = submit(new IoUringIoOps(IORING_OP_POLL_ADD, (byte) 0, (short) 0, socketFd, 0L, 0L, 0,
                    POLLOUT, SOCKET_WRITABLE, (short) 0, (short) 0, 0, 0L));
        } else if (res == -EINTR) {
            pump();
        } else if (res == 0) {
            fail(new IOException("splice pipe → socket moved nothing with " + inPipe + " bytes in the pipe"));
        } else if (res == -EPIPE || res == -ECONNRESET) {
            fail(new IOException("client went away (" + errno(-res) + ")"));
        } else {
            fail(new IOException("splice pipe → socket failed: " + errno(-res)));
        }
    }

    private void complete() {
        ChannelPromise done = promise;
        promise = null;
        progress = null;
        if (position == file.length()) {
            // The body reached the end of the file: no further slice of it will come.
            closeFile();
        }
        settle();
        done.trySuccess();
    }

    private void fail(Throwable cause) {
        ChannelPromise failed = promise;
        promise = null;
        progress = null;
        pipeDirty = true;
        cancelInFlight();
        if (!busy()) {
            settle();
        }
        if (failed != null) {
            failed.tryFailure(cause);
        }
    }

    /**
     * Nothing in flight: give back or close the pipe and close the socket's dup, and on a closing stream
     * everything else too; an open stream with no slice lingers, then retires.
     */
    private void settle() {
        if (pipe != null && promise == null) {
            if (pipeDirty || inPipe != 0 || channel.eventLoop().isShuttingDown()) {
                // A loop that is shutting down may already have emptied its pool for the last time.
                pipe.close();
            } else {
                pipe.giveBack();
            }
            pipe = null;
            pipeDirty = false;
            inPipe = 0;
        }
        if (closing) {
            if (!released && !busy()) {
                release();
            }
        } else if (promise == null) {
            closeSocket();
            linger();
        }
    }

    private boolean busy() {
        return toPipeId != 0 || toSocketId != 0 || pollId != 0;
    }

    private void cancelInFlight() {
        for (long id : new long[] {toPipeId, toSocketId, pollId}) {
            if (id != 0) {
                registration.submit(new IoUringIoOps(IORING_OP_ASYNC_CANCEL, (byte) 0, (short) 0, -1, 0L, id, 0, 0,
                        CANCEL, (short) 0, (short) 0, 0, 0L));
            }
        }
    }

    private void closeFile() {
        if (file != null && toPipeId == 0) {
            if (ownFileFd) {
                Libc.close(fileFd);
            }
            fileFd = -1;
            file.release();
            file = null;
        }
    }

    /** The connection closed (or the event loop is shutting down): fail the slice, cancel, release. */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        if (promise != null) {
            fail(new ClosedChannelException());
        } else {
            cancelInFlight();
            if (!busy()) {
                settle();
            }
        }
    }

    private static String errno(int errno) {
        return switch (errno) {
            case EPIPE -> "EPIPE";
            case ECONNRESET -> "ECONNRESET";
            case ECANCELED -> "ECANCELED";
            case EAGAIN -> "EAGAIN";
            case 9 -> "EBADF";
            case 22 -> "EINVAL";
            case 5 -> "EIO";
            default -> "errno " + errno;
        };
    }
}
