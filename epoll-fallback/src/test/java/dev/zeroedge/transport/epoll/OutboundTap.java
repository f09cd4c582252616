package dev.zeroedge.transport.epoll;

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
 * the channel: bytes in memory (ByteBufs, which the JVM has touched) versus bytes of file regions (which
 * the kernel reads from the page cache), and how much heap the event loop allocated meanwhile.
 */
final class OutboundTap extends ChannelOutboundHandlerAdapter {

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    final AtomicLong memoryBytes = new AtomicLong();
    final AtomicLong largestMemoryWrite = new AtomicLong();
    final AtomicLong fileRegionBytes = new AtomicLong();
    private final AtomicLong firstHeapMark = new AtomicLong(-1);
    private final AtomicLong lastHeapMark = new AtomicLong(-1);

    /** The transport, unchanged, with this tap added at the socket end of each connection's pipeline. */
    Transport wrap(Transport real) {
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
            public FileSender fileSender() {
                return real.fileSender();
            }

            @Override
            public DescriptorUse descriptors() {
                return real.descriptors();
            }

            @Override
            public void configureChild(Channel channel) {
                real.configureChild(channel);
                channel.pipeline().addFirst("tap", tap);
            }
        };
    }

    @Override
    public boolean isSharable() {
        return true;
    }

    /** Heap the event loop allocated from the first write to the completion of the last one. */
    long eventLoopHeapBytes() {
        return lastHeapMark.get() - firstHeapMark.get();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        firstHeapMark.compareAndSet(-1, THREADS.getCurrentThreadAllocatedBytes());
        switch (msg) {
            case ByteBuf buf -> {
                memoryBytes.addAndGet(buf.readableBytes());
                largestMemoryWrite.accumulateAndGet(buf.readableBytes(), Math::max);
            }
            case FileRegion region -> fileRegionBytes.addAndGet(region.count());
            default -> {
            }
        }
        ChannelPromise tracked = promise.unvoid();
        tracked.addListener(done -> lastHeapMark.set(THREADS.getCurrentThreadAllocatedBytes()));
        ctx.write(msg, tracked);
    }
}
