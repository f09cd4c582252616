package dev.zeroedge.transport.epoll;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** HTTP/1.1 spoken by hand over a real socket, so tests assert on the exact bytes the server sent. */
final class RawClient implements AutoCloseable {

    /** One response: the status line, the header fields (names in lower case), and the body. */
    record Response(String statusLine, Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        long contentLength() {
            return Long.parseLong(header("content-length"));
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawClient(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(20_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    Socket socket() {
        return socket;
    }

    InputStream input() {
        return in;
    }

    RawClient send(String request) throws IOException {
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return this;
    }

    /** {@code GET path} with keep-alive, plus any extra header lines (each ending in CRLF). */
    RawClient get(String path, String... headerLines) throws IOException {
        return send("GET " + path + " HTTP/1.1\r\nHost: test\r\n" + String.join("", headerLines) + "\r\n");
    }

    /** Reads one response whose body is Content-Length bytes (none for a response to HEAD). */
    Response read(boolean bodyless) throws IOException {
        Response head = readHead();
        if (bodyless || head.header("content-length") == null) {
            return head;
        }
        byte[] body = in.readNBytes(Math.toIntExact(head.contentLength()));
        if (body.length != head.contentLength()) {
            throw new EOFException("body ended after " + body.length + " of " + head.contentLength() + " bytes");
        }
        return new Response(head.statusLine(), head.headers(), body);
    }

    Response read() throws IOException {
        return read(false);
    }

    /** Reads the status line and header fields, leaving the body in the stream. */
    Response readHead() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed after " + bytes.size() + " bytes of a response head");
            }
            bytes.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String[] lines = bytes.toString(StandardCharsets.US_ASCII).split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip());
        }
        return new Response(lines[0], headers, new byte[0]);
    }

    /** True when the server has closed the connection (reads end of stream within the timeout). */
    boolean closedByServer() throws IOException {
        return in.read() < 0;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
