package dev.zeroedge.http;

import dev.zeroedge.files.FileSystemPool;
import dev.zeroedge.files.GrowingBody;
import dev.zeroedge.files.OpenFile;
import dev.zeroedge.files.PageCache;
import dev.zeroedge.transport.FileSender;
import dev.zeroedge.transport.NothingSentException;
import dev.zeroedge.transport.PoolSendfile;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

import io.netty.util.concurrent.Future;

import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;

/**
 * The one function through which file bytes leave zeroedge.
 *
 * <p>A body of at most {@code inlineBodyMax} bytes is copied into the buffer behind the head, from the
 * bytes the open-file cache holds for a small file or else read (pread) from the file, and the two leave
 * in one write. For a small body that is cheaper than any zero-copy path: a copy of a few KiB
 * costs less than a sendfile call plus the cork around it (three more system calls), and on io_uring a
 * splice is always punted to a kernel worker thread, a context switch per response. lighttpd draws the
 * same line (below 16 KiB it preads and writev()s; strace on this machine). Everything larger is zero-copy.
 *
 * <p>A larger body is cut into slices of at most
 * {@code maxSlice} bytes (nginx's {@code sendfile_max_chunk}) and hands them to the transport's
 * {@link FileSender} one after the other: a 1 GiB download never holds its event loop for longer than
 * one slice, so a small request on another connection of the same loop is answered meanwhile, and the
 * outbound buffer never holds more than one slice of a body.
 *
 * <p>The next slice is written when the previous one has been handed to the kernel, so the socket
 * buffer still holds bytes at that moment and the connection does not go idle between slices.
 *
 * <p>No event loop waits for the disk to send a body. Before the inline read, and before each slice handed
 * to a sender that reads the file's pages on the loop ({@link dev.zeroedge.transport.Transport#readsFileOnEventLoop}:
 * sendfile, a mapping, a pread; not io_uring's splice, which its kernel workers do), one
 * {@link PageCache#holds} asks whether the page cache holds the range (by blocks of 2 MiB, a block found whole
 * trusted for 100 ms on the loop: {@link RecentlyHot}). A cold range is read from the disk once, on a
 * {@link FileSystemPool} thread of the file's disk, by whatever sends it, while the loop serves its other
 * connections: a sendfile sender's slice is sent into the socket by that thread itself ({@link PoolSendfile}, with
 * the readahead of a sequential reader), epoll-copy's is pread there and epoll-mmap's mapped and faulted in there
 * ({@link FileSender#sendCold}), and an inline body is pread there into the buffer behind its head. Each page is then
 * held by what sends it (the socket buffer, the pipe, the mapping, the buffer) from its read on, so an eviction
 * meanwhile costs nothing. Reading the range into the cache first and sending it afterwards, as this did before, read
 * it twice whenever its pages were evicted in between (memory pressure on a node whose working set exceeds its
 * memory; on the slow-disk bench, 2 MiB warmed in 7.6-9 s while its pages were dropped every 500 ms, so no cold
 * fetch of 32 ended in 10 s), the second time on the loop for some senders. Once a slice of a body was cold, its later
 * slices go the same way untested: the readahead those reads start is still in flight when the next slice would be
 * tested, and cachestat counts a page being read as held. Only where neither way exists (no socket number, a
 * chunked body in a sendfile mode) is a cold slice still read into the cache first and sent once the cache holds it,
 * halved when its pages did not stay. A body the open-file cache holds in memory is asked nothing. When the pool's
 * queue is full, a response of which nothing is out yet fails with {@link NothingSentException} (the responder
 * answers 503 with Retry-After; asked before the head goes, {@link FileSystemPool#hasRoom}, where the head must go
 * before the thread's sendfile); past its first bytes it asks the pool again every
 * {@link FileSystemPool#BUSY_RETRY_MILLIS} ms, which the send timeout bounds, as it bounds any response that makes no
 * progress.
 *
 * <p>A body still being written ({@link OpenFile#growing}: an edge cache's fill) is sent the same way, slice
 * by slice, each slice no longer than what is on disk from its position (a prefix of a sequential fill, or the
 * run of committed slices of a large object stored in slices, whose missing ones the body's demand fetches);
 * past that the head (if still here) goes out alone and the run waits for the writer's next growth, which wakes
 * it on this loop. A body that ends short fails the
 * response, so the connection closes before its Content-Length: never a short body that looks complete.
 */
