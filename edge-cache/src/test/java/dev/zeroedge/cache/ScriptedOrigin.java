package dev.zeroedge.cache;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An origin written for the tests, on a plain {@link ServerSocket}: it reads each request head, keeps it, counts
 * it, and answers with the test's {@link Script} (which can stall, trickle, cut a body short or reset), on one
 * virtual thread per connection. Keeps a connection open for the next request unless the script closed it.
 */
final class ScriptedOrigin implements AutoCloseable {

    /** How one request is answered; returns false to close the connection after it. */
    @FunctionalInterface
    interface Script {
        boolean answer(String requestHead, OutputStream out, Socket socket) throws Exception;
    }

    private final ServerSocket listener;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    private final List<String> heads = new CopyOnWriteArrayList<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile Script script;

    ScriptedOrigin(Script script) throws IOException {
        this.script = script;
        this.listener = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("scripted-origin").start(this::accept);
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Requests the origin has read so far. */
    int requests() {
        return requests.get();
    }

    /** Connections the origin has accepted so far. */
    int connections() {
        return connections.get();
    }

    List<String> heads() {
        return heads;
    }

    void script(Script next) {
        this.script = next;
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket socket = listener.accept();
                connections.incrementAndGet();
                open.add(socket);
                Thread.ofVirtual().start(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            while (true) {
                String head = readHead(in);
                if (head == null) {
                    return;
                }
                heads.add(head);
                requests.incrementAndGet();
                if (!script.answer(head, out, socket)) {
                    return;
                }
                out.flush();
            }
        } catch (Exception e) {
            // The script reset the connection, or the cache went away: nothing to tell.
        } finally {
            open.remove(socket);
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** The value of field {@code name} (any case) in a request head the origin read, or null when it has none. */
    static String field(String head, String name) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    /** A response head with {@code fields} (each "Name: value"), ready to write. */
    static byte[] head(String status, String... fields) {
        StringBuilder text = new StringBuilder("HTTP/1.1 ").append(status).append("\r\n");
        for (String field : fields) {
            text.append(field).append("\r\n");
        }
        return text.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket socket : open) {
            socket.close();
        }
    }
}
