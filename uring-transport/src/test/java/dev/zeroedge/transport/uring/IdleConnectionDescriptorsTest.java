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
 * What a connection costs in descriptors on {@code uring-splice}: its socket, and only while a slice is on
 * its way also the splice stream's own dup of the socket (see {@code SpliceStream.takeSocket}) and a pipe.
 * A server socket and its dup name the same socket inode, so "sockets named by two descriptors" counts
 * exactly the dups held; client and server share this JVM, but a client socket is a different inode with
 * one descriptor.
 */
class IdleConnectionDescriptorsTest {

    private static final int CONNECTIONS = 20;
    private static final int BIG = 8 * 1024 * 1024;

    @TempDir
    Path root;

    private byte[] body;
    private byte[] big;
    private ZeroedgeServer server;

    @BeforeEach
    void start() throws IOException {
        body = new byte[64 * 1024];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 31 + (i >>> 8));
        }
        Files.write(root.resolve("body.bin"), body);
        big = new byte[BIG];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i ^ (i >>> 13));
        }
        Files.write(root.resolve("big.bin"), big);
        server = ZeroedgeServer.start(ServerConfig.of(root, new InetSocketAddress("127.0.0.1", 0))
                .withEventLoops(1).withGracePeriod(Duration.ofSeconds(1)), new UringSpliceTransport());
    }

    @AfterEach
    void stop() {
        server.shutdown(Duration.ofSeconds(1));
    }

    @Test
    void answeredConnectionsHoldOnlyTheirSocket() throws Exception {
        // One exchange first: the loop's pipe pool and the open-file cache then hold what they will hold.
        try (RawHttp warm = new RawHttp(server.port())) {
            assertEquals(200, warm.exchange("GET /body.bin HTTP/1.1\r\nHost: a\r\n\r\n").status());
        }
        assertEquals(0, awaitSocketsNamedTwice(0));
        // The server closes its end of the warm connection a moment after the client does: count after that.
        assertEquals(0, awaitNoConnections(), "the warm connection is closed on the server too");
        int baseline = OpenDescriptors.count();

        List<RawHttp> clients = new ArrayList<>();
        try {
            for (int i = 0; i < CONNECTIONS; i++) {
                RawHttp client = new RawHttp(server.port());
                clients.add(client);
                Response response = client.exchange("GET /body.bin HTTP/1.1\r\nHost: a\r\n\r\n");
                assertEquals(200, response.status(), response.toString());
                assertArrayEquals(body, response.body());
            }
            assertEquals(0, awaitSocketsNamedTwice(0), "dups held by answered connections");
            assertEquals(baseline + 2 * CONNECTIONS, OpenDescriptors.count(), "client + server socket each");
        } finally {
            for (RawHttp client : clients) {
                client.close();
            }
        }
        assertEquals(baseline, OpenDescriptors.awaitAtMost(baseline, 5_000), "descriptors after the clients closed");
    }

    @Test
    void aSliceOnItsWayHoldsTheDupUntilItIsOut() throws Exception {
        try (RawHttp slow = new RawHttp(server.port())) {
            slow.socket().setReceiveBufferSize(64 * 1024);
            slow.send("GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals(200, slow.readHead().status());
            // The client does not read: the slice stays on its way, spliced into our dup of the socket.
            assertEquals(1, awaitSocketsNamedTwice(1));
            byte[] received = slow.input().readNBytes(BIG);
            assertArrayEquals(big, received);
            assertEquals(0, awaitSocketsNamedTwice(0));
            // The same connection sends again with a new dup, and its bytes are right.
            assertArrayEquals(body, slow.exchange("GET /body.bin HTTP/1.1\r\nHost: a\r\n\r\n").body());
            assertEquals(0, awaitSocketsNamedTwice(0));
        }
    }

    /** Waits up to 5 s for the server to hold no client connection; returns how many it still holds. */
    private int awaitNoConnections() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (server.openConnections() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return server.openConnections();
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
            Thread.sleep(20);
            now = socketsNamedTwice();
        }
        return now;
    }
}
