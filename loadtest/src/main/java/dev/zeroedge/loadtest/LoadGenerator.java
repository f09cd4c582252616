package dev.zeroedge.loadtest;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.time.Duration;

/**
 * The client side: epoll event loops ({@code --threads}, one per client CPU), each carrying many
 * keep-alive connections. Epoll and nothing else: a load generator that silently fell back to NIO would
 * measure itself.
 */
final class LoadGenerator implements AutoCloseable {

    private final EventLoopGroup group;
    private final Bootstrap bootstrap;

    LoadGenerator(int threads) {
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("the load generator needs Netty's epoll transport", Epoll.unavailabilityCause());
        }
        group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("loadtest"), EpollIoHandler.newFactory());
        bootstrap = new Bootstrap()
                .group(group)
                .channel(EpollSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                // Large files arrive faster in reads of up to 256 KiB; small answers keep small buffers.
                .option(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(512, 16 * 1024, 256 * 1024));
    }

    /** Opens {@code connections} connections to {@code target} and starts sending. */
    LoadRun start(Target target, Workload prepared, long rate, int connections, Duration timeout, int checkEvery) {
        return new LoadRun(group, bootstrap, target, prepared, rate, connections, timeout, checkEvery);
    }

    /** Opens {@code count} connections to {@code target} that each ask once and then stay idle. */
    IdleConnections idle(Target target, RequestTarget request, int count, int parallel) {
        return new IdleConnections(group, bootstrap, target.address(), request, count, parallel);
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
