package dev.zeroedge.transport.epoll;

import dev.zeroedge.files.OpenFile;
import dev.zeroedge.transport.FileSender;
import dev.zeroedge.transport.SharedFileRegion;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.epoll.EpollSocketChannelConfig;

/**
 * {@code epoll-sendfile}: the head is written from memory, the file range follows as a
 * {@link SharedFileRegion}, which Netty's epoll channel hands to sendfile(2): the file bytes go from the
 * page cache to the socket without entering the JVM.
 *
 * <p>Head and body are two syscalls (writev, then sendfile). CORK (experiment flag, decided by measurement).
 */
final class SendfileSender implements FileSender {

    private static final boolean CORK = Boolean.getBoolean("zeroedge.epoll.cork");

    @Override
    public ChannelFuture send(ChannelHandlerContext ctx, ByteBuf head, OpenFile file, long offset, long length) {
        SharedFileRegion body = new SharedFileRegion(file, offset, length);
        if (!head.isReadable()) {
            head.release();
            return ctx.writeAndFlush(body);
        }
        if (!CORK || !ctx.channel().isActive()) {
            ctx.write(head, ctx.voidPromise());
            return ctx.writeAndFlush(body);
        }
        EpollSocketChannelConfig config = (EpollSocketChannelConfig) ctx.channel().config();
        config.setTcpCork(true);
        ctx.write(head, ctx.voidPromise());
        ChannelFuture sent = ctx.writeAndFlush(body);
        if (ctx.channel().isActive()) {
            config.setTcpCork(false);
        }
        return sent;
    }
}
