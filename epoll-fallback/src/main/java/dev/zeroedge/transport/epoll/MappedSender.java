package dev.zeroedge.transport.epoll;

import dev.zeroedge.files.OpenFile;
import dev.zeroedge.transport.FileSender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
 */
final class MappedSender implements FileSender {

    /** The largest mapping one ByteBuffer can view; a longer range is written as several mappings. */
    private static final long MAX_VIEW = 1L << 30;

    @Override
    public ChannelFuture send(ChannelHandlerContext ctx, ByteBuf head, OpenFile file, long offset, long length,
                              Runnable progress) {
        Arena arena = Arena.ofConfined();
        ByteBuf[] pieces = new ByteBuf[(int) ((length + MAX_VIEW - 1) / MAX_VIEW)];
        try {
            for (int i = 0; i < pieces.length; i++) {
                long start = offset + i * MAX_VIEW;
                long size = Math.min(MAX_VIEW, offset + length - start);
                MemorySegment mapped = Mapping.of(file, start, size, arena);
                pieces[i] = Unpooled.wrappedBuffer(mapped.asByteBuffer());
            }
        } catch (IOException | RuntimeException e) {
            for (ByteBuf piece : pieces) {
                if (piece != null) {
                    piece.release();
                }
            }
            arena.close();
            head.release();
            return ctx.newFailedFuture(e);
        }
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
}
