package dev.zeroedge.cache;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.pool.AbstractChannelPoolHandler;
import io.netty.channel.pool.ChannelHealthChecker;
import io.netty.channel.pool.ChannelPool;
import io.netty.channel.pool.FixedChannelPool;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Requests to the origin: Netty's HTTP client codec on the server's own event loops and transport, without
 * aggregation, on keep-alive connections kept per event loop in a bounded pool. Reading is driven by the one
 * who gets the response ({@link Exchange}): the connection reads only when asked ({@link Reads#more}), so an
 * origin faster than the disk waits in its socket buffer rather than in memory.
 *
 * <p>Faults are told apart as a cache answers them: the origin cannot be reached, or closed a connection
 * before a head ({@link Fault#UNREACHABLE}, 502); no head within the first-byte timeout, or no connection within
 * the connect timeout ({@link Fault#NO_FIRST_BYTE}, 504); the body stopped before its end, by a close, a reset or
 * the idle timeout ({@link Fault#CUT_SHORT}). A kept-alive connection that the origin closed while it was idle is
 * seen as a close before any byte; the request is then sent again on another connection (a GET may be).
 */
final class OriginClient implements AutoCloseable {

    /** Attempts on reused connections that the origin closed before answering, before it counts as 502. */
    private static final int ATTEMPTS = 3;
    private static final AttributeKey<Boolean> USED = AttributeKey.valueOf("zeroedge.origin.used");

    enum Fault { UNREACHABLE, NO_FIRST_BYTE, CUT_SHORT }

    /** Asks the origin connection for the next bytes of the body, or gives the response up. */
    interface Reads {
        void more();

        /** The rest of the response is not wanted (the fill failed on its side): the connection is closed. */
        void abandon();
    }

    /** What one response is told, on the loop of its origin connection. */
    interface Exchange {
        /** The final head; the body follows when {@link Reads#more} asks for it. */
        void head(HttpResponse head, Reads reads);

        /** Body bytes, owned by the callee. */
        void body(ByteBuf content);

        /** The bytes of one read of the socket have all been told. */
        void endOfBatch();

        /** The body is complete. */
        void end();

        void failed(Fault fault, Throwable cause);

        /** The request's body, sent after its head ({@link OriginUpload}), or null: the request has none. */
        default Upload upload() {
            return null;
        }
    }

    /**
     * A request body streamed to the origin behind the head. It cannot be sent twice: once {@link #started}, a
     * connection the origin closed is the request's failure, never a retry nor another parent.
     */
    interface Upload {
        /**
         * Writes the body on {@code channel}, on its loop, as {@code HttpContent} ended by a {@code LastHttpContent};
         * {@code written} runs once that is written (the first-byte timeout starts then). A body the client cut
         * short closes {@code channel} instead: the origin sees a short body and a close, never a complete one.
         */
        void send(Channel channel, Runnable written);

        boolean started();

        /** The client cut the body short and the connection was closed for it: no fault of the origin's. */
        boolean cutByClient();
    }

    /** Whether {@code exchange} may be asked again elsewhere: nothing of a body has gone. */
    static boolean repeatable(Exchange exchange) {
        Upload upload = exchange.upload();
        return upload == null || !upload.started();
    }

    private final OriginRoute route;
    private final int maxConnections;
    private final Class<? extends SocketChannel> channelClass;
    private final InetSocketAddress origin;
    private final ConcurrentMap<EventLoop, ChannelPool> pools = new ConcurrentHashMap<>();
    private final CacheCounters counters;

    /**
     * The way to one origin (or parent), its connections at most {@code maxConnections} per event loop. Resolves
     * the name once, here (at startup): never on an event loop.
     */
    OriginClient(OriginRoute route, int maxConnections, Class<? extends SocketChannel> channelClass,
                 CacheCounters counters) throws IOException {
        this.route = route;
        this.maxConnections = maxConnections;
        this.counters = counters;
        this.channelClass = channelClass;
        this.origin = new InetSocketAddress(route.host(), route.port());
        if (origin.isUnresolved()) {
            throw new IOException("origin host " + route.host() + " does not resolve");
        }
    }

    OriginRoute route() {
        return route;
    }

    /** Sends the request {@code request} makes (one per attempt) on a connection of {@code loop}. */
    void fetch(EventLoop loop, Supplier<HttpRequest> request, Exchange exchange) {
        // Every fetch (a fill, a fill asking again, a slice) as the metrics see it.
        fetch(pools.computeIfAbsent(loop, this::pool), request, new CountedFetch(exchange, counters), 1);
    }

    private void fetch(ChannelPool pool, Supplier<HttpRequest> request, Exchange exchange, int attempt) {
        pool.acquire().addListener((Future<Channel> acquired) -> {
            if (!acquired.isSuccess()) {
                Throwable cause = acquired.cause();
                boolean timedOut = cause instanceof ConnectTimeoutException
                        || cause instanceof TimeoutException;
                exchange.failed(timedOut ? Fault.NO_FIRST_BYTE : Fault.UNREACHABLE, cause);
                return;
            }
            Channel channel = acquired.getNow();
            boolean reused = channel.attr(USED).getAndSet(Boolean.TRUE) != null;
            HttpRequest sent = request.get();
            // A POST or PATCH is never sent twice (RFC 9110 §9.2.2: the origin may have applied it).
            boolean idempotent = !sent.method().equals(HttpMethod.POST) && !sent.method().equals(HttpMethod.PATCH);
            Exchanging exchanging = new Exchanging(pool, channel, exchange, reused && attempt < ATTEMPTS && idempotent,
                    () -> fetch(pool, request, exchange, attempt + 1));
            channel.pipeline().addLast("exchange", exchanging);
            exchanging.send(sent);
        });
    }

    private ChannelPool pool(EventLoop loop) {
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelClass)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
                        Math.max(1, route.connectTimeout().toMillis())))
                .remoteAddress(origin);
        return new FixedChannelPool(bootstrap, new AbstractChannelPoolHandler() {
            @Override
            public void channelCreated(Channel channel) {
                channel.pipeline().addLast("codec", new HttpClientCodec(8192, 64 * 1024, 64 * 1024));
                channel.pipeline().addLast("idle", new IdleStateHandler(route.idleTimeout().toMillis(), 0, 0,
                        TimeUnit.MILLISECONDS));
            }
        }, ChannelHealthChecker.ACTIVE, FixedChannelPool.AcquireTimeoutAction.FAIL,
                // Waiting for a free connection counts against the first byte: a full pool answers 504, not never.
                route.firstByteTimeout().toMillis(), maxConnections, 4 * maxConnections);
    }

    /** One request and its response on one pooled connection. */
    private final class Exchanging extends ChannelInboundHandlerAdapter implements Reads {
        private final ChannelPool pool;
        private final Channel channel;
        private final Exchange exchange;
        private final boolean mayRetry;
        private final Runnable retry;
        private ScheduledFuture<?> firstByte;
        private boolean keepAlive = true;
        private boolean headIn;
        private boolean anythingIn;
        private boolean informational;
        private boolean over;
        /** A request body is still being written: the origin's silence meanwhile is no fault of its own. */
        private boolean uploading;

        Exchanging(ChannelPool pool, Channel channel, Exchange exchange, boolean mayRetry, Runnable retry) {
            this.pool = pool;
            this.channel = channel;
            this.exchange = exchange;
            this.mayRetry = mayRetry;
            this.retry = retry;
        }

        void send(HttpRequest request) {
            Upload upload = exchange.upload();
            if (upload == null) {
                awaitFirstByte();
            } else {
                uploading = true;
            }
            channel.writeAndFlush(request).addListener(written -> {
                if (!written.isSuccess()) {
                    closedEarly(written.cause());
                }
            });
            if (upload != null) {
                // The origin's clock starts when it has the whole request: an upload may take longer than it.
                upload.send(channel, () -> {
                    uploading = false;
                    if (!over && !headIn) {
                        awaitFirstByte();
                    }
                });
            }
            channel.read(); // an origin may answer before the body's end (a 413, a 401): it is relayed then
        }

        private void awaitFirstByte() {
            firstByte = channel.eventLoop().schedule(() -> fault(Fault.NO_FIRST_BYTE,
                    new IOException("no response head from the origin within " + route.firstByteTimeout())),
                    route.firstByteTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }

        private void stopFirstByte() {
            if (firstByte != null) {
                firstByte.cancel(false);
            }
        }

        @Override
        public void more() {
            if (!over) {
                channel.read();
            }
        }

        @Override
        public void abandon() {
            if (!over) {
                end(false);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (over) {
                    return;
                }
                anythingIn = true;
                if (msg instanceof HttpResponse response) {
                    if (response.decoderResult().isFailure()) {
                        fault(headIn ? Fault.CUT_SHORT : Fault.UNREACHABLE, response.decoderResult().cause());
                        return;
                    }
                    if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                        informational = true;
                        return;
                    }
                    headIn = true;
                    stopFirstByte();
                    keepAlive = HttpUtil.isKeepAlive(response);
                    exchange.head(response, this);
                }
                if (over) {
                    return; // the response was given up while its head was told
                }
                if (msg instanceof HttpContent content && !informational) {
                    if (content.decoderResult().isFailure()) {
                        fault(Fault.CUT_SHORT, content.decoderResult().cause());
                        return;
                    }
                    if (content.content().isReadable()) {
                        exchange.body(content.content().retain());
                    }
                    if (content instanceof LastHttpContent) {
                        finished();
                    }
                } else if (msg instanceof LastHttpContent) {
                    informational = false;
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (over) {
                return;
            }
            if (headIn) {
                exchange.endOfBatch();
            } else {
                channel.read();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof IdleStateEvent) {
                if (uploading) {
                    return; // the client's send clock bounds a stalled upload; the origin is waiting for it
                }
                fault(headIn ? Fault.CUT_SHORT : Fault.NO_FIRST_BYTE,
                        new IOException("origin silent for " + route.idleTimeout()));
            } else {
                ctx.fireUserEventTriggered(event);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closedEarly(new IOException("origin closed the connection"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            closedEarly(cause);
        }

        private void closedEarly(Throwable cause) {
            if (over) {
                return;
            }
            if (!anythingIn && mayRetry && repeatable(exchange)) {
                // A kept-alive connection the origin had closed: nothing was answered, so ask again.
                end(false);
                retry.run();
                return;
            }
            fault(headIn ? Fault.CUT_SHORT : Fault.UNREACHABLE, cause);
        }

        private void fault(Fault fault, Throwable cause) {
            if (over) {
                return;
            }
            end(false);
            exchange.failed(fault, cause);
        }

        private void finished() {
            if (over) {
                return;
            }
            end(keepAlive && !uploading); // a body still going out would be read as the next request
            exchange.end();
        }

        /** Gives the connection back: for another request when {@code reuse}, else closed. */
        private void end(boolean reuse) {
            over = true;
            stopFirstByte();
            if (channel.pipeline().get("exchange") == this) {
                channel.pipeline().remove(this);
            }
            if (!reuse) {
                channel.close();
            }
            pool.release(channel);
        }
    }

    @Override
    public void close() {
        for (ChannelPool pool : pools.values()) {
            try {
                pool.close();
            } catch (RejectedExecutionException e) {
                // The server stopped its event loops first: their connections are closed already.
            }
        }
        pools.clear();
    }
}
