package dev.zeroedge.http;

import dev.zeroedge.files.FileChangedException;
import dev.zeroedge.files.FileInfo;
import dev.zeroedge.files.Lookup;
import dev.zeroedge.files.OpenFile;
import dev.zeroedge.transport.NothingSentException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.ArrayDeque;
import java.util.Set;

/**
 * Answers the requests of one connection, one at a time and in the order they came.
 *
 * <p>Take {@code GET /video/seg-7.m4s HTTP/1.1} with {@code Range: bytes=0-1023}. {@link RequestDecoder}
 * has checked the head and hands on a {@link Request}; it is queued behind any response in flight, so
 * pipelined requests are answered in order. Its turn comes: the method is GET; the path is resolved
 * under the {@link dev.zeroedge.files.DocumentRoot} to a regular file and its validators; the
 * {@link Preconditions} hold; {@link RangeRequest} finds one satisfiable range. The file is opened, the
 * head is built ({@code 206}, Content-Range, ETag, ...), and head and range go to the transport's sender
 * through {@link dev.zeroedge.http.FairFileSender}: the bytes never enter the JVM. When the last
 * slice is in the kernel the file reference is dropped, the connection either closes (Connection:
 * close, HTTP/1.0, shutdown) or takes the next queued request, and the {@link ConnectionClock} goes
 * back to waiting.
 */
