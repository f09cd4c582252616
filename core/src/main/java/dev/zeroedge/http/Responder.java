package dev.zeroedge.http;

import dev.zeroedge.content.Answer;
import dev.zeroedge.content.Description;
import dev.zeroedge.content.Representation;
import dev.zeroedge.files.OpenFile;
import dev.zeroedge.transport.NothingSentException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * The ladder one request climbs, whatever source answers it: method → content source → preconditions (one
 * call) → ranges → head → body sender.
 *
 * <p>Take {@code GET /video/seg-7.m4s} with {@code Range: bytes=0-1023}. The method is GET, so the site's
 * {@link dev.zeroedge.content.ContentSource} is asked; it answers on this connection's event loop, at once
 * for a hot file, later when it had to wait for the disk (the loop serves other connections meanwhile). The
 * answer is a {@link Representation}: its {@link Description} (type, length, validators, fields) and an open
 * file. {@link Preconditions} say the request may have its range; {@link RangeRequest} finds one
 * satisfiable range; the head ({@code 206}, Content-Range, ETag, ...) and the range go to
 * {@link FairFileSender}, and through it to the mode's sender: the bytes never enter the JVM. Nothing here
 * knows whether the answer came from the document root or elsewhere.
 */
final class Responder {

    private static final Logger log = LoggerFactory.getLogger(Responder.class);

    private static final String ALLOW = "GET, HEAD";
    private static final Set<String> KNOWN_METHODS =
            Set.of("POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");
    private static final byte[] ACCEPT_RANGES = "Accept-Ranges: bytes\r\n".getBytes(StandardCharsets.ISO_8859_1);

    /** Told when a response is in the kernel, with what becomes of the connection; a failed one closes it. */
    interface Done {
        void sent(Persistence persistence);
    }

    private final Site site;
    private final ChannelHandlerContext ctx;
    private final Done done;
    /** Filled as the response goes out and handed to the site's observer when it ended; null: not observed. */
    private final Exchange exchange;
    /** After each slice: the connection's send-stall clock, and {@link #bodyOut}. */
    private final Runnable progress;
    /** Part of the current response's body is in the kernel: past that, a failed send can only close. */
    private boolean bodyOut;

    Responder(Site site, ChannelHandlerContext ctx, ConnectionClock clock, Done done, Exchange exchange) {
        this.site = site;
        this.ctx = ctx;
        this.done = done;
        this.exchange = exchange;
        this.progress = () -> {
            bodyOut = true;
            clock.progress();
        };
    }

    void respond(Inbound inbound) {
        bodyOut = false;
        if (exchange != null) {
            exchange.begin(inbound instanceof Request request ? request : null);
        }
        switch (inbound) {
            case Rejection rejection -> sendStatus(rejection.status(), rejection.reason(), false, Persistence.CLOSE,
                    null, null);
            case Request request -> {
                try {
                    ask(request);
                } catch (RuntimeException e) {
                    failed(request, e);
                }
            }
        }
    }

    private void ask(Request request) {
        boolean bodyless = request.method().equals(HttpMethod.HEAD);
        Persistence persistence = Persistence.of(request, site.draining());
        if (!bodyless && !request.method().equals(HttpMethod.GET)) {
            HttpResponseStatus status = KNOWN_METHODS.contains(request.method().name())
                    ? HttpResponseStatus.METHOD_NOT_ALLOWED : HttpResponseStatus.NOT_IMPLEMENTED;
            sendStatus(status, null, false, persistence, "Allow", ALLOW);
            return;
        }
        Future<Answer> answer = site.source().find(request, ctx.executor());
        if (answer.isDone()) {
            answered(request, answer, bodyless, persistence);
        } else {
            answer.addListener(found -> answered(request, answer, bodyless, persistence));
        }
    }

    private void answered(Request request, Future<Answer> answer, boolean bodyless, Persistence persistence) {
        if (!answer.isSuccess()) {
            failed(request, answer.cause());
            return;
        }
        switch (answer.getNow()) {
            case Answer.Status status -> sendStatus(status.status(), status.reason(), bodyless,
                    status.close() ? Persistence.CLOSE : persistence, status.fieldName(), status.fieldValue(),
                    status.fields());
            case Representation representation -> {
                if (exchange != null) {
                    exchange.described(representation.description());
                }
                try {
                    if (ctx.channel().isActive()) {
                        represent(request, representation.description(), representation.body(), bodyless,
                                persistence);
                    }
                } catch (RuntimeException e) {
                    failed(request, e);
                } finally {
                    representation.body().release();
                }
            }
        }
    }

