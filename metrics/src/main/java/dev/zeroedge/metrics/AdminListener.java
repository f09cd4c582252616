package dev.zeroedge.metrics;

import dev.zeroedge.server.ZeroedgeServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * The admin listener ({@code --admin 127.0.0.1:9145}): {@code GET /metrics} (the Prometheus text format),
 * {@code GET /healthz} (200 while serving, 503 once shutdown began, so a balancer stops sending before the
 * listener closes) and {@code GET /probe} (the probe's JSON, as {@code zeroedge probe --json} prints it).
 *
 * <p>It runs on the server's own event loops and transport ({@link ZeroedgeServer#listenAlso}), with Netty's
 * HTTP codec: a handful of small requests a minute need nothing of the serving pipeline, and its connections
 * are none of the serving series. A scrape is built on a thread of its own (the JVM metrics read MXBeans, which
 * may take a millisecond), never on a loop that serves clients; only the write goes back to the loop.
 */
public final class AdminListener implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AdminListener.class);

    /** Admin requests are a line and a few fields; anything larger is refused by the codec. */
    private static final int MAX_REQUEST = 8 * 1024;

    private final Channel channel;
    private final ExecutorService scraper;

    private AdminListener(Channel channel, ExecutorService scraper) {
        this.channel = channel;
        this.scraper = scraper;
    }

    /**
     * {@code --admin}'s value: {@code HOST:PORT}, {@code [IPv6]:PORT}, or a bare {@code PORT} on the loopback
     * address (an admin port is never open to the world unless asked for by address).
     *
     * @throws IllegalArgumentException with what is wrong
     */
    public static InetSocketAddress address(String spec) {
        String host;
        String port;
        int colon = spec.lastIndexOf(':');
        if (colon < 0) {
            host = null;
            port = spec;
        } else {
            host = spec.substring(0, colon);
            port = spec.substring(colon + 1);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            if (host.isEmpty()) {
                throw new IllegalArgumentException("no host before ':' in " + spec);
            }
        }
        int number;
        try {
            number = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a port: " + spec);
        }
        if (number < 0 || number > 65535) {
            throw new IllegalArgumentException("port out of range: " + spec);
        }
        // The loopback address by its number, so that messages and the log say 127.0.0.1, not localhost.
        InetSocketAddress address = new InetSocketAddress(
                host == null ? InetAddress.getLoopbackAddress().getHostAddress() : host, number);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException(host + " is not an address of this machine");
        }
        return address;
    }

    /**
     * Listens on {@code address} for {@code server}; {@code probe} makes the probe's JSON when asked (once: the
     * facts do not change while the server runs).
     */
    public static AdminListener start(InetSocketAddress address, ZeroedgeServer server, ServerMetrics metrics,
                                      Supplier<String> probe) throws IOException {
        ExecutorService scraper = Executors.newSingleThreadExecutor(new DefaultThreadFactory("metrics-scrape", true));
        Supplier<String> probeOnce = new Supplier<>() {
            private volatile String json;

            @Override
            public String get() {
                String known = json;
                if (known == null) {
                    known = probe.get();
                    json = known;
                }
                return known;
            }
        };
        Requests requests = new Requests(server, metrics, probeOnce, scraper);
        try {
            Channel channel = server.listenAlso(address, new ChannelInitializer<>() {
                @Override
                protected void initChannel(Channel child) {
                    child.pipeline().addLast(new HttpServerCodec(MAX_REQUEST, MAX_REQUEST, MAX_REQUEST))
                            .addLast(new HttpObjectAggregator(MAX_REQUEST))
                            .addLast(requests);
                }
            });
            return new AdminListener(channel, scraper);
        } catch (IOException e) {
            scraper.shutdownNow();
            throw e;
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        scraper.shutdownNow();
    }

    @ChannelHandler.Sharable
    private static final class Requests extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final ZeroedgeServer server;
        private final ServerMetrics metrics;
        private final Supplier<String> probe;
        private final ExecutorService scraper;

        Requests(ZeroedgeServer server, ServerMetrics metrics, Supplier<String> probe, ExecutorService scraper) {
            this.server = server;
            this.metrics = metrics;
            this.probe = probe;
            this.scraper = scraper;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            boolean head = request.method().equals(HttpMethod.HEAD);
            if (!request.decoderResult().isSuccess()) {
                respond(ctx, HttpResponseStatus.BAD_REQUEST, "text/plain; charset=utf-8", text("bad request\n"),
                        false, false);
                return;
            }
            if (!head && !request.method().equals(HttpMethod.GET)) {
                FullHttpResponse refused = response(HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
                        text("405 Method Not Allowed\n"));
                refused.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
                write(ctx, refused, keepAlive);
                return;
            }
            String path = new QueryStringDecoder(request.uri()).path();
            switch (path) {
                case "/metrics" -> offLoop(ctx, keepAlive, head, () -> {
                    ByteBuf body = Unpooled.buffer(16 * 1024);
                    try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
                        metrics.write(out);
                    } catch (IOException | RuntimeException e) {
                        body.release();
                        throw new IllegalStateException("scrape failed", e);
                    }
                    return response(HttpResponseStatus.OK, ServerMetrics.CONTENT_TYPE, body);
                });
                case "/healthz" -> respond(ctx, server.draining() ? HttpResponseStatus.SERVICE_UNAVAILABLE
                                : HttpResponseStatus.OK, "text/plain; charset=utf-8",
                        text(server.draining() ? "draining\n" : "serving\n"), keepAlive, head);
                case "/probe" -> offLoop(ctx, keepAlive, head, () -> response(HttpResponseStatus.OK,
                        "application/json", text(probe.get() + "\n")));
                default -> respond(ctx, HttpResponseStatus.NOT_FOUND, "text/plain; charset=utf-8",
                        text("404 Not Found: /metrics, /healthz, /probe\n"), keepAlive, head);
            }
        }

        /** Builds the response on the scrape thread and writes it on the connection's loop. */
        private void offLoop(ChannelHandlerContext ctx, boolean keepAlive, boolean head,
                             Supplier<FullHttpResponse> build) {
            try {
                scraper.execute(() -> {
                    FullHttpResponse response;
                    try {
                        response = build.get();
                    } catch (RuntimeException e) {
                        log.warn("admin request failed", e);
                        response = response(HttpResponseStatus.INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
                                text("500 Internal Server Error\n"));
                    }
                    FullHttpResponse built = head ? bodyless(response) : response;
                    ctx.executor().execute(() -> write(ctx, built, keepAlive));
                });
            } catch (RejectedExecutionException stopping) {
                respond(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "text/plain; charset=utf-8",
                        text("stopping\n"), false, head);
            }
        }

        private static void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String type, ByteBuf body,
                                    boolean keepAlive, boolean head) {
            FullHttpResponse response = response(status, type, body);
            write(ctx, head ? bodyless(response) : response, keepAlive);
        }

        /** The same fields (Content-Length too), no body: the answer to HEAD. */
        private static FullHttpResponse bodyless(FullHttpResponse response) {
            FullHttpResponse head = response.replace(Unpooled.EMPTY_BUFFER);
            response.release();
            return head;
        }

        private static FullHttpResponse response(HttpResponseStatus status, String type, ByteBuf body) {
            FullHttpResponse response = new DefaultFullHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                    status, body);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, type)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                    .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
            return response;
        }

        private static void write(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
            if (!keepAlive) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            var sent = ctx.writeAndFlush(response);
            if (!keepAlive) {
                sent.addListener(ChannelFutureListener.CLOSE);
            }
        }

        private static ByteBuf text(String text) {
            return Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("admin connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }
}