public final class FileRequestHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(FileRequestHandler.class);

    private static final String ALLOW = "GET, HEAD";
    private static final Set<String> KNOWN_METHODS =
            Set.of("POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");

    private final Site site;
    private final ConnectionClock clock;
    private final RequestDecoder decoder;
    private final ArrayDeque<Inbound> queue = new ArrayDeque<>();
    /** After each slice: the connection's send-stall clock, and {@link #bodyOut}. */
    private final Runnable progress;
    private ChannelHandlerContext ctx;
    private boolean responding;
    private boolean serving;
    /** Part of the current response's body is in the kernel: past that, a failed send can only close. */
    private boolean bodyOut;

    FileRequestHandler(Site site, ConnectionClock clock, RequestDecoder decoder) {
        this.site = site;
        this.clock = clock;
        this.decoder = decoder;
        this.progress = () -> {
            bodyOut = true;
            clock.progress();
        };
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Inbound inbound)) {
            ctx.fireChannelRead(msg);
            return;
        }
        queue.add(inbound);
        if (queue.size() >= site.limits().maxPipelined()) {
            // Enough read ahead: stop reading until the queue drains, so a pipelining client is bounded.
            ctx.channel().config().setAutoRead(false);
        }
        serveNext();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == Drain.INSTANCE) {
            if (!responding) {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn("connection {} failed", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }

    /** Answers queued requests until one is in flight. Re-entrant calls (a response that completed at once) return. */
    private void serveNext() {
        if (serving) {
            return;
        }
        serving = true;
        try {
            while (!responding) {
                Inbound next = queue.poll();
                if (next == null) {
                    clock.waiting(decoder.midRequest());
                    if (!ctx.channel().config().isAutoRead()) {
                        ctx.channel().config().setAutoRead(true);
                    }
                    return;
                }
                if (!ctx.channel().isActive()) {
                    queue.clear();
                    return;
                }
                responding = true;
                bodyOut = false;
                clock.responding();
                respond(next);
            }
        } finally {
            serving = false;
        }
    }

    private void respond(Inbound inbound) {
        switch (inbound) {
            case Rejection rejection -> sendError(rejection.status(), rejection.reason(), false, Persistence.CLOSE,
                    null, null);
            case Request request -> {
                try {
                    serve(request);
                } catch (RuntimeException e) {
                    log.error("failed to answer {} {}", request.method(), request.path(), e);
                    sendError(HttpResponseStatus.INTERNAL_SERVER_ERROR, null, false, Persistence.CLOSE, null, null);
                }
            }
        }
    }

    private void serve(Request request) {
        boolean bodyless = request.method().equals(HttpMethod.HEAD);
        Persistence persistence = Persistence.of(request, site.draining());
        if (!bodyless && !request.method().equals(HttpMethod.GET)) {
            if (KNOWN_METHODS.contains(request.method().name())) {
                sendError(HttpResponseStatus.METHOD_NOT_ALLOWED, null, false, persistence, "Allow", ALLOW);
            } else {
                sendError(HttpResponseStatus.NOT_IMPLEMENTED, null, false, persistence, "Allow", ALLOW);
            }
            return;
        }
        switch (site.files().resolve(request.path())) {
            case Lookup.BadPath bad -> sendError(HttpResponseStatus.BAD_REQUEST, bad.why(), bodyless, persistence,
                    null, null);
            case Lookup.NotFound notFound -> sendError(HttpResponseStatus.NOT_FOUND, null, bodyless, persistence,
                    null, null);
            case Lookup.Forbidden forbidden -> sendError(HttpResponseStatus.FORBIDDEN, null, bodyless, persistence,
                    null, null);
            case Lookup.MissingSlash redirect -> sendError(HttpResponseStatus.MOVED_PERMANENTLY, null, bodyless,
                    persistence, "Location", location(redirect, request.query()));
            case Lookup.Found found -> serveFile(request, found, bodyless, persistence);
        }
    }

    /**
     * Where a redirect sends the client: the path as the document root resolved and encoded it (one leading
     * '/', so never another host) and the query re-encoded; nothing of the request is echoed as it came.
     */
    private static String location(Lookup.MissingSlash redirect, String query) {
        return query == null ? redirect.location() : redirect.location() + "?" + Tokens.reencodeQuery(query);
    }

    private void serveFile(Request request, Lookup.Found found, boolean bodyless, Persistence persistence) {
        FileInfo info = found.file();
        Preconditions.Outcome outcome = request.mayBeConditional()
                ? Preconditions.evaluate(true, request.headers(), info) : Preconditions.Outcome.PROCEED;
        switch (outcome) {
            case NOT_MODIFIED -> {
                ResponseHead head = ResponseHead.start(ctx.alloc(), HttpResponseStatus.NOT_MODIFIED)
                        .add("ETag", info.etag())
                        .add("Last-Modified", info.lastModified());
                finish(ctx.writeAndFlush(persistence.say(head).end()), persistence);
                return;
            }
            case PRECONDITION_FAILED -> {
                sendError(HttpResponseStatus.PRECONDITION_FAILED, null, bodyless, persistence, null, null);
                return;
            }
            case PROCEED -> {
            }
        }
        OpenFile file;
        try {
            file = site.files().open(found);
        } catch (FileChangedException e) {
            sendError(HttpResponseStatus.SERVICE_UNAVAILABLE, "file is being modified", bodyless, persistence,
                    "Retry-After", "1");
            return;
        } catch (AccessDeniedException e) {
            sendError(HttpResponseStatus.FORBIDDEN, null, bodyless, persistence, null, null);
            return;
        } catch (NoSuchFileException | NotDirectoryException gone) {
            sendError(HttpResponseStatus.NOT_FOUND, null, bodyless, persistence, null, null);
            return;
        } catch (IOException e) {
            // Found a moment ago, so not the request's fault: e.g. EMFILE, no descriptor left for the file.
            log.debug("cannot open {}: {}", found.file().path(), e.toString());
            sendError(HttpResponseStatus.SERVICE_UNAVAILABLE, "server busy", bodyless, Persistence.CLOSE, "Retry-After", "1");
            return;
        }
        try {
            sendFile(request, info, file, bodyless, persistence);
        } finally {
            file.release();
        }
    }

    private void sendFile(Request request, FileInfo info, OpenFile file, boolean bodyless, Persistence persistence) {
        long length = info.length();
        FileFields fields = FileFields.of(info);
        String type = fields.type();
        RangeRequest ranges = RangeRequest.WHOLE;
        // Range is no list: two lines of it are no valid range set, and an invalid one is ignored (§14.2).
        String rangeHeader = request.mayBeConditional()
                ? FieldLines.single(request.headers(), HttpHeaderNames.RANGE) : null;
        if (!bodyless && rangeHeader != null && Preconditions.rangeAllowed(request.headers(), info)) {
            ranges = RangeRequest.parse(rangeHeader, length);
        }
        switch (ranges) {
            case RangeRequest.Whole whole -> {
                ByteBuf head = fileHead(HttpResponseStatus.OK, fields, type, length, persistence).end();
                send(head, file, 0, length, bodyless, persistence);
            }
            case RangeRequest.Unsatisfiable unsatisfiable -> sendError(Rfc9110Status.RANGE_NOT_SATISFIABLE,
                    null, false, persistence, "Content-Range", "bytes */" + length);
            case RangeRequest.Partial partial when partial.ranges().size() == 1 -> {
                ByteRange range = partial.ranges().getFirst();
                ByteBuf head = fileHead(HttpResponseStatus.PARTIAL_CONTENT, fields, type, range.length(), persistence)
                        .add("Content-Range", range.contentRange(length))
                        .end();
                send(head, file, range.first(), range.length(), false, persistence);
            }
            case RangeRequest.Partial partial -> {
                MultipartBody body = new MultipartBody(partial.ranges(), type, length);
                ResponseHead head = fileHead(HttpResponseStatus.PARTIAL_CONTENT, fields, body.contentType(),
                        body.contentLength(), persistence);
                finish(body.send(ctx, head.end(), file, site.sender(), progress), persistence);
            }
        }
    }

    private ResponseHead fileHead(HttpResponseStatus status, FileFields fields, String type, long contentLength,
                                  Persistence persistence) {
        ResponseHead head = ResponseHead.start(ctx.alloc(), status)
                .add("Content-Type", type)
                .add("Content-Length", contentLength)
                .add(fields.validators());
        return persistence.say(head);
    }

    private void send(ByteBuf head, OpenFile file, long offset, long length, boolean bodyless,
                      Persistence persistence) {
        if (bodyless) {
            finish(ctx.writeAndFlush(head), persistence);
        } else {
            finish(site.sender().send(ctx, head, file, offset, length, progress), persistence);
        }
    }

    private void sendError(HttpResponseStatus status, String reason, boolean bodyless, Persistence persistence,
                           String extraName, String extraValue) {
        ByteBuf response = ErrorResponse.build(ctx.alloc(), status, reason, bodyless, persistence, extraName,
                extraValue);
        finish(ctx.writeAndFlush(response), persistence);
    }

    /** When the response is in the kernel: count it, then close or take the next request. */
    private void finish(ChannelFuture sent, Persistence persistence) {
        sent.addListener((ChannelFutureListener) future -> {
            if (!future.isSuccess()) {
                log.debug("response to {} failed: {}", ctx.channel().remoteAddress(), future.cause().toString());
                if (future.cause() instanceof NothingSentException && !bodyOut && ctx.channel().isActive()) {
                    // The sender could not start (no descriptor for a pipe, a dup): nothing of this
                    // response is on the wire, so it can still be refused whole.
                    sendError(HttpResponseStatus.SERVICE_UNAVAILABLE, "server busy", false, Persistence.CLOSE, "Retry-After", "1");
                    return;
                }
                ctx.close();
                return;
            }
            site.counters().addResponse();
            if (persistence.closes() || site.draining()) {
                ctx.close();
                return;
            }
            responding = false;
            serveNext();
        });
    }
}
