package dev.zeroedge.transport.epoll;

import dev.zeroedge.files.FileSystemPool;
import dev.zeroedge.files.OpenFile;
import dev.zeroedge.transport.FileSender;
import dev.zeroedge.transport.NothingSentException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.Future;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.RejectedExecutionException;

/**
 * {@code epoll-mmap}, a baseline: the range is mapped and the mapping is written to the socket as it is
 * (wrapped, never copied), together with the head in one gathering write. Against {@code epoll-copy} it
 * saves the read into a user buffer; the write still copies from the mapped page cache into the socket
 * buffer (sendfile can hand page references to a scatter-gather NIC instead), and every slice pays for
 * mmap, page faults and munmap.
 *
 * <p>The mapping lives in a confined {@link Arena} opened here on the event loop. The write's listener,
 * which Netty runs on that event loop after it has released the buffer, queues the arena's close as the
 * next task: the range is unmapped as soon as the kernel has the bytes or the write failed, not whenever
 * a garbage collector finds a mapped buffer (a JDK MappedByteBuffer has no public unmap).
 *
 * <p>A range the HTTP layer found cold ({@link #sendCold}) is mapped on a file-system thread of its disk, in a
 * shared arena, and its pages faulted in there ({@link Mapping#populate}); the loop then writes the mapping as
 * above. One pass over the disk, and the pages, mapped, stay until the write is done: a warming into the cache
 * first, then the loop's write, read them twice whenever they were evicted in between.
 */
final class MappedSender implements FileSender {

    /** The largest mapping one ByteBuffer can view; a longer range is written as several mappings. */
    private static final long MAX_VIEW = 1L << 30;

    private final FileSystemPool pool;

    /** {@code pool}: where cold ranges are mapped and faulted in; null for none (they are then warmed first). */
    MappedSender(FileSystemPool pool) {
        this.pool = pool;
    }

    @Override
    public ChannelFuture send(ChannelHandlerContext ctx, ByteBuf head, OpenFile file, long offset, long length,
                              Runnable progress) {
        Arena arena = Arena.ofConfined();
        ByteBuf[] pieces;
        try {
            pieces = map(file, offset, length, arena, false);
        } catch (IOException | RuntimeException e) {
            arena.close();
            head.release();
            return ctx.newFailedFuture(e);
        }
        return write(ctx, head, pieces, arena, progress);
    }

    @Override
    public boolean sendsCold() {
        return pool != null;
    }

    @Override
    public ChannelFuture sendCold(ChannelHandlerContext ctx, ByteBuf head, OpenFile file, long offset, long length,
                                  Runnable progress, boolean refuse) {
        ChannelPromise done = ctx.newPromise();
        new ColdMapping(ctx, head, file.retain(), offset, length, progress, refuse, done).submit();
        return done;
    }

    /** The range mapped in {@code arena}, as buffers of at most {@link #MAX_VIEW}; faulted in when {@code populate}. */
    private static ByteBuf[] map(OpenFile file, long offset, long length, Arena arena, boolean populate)
            throws IOException {
        ByteBuf[] pieces = new ByteBuf[(int) ((length + MAX_VIEW - 1) / MAX_VIEW)];
        try {
            for (int i = 0; i < pieces.length; i++) {
                long start = offset + i * MAX_VIEW;
                long size = Math.min(MAX_VIEW, offset + length - start);
                MemorySegment mapped = Mapping.of(file, start, size, arena);
                if (populate) {
                    boolean ignored = Mapping.populate(mapped);
                }
                pieces[i] = Unpooled.wrappedBuffer(mapped.asByteBuffer());
            }
            return pieces;
        } catch (IOException | RuntimeException e) {
            for (ByteBuf piece : pieces) {
                if (piece != null) {
                    piece.release();
                }
            }
            throw e;
        }
    }

    private static ChannelFuture write(ChannelHandlerContext ctx, ByteBuf head, ByteBuf[] pieces, Arena arena,
                                       Runnable progress) {
        if (head.isReadable()) {
            ctx.write(head, ctx.voidPromise());
        } else {
            head.release();
        }
        for (int i = 0; i < pieces.length - 1; i++) {
            ctx.write(pieces[i], FileSender.reporting(ctx, progress));
        }
        ChannelPromise sent = FileSender.reporting(ctx, progress);
        // The last piece is released last (the outbound buffer releases in order), so the whole mapping
        // is unused by the time this runs, on the event loop that opened the arena. The unmap waits one
        // task so the caller's listeners (counters, next slice, next request) go first.
        sent.addListener(done -> unmapSoon(ctx, arena));
        return ctx.writeAndFlush(pieces[pieces.length - 1], sent);
    }

    private static void unmapSoon(ChannelHandlerContext ctx, Arena arena) {
        try {
            ctx.executor().execute(arena::close);
        } catch (RejectedExecutionException shuttingDown) {
            arena.close(); // still on the arena's thread: the listener runs on the channel's event loop
        }
    }

    /** A cold range: mapped and faulted in on a file-system thread, then written from the loop. */
    private final class ColdMapping {
        private final ChannelHandlerContext ctx;
        private final ByteBuf head;
        private final OpenFile file;
        private final long offset;
        private final long length;
        private final Runnable progress;
        private final boolean refuse;
        private final ChannelPromise done;

        ColdMapping(ChannelHandlerContext ctx, ByteBuf head, OpenFile file, long offset, long length,
                    Runnable progress, boolean refuse, ChannelPromise done) {
            this.ctx = ctx;
            this.head = head;
            this.file = file;
            this.offset = offset;
            this.length = length;
            this.progress = progress;
            this.refuse = refuse;
            this.done = done;
        }

        /** A full queue: refused while nothing of the response is out, else asked again a little later. */
        void submit() {
            // Shared: opened on the file-system thread, closed on the loop once the write is done.
            Future<Mapped> mapped = pool.submit(file.path(), () -> {
                Arena arena = Arena.ofShared();
                try {
                    return new Mapped(arena, map(file, offset, length, arena, true));
                } catch (IOException | RuntimeException e) {
                    arena.close();
                    throw e;
                }
            }, ctx.executor());
            if (mapped == null) {
                if (refuse) {
                    fail(new NothingSentException(new IOException("file-system queue full: cold range not mapped")));
                } else {
                    FileSender.askAgainLater(ctx, this::submit, () -> fail(new ClosedChannelException()));
                }
                return;
            }
            mapped.addListener(ready -> {
                file.release();
                if (!ready.isSuccess()) {
                    head.release();
                    done.tryFailure(ready.cause());
                    return;
                }
                Mapped range = (Mapped) ready.getNow();
                write(ctx, head, range.pieces(), range.arena(), progress).addListener(sent -> {
                    if (sent.isSuccess()) {
                        done.trySuccess();
                    } else {
                        done.tryFailure(sent.cause());
                    }
                });
            });
        }

        private void fail(Throwable cause) {
            head.release();
            file.release();
            done.tryFailure(cause);
        }
    }

    private record Mapped(Arena arena, ByteBuf[] pieces) {
    }
}