public final class FairFileSender {

    public static final long DEFAULT_MAX_SLICE = 2L * 1024 * 1024;
    public static final int DEFAULT_INLINE_BODY_MAX = 16 * 1024 - 1;
    /** Bounds the buffer an inline body needs: it is allocated per response. */
    public static final int LARGEST_INLINE_BODY_MAX = 256 * 1024;

    /**
     * How often a cold slice is read into the page cache before it is sent whether or not its pages stayed: from
     * 2 MiB, halved after each time its pages did not stay (2 MiB, 1 MiB, 512, 256, 128, 128 KiB).
     */
    static final int WARMINGS = 6;
    /** The least a cold slice is cut to when its pages do not stay: one read of a FUSE file system (max_read). */
    static final long SMALLEST_COLD_SLICE = 128 * 1024;

    private final FileSender sender;
    private final long maxSlice;
    private final int inlineBodyMax;
    private final SendCounters counters;
    private final FileSystemPool pool;
    private final boolean slicesReadOnLoop;
    private final boolean senderCopies;

    /**
     * @param pool             the threads that read cold ranges into the page cache
     * @param slicesReadOnLoop whether {@code sender} reads the file's pages on the event loop, so that a cold
     *                         slice must be warmed first (see {@link dev.zeroedge.transport.Transport#readsFileOnEventLoop})
     * @param senderCopies     whether {@code sender}'s bytes pass through user space (the epoll-mmap and epoll-copy
     *                         baselines: {@link dev.zeroedge.mode.Mode#zeroCopy}), for what {@link Exchange} counts
     */
    public FairFileSender(FileSender sender, long maxSlice, int inlineBodyMax, SendCounters counters,
                          FileSystemPool pool, boolean slicesReadOnLoop, boolean senderCopies) {
        if (maxSlice < 1) {
            throw new IllegalArgumentException("maxSlice must be positive: " + maxSlice);
        }
        if (inlineBodyMax < 0 || inlineBodyMax > LARGEST_INLINE_BODY_MAX) {
            throw new IllegalArgumentException("inlineBodyMax must be within 0.." + LARGEST_INLINE_BODY_MAX
                    + ": " + inlineBodyMax);
        }
        this.sender = sender;
        this.maxSlice = maxSlice;
        this.inlineBodyMax = inlineBodyMax;
        this.counters = counters;
        this.pool = pool;
        this.slicesReadOnLoop = slicesReadOnLoop && PageCache.available();
        this.senderCopies = senderCopies;
    }

    /**
     * Writes {@code head} (owned from now on) followed by bytes {@code [offset, offset + length)} of
     * {@code file}, and flushes. {@code progress} runs whenever the kernel has taken more of the body (the
     * connection's send timeout; see {@link FileSender}). The returned future completes when the last byte
     * is in the kernel.
     */
    public ChannelFuture send(ChannelHandlerContext ctx, ByteBuf head, OpenFile file, long offset, long length,
                              Runnable progress) {
        return send(ctx, head, file, offset, length, progress, true, null);
    }

    /**
     * Writes {@code head} (owned from now on) and then the whole of {@code file}, a file still growing whose
     * length is not known yet ({@link OpenFile#growing}), slice by slice as it grows: each slice one chunk when
     * {@code chunked} (the head said {@code Transfer-Encoding: chunked}), then the last chunk; otherwise the body
     * ends with the connection, which the caller closes. The future completes when the last byte is in the kernel.
     * The file bytes the kernel takes are counted in {@code exchange} when it is not null.
     */
    public ChannelFuture sendGrowing(ChannelHandlerContext ctx, ByteBuf head, OpenFile file, boolean chunked,
                                     Runnable progress, Exchange exchange) {
        if (file.growing() == null) {
            head.release();
            throw new IllegalArgumentException(file + " is not growing");
        }
        ChannelPromise promise = ctx.newPromise();
        new Run(ctx, head, file.retain(), 0, -1, progress, true, promise, exchange, chunked).next();
        return promise;
    }

