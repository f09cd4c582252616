package dev.zeroedge.transport.epoll;

import dev.zeroedge.files.OpenFile;
import dev.zeroedge.transport.FileSender;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

import java.io.EOFException;
import java.io.IOException;

/**
 * {@code epoll-copy}, the "traditional I/O" baseline: read a chunk of the file into a pooled direct
 * buffer (pread), write it (write/writev), and read the next chunk only when the previous one is in the
 * kernel. One chunk per connection in flight: memory stays bounded however slowly the client reads.
 * The first chunk goes out with the head in one gathering write.
 */
final class CopySender implements FileSender {

    static final int CHUNK = 64 * 1024;

    @Override
    public ChannelFuture send(ChannelHandlerContext ctx, ByteBuf head, OpenFile file, long offset, long length,
                              Runnable progress) {
        ChannelPromise done = ctx.newPromise();
        new Copy(ctx, head, file.retain(), offset, offset + length, progress, done).next();
        return done;
    }

    /** One range on its way out: the read cursor, and what to do when a chunk is in the kernel. */
    private static final class Copy implements ChannelFutureListener {
        private final ChannelHandlerContext ctx;
        private final OpenFile file;
        private final long end;
        private final Runnable progress;
        private final ChannelPromise done;
        private ByteBuf head;
        private long position;

        Copy(ChannelHandlerContext ctx, ByteBuf head, OpenFile file, long position, long end, Runnable progress,
             ChannelPromise done) {
            this.ctx = ctx;
            this.head = head;
            this.file = file;
            this.position = position;
            this.end = end;
            this.progress = progress;
            this.done = done;
        }

        /** Copies chunks until one is still in flight (its listener continues) or the range is out. */
        void next() {
            while (position < end) {
                ByteBuf chunk;
                try {
                    chunk = read((int) Math.min(CHUNK, end - position));
                } catch (IOException | RuntimeException e) {
                    fail(e);
                    return;
                }
                position += chunk.readableBytes();
                if (head != null) {
                    writeHead();
                }
                ChannelFuture sent = ctx.writeAndFlush(chunk, FileSender.reporting(ctx, progress));
                if (!sent.isDone()) {
                    sent.addListener(this);
                    return;
                }
                if (!sent.isSuccess()) {
                    fail(sent.cause());
                    return;
                }
            }
            file.release();
            done.trySuccess();
        }

        @Override
        public void operationComplete(ChannelFuture sent) {
            if (sent.isSuccess()) {
                next();
            } else {
                fail(sent.cause());
            }
        }

        private ByteBuf read(int size) throws IOException {
            ByteBuf chunk = ctx.alloc().directBuffer(size, size);
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
}
