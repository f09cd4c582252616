package dev.zeroedge.cache;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether one parent of the tier takes requests. Down when a request could not reach it (refused, reset before
 * a head) or a probe failed; up again when a probe is answered. The probe, every {@link Routing#probeEvery}
 * from the first request that uses the tier on, is {@code HEAD /} with {@code Cache-Control: only-if-cached} on
 * the parent's serving port: a zeroedge cache answers it from its index alone (a hit, or 504) and never asks its
 * origin, so a slow origin does not make a parent look down, and any status is an answer. Its timeouts are the
 * probe interval's (a parent whose loop cannot answer a HEAD in that time is as good as down for its children).
 * A request that timed out does not mark a parent down: the parent may be waiting for its own slow origin; the
 * probe tells.
 */
final class ParentHealth {

    private static final Logger log = LoggerFactory.getLogger(ParentHealth.class);

    private final OriginRoute parent;
    private final OriginClient probes;
    private final CdnLoop loop;
    private final Duration every;
    private final AtomicBoolean probing = new AtomicBoolean();
    private volatile boolean up = true;
    private volatile boolean closed;

    /** {@code probes}: a client of its own (with the probe's timeouts), whose counts are no origin's. */
    ParentHealth(OriginRoute parent, OriginClient probes, CdnLoop loop, Duration every) {
        this.parent = parent;
        this.probes = probes;
        this.loop = loop;
        this.every = every;
    }

    boolean up() {
        return up;
    }

    /** A request could not reach it. */
    void unreachable(Throwable cause) {
        down("a request could not reach it: " + cause);
    }

    /** Starts the probes on {@code on} (the first loop that asks the tier), once. */
    void probeFrom(EventLoop on) {
        if (probing.compareAndSet(false, true)) {
            later(on);
        }
    }

    private void later(EventLoop on) {
        try {
            on.schedule(() -> probe(on), every.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            // The server is stopping its loops: no more probes.
        }
    }

    private void probe(EventLoop on) {
        if (closed) {
            return;
        }
        probes.fetch(on, this::probeRequest, new OriginClient.Exchange() {
            @Override
            public void head(HttpResponse head, OriginClient.Reads reads) {
                reads.abandon();
                if (!up) {
                    up = true;
                    log.info("parent {} is back ({} to a probe): its keys return to it", parent.url(),
                            head.status().code());
                }
                next();
            }

            @Override
            public void body(ByteBuf content) {
                content.release();
            }

            @Override
            public void endOfBatch() {
            }

            @Override
            public void end() {
            }

            @Override
            public void failed(OriginClient.Fault fault, Throwable cause) {
                down("its probe failed: " + cause);
                next();
            }

            private void next() {
                if (!closed) {
                    later(on);
                }
            }
        });
    }

    private HttpRequest probeRequest() {
        HttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.HEAD, "/");
        request.headers().set(HttpHeaderNames.HOST, parent.authority());
        request.headers().set(HttpHeaderNames.CACHE_CONTROL, "only-if-cached");
        loop.extend(null, request.headers());
        return request;
    }

    private void down(String why) {
        if (up) {
            up = false;
            log.warn("parent {} skipped, its keys go to their next parent: {}", parent.url(), why);
        }
    }

    void close() {
        closed = true;
        probes.close();
    }
}
