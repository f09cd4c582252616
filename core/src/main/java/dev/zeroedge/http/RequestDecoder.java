package dev.zeroedge.http;

import dev.zeroedge.content.ContentSource;
import dev.zeroedge.content.RequestBody;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.FastThreadLocal;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Reads HTTP/1.1 request heads, strictly (RFC 9112), and hands on a {@link Request} or a
 * {@link Rejection} for each.
 *
 * <p>Netty's own decoder is lenient where an edge must not be: it unfolds obsolete line folding and
 * accepts bare LF. Here every line ends in CRLF; a header line starting with white space (obs-fold),
 * white space before a colon, control characters in a value, a second Host, Content-Length together
 * with Transfer-Encoding, a repeated or non-numeric Content-Length, or a body on GET/HEAD are refused
 * with 400. Lines and the header section are bounded (414, 431). After a refusal, or after a request
 * that carries a body the source does not read, the decoder discards everything that follows: a second
 * request hidden in a body is never answered.
 *
 * <p>A body the source reads ({@link ContentSource#acceptsBody}: the edge cache's uploads) is decoded here and
 * handed on as a {@link ClientBody}, under the source's demand: framed by Content-Length (over
 * {@code --max-request-body}: 413 before any of it is read) or chunked (RFC 9112 §7.1: extensions ignored,
 * trailers dropped; a chunk that takes it past the limit, or malformed framing, fails the body and the connection
 * closes after the response). For such a request {@code Transfer-Encoding} must be exactly {@code chunked} (else
 * 501), and an {@code Expect} other than {@code 100-continue} is 417. After the body the next request is read
 * as usual: a pipelined one behind an upload is answered.
 */
public final class RequestDecoder extends ByteToMessageDecoder {

    private enum State { REQUEST_LINE, HEADERS, BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, DISCARD }

    /** One part of a body, or its end ({@code bytes} null), handed on in order behind the request it belongs to. */
    record BodyPart(ClientBody body, ByteBuf bytes) {
        void hand() {
            if (bytes == null) {
                body.ended();
            } else {
                body.arrived(bytes);
            }
        }
    }

    /**
     * Empty lines tolerated before a request line (RFC 9112 §2.2 asks to ignore at least one); one more is
     * refused with 400, so a client sending endless CRLFs costs a few bytes of work, not a connection's worth.
     * Meanwhile the {@link ConnectionClock} keeps the connection on its idle deadline.
     */
    private static final int MAX_LEADING_EMPTY_LINES = 2;

    private static final FastThreadLocal<byte[]> LINE = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[8192];
        }
    };

    private final HttpLimits limits;
    private final ContentSource source;
    /** The connection clock's progress: a body that arrives or is asked for is progress of the response. */
    private Runnable progress = () -> {
    };
    private State state = State.REQUEST_LINE;
    private HttpMethod method;
    private String target;
    private HttpVersion version;
    private HttpHeaders headers;
    private int headerBytes;
    private int emptyLines;
    /** What complete() checks, noted as the fields go by rather than looked up again in the headers. */
    private int hosts;
    private String host;
    private int contentLengths;
    private String contentLength;
    private boolean chunked;
    private boolean connectionField;
    private boolean mayBeConditional;
    private int transferEncodings;
    private String transferEncoding;
    private String expect;
    /** The body being read (states BODY to TRAILERS), and its bytes still to come in this chunk or body. */
    private ClientBody body;
    private long remaining;
    private long bodyBytes;
    private int trailerBytes;

    public RequestDecoder(HttpLimits limits, ContentSource source) {
        this.limits = limits;
        this.source = source;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        super.handlerAdded(ctx);
        ConnectionClock clock = ctx.pipeline().get(ConnectionClock.class);
        if (clock != null) {
            progress = clock::progress;
        }
    }

    /** A body is being read: reads are its to ask for ({@link ClientBody}), nobody else turns autoRead on. */
    boolean readingBody() {
        return body != null;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        super.channelInactive(ctx);
        failBody(new java.io.IOException("client closed the connection before the end of the request body"));
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        failBody(new java.io.IOException("connection gone before the end of the request body"));
    }

    /** Whether part of a request head is waiting for more bytes: the header-read clock is running. */
    public boolean midRequest() {
        return state == State.HEADERS || (state == State.REQUEST_LINE && actualReadableBytes() > 0);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (true) {
            switch (state) {
                case DISCARD -> {
                    in.skipBytes(in.readableBytes());
                    return;
                }
                case BODY, CHUNK_DATA -> {
                    int n = (int) Math.min(remaining, in.readableBytes());
                    if (n == 0) {
                        return;
                    }
                    out.add(new BodyPart(body, in.readRetainedSlice(n)));
                    remaining -= n;
                    if (remaining > 0) {
                        return;
                    }
                    if (state == State.BODY) {
                        endBody(out);
                    } else {
                        state = State.CHUNK_END;
                    }
                }
                case CHUNK_END -> {
                    if (in.readableBytes() < 2) {
                        return;
                    }
                    if (in.readByte() != '\r' || in.readByte() != '\n') {
                        badBody("chunk data not followed by CRLF");
                        continue;
                    }
                    state = State.CHUNK_SIZE;
                }
                case CHUNK_SIZE -> {
                    int lf = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
                    int length = lf < 0 ? in.readableBytes() : lf - in.readerIndex();
                    if (length > limits.maxRequestLine()) {
                        badBody("chunk size line too long");
                        continue;
                    }
                    if (lf < 0) {
                        return;
                    }
                    long size = length == 0 || in.getByte(lf - 1) != '\r' ? -1
                            : chunkSize(lineText(in, in.readerIndex(), length - 1));
                    in.readerIndex(lf + 1);
                    if (size < 0) {
                        badBody("malformed chunk size");
                        continue;
                    }
                    if (size > limits.maxRequestBody() - bodyBytes) {
                        failBody(new RequestBody.TooLarge(limits.maxRequestBody()));
                        state = State.DISCARD;
                        continue;
                    }
                    bodyBytes += size;
                    remaining = size;
                    state = size == 0 ? State.TRAILERS : State.CHUNK_DATA;
                }
                case TRAILERS -> {
                    int lf = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
                    int length = lf < 0 ? in.readableBytes() : lf - in.readerIndex();
                    if (trailerBytes + length > limits.maxHeaderSection()) {
                        badBody("trailer section too large");
                        continue;
                    }
                    if (lf < 0) {
                        return;
                    }
                    if (length == 0 || in.getByte(lf - 1) != '\r') {
                        badBody("line not terminated by CRLF");
                        continue;
                    }
                    in.readerIndex(lf + 1);
                    trailerBytes += length + 1;
                    if (length == 1) {
                        endBody(out); // trailers are dropped: nothing the cache forwards depends on them
                    }
                }
                case REQUEST_LINE -> {
                    int lf = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
                    if (lf < 0) {
                        if (in.readableBytes() > limits.maxRequestLine() + 1) {
                            reject(out, Rfc9110Status.URI_TOO_LONG, "request line too long");
                            continue;
                        }
                        return;
                    }
                    int length = lf - in.readerIndex();
                    if (length > limits.maxRequestLine() + 1) {
                        reject(out, Rfc9110Status.URI_TOO_LONG, "request line too long");
                        continue;
                    }
                    if (length == 0 || in.getByte(lf - 1) != '\r') {
                        reject(out, HttpResponseStatus.BAD_REQUEST, "line not terminated by CRLF");
                        continue;
                    }
                    if (length == 1) {
                        in.readerIndex(lf + 1);
                        if (++emptyLines > MAX_LEADING_EMPTY_LINES) {
                            reject(out, HttpResponseStatus.BAD_REQUEST, "empty lines instead of a request");
                        }
                        continue;
                    }
                    String line = lineText(in, in.readerIndex(), length - 1);
                    in.readerIndex(lf + 1);
                    String problem = parseRequestLine(line);
                    if (problem != null) {
                        reject(out, version == null && problem.startsWith("HTTP version")
                                ? HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED : HttpResponseStatus.BAD_REQUEST, problem);
                        continue;
                    }
                    headers = DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders();
                    headerBytes = 0;
                    state = State.HEADERS;
                }
                case HEADERS -> {
                    int lf = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
                    if (lf < 0) {
                        if (headerBytes + in.readableBytes() > limits.maxHeaderSection()) {
                            reject(out, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "header section too large");
                            continue;
                        }
                        return;
                    }
                    int length = lf - in.readerIndex();
                    headerBytes += length + 1;
                    if (headerBytes > limits.maxHeaderSection()) {
                        reject(out, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "header section too large");
                        continue;
                    }
                    if (length == 0 || in.getByte(lf - 1) != '\r') {
                        reject(out, HttpResponseStatus.BAD_REQUEST, "line not terminated by CRLF");
                        continue;
                    }
                    if (length == 1) {
                        in.readerIndex(lf + 1);
                        complete(ctx, out, ctx.channel().remoteAddress());
                        continue;
                    }
                    String problem = parseHeader(in, in.readerIndex(), length - 1);
                    in.readerIndex(lf + 1);
                    if (problem != null) {
                        reject(out, problem.startsWith("too many")
                                ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE : HttpResponseStatus.BAD_REQUEST, problem);
                        continue;
                    }
                }
            }
        }
    }

    /** Parses "method SP target SP version"; returns what is wrong, or null. */
    private String parseRequestLine(String line) {
        int sp1 = line.indexOf(' ');
        int sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
        if (sp1 <= 0 || sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0) {
            return "malformed request line";
        }
        String methodName = line.substring(0, sp1);
        String requestTarget = line.substring(sp1 + 1, sp2);
        String versionText = line.substring(sp2 + 1);
        if (!Tokens.isToken(methodName)) {
            return "malformed method";
        }
        if (requestTarget.isEmpty() || !Tokens.isTargetText(requestTarget)) {
            return "malformed request target";
        }
        if (versionText.equals("HTTP/1.1")) {
            version = HttpVersion.HTTP_1_1;
        } else if (versionText.equals("HTTP/1.0")) {
            version = HttpVersion.HTTP_1_0;
        } else if (versionText.length() == 8 && versionText.startsWith("HTTP/") && Character.isDigit(versionText.charAt(5))
                && versionText.charAt(6) == '.' && Character.isDigit(versionText.charAt(7))) {
            return "HTTP version " + versionText + " not supported";
        } else {
            return "malformed HTTP version";
        }
        method = HttpMethod.valueOf(methodName);
        target = requestTarget;
        return null;
    }

    /** Parses one field line at {@code [from, from + length)} of {@code in}; returns what is wrong, or null. */
    private String parseHeader(ByteBuf in, int from, int length) {
        byte[] line = copyLine(in, from, length);
        byte first = line[0];
        if (first == ' ' || first == '\t') {
            return "obsolete line folding";
        }
        int colon = 0;
        while (colon < length && line[colon] != ':') {
            colon++;
        }
        if (colon == 0 || colon == length) {
            return "malformed header field";
        }
        for (int i = 0; i < colon; i++) {
            if (!Tokens.isTokenChar(line[i])) {
                return "invalid header field name";
            }
        }
        int valueStart = colon + 1;
        int valueEnd = length;
        while (valueStart < valueEnd && isOws(line[valueStart])) {
            valueStart++;
        }
        while (valueEnd > valueStart && isOws(line[valueEnd - 1])) {
            valueEnd--;
        }
        for (int i = valueStart; i < valueEnd; i++) {
            int b = line[i] & 0xff;
            if ((b < 0x20 && b != '\t') || b == 0x7f) {
                return "control character in header value";
            }
        }
        if (headers.size() >= limits.maxHeaders()) {
            return "too many header fields";
        }
        String name = new String(line, 0, colon, StandardCharsets.ISO_8859_1);
        String value = new String(line, valueStart, valueEnd - valueStart, StandardCharsets.ISO_8859_1);
        headers.add(name, value);
        note(name, value);
        return null;
    }

    /** The text of a request line. */
    private static String lineText(ByteBuf in, int from, int length) {
        return new String(copyLine(in, from, length), 0, length, StandardCharsets.ISO_8859_1);
    }

    /**
     * Copies a line out of the receive buffer into the loop thread's scratch array, in one bulk copy: the
     * checks then read a heap array. Read byte by byte, the direct receive buffer costs a bounds and
     * session check per byte on Java 25, where Netty runs without {@code sun.misc.Unsafe} (JFR at 1 KiB).
     */
    private static byte[] copyLine(ByteBuf in, int from, int length) {
        byte[] line = LINE.get();
        if (line.length < length) {
            // Longer than any line the default limits let through; not kept, so the scratch stays small.
            line = new byte[length];
        }
        in.getBytes(from, line, 0, length);
        return line;
    }

    private void note(String name, String value) {
        switch (name.length()) {
            case 4 -> {
                if (name.equalsIgnoreCase("host")) {
                    hosts++;
                    host = value;
                }
            }
            case 5 -> mayBeConditional |= name.equalsIgnoreCase("range");
            case 10 -> connectionField |= name.equalsIgnoreCase("connection");
            case 14 -> {
                if (name.equalsIgnoreCase("content-length")) {
                    contentLengths++;
                    contentLength = value;
                }
            }
            case 6 -> {
                if (name.equalsIgnoreCase("expect")) {
                    expect = expect == null ? value : expect + "," + value;
                }
            }
            case 17 -> {
                if (name.equalsIgnoreCase("transfer-encoding")) {
                    chunked = true;
                    transferEncodings++;
                    transferEncoding = value;
                }
            }
            default -> {
            }
        }
        if (name.length() > 3 && name.regionMatches(true, 0, "if-", 0, 3)) {
            mayBeConditional = true;
        }
    }

    /** The head is complete: check framing and Host, then hand the request on. */
    private void complete(ChannelHandlerContext ctx, List<Object> out, java.net.SocketAddress client) {
        if (hosts > 1 || (hosts == 0 && version == HttpVersion.HTTP_1_1)) {
            reject(out, HttpResponseStatus.BAD_REQUEST, hosts == 0 ? "missing Host" : "more than one Host");
            return;
        }
        if (hosts == 1 && !Tokens.isHost(host)) {
            reject(out, HttpResponseStatus.BAD_REQUEST, "malformed Host");
            return;
        }
        boolean bodyless = method == HttpMethod.GET || method == HttpMethod.HEAD;
        if (chunked && contentLengths > 0) {
            reject(out, HttpResponseStatus.BAD_REQUEST, "Content-Length with Transfer-Encoding");
            return;
        }
        if (chunked && (bodyless || version == HttpVersion.HTTP_1_0)) {
            reject(out, HttpResponseStatus.BAD_REQUEST, "Transfer-Encoding not allowed here");
            return;
        }
        if (contentLengths > 1) {
            reject(out, HttpResponseStatus.BAD_REQUEST, "repeated Content-Length");
            return;
        }
        long length = 0;
        if (contentLengths == 1) {
            length = Tokens.parseContentLength(contentLength);
            if (length < 0) {
                reject(out, HttpResponseStatus.BAD_REQUEST, "invalid Content-Length");
                return;
            }
            if (length > 0 && bodyless) {
                reject(out, HttpResponseStatus.BAD_REQUEST, "body on " + method.name());
                return;
            }
        }
        String path;
        String query = null;
        String requestTarget = target;
        if (requestTarget.charAt(0) != '/') {
            String absolutePath = Tokens.pathOfAbsoluteForm(requestTarget);
            if (absolutePath == null) {
                // asterisk-form and authority-form only go with OPTIONS and CONNECT, which are refused by method
                if (bodyless) {
                    reject(out, HttpResponseStatus.BAD_REQUEST, "malformed request target");
                    return;
                }
                absolutePath = "/";
            }
            requestTarget = absolutePath;
        }
        // A target carries no fragment (RFC 9112 §3.2); one sent anyway is dropped, from the query too, so a
        // redirect that keeps the query never carries it on.
        int hash = requestTarget.indexOf('#');
        if (hash >= 0) {
            requestTarget = requestTarget.substring(0, hash);
        }
        int q = requestTarget.indexOf('?');
        if (q >= 0) {
            query = requestTarget.substring(q + 1);
            path = requestTarget.substring(0, q);
        } else {
            path = requestTarget;
        }
        boolean hasBody = chunked || length > 0;
        boolean readBody = hasBody && source.acceptsBody(method);
        if (readBody) {
            String refused = refuseBody(length);
            if (refused != null) {
                reject(out, refused.startsWith("request body larger") ? Rfc9110Status.CONTENT_TOO_LARGE
                        : refused.startsWith("Expect") ? HttpResponseStatus.EXPECTATION_FAILED
                        : HttpResponseStatus.NOT_IMPLEMENTED, refused);
                return;
            }
        }
        boolean keepAlive = (!hasBody || readBody)
                && (connectionField ? keepAlive(version, headers) : version == HttpVersion.HTTP_1_1);
        ClientBody read = null;
        if (readBody) {
            boolean expectsContinue = expect != null && version == HttpVersion.HTTP_1_1;
            read = new ClientBody(ctx, chunked ? -1 : length, expectsContinue, progress);
            // The body's reads are asked for by the source as it takes the body; none happens before.
            ctx.channel().config().setAutoRead(false);
        }
        out.add(new Request(method, target, path, query, version, headers, keepAlive, hasBody, mayBeConditional,
                client, read));
        boolean chunkedBody = chunked;
        reset();
        if (readBody) {
            body = read;
            bodyBytes = 0;
            remaining = length;
            state = chunkedBody ? State.CHUNK_SIZE : State.BODY;
        } else if (hasBody) {
            state = State.DISCARD;
        }
    }

    /** Why a body the source would read is refused before any of it is read, or null. */
    private String refuseBody(long length) {
        if (chunked && (transferEncodings > 1 || !transferEncoding.equalsIgnoreCase("chunked"))) {
            return "transfer coding other than chunked";
        }
        if (length > limits.maxRequestBody()) {
            return new RequestBody.TooLarge(limits.maxRequestBody()).getMessage();
        }
        if (expect != null && !expect.equalsIgnoreCase("100-continue")) {
            return "Expect other than 100-continue";
        }
        return null;
    }

    /** A chunk-size line ({@code 1a;name=value}): the size, or -1 when malformed or past 2^60. */
    private static long chunkSize(String line) {
        int end = line.indexOf(';');
        String hex = (end < 0 ? line : line.substring(0, end)).strip();
        if (hex.isEmpty() || hex.length() > 15) {
            return -1;
        }
        long size = 0;
        for (int i = 0; i < hex.length(); i++) {
            int digit = Character.digit(hex.charAt(i), 16);
            if (digit < 0) {
                return -1;
            }
            size = size * 16 + digit;
        }
        return size;
    }

    private void endBody(List<Object> out) {
        out.add(new BodyPart(body, null));
        body = null;
        trailerBytes = 0;
        state = State.REQUEST_LINE;
    }

    /** The body's framing is broken: it fails, and nothing more is read (the connection closes after the response). */
    private void badBody(String reason) {
        failBody(new java.io.IOException("malformed request body: " + reason));
        state = State.DISCARD;
    }

    private void failBody(Throwable cause) {
        if (body != null) {
            body.failed(cause);
            body = null;
        }
    }

    private static boolean keepAlive(HttpVersion version, HttpHeaders headers) {
        if (headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true)) {
            return false;
        }
        return version == HttpVersion.HTTP_1_1
                || headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE, true);
    }

    private void reject(List<Object> out, HttpResponseStatus status, String reason) {
        out.add(new Rejection(status, reason));
        reset();
        state = State.DISCARD;
    }

    private void reset() {
        state = State.REQUEST_LINE;
        method = null;
        target = null;
        version = null;
        headers = null;
        headerBytes = 0;
        emptyLines = 0;
        hosts = 0;
        host = null;
        contentLengths = 0;
        contentLength = null;
        chunked = false;
        connectionField = false;
        mayBeConditional = false;
        transferEncodings = 0;
        transferEncoding = null;
        expect = null;
    }

    private static boolean isOws(byte b) {
        return b == ' ' || b == '\t';
    }
}
