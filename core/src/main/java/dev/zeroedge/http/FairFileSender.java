package dev.zeroedge.http;

import dev.zeroedge.files.OpenFile;
import dev.zeroedge.transport.FileSender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

import java.io.EOFException;
import java.io.IOException;

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
 */
public final class FairFileSender {

    public static final long DEFAULT_MAX_SLICE = 2L * 1024 * 1024;
    public static final int DEFAULT_INLINE_BODY_MAX = 16 * 1024 - 1;
    /** Bounds the buffer an inline body needs: it is allocated per response. */
    public static final int LARGEST_INLINE_BODY_MAX = 256 * 1024;

    private final FileSender sender;
    private final long maxSlice;
    private final int inlineBodyMax;
    private final SendCounters counters;

    public FairFileSender(FileSender sender, long maxSlice, int inlineBodyMax, SendCounters counters) {
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
    }

    /**
     * Writes {@code head} (owned from now on) followed by bytes {@code [offset, offset + length)} of
     * {@code file}, and flushes. {@code progress} runs whenever the kernel has taken more of the body (the
     * connection's send timeout; see {@link FileSender}). The returned future completes when the last byte
     * is in the kernel.
     */
    public ChannelFuture send(ChannelHandlerContext ctx, ByteBuf head, OpenFile file, long offset, long length,
                              Runnable progress) {
        if (length < 0 || offset < 0 || offset > file.length() - length) {
            head.release();
            throw new IllegalArgumentException(
                    "range " + offset + "+" + length + " outside " + file.length() + "-byte file " + file.path());
        }
        if (length == 0) {
            return ctx.writeAndFlush(head);
        }
        if (length <= inlineBodyMax) {
            return sendInline(ctx, head, file, offset, (int) length);
        }
        ChannelPromise promise = ctx.newPromise();
        new Run(ctx, head, file.retain(), offset, offset + length, progress, promise).next();
        return promise;
    }

    /**
     * One write, which reports no progress: the send timeout counts from the start of the response, and the
     * kernel takes a body of this size at once (a progressive promise would cost every small response).
     */
    private ChannelFuture sendInline(ChannelHandlerContext ctx, ByteBuf head, OpenFile file, long offset, int length) {
        ByteBuf out = ctx.alloc().directBuffer(head.readableBytes() + length).writeBytes(head);
        head.release();
        ByteBuf held = file.body();
        if (held != null) {
            // The open-file cache holds this small file's bytes: no read at all. Event loops share them, so
            // they are copied through a view of their own, never through the shared buffer's indices.
            out.writeBytes(held.nioBuffer((int) offset, length));
        } else {
            try {
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
            } catch (IOException e) {
                out.release();
                return ctx.newFailedFuture(e);
            }
        }
        return ctx.writeAndFlush(out).addListener(sent -> {
            if (sent.isSuccess()) {
                counters.addFileBytes(length);
            }
        });
    }

    /** One body on its way out: the slice cursor and what to do when a slice completes. */
    private final class Run implements ChannelFutureListener {
        private final ChannelHandlerContext ctx;
        private final OpenFile file;
        private final long end;
        private final Runnable progress;
        private final ChannelPromise promise;
        private ByteBuf head;
        private long position;
        private long sliceLength;

        Run(ChannelHandlerContext ctx, ByteBuf head, OpenFile file, long position, long end, Runnable progress,
            ChannelPromise promise) {
            this.ctx = ctx;
            this.head = head;
            this.file = file;
            this.position = position;
            this.end = end;
            this.progress = progress;
            this.promise = promise;
        }

        /** Sends slices until one is still in flight (then its listener continues) or the body is done. */
        void next() {
            while (true) {
                if (position == end) {
                    file.release();
                    promise.trySuccess();
                    return;
                }
                sliceLength = Math.min(maxSlice, end - position);
                ByteBuf sliceHead = head != null ? head : Unpooled.EMPTY_BUFFER;
                head = null;
                ChannelFuture sent;
                try {
                    sent = sender.send(ctx, sliceHead, file, position, sliceLength, progress);
                } catch (RuntimeException e) {
                    fail(e);
                    return;
                }
                if (!sent.isDone()) {
                    sent.addListener(this);
                    return;
                }
                if (!completed(sent)) {
                    return;
                }
            }
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
            counters.addFileBytes(sliceLength);
            position += sliceLength;
            return true;
        }

        private void fail(Throwable cause) {
            file.release();
            promise.tryFailure(cause);
        }
    }
}
