package dev.zeroedge.transport.epoll;

import dev.zeroedge.mode.Mode;
import dev.zeroedge.transport.Availability;
import dev.zeroedge.transport.DescriptorUse;
import dev.zeroedge.transport.Feature;
import dev.zeroedge.transport.FileSender;
import dev.zeroedge.files.FileSystemPool;
import java.util.function.Function;
import dev.zeroedge.transport.Transport;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.EpollTcpInfo;

/**
 * What the three epoll modes share: Netty's epoll event loop and listening socket, and one answer to
 * "can epoll run here" ({@link Epoll#unavailabilityCause()}). They differ only in their {@link FileSender}.
 * Each mode is its own small public subclass because {@link java.util.ServiceLoader} instantiates
 * providers by class name.
 */
abstract class EpollTransport implements Transport {

    private final Mode mode;
    private final Function<FileSystemPool, FileSender> sender;

    EpollTransport(Mode mode, Function<FileSystemPool, FileSender> sender) {
        this.mode = mode;
        this.sender = sender;
    }

    @Override
    public final Mode mode() {
        return mode;
    }

    @Override
    public final Availability availability() {
        try {
            Throwable cause = Epoll.unavailabilityCause();
            return cause == null ? Availability.available(mode) : Availability.unavailable(mode, Feature.EPOLL, cause);
        } catch (LinkageError e) {
            // The native classes themselves failed to load (e.g. a broken class path): unavailable, never thrown.
            return Availability.unavailable(mode, Feature.EPOLL, e);
        }
    }

    @Override
    public final IoHandlerFactory ioHandlerFactory() {
        return EpollIoHandler.newFactory();
    }

    @Override
    public final Class<? extends ServerChannel> serverChannelClass() {
        return EpollServerSocketChannel.class;
    }

    @Override
    public Class<? extends io.netty.channel.socket.SocketChannel> socketChannelClass() {
        return io.netty.channel.epoll.EpollSocketChannel.class;
    }

    /**
     * None per connection in any of the three: sendfile and the copy need only the file, and a mapping
     * keeps no descriptor of its own. Each loop holds an epoll, an eventfd and a timerfd.
     */
    @Override
    public final DescriptorUse descriptors() {
        return new DescriptorUse(0, "", 3);
    }

    @Override
    public final FileSender fileSender(FileSystemPool pool) {
        return sender.apply(pool);
    }

    @Override
    public final long millisSinceDataSent(Channel channel) {
        try {
            EpollTcpInfo info = ((EpollSocketChannel) channel).tcpInfo();
            return info.retransmits() == 0 ? info.lastDataSent() : -1;
        } catch (ChannelException closed) {
            return -1;
        }
    }
}
