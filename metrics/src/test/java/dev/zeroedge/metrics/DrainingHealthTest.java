package dev.zeroedge.metrics;

import dev.zeroedge.mode.Mode;
import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.testing.LeakRecorder;
import dev.zeroedge.testing.RawHttp;
import dev.zeroedge.testing.RawHttp.Response;
import dev.zeroedge.transport.Transports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code /healthz} says 200 while the server serves and 503 from the moment shutdown begins, while a download
 * is still in flight (a balancer stops sending new clients before the listener goes away), and the download
 * still completes.
 */
class DrainingHealthTest {

    private static final long SIZE = 16L * 1024 * 1024;

    @TempDir
    Path root;

    @Test
    void healthzIs200WhileServingAnd503WhileDraining() throws Exception {
        try (RandomAccessFile file = new RandomAccessFile(root.resolve("big.bin").toFile(), "rw")) {
            file.setLength(SIZE);
        }
        ServerConfig config = ServerConfig.of(root, new InetSocketAddress("127.0.0.1", 0)).withEventLoops(1);
        ServerMetrics metrics = new ServerMetrics();
        ZeroedgeServer server = ZeroedgeServer.start(config, Transports.load().require(Mode.EPOLL_SENDFILE),
                ZeroedgeServer::documentRoot, metrics.observer());
        metrics.serving(server, "asked for by name");
        AdminListener admin = AdminListener.start(new InetSocketAddress("127.0.0.1", 0), server, metrics, () -> "{}");
        int adminPort = admin.address().getPort();
        assertEquals("HTTP/1.1 200 OK serving\n", health(adminPort));

        CompletableFuture<Void> stopped;
        try (RawHttp download = new RawHttp(server.port(), 64 * 1024)) {
            download.send("GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
            InputStream in = download.input();
            byte[] start = in.readNBytes(1024);
            int headEnd = new String(start, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("\r\n\r\n") + 4;
            // Not reading on: the download stays in flight, so the drain waits for it.
            stopped = CompletableFuture.runAsync(() -> server.shutdown(Duration.ofSeconds(20)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            String answer = health(adminPort);
            while (!answer.startsWith("HTTP/1.1 503") && System.nanoTime() < deadline) {
                Thread.sleep(10);
                answer = health(adminPort);
            }
            assertEquals("HTTP/1.1 503 Service Unavailable draining\n", answer);
            long rest = start.length - headEnd;
            byte[] buffer = new byte[64 * 1024];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                rest += n;
            }
            assertEquals(SIZE, rest, "the download completed while draining");
        }
        stopped.get(30, TimeUnit.SECONDS);
        admin.close();
        assertEquals(List.of(), LeakRecorder.collect(), "Netty buffers leaked");
    }

    private static String health(int port) throws Exception {
        try (RawHttp http = new RawHttp(port)) {
            Response r = http.exchange("GET /healthz HTTP/1.1\r\nHost: admin\r\n\r\n");
            return r.statusLine() + " " + r.bodyText();
        }
    }
}