    /**
     * {@link #send}, for a range that may not be the first of its response ({@code first}: nothing of the
     * response is out yet, so a full file-system queue can still refuse it; a later part of a multipart body
     * waits instead). The file bytes the kernel takes are counted in {@code exchange} when it is not null.
     */
    ChannelFuture send(ChannelHandlerContext ctx, ByteBuf head, OpenFile file, long offset, long length,
                       Runnable progress, boolean first, Exchange exchange) {
        if (length < 0 || offset < 0 || offset > file.length() - length) {
            head.release();
            throw new IllegalArgumentException(
                    "range " + offset + "+" + length + " outside " + file.length() + "-byte file " + file.path());
        }
        if (length == 0) {
            return ctx.writeAndFlush(head);
        }
        if (length <= inlineBodyMax && whollyReadable(file, offset, offset + length)) {
            if (file.body() != null || RecentlyHot.holds(file, offset, length)) {
                return sendInline(ctx, head, file, offset, (int) length, exchange);
            }
            ChannelPromise promise = ctx.newPromise();
            new ColdInline(ctx, head, file.retain(), offset, (int) length, first, promise, exchange).read();
            return promise;
        }
        ChannelPromise promise = ctx.newPromise();
        new Run(ctx, head, file.retain(), offset, offset + length, progress, first, promise, exchange).next();
        return promise;
    }

    /** Whether bytes {@code [offset, end)} are in the file: always, but for a body still being written. */
    private static boolean whollyReadable(OpenFile file, long offset, long end) {
        GrowingBody growing = file.growing();
        return growing == null || growing.readableFrom(offset, end) >= end;
    }

    /**
     * Reads {@code [offset, offset + length)} of {@code file} into the page cache on a file-system thread, then
     * runs {@code hot} on the loop (whether or not the read succeeded: the send that follows meets any error
     * of the file itself). A full queue: {@code busy} when {@code refuse}, else the same again after
     * {@link FileSystemPool#BUSY_RETRY_MILLIS} ms, as long as the channel is open ({@code closed} when it is not).
     */
    private void warm(ChannelHandlerContext ctx, OpenFile file, long offset, long length, boolean refuse,
                      Runnable hot, Runnable busy, Runnable closed) {
        Future<Void> warmed = pool.submit(file.path(), () -> {
            PageCache.warm(file, offset, length);
            return null;
        }, ctx.executor());
        if (warmed != null) {
            warmed.addListener(done -> hot.run());
        } else if (refuse) {
            busy.run();
        } else {
            FileSender.askAgainLater(ctx, () -> warm(ctx, file, offset, length, false, hot, busy, closed), closed);
        }
    }

    private static NothingSentException queueFull() {
        return new NothingSentException(new IOException("file-system queue full: cold pages not read"));
    }

    /**
     * A small body whose pages are not in the page cache: read (pread) into the buffer behind its head on a
     * file-system thread of its disk, which the loop then writes. One pass over the disk: reading it into the page
     * cache first and then on the loop read it twice whenever its pages were evicted in between, the second time on
     * the loop. A full queue refuses the response when nothing of it is out ({@code first}), else asks again after
     * {@link FileSystemPool#BUSY_RETRY_MILLIS} ms.
     */
    private final class ColdInline {
        private final ChannelHandlerContext ctx;
        private final ByteBuf head;
        private final OpenFile file;
        private final long offset;
        private final int length;
        private final boolean first;
        private final ChannelPromise promise;
        private final Exchange exchange;