    private void failed(Request request, Throwable cause) {
        log.error("failed to answer {} {}", request.method(), request.path(), cause);
        sendStatus(HttpResponseStatus.INTERNAL_SERVER_ERROR, null, false, Persistence.CLOSE, null, null);
    }

    private void represent(Request request, Description description, OpenFile body, boolean bodyless,
                           Persistence persistence) {
        Preconditions.Outcome outcome = request.mayBeConditional()
                ? Preconditions.evaluate(true, request.headers(), description) : Preconditions.Outcome.SEND_RANGES;
        switch (outcome) {
            case NOT_MODIFIED -> {
                ResponseHead head = ResponseHead.start(ctx.alloc(), HttpResponseStatus.NOT_MODIFIED)
                        .add(description.validatorLines())
                        .add(description.extraLines());
                ByteBuf out = persistence.say(head).end();
                sending(HttpResponseStatus.NOT_MODIFIED, out.readableBytes(), 0);
                finish(ctx.writeAndFlush(out), persistence);
            }
            case PRECONDITION_FAILED -> sendStatus(HttpResponseStatus.PRECONDITION_FAILED, null, bodyless,
                    persistence, null, null, description.extraLines());
            case SEND_WHOLE -> {
                if (description.length() < 0) {
                    sendGrowing(request, description, body, bodyless, persistence);
                } else {
                    sendWhole(description, body, bodyless, persistence);
                }
            }
            case SEND_RANGES -> {
                if (description.length() < 0) {
                    // A body whose end is not known yet has no ranges to offer (§14.2 lets Range be ignored).
                    sendGrowing(request, description, body, bodyless, persistence);
                    return;
                }
                // Range is no list: two lines of it are no valid range set, and an invalid one is ignored (§14.2).
                String range = bodyless || !request.mayBeConditional() ? null
                        : FieldLines.single(request.headers(), HttpHeaderNames.RANGE);
                if (range == null) {
                    sendWhole(description, body, bodyless, persistence);
                } else {
                    sendRanges(RangeRequest.parse(range, description.length()), description, body, persistence);
                }
            }
        }
    }

    /**
     * A representation whose length is not known yet (a cache's fill of a chunked origin response): chunked to an
     * HTTP/1.1 client, to HTTP/1.0 until the connection closes; no Accept-Ranges, as ranges are not served.
     */
    private void sendGrowing(Request request, Description description, OpenFile body, boolean bodyless,
                             Persistence persistence) {
        boolean chunked = request.version().equals(HttpVersion.HTTP_1_1);
        Persistence after = chunked ? persistence : Persistence.CLOSE;
        ResponseHead head = ResponseHead.start(ctx.alloc(), HttpResponseStatus.OK)
                .add("Content-Type", description.type());
        if (chunked) {
            head.add("Transfer-Encoding", "chunked");
        }
        head.add(description.validatorLines()).add(description.extraLines());
        ByteBuf out = after.say(head).end();
        sending(HttpResponseStatus.OK, out.readableBytes(), bodyless ? 0 : -1);
        if (bodyless) {
            finish(ctx.writeAndFlush(out), after);
        } else {
            finish(site.sender().sendGrowing(ctx, out, body, chunked, progress, exchange), after);
        }
    }

    private void sendWhole(Description description, OpenFile body, boolean bodyless, Persistence persistence) {
        long length = description.length();
        ByteBuf head = head(HttpResponseStatus.OK, description, description.type(), length, persistence).end();
        send(HttpResponseStatus.OK, head, body, 0, length, bodyless, persistence);
    }

