package dev.zeroedge.cache;

import dev.zeroedge.content.Answer;
import dev.zeroedge.content.ContentRequest;
import dev.zeroedge.content.Relay;
import dev.zeroedge.content.RequestBody;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.concurrent.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Set;

/**
 * An unsafe request (RFC 9110 §9.2.1: POST, PUT, DELETE, PATCH) to the edge cache: passed to the origin, never
 * answered from nor stored in the cache, its response relayed to the client from memory as a response not to be
 * stored is ({@link PassThrough}, {@code Cache-Status: zeroedge; fwd=method}). When the origin answers it with a
 * success (2xx or 3xx), the objects of the target URI and of a same-host {@code Location} or
 * {@code Content-Location} are invalidated (RFC 9111 §4.4) with all their variants, before the client has the
 * head: the next GET of any of them asks the origin.
 *
 * <p>Take {@code DELETE /v/seg-7.m4s}: the origin is sent {@code DELETE /v/seg-7.m4s} with the fields a miss would
 * carry, answers {@code 204}, the stored segment (every variant of it) is forgotten and its files removed, and the
 * client gets the 204.
 *
 * <p>Take {@code PUT /v/seg-7.m4s} with a body of 1 GiB: the origin is sent the head with the client's
 * Content-Length (or {@code Transfer-Encoding: chunked} when the client sent it chunked), then the body as core
 * reads it from the client ({@link dev.zeroedge.content.RequestBody}), one socket read at a time, the next only
 * when the origin connection took the last ({@link OriginUpload}); the response and the invalidation follow as
 * above. A body the client cuts short closes the origin connection before its end and is answered 400 (413 past
 * {@code --max-request-body}) when the origin has not answered yet; a request whose body has started is never sent
 * again (no retry on another connection, no other parent).
 */
final class Invalidation implements OriginClient.Exchange {

    private static final Logger log = LoggerFactory.getLogger(Invalidation.class);

    static final Set<HttpMethod> UNSAFE = Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.DELETE,
            HttpMethod.PATCH);

    private final EdgeCache cache;
    private final CacheKey key;
    private final Promise<Answer> answer;
    private final EventLoop loop;
    private final OriginUpload upload;
    // Origin loop only.
    private PassThrough passing;

    private Invalidation(EdgeCache cache, CacheKey key, Promise<Answer> answer, EventLoop loop, RequestBody body) {
        this.cache = cache;
        this.key = key;
        this.answer = answer;
        this.loop = loop;
        this.upload = body == null ? null : new OriginUpload(body, this::cutShort);
    }

    /** Sends {@code request}, an unsafe one, to the origin on {@code loop}; {@code answer} gets its response. */
    static void forward(EdgeCache cache, CacheKey key, ContentRequest request, EventLoop loop,
                        Promise<Answer> answer) {
        EdgeCache.OriginRequest asked = cache.originRequest(key, request).withRange(null);
        HttpMethod method = request.method();
        RequestBody body = request.body();
        // As a miss goes: to the key's parent in a tier (which passes it on, and invalidates its own copy), else
        // to the origin of its Host.
        cache.upstream().fetch(loop, key, () -> asked.build(method, body),
                new Invalidation(cache, key, answer, loop, body));
    }

    @Override
    public OriginClient.Upload upload() {
        return upload;
    }

    /** The client's body ended before its end: the origin connection is closed; the client is told, if it waits. */
    private void cutShort(Throwable cause) {
        log.debug("{}: request body cut short: {}", key.text(), cause.toString());
        answer.trySuccess(new Answer.Status(cause instanceof RequestBody.TooLarge
                ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE : HttpResponseStatus.BAD_REQUEST,
                "request body cut short", null, null, true));
    }

    @Override
    public void head(HttpResponse response, OriginClient.Reads reads) {
        int status = response.status().code();
        if (status >= 200 && status < 400) {
            int gone = cache.invalidate(key, response.headers());
            log.debug("{} answered {}: {} objects invalidated", key.text(), status, gone);
        }
        boolean bodiless = status == 204 || status == 304;
        long length = bodiless ? 0 : HttpUtil.getContentLength(response, -1L);
        StoredObject object = cache.describe(key, response, length, System.currentTimeMillis(),
                StoragePolicy.Decision.refuse(false, "unsafe method"));
        passing = new PassThrough(loop, reads, List.of(), true, false);
        if (!answer.trySuccess(new Relay(cache.description(object, "fwd=method", 0), passing))) {
            passing.cancel(); // the client is gone
        }
    }

    @Override
    public void body(ByteBuf content) {
        if (passing == null) {
            content.release();
        } else {
            passing.body(content);
        }
    }

    @Override
    public void endOfBatch() {
        if (passing != null) {
            passing.endOfBatch();
        }
    }

    @Override
    public void end() {
        if (passing != null) {
            passing.end();
        }
    }

    @Override
    public void failed(OriginClient.Fault fault, Throwable cause) {
        if (passing != null) {
            passing.failed(cause);
            return;
        }
        answer.trySuccess(switch (fault) {
            case NO_FIRST_BYTE -> EdgeCache.failure(Answer.Status.because(HttpResponseStatus.GATEWAY_TIMEOUT,
                    "origin timeout"), "origin-timeout");
            default -> EdgeCache.failure(Answer.Status.because(HttpResponseStatus.BAD_GATEWAY,
                    "origin unreachable"), "origin-unreachable");
        });
    }
}
