package dev.zeroedge.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A client that speaks HTTP/1.1 as bytes on a plain socket: requests are written exactly as given, and
 * responses are read by their framing (Content-Length, chunks, or to EOF), so tests see what the server really
 * sent, including whether it closed the connection.
 */
public final class RawHttp implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RawHttp(int port) throws IOException {
        this(port, 0);
    }

    /**
     * A client whose receive buffer is {@code receiveBuffer} bytes (0: the system's), set before connecting
     * so the window the client offers is small from the first segment on: a slow or stalled reader.
     */
    public RawHttp(int port, int receiveBuffer) throws IOException {
        this(port, receiveBuffer, null);
    }

    /** A client whose connection comes from {@code from} (another loopback address, e.g. 127.0.0.2), null: any. */
    public RawHttp(int port, java.net.InetAddress from) throws IOException {
        this(port, 0, from);
    }

    private RawHttp(int port, int receiveBuffer, java.net.InetAddress from) throws IOException {
        socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        if (from != null) {
            socket.bind(new InetSocketAddress(from, 0));
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** Sends raw request text (ISO-8859-1, so every char is one byte). */
    public RawHttp send(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    /** Reads one response to a GET (or any other whose body is framed by Content-Length, chunks or EOF). */
    public Response read() throws IOException {
        return read(false);
    }

    /** Reads one response to a HEAD: headers only, whatever Content-Length says. */
    public Response readHead() throws IOException {
        return read(true);
    }

    /**
     * Reads one line ended by CRLF (a chunk's size line, the CRLF after a chunk) and returns it without the CRLF;
     * a line ended by a bare LF, or the connection closing first, is an IOException: the framing is wrong.
     */
    public String readLine() throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new java.io.EOFException("closed after " + line);
            }
            line.append((char) b);
        }
        if (line.isEmpty() || line.charAt(line.length() - 1) != '\r') {
            throw new IOException("a line ended by a bare LF: " + line);
        }
        return line.substring(0, line.length() - 1);
    }

    /** Sends one request and reads its response. */
    public Response exchange(String raw) throws IOException {
        return send(raw).read();
    }

    private Response read(boolean head) throws IOException {
        String statusLine = line();
        List<String[]> headers = new ArrayList<>();
        for (String line = line(); !line.isEmpty(); line = line()) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("malformed response header line: " + line);
            }
            headers.add(new String[] {line.substring(0, colon), line.substring(colon + 1).trim()});
        }
        Response partial = new Response(statusLine, headers, new byte[0]);
        int status = partial.status();
        byte[] body;
        String length = partial.header("Content-Length");
        if (head || status == 304 || status == 204 || (status >= 100 && status < 200)) {
            body = new byte[0];
        } else if ("chunked".equalsIgnoreCase(partial.header("Transfer-Encoding"))) {
            body = chunks();
        } else if (length != null) {
            body = in.readNBytes(Integer.parseInt(length));
            if (body.length != Integer.parseInt(length)) {
                throw new EOFException("body ended after " + body.length + " of " + length + " bytes");
            }
        } else {
            body = in.readAllBytes();
        }
        return new Response(statusLine, headers, body);
    }

    /** A chunked body (RFC 9112 §7.1), decoded: every chunk up to the last, then the trailer section. */
    private byte[] chunks() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = line();
            int semicolon = sizeLine.indexOf(';');
            int size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
            if (size == 0) {
                while (!line().isEmpty()) {
                    // trailer fields: none expected, skipped
                }
                return body.toByteArray();
            }
            byte[] chunk = in.readNBytes(size);
            if (chunk.length != size) {
                throw new EOFException("chunk ended after " + chunk.length + " of " + size + " bytes");
            }
            body.write(chunk);
            if (!line().isEmpty()) {
                throw new IOException("a chunk of " + size + " bytes not followed by CRLF");
            }
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed" + (line.size() > 0 ? " mid-line: " + line : ""));
            }
            if (b == '\n' && previous == '\r') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
            previous = b;
        }
    }

    /** True when the server has closed the connection (EOF or reset within the timeout), false if data or silence. */
    public boolean closedByServer(int timeoutMillis) throws IOException {
        int saved = socket.getSoTimeout();
        socket.setSoTimeout(timeoutMillis);
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        } finally {
            socket.setSoTimeout(saved);
        }
    }

    public InputStream input() {
        return in;
    }

    public Socket socket() {
        return socket;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** A response as received: status line, header fields in order, body bytes. */
    public record Response(String statusLine, List<String[]> headers, byte[] body) {

        public int status() {
            String[] parts = statusLine.split(" ", 3);
            return Integer.parseInt(parts[1]);
        }

        /** The value of the only field with this name (case-insensitive), or null; fails if repeated. */
        public String header(String name) {
            String found = null;
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    if (found != null) {
                        throw new AssertionError("header " + name + " repeated in " + this);
                    }
                    found = h[1];
                }
            }
            return found;
        }

        public List<String> headerNames() {
            return headers.stream().map(h -> h[0].toLowerCase(Locale.ROOT)).toList();
        }

        public String bodyText() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(statusLine);
            for (String[] h : headers) {
                sb.append(" | ").append(h[0]).append(": ").append(h[1]);
            }
            return sb.append(" | ").append(body.length).append(" body bytes").toString();
        }
    }
}