        ColdInline(ChannelHandlerContext ctx, ByteBuf head, OpenFile file, long offset, int length, boolean first,
                   ChannelPromise promise, Exchange exchange) {
            this.exchange = exchange;
            this.ctx = ctx;
            this.head = head;
            this.file = file;
            this.offset = offset;
            this.length = length;
            this.first = first;
            this.promise = promise;
        }

        void read() {
            ByteBuf out = ctx.alloc().directBuffer(head.readableBytes() + length).writeBytes(head, head.readerIndex(),
                    head.readableBytes());
            Future<ByteBuf> read = pool.submit(file.path(), () -> {
                try {
                    readInto(out, file, offset, length);
                    return out;
                } catch (IOException | RuntimeException e) {
                    out.release();
                    throw e;
                }
            }, ctx.executor());
            if (read == null) {
                out.release();
                if (first) {
                    fail(queueFull());
                } else {
                    FileSender.askAgainLater(ctx, this::read, () -> fail(new ClosedChannelException()));
                }
                return;
            }
            read.addListener(done -> {
                if (!done.isSuccess()) {
                    fail(done.cause()); // the read released the buffer
                    return;
                }
                head.release();
                file.release();
                writeInline(ctx, out, length, exchange).addListener(sent -> {
                    if (sent.isSuccess()) {
                        promise.trySuccess();
                    } else {
                        promise.tryFailure(sent.cause());
                    }
                });
            });
        }

        private void fail(Throwable cause) {
            head.release();
            file.release();
            promise.tryFailure(cause);
        }
    }

    /**
     * One write, which reports no progress: the send timeout counts from the start of the response, and the
     * kernel takes a body of this size at once (a progressive promise would cost every small response).
     */
    private ChannelFuture sendInline(ChannelHandlerContext ctx, ByteBuf head, OpenFile file, long offset, int length,
                                     Exchange exchange) {
        ByteBuf out = ctx.alloc().directBuffer(head.readableBytes() + length).writeBytes(head);
        head.release();
        ByteBuf held = file.body();
        if (held != null) {
            // The open-file cache holds this small file's bytes: no read at all. Event loops share them, so
            // they are copied through a view of their own, never through the shared buffer's indices.
            out.writeBytes(held.nioBuffer((int) offset, length));
        } else {
            try {
                readInto(out, file, offset, length);
            } catch (IOException e) {
                out.release();
                return ctx.newFailedFuture(e);
            }
        }
        return writeInline(ctx, out, length, exchange);
    }

    /** Appends bytes {@code [offset, offset + length)} of {@code file} to {@code out} (pread). */
    private static void readInto(ByteBuf out, OpenFile file, long offset, int length) throws IOException {
        int end = out.writerIndex() + length;
        long position = offset;
        while (out.writerIndex() < end) {
            int read = out.writeBytes(file.channel(), position, end - out.writerIndex());
            if (read < 0) {
                // Truncated since it was opened: better a broken connection than a short body.
                throw new EOFException(file.path() + " ended at " + position + ", expected "
                        + (offset + length) + " bytes");
            }
            position += read;
        }
    }

    /** Writes an inline body behind its head ({@code out} holds both); counts the body's bytes once they are out. */
    private ChannelFuture writeInline(ChannelHandlerContext ctx, ByteBuf out, int length, Exchange exchange) {
        return ctx.writeAndFlush(out).addListener(sent -> {
            if (sent.isSuccess()) {
                counters.addFileBytes(length);
                if (exchange != null) {
                    exchange.fileBytesSent(length, true);
                }
            }
        });
    }

