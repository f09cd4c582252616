package dev.zeroedge.http;

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
 * that carries a body (zeroedge reads none), the decoder discards everything that follows: a second
 * request hidden in a body is never answered.
 */
public final class RequestDecoder extends ByteToMessageDecoder {

    private enum State { REQUEST_LINE, HEADERS, DISCARD }

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

    public RequestDecoder(HttpLimits limits) {
        this.limits = limits;
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
                        complete(out, ctx.channel().remoteAddress());
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
            case 17 -> chunked |= name.equalsIgnoreCase("transfer-encoding");
            default -> {
            }
        }
        if (name.length() > 3 && name.regionMatches(true, 0, "if-", 0, 3)) {
            mayBeConditional = true;
        }
    }

    /** The head is complete: check framing and Host, then hand the request on. */
    private void complete(List<Object> out, java.net.SocketAddress client) {
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
        boolean keepAlive = !hasBody && (connectionField ? keepAlive(version, headers) : version == HttpVersion.HTTP_1_1);
        out.add(new Request(method, target, path, query, version, headers, keepAlive, hasBody, mayBeConditional,
                client));
        reset();
        if (hasBody) {
            state = State.DISCARD;
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
    }

    private static boolean isOws(byte b) {
        return b == ' ' || b == '\t';
    }
}
