package dev.zeroedge.transport.epoll;

import dev.zeroedge.files.FileSystemPool;
import dev.zeroedge.files.OpenFile;
import dev.zeroedge.files.PageCache;
import dev.zeroedge.transport.FileSender;
import dev.zeroedge.transport.NothingSentException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.Future;

import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;

/**
 * {@code epoll-copy}, the "traditional I/O" baseline: read a chunk of the file into a pooled direct
 * buffer (pread), write it (write/writev), and read the next chunk only when the previous one is in the
 * kernel. One chunk per connection in flight: memory stays bounded however slowly the client reads.
 * The first chunk goes out with the head in one gathering write.
 *
 * <p>A chunk whose pages are in the page cache is read on the loop (a copy from memory); one whose pages
 * are not ({@link PageCache#holds}, asked per chunk, right before its read) is read on a file-system thread
 * of its disk, with readahead ({@link PageCache#sequential}), and written from the loop when it is in; so is every
 * chunk of the range after it, and every chunk of a range the HTTP layer found cold ({@link #sendCold}): one pass
 * over the disk, no warming first. The check before the slice that the HTTP layer makes is not enough here: a chunk
 * is read long after it when the client is slow, and its pages may be gone by then.
 */
final class CopySender implements FileSender {

    static final int CHUNK = 64 * 1024;

    private final FileSystemPool pool;

    CopySender(FileSystemPool pool) {
        this.pool = pool;
    }

    @Override
    public ChannelFuture send(ChannelHandlerContext ctx, ByteBuf head, OpenFile file, long offset, long length,
                              Runnable progress) {
        ChannelPromise done = ctx.newPromise();
        new Copy(ctx, head, file.retain(), offset, offset + length, progress, done, false, true).next();
        return done;
    }

    /** Every chunk read on a file-system thread, none tested: the HTTP layer found the range cold. */
    @Override
    public boolean sendsCold() {
        return pool != null;
    }

    @Override
    public ChannelFuture sendCold(ChannelHandlerContext ctx, ByteBuf head, OpenFile file, long offset, long length,
                                  Runnable progress, boolean refuse) {
        ChannelPromise done = ctx.newPromise();
        new Copy(ctx, head, file.retain(), offset, offset + length, progress, done, true, refuse).next();
        return done;
    }

    /** One range on its way out: the read cursor, and what to do when a chunk is in the kernel. */
    private final class Copy implements ChannelFutureListener {
        private final ChannelHandlerContext ctx;
        private final OpenFile file;
        private final long end;
        private final Runnable progress;
        private final ChannelPromise done;
        /** Whether a full queue may refuse the range while its head is still here. */
        private final boolean refuse;
        private ByteBuf head;
        private long position;
        /**
         * Set at the first chunk found cold: from then on every chunk of the range is read on a file-system thread,
         * untested. The thread reads with readahead, and a page whose read is still in flight counts as held, so a
         * test of the next chunk on the loop could find it "held" and the loop's pread would wait for it.
         */
        private boolean cold;

        Copy(ChannelHandlerContext ctx, ByteBuf head, OpenFile file, long position, long end, Runnable progress,
             ChannelPromise done, boolean cold, boolean refuse) {
            this.cold = cold;
            this.refuse = refuse;
            this.ctx = ctx;
            this.head = head;
            this.file = file;
            this.position = position;
            this.end = end;
            this.progress = progress;
            this.done = done;
        }

        /** Copies chunks until one is still in flight or being read off the loop (a listener continues), or the range is out. */
        void next() {
            while (position < end) {
                int size = (int) Math.min(CHUNK, end - position);
                if (pool != null && (cold || !PageCache.holds(file, position, size))) {
                    cold = true;
                    readElsewhere(size);
                    return;
                }
                ByteBuf chunk;
                try {
                    chunk = read(file, ctx.alloc().directBuffer(size, size), position, end);
                } catch (IOException | RuntimeException e) {
                    fail(e);
                    return;
                }
                if (!write(chunk)) {
                    return;
                }
            }
            file.release();
            done.trySuccess();
        }

        /** Writes a chunk that has been read; true when it is in the kernel already and the next may follow. */
        private boolean write(ByteBuf chunk) {
            position += chunk.readableBytes();
            if (head != null) {
                writeHead();
            }
            ChannelFuture sent = ctx.writeAndFlush(chunk, FileSender.reporting(ctx, progress));
            if (!sent.isDone()) {
                sent.addListener(this);
                return false;
            }
            if (!sent.isSuccess()) {
                fail(sent.cause());
                return false;
            }
            return true;
        }

        /**
         * Reads the chunk at {@link #position} on a thread of the file's disk, then writes it and goes on, on the
         * loop. A full queue refuses the response while nothing of it is out (the responder answers 503), and
         * later makes it ask again after {@link FileSystemPool#BUSY_RETRY_MILLIS} ms.
         */
        private void readElsewhere(int size) {
            ByteBuf chunk = ctx.alloc().directBuffer(size, size);
            long at = position;
            Future<ByteBuf> read = pool.submit(file.path(), () -> {
                PageCache.sequential(file);
                return read(file, chunk, at, end);
            }, ctx.executor());
            if (read == null) {
                chunk.release();
                if (head != null && refuse) {
                    fail(new NothingSentException(new IOException("file-system queue full: cold chunk not read")));
                } else {
                    FileSender.askAgainLater(ctx, this::next, () -> fail(new ClosedChannelException()));
                }
                return;
            }
            read.addListener(done -> {
                if (!done.isSuccess()) {
                    fail(done.cause()); // the read released the chunk
                } else if (!ctx.channel().isActive()) {
                    chunk.release();
                    fail(new ClosedChannelException());
                } else if (write(chunk)) {
                    next();
                }
            });
        }

        @Override
        public void operationComplete(ChannelFuture sent) {
            if (sent.isSuccess()) {
                next();
            } else {
                fail(sent.cause());
            }
        }

        private void writeHead() {
            if (head.isReadable()) {
                ctx.write(head, ctx.voidPromise());
            } else {
                head.release();
            }
            head = null;
        }

        private void fail(Throwable cause) {
            if (head != null) {
                head.release();
                head = null;
            }
            file.release();
            done.tryFailure(cause);
        }
    }

    /** Fills {@code chunk} from {@code file} at {@code position} (pread); released when that fails. */
    private static ByteBuf read(OpenFile file, ByteBuf chunk, long position, long end) throws IOException {
        try {
            while (chunk.isWritable()) {
                int read = chunk.writeBytes(file.channel(), position + chunk.readableBytes(), chunk.writableBytes());
                if (read < 0) {
                    throw new EOFException(file.path() + " shrank below " + end + " bytes while being sent");
                }
            }
            return chunk;
        } catch (IOException | RuntimeException e) {
            chunk.release();
            throw e;
        }
    }
}