    /** One body on its way out: the slice cursor and what to do when a slice completes. */
    private final class Run implements ChannelFutureListener {
        private final ChannelHandlerContext ctx;
        private final OpenFile file;
        private final long end;
        private final Runnable progress;
        private final boolean first;
        private final ChannelPromise promise;
        private final Exchange exchange;
        /** How the body is framed: by the head's Content-Length, or (an end not known yet) chunked or by the close. */
        private final boolean chunked;
        private ByteBuf head;
        private long position;
        private long sliceLength;
        /**
         * How much of the body a cold slice may be: {@code maxSlice} until the pages of a warmed slice did not
         * stay, then halved each time. Pages go when something evicts them faster than a slice is read (memory
         * pressure; a FUSE file system drops a file's pages whenever the file is opened again): a range read
         * in one go in less time stays until the loop sends it, so the loop never reads the disk itself.
         */
        private long coldSlice;
        /**
         * Set when a slice of this body was found cold and went the one-pass way ({@link #sendCold}): every later
         * slice goes the same way, untested. The file-system thread reads with readahead, and cachestat counts a
         * page whose read is still in flight as held, so a test of the next slice on the loop could find it "held"
         * and the loop's send would wait for that read.
         */
        private boolean cold;
        private boolean chunkOpen;

        Run(ChannelHandlerContext ctx, ByteBuf head, OpenFile file, long position, long end, Runnable progress,
            boolean first, ChannelPromise promise, Exchange exchange) {
            this(ctx, head, file, position, end, progress, first, promise, exchange, false);
        }

        /** {@code end} -1: up to the end of a growing file, not known yet. */
        Run(ChannelHandlerContext ctx, ByteBuf head, OpenFile file, long position, long end, Runnable progress,
            boolean first, ChannelPromise promise, Exchange exchange, boolean chunked) {
            this.exchange = exchange;
            this.chunked = chunked;
            this.ctx = ctx;
            this.head = head;
            this.file = file;
            this.position = position;
            this.end = end;
            this.progress = progress;
            this.first = first;
            this.promise = promise;
            this.coldSlice = maxSlice;
        }

        /** Sends slices until one is still in flight or cold (then a listener continues) or the body is done. */
        void next() {
            while (true) {
                long stop = end >= 0 ? end : knownEnd();
                if (position == stop) {
                    if (chunked || head != null) {
                        endUnannounced();
                        return;
                    }
                    letGo();
                    promise.trySuccess();
                    return;
                }
                sliceLength = Math.min(maxSlice, stop - position);
                GrowingBody growing = file.growing();
                if (growing != null) {
                    // Present from here: a prefix for a sequential fill, a run of slices for a sliced one.
                    long readable = growing.readableFrom(this, position, stop);
                    if (readable <= position) {
                        if (!awaitGrowth(growing)) {
                            return;
                        }
                        continue;
                    }
                    sliceLength = Math.min(sliceLength, readable - position);
                }
                if (slicesReadOnLoop && (cold || !RecentlyHot.holds(file, position, sliceLength))) {
                    if (!sendCold()) {
                        return;
                    }
                    continue;
                }
                if (!sendSlice(false)) {
                    return;
                }
            }
        }

        /**
         * Sends the current slice, found cold, in one pass over the disk: from a file-system thread by sendfile(2)
         * ({@link #sendFromPool}), or by a sender that reads cold ranges off the loop itself ({@link
         * FileSender#sendCold}: epoll-copy's pread on the pool, epoll-mmap's mapping faulted in there); else (no
         * socket number, a chunked body in a sendfile mode) read into the page cache first ({@link #warmThenSend}).
         * True when the slice is already done and the next may follow.
         */
        private boolean sendCold() {
            if (sendsFromPool()) {
                cold = true;
                sendFromPool();
                return false;
            }
            if (sender.sendsCold()) {
                cold = true;
                return sendSlice(true);
            }
            sliceLength = Math.min(sliceLength, coldSlice);
            warmThenSend(WARMINGS);
            return false;
        }

        /**
         * Has the current slice read into the page cache, then sends it once the cache holds it, asked again
         * after the warming: its pages can be gone by then (a FUSE file's whole cache is dropped when it is
         * opened again, or when a short read changes its size), and the loop must not read them itself. Each
         * time they did not stay, the slice is halved (down to {@link #SMALLEST_COLD_SLICE}) and warmed again,
         * and so are the cold slices after it; after {@code attempts} warmings that did not stay, the slice is
         * sent as it is. The queue may refuse only
         * while the head is still here: nothing of this response is out yet.
         */
        private void warmThenSend(int attempts) {
            warm(ctx, file, position, sliceLength, first && head != null, () -> {
                if (attempts > 1 && ctx.channel().isActive() && !PageCache.holds(file, position, sliceLength)) {
                    coldSlice = Math.max(Math.min(SMALLEST_COLD_SLICE, sliceLength), (sliceLength / 2) & -4096L);
                    sliceLength = coldSlice;
                    warmThenSend(attempts - 1);
                } else if (sendSlice(false)) {
                    next();
                }
            }, () -> fail(queueFull()), () -> fail(new ClosedChannelException()));
        }

