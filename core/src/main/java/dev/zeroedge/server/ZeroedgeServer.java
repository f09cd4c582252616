package dev.zeroedge.server;

import dev.zeroedge.content.ContentSource;
import dev.zeroedge.content.StaticSource;
import dev.zeroedge.files.DocumentRoot;
import dev.zeroedge.files.FileOpener;
import dev.zeroedge.files.FileSystemPool;
import dev.zeroedge.files.HeldBodies;
import dev.zeroedge.files.OpenFileCache;
import dev.zeroedge.http.Drain;
import dev.zeroedge.http.HttpPipeline;
import dev.zeroedge.http.Site;
import dev.zeroedge.http.SiteObserver;
import dev.zeroedge.mode.Mode;
import dev.zeroedge.http.FairFileSender;
import dev.zeroedge.http.SendCounters;
import dev.zeroedge.transport.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A running zeroedge: one event-loop group of the chosen transport that accepts and serves, the listening
 * socket, and the open connections (kept so shutdown can drain them).
 */
public final class ZeroedgeServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ZeroedgeServer.class);

    private final Transport transport;
    /** Replaced by {@link #reconfigure}; volatile for the shutdown that reads its grace period. */
    private volatile ServerConfig config;
    private final ConnectionLimit limit;
    private final MultiThreadIoEventLoopGroup group;
    private final Channel listener;
    private final ChannelGroup connections;
    private final SendCounters counters;
    private final Site site;
    private final FileSystemPool pool;
    /** Set by the one caller that runs the stop; {@link #stopped} opens when it is done. */
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);

    private ZeroedgeServer(Transport transport, ServerConfig config, MultiThreadIoEventLoopGroup group, Channel listener,
                           ChannelGroup connections, SendCounters counters, Site site, FileSystemPool pool,
                           ConnectionLimit limit) {
        this.limit = limit;
        this.pool = pool;
        this.transport = transport;
        this.config = config;
        this.group = group;
        this.listener = listener;
        this.connections = connections;
        this.counters = counters;
        this.site = site;
    }

    /**
     * Binds and starts serving. The transport must be available (see
     * {@link dev.zeroedge.transport.Transports#require}).
     *
     * @throws IOException when the root is not a readable directory or the address cannot be bound
     */
    public static ZeroedgeServer start(ServerConfig config, Transport transport) throws IOException {
        return start(config, transport, ZeroedgeServer::documentRoot);
    }

    /**
     * Binds and starts serving what {@code sources} makes: the document root ({@link #documentRoot}) or
     * another {@link ContentSource} (the edge cache; a test's). The server closes it when it stops.
     */
    public static ZeroedgeServer start(ServerConfig config, Transport transport, Sources sources) throws IOException {
        return start(config, transport, sources, null);
    }

    /**
     * {@link #start(ServerConfig, Transport, Sources)}, with {@code observer} told of every response and
     * connection event of the serving listener (the metrics, the access log; null: none).
     */
    public static ZeroedgeServer start(ServerConfig config, Transport transport, Sources sources,
                                       SiteObserver observer) throws IOException {
        transport.availability().ensureAvailable();
        FileSystemPool pool = new FileSystemPool(config.fileSystemThreads(), config.fileSystemQueue());
        ContentSource source;
        try {
            source = sources.create(config, transport.fileOpener(pool), pool);
        } catch (IOException | RuntimeException e) {
            pool.close();
            throw e;
        }
        SendCounters counters = new SendCounters();
        Site site = new Site(source, new FairFileSender(transport.fileSender(pool), config.maxSlice(),
                config.inlineBodyMax(), counters, pool, transport.readsFileOnEventLoop(), !transport.mode().zeroCopy()),
                config.limits(), counters, transport::millisSinceDataSent, observer);
        ChannelGroup connections = new DefaultChannelGroup("connections", GlobalEventExecutor.INSTANCE);
        ConnectionLimit limit = new ConnectionLimit(config.limits().maxConnections(),
                observer == null ? null : observer::refused);
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(
                ServerConfig.eventLoopsFor(config.eventLoops()), transport.ioHandlerFactory());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(new AcceptPause())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.SO_SNDBUF, config.sendBuffer() > 0 ? config.sendBuffer() : null)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        connections.add(channel);
                        if (observer != null) {
                            observer.accepted();
                        }
                        transport.configureChild(channel);
                        channel.pipeline().addLast("limit", limit);
                        HttpPipeline.install(channel, site);
                    }
                });
        ChannelFuture bound = bootstrap.bind(config.bind()).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            source.close();
            pool.close();
            Throwable cause = bound.cause();
            throw new IOException("cannot listen on " + config.bind().getHostString() + ":" + config.bind().getPort()
                    + ": " + cause.getMessage(), cause);
        }
        return new ZeroedgeServer(transport, config, group, bound.channel(), connections, counters, site, pool,
                limit);
    }

    /** What a server serves, made once at startup from its configuration and the ways to the disk. */
    @FunctionalInterface
    public interface Sources {
        /**
         * @param opener how the document root's files are opened off the event loop in this mode
         * @param pool   the file-system threads, for any other blocking call a source needs
         */
        ContentSource create(ServerConfig config, FileOpener opener, FileSystemPool pool) throws IOException;
    }

    /** The static document root behind its open-file cache: what {@code serve --root DIR} serves. */
    public static ContentSource documentRoot(ServerConfig config, FileOpener opener, FileSystemPool pool)
            throws IOException {
        DocumentRoot root = new DocumentRoot(config.root(), config.serveDotfiles());
        // Small files are held in memory only where the cache keeps them; without it they are read per response.
        HeldBodies held = HeldBodies.of(config.openFileCache(), config.inlineBodyMax());
        return new StaticSource(new OpenFileCache(root, opener, config.openFileCache(), config.openFileCacheValid(),
                config.openFileCacheInactive(), held));
    }

    public Mode mode() {
        return transport.mode();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    public int port() {
        return address().getPort();
    }

    /** The configuration in force: the one it started with, with what reloads changed since. */
    public ServerConfig config() {
        return config;
    }

    /**
     * A reload: applies the live part of {@code next} ({@link ServerConfig#withLiveSettingsOf}) and answers the
     * configuration now in force. Nothing in flight is touched: a connection already open keeps the limits it
     * was accepted with and a response in flight its file and its timers; connections accepted from now on,
     * and the next lookups of the open-file cache, see the new values. Each value is swapped through a
     * volatile field that the event loops read when they next need it (see {@link Site#changeLimits}), so no
     * loop waits for a lock and none sees half a change.
     */
    public synchronized ServerConfig reconfigure(ServerConfig next) {
        ServerConfig now = config.withLiveSettingsOf(next);
        site.changeLimits(now.limits());
        limit.changeMax(now.limits().maxConnections());
        site.source().retime(now.openFileCacheValid(), now.openFileCacheInactive());
        config = now;
        return now;
    }

    /**
     * Binds one more listener on this server's event loops and transport, whose connections get
     * {@code childHandler} and nothing of the serving pipeline: not counted, not limited, not drained (the
     * admin listener; it stops with the loops). Blocks until bound.
     *
     * @throws IOException when the address cannot be bound
     */
    public Channel listenAlso(InetSocketAddress address, ChannelHandler childHandler) throws IOException {
        ChannelFuture bound = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannelClass())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(childHandler)
                .bind(address).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            throw new IOException("cannot listen on " + address.getHostString() + ":" + address.getPort() + ": "
                    + bound.cause().getMessage(), bound.cause());
        }
        return bound.channel();
    }

    /** Shutting down: from the first call of {@link #shutdown} on, while responses in flight finish. */
    public boolean draining() {
        return stopping.get();
    }

    /** What answers requests (the document root behind its open-file cache, unless another source was given). */
    public ContentSource source() {
        return site.source();
    }

    /** The file-system threads: their queue, their waits. */
    public FileSystemPool fileSystemPool() {
        return pool;
    }

    /** Client connections open now: accepted and not yet closed (a closed one's descriptor is gone). */
    public int openConnections() {
        return connections.size();
    }

    /** How many event loops serve connections. */
    public int eventLoops() {
        return group.executorCount();
    }

    public SendCounters counters() {
        return counters;
    }

    /**
     * Stops accepting, lets responses in flight finish for up to {@code grace}, closes what is left and
     * stops the event loops. Idle keep-alive connections close at once.
     *
     * <p>Only the first call stops the server and decides the grace; a call that comes while it runs (a
     * second SIGTERM: systemd and orchestrators resend it) waits for that stop to finish rather than
     * cutting the grace short, and a call after it returns at once.
     */
    public void shutdown(Duration grace) {
        if (!stopping.compareAndSet(false, true)) {
            awaitStopped();
            return;
        }
        try {
            drain(grace);
        } finally {
            stopped.countDown();
        }
    }

    private void drain(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        listener.close().syncUninterruptibly();
        site.startDraining();
        for (Channel connection : connections) {
            connection.pipeline().fireUserEventTriggered(Drain.INSTANCE);
        }
        while (!connections.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!connections.isEmpty()) {
            log.info("closing {} connections still busy after the {} ms grace period",
                    connections.size(), grace.toMillis());
            connections.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        }
        // Lookups under way hand their files to loops that still run, which close them for closed connections.
        pool.close(Duration.ofSeconds(1));
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        site.source().close();
    }

    private void awaitStopped() {
        boolean interrupted = false;
        while (true) {
            try {
                stopped.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Shutdown with the configured grace period. */
    @Override
    public void close() {
        shutdown(config.gracePeriod());
    }
}
