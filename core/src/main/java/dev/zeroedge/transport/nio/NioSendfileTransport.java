package dev.zeroedge.transport.nio;

import dev.zeroedge.files.FileSystemPool;
import dev.zeroedge.files.OpenFile;
import dev.zeroedge.mode.Mode;
import dev.zeroedge.transport.Availability;
import dev.zeroedge.transport.DescriptorUse;
import dev.zeroedge.transport.FileSender;
import dev.zeroedge.transport.SendfileRegion;
import dev.zeroedge.transport.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * {@code nio-sendfile}: Netty's NIO event loop; a body's range goes out as a {@link SendfileRegion}: sendfile(2)
 * through the FFM linker on Linux (without the fstat the JDK's {@code transferTo} makes first), else
 * {@code FileChannel.transferTo}, sendfile inside the JDK. Needs no native jar, so it runs wherever Java
 * does: the mode {@code auto} falls back to. What the kernel last sent, which the send
 * timeout asks, comes from {@link NioTcpInfo}.
 */
public final class NioSendfileTransport implements Transport {

    @Override
    public Mode mode() {
        return Mode.NIO_SENDFILE;
    }

    @Override
    public Availability availability() {
        return Availability.available(Mode.NIO_SENDFILE);
    }

    @Override
    public IoHandlerFactory ioHandlerFactory() {
        return NioIoHandler.newFactory();
    }

    @Override
    public Class<? extends ServerChannel> serverChannelClass() {
        return NioServerSocketChannel.class;
    }

    @Override
    public Class<? extends io.netty.channel.socket.SocketChannel> socketChannelClass() {
        return io.netty.channel.socket.nio.NioSocketChannel.class;
    }

    /** transferTo needs nothing but the file; each loop's selector is an epoll and a wakeup eventfd. */
    @Override
    public DescriptorUse descriptors() {
        return new DescriptorUse(0, "", 2);
    }

    @Override
    public long millisSinceDataSent(Channel channel) {
        return NioTcpInfo.millisSinceDataSent(channel);
    }

    @Override
    public FileSender fileSender(FileSystemPool pool) {
        return new FileSender() {
            @Override
            public ChannelFuture send(ChannelHandlerContext ctx, ByteBuf head, OpenFile file, long offset,
                                      long length, Runnable progress) {
                if (head.isReadable()) {
                    ctx.write(head, ctx.voidPromise());
                } else {
                    head.release();
                }
                return ctx.writeAndFlush(new SendfileRegion(file, offset, length, NioTcpInfo.descriptorOf(ctx.channel())),
                        FileSender.reporting(ctx, progress));
            }

            @Override
            public int sendfileSocket(Channel channel) {
                return NioTcpInfo.descriptorOf(channel);
            }
        };
    }
}