        /** Whether a file-system thread can send this body's cold slices itself: sendfile, and a length known. */
        private boolean sendsFromPool() {
            return !chunked && !senderCopies && file.descriptor() >= 0 && PoolSendfile.available()
                    && sender.sendfileSocket(ctx.channel()) >= 0;
        }

        /**
         * A file-system thread sends this cold slice into the socket itself ({@link PoolSendfile}: the disk reads
         * wait there, with the readahead of a reader that goes front to back, {@link PageCache#sequential}), as much
         * as the socket takes; one pass, and each page goes from the disk into the socket, which holds it from then
         * on, so an eviction meanwhile takes none of it. When the socket takes no more, the thread reads the rest of
         * the slice into the page cache and the loop sends that rest through the sender as any hot slice (Netty
         * waits for the socket to be writable), or, were it gone again, has the thread send it.
         * The head goes first, alone: it must be in the kernel before the thread writes behind it. While it is
         * still here a full queue refuses the response (asked before the head goes: {@link FileSystemPool#hasRoom});
         * past it the slice asks again every {@link FileSystemPool#BUSY_RETRY_MILLIS} ms.
         */
        private void sendFromPool() {
            if (head != null) {
                if (first && !pool.hasRoom(file.path())) {
                    fail(queueFull());
                    return;
                }
                ByteBuf out = head;
                head = null;
                ctx.writeAndFlush(out).addListener(written -> {
                    if (written.isSuccess()) {
                        sendFromPool();
                    } else {
                        fail(written.cause());
                    }
                });
                return;
            }
            int socket;
            try {
                socket = PoolSendfile.own(sender.sendfileSocket(ctx.channel()));
            } catch (IOException e) {
                fail(e);
                return;
            }
            long from = position;
            long length = sliceLength;
            Future<Long> sent = pool.submit(file.path(), () -> {
                try {
                    PageCache.sequential(file);
                    long n = PoolSendfile.send(socket, file.descriptor(), from, length);
                    if (n < length) {
                        PageCache.readIn(file, from + n, length - n);
                    }
                    return n;
                } finally {
                    PoolSendfile.close(socket);
                }
            }, ctx.executor());
            if (sent == null) {
                PoolSendfile.close(socket);
                FileSender.askAgainLater(ctx, this::sendFromPool, () -> fail(new ClosedChannelException()));
                return;
            }
            sent.addListener(done -> {
                if (!done.isSuccess()) {
                    fail(done.cause());
                    return;
                }
                long n = (Long) done.getNow();
                if (n > 0) {
                    advance(n, false);
                    progress.run();
                }
                sliceLength = length - n;
                if (sliceLength == 0) {
                    next();
                } else if (!ctx.channel().isActive()) {
                    fail(new ClosedChannelException());
                } else if (!PageCache.holds(file, position, sliceLength)) {
                    sendFromPool();
                } else if (sendSlice(false)) {
                    next();
                }
            });
        }

        /**
         * Nothing past {@code position} is in the file yet: true when the body has ended meanwhile (go on:
         * {@code next} sees the new length or fails), else the head goes out alone, so the client has it as
         * soon as the source does, and the next growth of the file continues this body on its loop.
         */
        private boolean awaitGrowth(GrowingBody growing) {
            if (growing.failure() != null) {
                fail(new EOFException(file.path() + " has no byte " + position + " of " + file.length()
                        + " bytes: " + growing.failure().getMessage()));
                return false;
            }
            if (growing.whenPast(position, ctx.executor(), this::grown)) {
                return true; // grown, complete or failed meanwhile: next() looks again
            }
            if (head != null) {
                ctx.writeAndFlush(head);
                head = null;
            }
            if (chunkOpen) {
                // The chunk sent last is closed now, not with the next one: a client has all of it meanwhile.
                ctx.writeAndFlush(ctx.alloc().buffer(2).writeByte('\r').writeByte('\n'));
                chunkOpen = false;
            }
            return false;
        }