    private void sendRanges(RangeRequest ranges, Description description, OpenFile body, Persistence persistence) {
        long length = description.length();
        switch (ranges) {
            case RangeRequest.Whole whole -> sendWhole(description, body, false, persistence);
            case RangeRequest.Unsatisfiable unsatisfiable -> sendStatus(Rfc9110Status.RANGE_NOT_SATISFIABLE,
                    null, false, persistence, "Content-Range", "bytes */" + length, description.extraLines());
            case RangeRequest.Partial partial when partial.ranges().size() == 1 -> {
                ByteRange range = partial.ranges().getFirst();
                ByteBuf head = head(HttpResponseStatus.PARTIAL_CONTENT, description, description.type(),
                        range.length(), persistence)
                        .add("Content-Range", range.contentRange(length))
                        .end();
                send(HttpResponseStatus.PARTIAL_CONTENT, head, body, range.first(), range.length(), false,
                        persistence);
            }
            case RangeRequest.Partial partial -> {
                MultipartBody multipart = new MultipartBody(partial.ranges(), description.type(), length);
                ByteBuf head = head(HttpResponseStatus.PARTIAL_CONTENT, description, multipart.contentType(),
                        multipart.contentLength(), persistence).end();
                sending(HttpResponseStatus.PARTIAL_CONTENT, head.readableBytes(), multipart.contentLength());
                finish(multipart.send(ctx, head, body, site.sender(), progress, exchange), persistence);
            }
        }
    }

    private ResponseHead head(HttpResponseStatus status, Description description, String type, long contentLength,
                              Persistence persistence) {
        ResponseHead head = ResponseHead.start(ctx.alloc(), status)
                .add("Content-Type", type)
                .add("Content-Length", contentLength)
                .add(description.validatorLines())
                .add(ACCEPT_RANGES)
                .add(description.extraLines());
        return persistence.say(head);
    }

    private void send(HttpResponseStatus status, ByteBuf head, OpenFile body, long offset, long length,
                      boolean bodyless, Persistence persistence) {
        sending(status, head.readableBytes(), bodyless ? 0 : length);
        if (bodyless) {
            finish(ctx.writeAndFlush(head), persistence);
        } else {
            finish(site.sender().send(ctx, head, body, offset, length, progress, true, exchange), persistence);
        }
    }

    private void sendStatus(HttpResponseStatus status, String reason, boolean bodyless, Persistence persistence,
                            String extraName, String extraValue) {
        sendStatus(status, reason, bodyless, persistence, extraName, extraValue, null);
    }

    /** {@code fields}: the source's own head lines (a cache's Age and Cache-Status), or null. */
    private void sendStatus(HttpResponseStatus status, String reason, boolean bodyless, Persistence persistence,
                            String extraName, String extraValue, byte[] fields) {
        ByteBuf response = ErrorResponse.build(ctx.alloc(), status, reason, bodyless, persistence, extraName,
                extraValue, fields);
        int body = bodyless ? 0 : ErrorResponse.bodyLength(status, reason);
        sending(status, response.readableBytes() - body, body);
        finish(ctx.writeAndFlush(response), persistence);
    }

    private void sending(HttpResponseStatus status, long headBytes, long bodyLength) {
        if (exchange != null) {
            exchange.sending(status.code(), headBytes, bodyLength);
        }
    }

    /** The response ended, whole or failed: the observer hears of it once, before the connection moves on. */
    private void ended(boolean whole) {
        if (exchange != null) {
            exchange.end(whole);
            site.observer().responded(exchange);
        }
    }

    /** When the response is in the kernel: tell {@link #done}; when it failed, close (or refuse it whole). */
    private void finish(ChannelFuture sent, Persistence persistence) {
        sent.addListener((ChannelFutureListener) future -> {
            if (future.isSuccess()) {
                ended(true);
                done.sent(persistence);
                return;
            }
            log.debug("response to {} failed: {}", ctx.channel().remoteAddress(), future.cause().toString());
            if (future.cause() instanceof NothingSentException && !bodyOut && ctx.channel().isActive()) {
                // The sender could not start (no descriptor for a pipe, a dup): nothing of this
                // response is on the wire, so it can still be refused whole.
                sendStatus(HttpResponseStatus.SERVICE_UNAVAILABLE, "server busy", false, Persistence.CLOSE,
                        "Retry-After", "1");
                return;
            }
            ended(false);
            ctx.close();
        });
    }
}
