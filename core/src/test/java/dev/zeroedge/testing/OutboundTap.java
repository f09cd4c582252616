package dev.zeroedge.testing;

import dev.zeroedge.files.FileSystemPool;
import dev.zeroedge.mode.Mode;
import dev.zeroedge.transport.Availability;
import dev.zeroedge.transport.DescriptorUse;
import dev.zeroedge.transport.FileSender;
import dev.zeroedge.transport.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;

import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sits next to the socket in every connection of a real transport and records what the server hands to
 * the channel through Netty's pipeline: bytes in memory (ByteBufs, which the JVM has touched or mapped)
 * versus bytes of file regions (which the kernel reads from the page cache). A sender that moves bytes
 * without the pipeline (uring-splice's splice engine) shows neither; the tap also knows the event loop
 * thread, so a test can ask how much heap that thread allocated meanwhile.
 */
public final class OutboundTap extends ChannelOutboundHandlerAdapter {

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    public final AtomicLong memoryBytes = new AtomicLong();
    public final AtomicLong largestMemoryWrite = new AtomicLong();
    public final AtomicLong fileRegionBytes = new AtomicLong();
    private final AtomicLong loopThread = new AtomicLong(-1);

    /** The transport, unchanged, with this tap added at the socket end of each connection's pipeline. */
    public Transport wrap(Transport real) {
        OutboundTap tap = this;
        return new Transport() {
            @Override
            public Mode mode() {
                return real.mode();
            }

            @Override
            public Availability availability() {
                return real.availability();
            }

            @Override
            public IoHandlerFactory ioHandlerFactory() {
                return real.ioHandlerFactory();
            }

            @Override
            public Class<? extends ServerChannel> serverChannelClass() {
                return real.serverChannelClass();
            }

            @Override
            public Class<? extends io.netty.channel.socket.SocketChannel> socketChannelClass() {
                return real.socketChannelClass();
            }

            @Override
            public FileSender fileSender(FileSystemPool pool) {
                return real.fileSender(pool);
            }

            @Override
            public DescriptorUse descriptors() {
                return real.descriptors();
            }

            @Override
            public long millisSinceDataSent(Channel channel) {
                return real.millisSinceDataSent(channel);
            }

            @Override
            public void configureChild(Channel channel) {
                // Called on the connection's event loop (the server's channel initializer).
                loopThread.set(Thread.currentThread().threadId());
                real.configureChild(channel);
                channel.pipeline().addFirst("tap", tap);
            }
        };
    }

    @Override
    public boolean isSharable() {
        return true;
    }

    /**
     * Heap bytes the event loop of the last connection has allocated in its life so far, or -1 before the
     * first connection: two readings around a download bound what the loop allocated for it.
     */
    public long loopAllocatedBytes() {
        long thread = loopThread.get();
        return thread < 0 ? -1 : THREADS.getThreadAllocatedBytes(thread);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        switch (msg) {
            case ByteBuf buf -> {
                memoryBytes.addAndGet(buf.readableBytes());
                largestMemoryWrite.accumulateAndGet(buf.readableBytes(), Math::max);
            }
            case FileRegion region -> fileRegionBytes.addAndGet(region.count());
            default -> {
            }
        }
        ctx.write(msg, promise);
    }
}