        private void grown() {
            if (ctx.channel().isActive()) {
                next();
            } else {
                fail(new ClosedChannelException());
            }
        }

        /** Where a body of a length not announced ends: Long.MAX_VALUE until its growing file is complete. */
        private long knownEnd() {
            GrowingBody growing = file.growing();
            return growing.complete() ? growing.length() : Long.MAX_VALUE;
        }

        /**
         * The end of a body whose length the head did not say: the last chunk (after the head, if nothing else
         * went out), or the head alone for a body that ends with the connection.
         */
        private void endUnannounced() {
            ByteBuf out = ctx.alloc().buffer(16 + (head != null ? head.readableBytes() : 0));
            if (head != null) {
                out.writeBytes(head);
                head.release();
                head = null;
            }
            if (chunked) {
                out.writeCharSequence((chunkOpen ? "\r\n" : "") + "0\r\n\r\n", StandardCharsets.US_ASCII);
            }
            letGo();
            ctx.writeAndFlush(out).addListener(sent -> {
                if (sent.isSuccess()) {
                    promise.trySuccess();
                } else {
                    promise.tryFailure(sent.cause());
                }
            });
        }

        /**
         * Hands the current slice to the sender ({@code coldSlice}: to its {@link FileSender#sendCold}, which a full
         * queue may refuse while nothing of the response is out); true when it is already done and the next may
         * follow.
         */
        private boolean sendSlice(boolean coldSlice) {
            boolean refuse = first && head != null;
            ByteBuf sliceHead = head != null ? head : Unpooled.EMPTY_BUFFER;
            head = null;
            if (chunked) {
                // Each slice is one chunk: its size line goes before it, the CRLF that ends it before the next.
                ByteBuf framed = ctx.alloc().buffer(sliceHead.readableBytes() + 24);
                framed.writeBytes(sliceHead);
                sliceHead.release();
                framed.writeCharSequence((chunkOpen ? "\r\n" : "") + Long.toHexString(sliceLength) + "\r\n",
                        StandardCharsets.US_ASCII);
                chunkOpen = true;
                sliceHead = framed;
            }
            ChannelFuture sent;
            try {
                sent = coldSlice ? sender.sendCold(ctx, sliceHead, file, position, sliceLength, progress, refuse)
                        : sender.send(ctx, sliceHead, file, position, sliceLength, progress);
            } catch (RuntimeException e) {
                fail(e);
                return false;
            }
            if (!sent.isDone()) {
                sent.addListener(this);
                return false;
            }
            return completed(sent);
        }

        @Override
        public void operationComplete(ChannelFuture sent) {
            if (completed(sent)) {
                next();
            }
        }

        private boolean completed(ChannelFuture sent) {
            if (!sent.isSuccess()) {
                fail(sent.cause());
                return false;
            }
            advance(sliceLength, senderCopies);
            return true;
        }

        /** {@code n} bytes of the body are in the socket ({@code copied} through the JVM): counted, and passed. */
        private void advance(long n, boolean copied) {
            counters.addFileBytes(n);
            if (exchange != null) {
                exchange.fileBytesSent(n, copied);
            }
            position += n;
        }

        /** The body is done with (sent, or failed): a growing file hears this sender leave, then it is let go. */
        private void letGo() {
            GrowingBody growing = file.growing();
            if (growing != null) {
                growing.left(this);
            }
            file.release();
        }

        private void fail(Throwable cause) {
            if (head != null) {
                head.release();
                head = null;
            }
            letGo();
            promise.tryFailure(cause);
        }
    }
}
