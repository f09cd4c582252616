package dev.zeroedge.launcher;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Under a small open-file limit, with every connection downloading: as many slow clients as the default
 * connection limit admits each get their response started and then, once they read, every byte of it; the
 * ones past the limit get a clean 503; and no descriptor ran out on the way (no EMFILE in the server's log).
 * The clients read nothing until all are in, through a small receive buffer, so every response stays in
 * flight with a slice on its way and holds what the mode's transport needs for it (a pipe and a dup of the
 * socket on {@code uring-splice}), and the open-file cache is off, so each holds its own file.
 */
class BusyConnectionsTest {

    /**
     * With one event loop, the default that counted one descriptor per connection (limit - 768 spare = 1232)
     * overran this limit in every mode once the connections were busy.
     */
    private static final int OPEN_FILE_LIMIT = 2000;
    /** Far more than a connection's send buffer (8 KiB asked, 16 KiB given) and the client's window take. */
    private static final int BODY = 128 * 1024;
    private static final int PAST_THE_LIMIT = 20;

    @TempDir
    Path root;

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            uring-splice   | 271 | 643 | 5 | socket, file, a dup of the socket, a pipe
            epoll-sendfile | 742 | 515 | 2 | socket, file
            nio-sendfile   | 743 | 514 | 2 | socket, file
            epoll-mmap     | 742 | 515 | 2 | socket, file
            epoll-copy     | 742 | 515 | 2 | socket, file
            """)
    void everyAdmittedDownloadCompletesAndTheRestAreRefusedWith503(String mode, int expectedMax, int spare,
                                                                   int perConnection, String holdings) throws Exception {
        byte[] body = new byte[BODY];
        new Random(11).nextBytes(body);
        Files.write(root.resolve("big.bin"), body);
        ServerJvm server = ServerJvm.start(root, OPEN_FILE_LIMIT, mode, "--open-file-cache", "0",
                "--event-loops", "1", "--send-buffer", "8k");
        List<Socket> admitted = new ArrayList<>();
        try {
            int max = server.maxConnections();
            int idle = server.openDescriptors();
            for (int i = 0; i < max; i++) {
                Socket client = slowClient(server.port());
                admitted.add(client);
                String head = head(client, "client " + i + " of " + max);
                assertTrue(head.startsWith("HTTP/1.1 200 OK\r\n") && head.contains("\r\nContent-Length: " + BODY + "\r\n"),
                        "client " + i + " of " + max + ": " + head);
            }
            int busy = server.openDescriptors();
            for (int i = 0; i < PAST_THE_LIMIT; i++) {
                try (Socket oneMore = new Socket("127.0.0.1", server.port())) {
                    oneMore.setSoTimeout(10_000);
                    assertEquals("HTTP/1.1 503 Service Unavailable\r\nServer: zeroedge\r\nDate: *\r\n"
                            + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 46\r\nRetry-After: 1\r\n"
                            + "Connection: close\r\n\r\n503 Service Unavailable: too many connections\n",
                            new String(oneMore.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)
                                    .replaceFirst("\r\nDate: [^\r]*\r\n", "\r\nDate: *\r\n"));
                }
            }
            for (Socket client : admitted) {
                assertArrayEquals(body, client.getInputStream().readNBytes(BODY));
            }
            System.out.printf("%s: max connections %d, %d descriptors idle, %d with all busy (%.2f per connection)%n",
                    mode, max, idle, busy, (busy - idle) / (double) max);
            assertEquals(List.of(), server.logged("Too many open files"));
            assertEquals(List.of(), server.logged("EMFILE"));
            assertEquals(List.of(" INFO zeroedge - max connections " + expectedMax + " (" + mode + ": (open-file limit "
                    + OPEN_FILE_LIMIT + " - open-file cache 0 - " + spare + " spare (1 event loop)) / " + perConnection
                    + " per busy connection (" + holdings + "))"), server.connectionLines());
            // Each busy connection held what its mode's transport says it holds, give or take a JVM file or two.
            assertTrue(Math.abs(busy - idle - max * perConnection) <= 8,
                    (busy - idle) + " descriptors for " + max + " busy connections");
        } finally {
            for (Socket client : admitted) {
                client.close();
            }
            server.stop();
        }
    }

    /** A client that has asked for the file and reads slowly: a small receive buffer, set before connecting. */
    private static Socket slowClient(int port) throws IOException {
        Socket client = new Socket();
        client.setReceiveBufferSize(4096);
        client.setSoTimeout(10_000);
        client.connect(new InetSocketAddress("127.0.0.1", port));
        client.getOutputStream().write("GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return client;
    }

    /** The response head, read byte by byte up to its blank line, so not one byte of the body is read. */
    private static String head(Socket client, String who) throws IOException {
        InputStream in = client.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b;
            try {
                b = in.read();
            } catch (SocketTimeoutException e) {
                throw new SocketTimeoutException(who + ": no response head after 10 s");
            }
            if (b < 0) {
                throw new IOException(who + ": the connection closed after " + head.toString(StandardCharsets.US_ASCII));
            }
            head.write(b);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }
}
