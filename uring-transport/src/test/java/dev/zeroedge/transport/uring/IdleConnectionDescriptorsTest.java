package dev.zeroedge.transport.uring;

import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.testing.OpenDescriptors;
import dev.zeroedge.testing.RawHttp;
import dev.zeroedge.testing.RawHttp.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What an idle keep-alive connection costs in descriptors on {@code uring-splice}: one, its socket. The splice
 * stream's own dup of the socket (see {@code SpliceStream.takeSocket}) is held while slices go out and given
 * back about a second after the last one. A server socket and its dup name the same socket inode, so
 * "sockets named by two descriptors" counts exactly the dups held; client and server share this JVM, but
 * a client socket is a different inode with one descriptor.
 */
class IdleConnectionDescriptorsTest {

    private static final int CONNECTIONS = 20;

    @TempDir
    Path root;

    private byte[] body;
    private ZeroedgeServer server;

    @BeforeEach
    void start() throws IOException {
        body = new byte[64 * 1024];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 31 + (i >>> 8));
        }
        Files.write(root.resolve("body.bin"), body);
        server = ZeroedgeServer.start(ServerConfig.of(root, new InetSocketAddress("127.0.0.1", 0))
                .withEventLoops(1).withGracePeriod(Duration.ofSeconds(1)), new UringSpliceTransport());
    }

    @AfterEach
    void stop() {
        server.shutdown(Duration.ofSeconds(1));
    }

    @Test
    void theSocketsDupIsHeldWhileSendingAndGivenBackWhenIdle() throws Exception {
        // One exchange first: the loop's pipe pool and the open-file cache then hold what they will hold.
        try (RawHttp warm = new RawHttp(server.port())) {
            assertBody(warm.exchange("GET /body.bin HTTP/1.1\r\nHost: a\r\n\r\n"));
        }
        assertEquals(0, awaitSocketsNamedTwice(0));
        int baseline = OpenDescriptors.count();

        List<RawHttp> clients = new ArrayList<>();
        try {
            for (int i = 0; i < CONNECTIONS; i++) {
                RawHttp client = new RawHttp(server.port());
                clients.add(client);
                assertBody(client.exchange("GET /body.bin HTTP/1.1\r\nHost: a\r\n\r\n"));
            }
            // Just answered: every connection still holds its dup (the linger is a second).
            assertEquals(CONNECTIONS, socketsNamedTwice());
            // Idle: the dups are given back, the connections stay open.
            assertEquals(0, awaitSocketsNamedTwice(0));
            assertEquals(baseline + 2 * CONNECTIONS, OpenDescriptors.count(), "client + server socket each");

            // An idle connection that asks again takes a new dup, and its bytes are right.
            assertBody(clients.getFirst().exchange("GET /body.bin HTTP/1.1\r\nHost: a\r\n\r\n"));
            assertEquals(1, socketsNamedTwice());
            assertEquals(0, awaitSocketsNamedTwice(0));
        } finally {
            for (RawHttp client : clients) {
                client.close();
            }
        }
        int after = OpenDescriptors.awaitAtMost(baseline, 5_000);
        assertEquals(baseline, after, "descriptors after the clients closed");
    }

    private void assertBody(Response response) {
        assertEquals(200, response.status(), response.toString());
        assertArrayEquals(body, response.body());
    }

    /** Socket inodes that two or more of this JVM's descriptors name. */
    private static int socketsNamedTwice() throws IOException {
        Map<String, Integer> names = new HashMap<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException closedMeanwhile) {
                    continue;
                }
                if (target.startsWith("socket:")) {
                    names.merge(target, 1, Integer::sum);
                }
            }
        }
        return (int) names.values().stream().filter(n -> n > 1).count();
    }

    /** Waits up to 5 s for {@link #socketsNamedTwice} to be {@code expected}; returns the last count. */
    private static int awaitSocketsNamedTwice(int expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        int now = socketsNamedTwice();
        while (now != expected && System.nanoTime() < deadline) {
            Thread.sleep(50);
            now = socketsNamedTwice();
        }
        return now;
    }
}
