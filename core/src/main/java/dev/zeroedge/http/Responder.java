package dev.zeroedge.http;

import dev.zeroedge.content.Answer;
import dev.zeroedge.content.Description;
import dev.zeroedge.content.Relay;
import dev.zeroedge.content.RelayedBody;
import dev.zeroedge.content.Representation;
import dev.zeroedge.content.RequestBody;
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
 *
 * <p>A representation of another status than 200 (a cache's stored 404 or 301, with the origin's body) is sent as
 * it is, whole: preconditions and ranges are a 200's (RFC 9110 §13.2.1, §14.2); a 204 has no body. A
 * {@link Relay} (bytes in no file: a cache passing an origin's response through) climbs the same ladder but for
 * ranges, and its body goes out through {@link BodyRelay}, the same in every mode.
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
    /**
     * The current request's body, or null. Let go of when its response ended: a source that answered without
     * taking it (a 502 before the upload started, a refusal) leaves parts of it held, whose buffers go then.
     */
    private RequestBody requestBody;

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
        requestBody = inbound instanceof Request request ? request.body() : null;
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
        if (!bodyless && !request.method().equals(HttpMethod.GET) && !site.source().takes(request.method())) {
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

    private void answered(Request request, Future<Answer> answer, boolean bodyless, Persistence asked) {
        // A body the source did not take to its end (an origin that answered before it, a refusal) is not read
        // on: the connection closes after the response, which says so.
        Persistence persistence = request.body() instanceof ClientBody body && !body.received()
                ? Persistence.CLOSE : asked;
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
            case Relay relay -> {
                try {
                    if (ctx.channel().isActive()) {
                        relay(request, relay.description(), relay.body(), bodyless, persistence);
                    } else {
                        relay.body().cancel();
                    }
                } catch (RuntimeException e) {
                    relay.body().cancel();
                    failed(request, e);
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
        Preconditions.Outcome outcome = conditions(request, description);
        boolean sent = outcome == Preconditions.Outcome.SEND_WHOLE || outcome == Preconditions.Outcome.SEND_RANGES;
        if (sent && description.status().code() != 200) {
            sendAsItIs(request, description, body, bodyless, persistence);
            return;
        }
        switch (outcome) {
            case NOT_MODIFIED -> sendNotModified(description, persistence);
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
     * What the request's preconditions say of {@code description}: evaluated for a 2xx only, as RFC 9110 §13.2.1
     * says (a 404 ignores them), and ranges stay a 200's (the ladder sends any other status whole).
     */
    private static Preconditions.Outcome conditions(Request request, Description description) {
        int code = description.status().code();
        return request.mayBeConditional() && code >= 200 && code < 300
                ? Preconditions.evaluate(true, request.headers(), description) : Preconditions.Outcome.SEND_RANGES;
    }

    private void sendNotModified(Description description, Persistence persistence) {
        ResponseHead head = ResponseHead.start(ctx.alloc(), HttpResponseStatus.NOT_MODIFIED)
                .add(description.validatorLines())
                .add(description.extraLines());
        ByteBuf out = persistence.say(head).end();
        sending(HttpResponseStatus.NOT_MODIFIED, out.readableBytes(), 0);
        finish(ctx.writeAndFlush(out), persistence);
    }

    /** A representation of another status than 200: its whole body (none for a 204), no ranges. */
    private void sendAsItIs(Request request, Description description, OpenFile body, boolean bodyless,
                            Persistence persistence) {
        if (description.length() < 0 && !description.bodiless()) {
            sendGrowing(request, description, body, bodyless, persistence);
            return;
        }
        ByteBuf head = wholeHead(description, false, persistence).end();
        send(description.status(), head, body, 0, description.bodiless() ? 0 : description.length(),
                bodyless || description.bodiless(), persistence);
    }

    /**
     * A representation whose length is not known yet (a cache's fill of a chunked origin response): chunked to an
     * HTTP/1.1 client, to HTTP/1.0 until the connection closes; no Accept-Ranges, as ranges are not served.
     */
    private void sendGrowing(Request request, Description description, OpenFile body, boolean bodyless,
                             Persistence persistence) {
        boolean chunked = request.version().equals(HttpVersion.HTTP_1_1);
        Persistence after = chunked ? persistence : Persistence.CLOSE;
        ByteBuf out = wholeHead(description, chunked, after).end();
        sending(description.status(), out.readableBytes(), bodyless ? 0 : -1);
        if (bodyless) {
            finish(ctx.writeAndFlush(out), after);
        } else {
            finish(site.sender().sendGrowing(ctx, out, body, chunked, progress, exchange), after);
        }
    }

    /**
     * A representation whose bytes are in no file: conditionals as for a file (a 304 or 412 cancels the body),
     * never a range (RFC 9110 §14.2 lets Range be ignored: the body is read once, from its start), framed by
     * its length or, when that is not known, chunked (HTTP/1.1) or by the close (HTTP/1.0).
     */
    private void relay(Request request, Description description, RelayedBody body, boolean bodyless,
                       Persistence persistence) {
        switch (conditions(request, description)) {
            case NOT_MODIFIED -> {
                body.cancel();
                sendNotModified(description, persistence);
                return;
            }
            case PRECONDITION_FAILED -> {
                body.cancel();
                sendStatus(HttpResponseStatus.PRECONDITION_FAILED, null, bodyless, persistence, null, null,
                        description.extraLines());
                return;
            }
            case SEND_WHOLE, SEND_RANGES -> {
            }
        }
        boolean unknown = description.length() < 0 && !description.bodiless();
        boolean chunked = unknown && request.version().equals(HttpVersion.HTTP_1_1);
        Persistence after = unknown && !chunked ? Persistence.CLOSE : persistence;
        ByteBuf out = wholeHead(description, chunked, after).end();
        if (bodyless || description.bodiless()) {
            body.cancel();
            sending(description.status(), out.readableBytes(), 0);
            finish(ctx.writeAndFlush(out), after);
            return;
        }
        sending(description.status(), out.readableBytes(), description.length());
        finish(BodyRelay.send(ctx, out, body, description.length(), chunked, progress, exchange), after);
    }

    /**
     * The head of a whole body of the description's status, without Accept-Ranges: its length, or chunked when
     * {@code chunked}, or neither (a body that ends with the connection); a bodiless status has neither type nor
     * length (RFC 9110 §8.6: a 204 has no Content-Length).
     */
    private ResponseHead wholeHead(Description description, boolean chunked, Persistence persistence) {
        ResponseHead head = ResponseHead.start(ctx.alloc(), description.status());
        if (!description.bodiless()) {
            head.add("Content-Type", description.type());
            if (description.length() >= 0) {
                head.add("Content-Length", description.length());
            } else if (chunked) {
                head.add("Transfer-Encoding", "chunked");
            }
        }
        head.add(description.validatorLines()).add(description.extraLines());
        return persistence.say(head);
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
            if (requestBody != null) {
                requestBody.cancel();
                requestBody = null;
            }
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
