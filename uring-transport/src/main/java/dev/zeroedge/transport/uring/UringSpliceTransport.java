package dev.zeroedge.transport.uring;

import dev.zeroedge.files.ChannelDescriptor;
import dev.zeroedge.files.FileOpener;
import dev.zeroedge.files.FileSystemPool;
import dev.zeroedge.files.FileWriter;
import dev.zeroedge.files.NonBlockingOpen;
import dev.zeroedge.mode.Mode;
import dev.zeroedge.transport.Availability;
import dev.zeroedge.transport.DescriptorUse;
import dev.zeroedge.transport.Feature;
import dev.zeroedge.transport.FileSender;
import dev.zeroedge.transport.SharedFileRegion;
import dev.zeroedge.transport.Transport;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.channel.uring.IoUringTcpInfo;

/**
 * {@code uring-splice}: Netty's io_uring event loop, and file bodies spliced file → pipe → socket by
 * zeroedge's own {@link SpliceSender} ({@code IORING_OP_SPLICE}, 64-bit offsets, an enlarged pipe).
 *
 * <p>Available when Netty's io_uring loads and the kernel's probe lists {@code IORING_OP_SPLICE}; the
 * {@link Feature} named missing says which of the two is not there, and the probe reads it.
 *
 * <p>For benchmarks only, {@code -Dzeroedge.uring.sender=netty-file-region} sends bodies as a plain
 * {@link io.netty.channel.DefaultFileRegion} instead, which Netty's io_uring channel splices itself
 * (64 KiB pipe, one operation in flight, an {@code int} position: it fails past 2 GiB). It is there to be
 * compared with, never to be used.
 */
public final class UringSpliceTransport implements Transport {

    /** The comparison sender's name in {@code -Dzeroedge.uring.sender}. */
    static final String NETTY_FILE_REGION = "netty-file-region";

    /** The comparison opener's name in {@code -Dzeroedge.uring.opener}. */
    static final String POOL_OPENER = "pool";

    /** The comparison writer's name in {@code -Dzeroedge.uring.writer}. */
    static final String POOL_WRITER = "pool";

    private final SpliceTuning tuning;

    /** The provider {@link java.util.ServiceLoader} finds: measured defaults, or the measurement knobs. */
    public UringSpliceTransport() {
        this(SpliceTuning.fromSystemProperties());
    }

    UringSpliceTransport(SpliceTuning tuning) {
        this.tuning = tuning;
    }

    @Override
    public Mode mode() {
        return Mode.URING_SPLICE;
    }

    @Override
    public Availability availability() {
        try {
            if (!IoUring.isAvailable()) {
                return Availability.unavailable(Mode.URING_SPLICE, Feature.IO_URING, IoUring.unavailabilityCause());
            }
            if (!IoUring.isSpliceSupported()) {
                return Availability.unavailable(Mode.URING_SPLICE, Feature.IO_URING_SPLICE,
                        new UnsupportedOperationException("io_uring is available but this kernel does not support"
                                + " IORING_OP_SPLICE (needs Linux 5.7+)"));
            }
            return Availability.available(Mode.URING_SPLICE);
        } catch (LinkageError e) {
            return Availability.unavailable(Mode.URING_SPLICE, Feature.IO_URING, e);
        }
    }

    @Override
    public IoHandlerFactory ioHandlerFactory() {
        return IoUringIoHandler.newFactory();
    }

    @Override
    public Class<? extends ServerChannel> serverChannelClass() {
        return IoUringServerSocketChannel.class;
    }

    @Override
    public Class<? extends io.netty.channel.socket.SocketChannel> socketChannelClass() {
        return IoUringSocketChannel.class;
    }

    /**
     * Its splices read the file on io-wq kernel workers (measured: every splice was punted there), so a cold
     * slice never stalls the loop; only an inline body's pread does, and the HTTP layer warms that itself.
     */
    @Override
    public boolean readsFileOnEventLoop() {
        return false;
    }

    /**
     * A connection with a slice on its way holds a dup of its socket and a pipe (see {@link SpliceStream}),
     * and the file opened a second time when the JDK's descriptor is not readable ({@link ChannelDescriptor});
     * each loop holds its ring, an eventfd, up to {@link Pipe#IDLE_PER_LOOP} idle pipes and the document
     * root's directory ({@link RingLookups}).
     */
    @Override
    public DescriptorUse descriptors() {
        int perLoop = 3 + 2 * Pipe.IDLE_PER_LOOP;
        if (NETTY_FILE_REGION.equals(System.getProperty("zeroedge.uring.sender"))) {
            return new DescriptorUse(2, "a pipe", perLoop);
        }
        return ChannelDescriptor.readable()
                ? new DescriptorUse(3, "a dup of the socket, a pipe", perLoop)
                : new DescriptorUse(4, "a dup of the socket, a pipe, the file opened again", perLoop);
    }

    @Override
    public long millisSinceDataSent(Channel channel) {
        try {
            IoUringTcpInfo info = ((IoUringSocketChannel) channel).tcpInfo();
            return info.retransmits() == 0 ? info.lastDataSent() : -1;
        } catch (ChannelException closed) {
            return -1;
        }
    }

    /**
     * The ring, where the descriptors it opens can become channels ({@link NonBlockingOpen#available}: the
     * JDK's descriptor fields are open to zeroedge); the file-system threads otherwise.
     */
    @Override
    public FileOpener fileOpener(FileSystemPool pool) {
        if (POOL_OPENER.equals(System.getProperty("zeroedge.uring.opener")) || !NonBlockingOpen.available()) {
            return pool;
        }
        return new RingFileOpener(pool);
    }

    /**
     * The ring (an {@code IORING_OP_WRITEV} per write, completed on the loop), where the JDK's descriptor fields
     * are open to zeroedge; the file-system threads otherwise, or with {@code -Dzeroedge.uring.writer=pool}
     * (to compare with).
     */
    @Override
    public FileWriter fileWriter(FileSystemPool pool) {
        if (POOL_WRITER.equals(System.getProperty("zeroedge.uring.writer")) || !ChannelDescriptor.readable()) {
            return FileWriter.byThePool(pool);
        }
        return new RingFileWriter(pool);
    }

    @Override
    public FileSender fileSender(FileSystemPool pool) {
        if (NETTY_FILE_REGION.equals(System.getProperty("zeroedge.uring.sender"))) {
            return (ctx, head, file, offset, length, progress) -> {
                ctx.write(head, ctx.voidPromise());
                return ctx.writeAndFlush(new SharedFileRegion(file, offset, length), FileSender.reporting(ctx, progress));
            };
        }
        return new SpliceSender(tuning);
    }
}
