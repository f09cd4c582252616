package dev.zeroedge.loadtest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reload, as an operator sees it: a server JVM started from a config file carries a steady open-loop
 * 1 KiB load from this module's own generator and a 1 GiB download held in flight by a client reading through a
 * 32 KiB receive buffer only at the end; SIGHUP with a lower {@code max-connections}. Not one request of the load
 * fails, the connection past the new limit is refused with 503 at once, and the download arrives byte for byte.
 */
class ReloadUnderLoadTest {

    private static final int LOAD_CONNECTIONS = 4;

    @Test
    void aSighupUnderLoadChangesTheLimitForNewConnectionsAndDropsNothing(@TempDir Path dir) throws Exception {
        Path jar = Path.of(System.getProperty("zeroedge.server.jar", "../server/target/zeroedge.jar"));
        assertTrue(Files.isRegularFile(jar), jar + " is missing: build the server module first (mvn verify builds it)");
        Corpus corpus = new Corpus(dir.resolve("corpus"));
        corpus.ensure(List.of("1k", "1g"));
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Path config = dir.resolve("zeroedge.yaml");
        String base = "root: " + corpus.dir() + "\nbind: 127.0.0.1\nport: " + port + "\nmode: epoll-sendfile\n";
        write(config, base + "max-connections: 50\n");
        Path log = dir.resolve("server.log");
        try (ServerProcess server = ServerProcess.serve(jar, List.of("--config", config.toString()), "reload", log);
             LoadGenerator generator = new LoadGenerator(1);
             Socket download = new Socket()) {
            InetSocketAddress address = server.awaitReady(Duration.ofSeconds(30));
            download.setReceiveBufferSize(32 * 1024);
            download.connect(address);
            download.getOutputStream().write("GET /1g.bin HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream downloaded = download.getInputStream();
            String head = head(downloaded);
            assertTrue(head.startsWith("HTTP/1.1 200 OK\r\n") && head.contains("\r\nContent-Length: 1073741824\r\n"), head);

            Target target = new Target("reload", address, "/", server.pid());
            Workload oneK = Workload.parse("1k", Workload.DEFAULT_MIX, Workload.DEFAULT_RANGE_SIZE)
                    .prepare(corpus, target.hostHeader(), target.pathPrefix());
            try (LoadRun load = generator.start(target, oneK, 1000, LOAD_CONNECTIONS, Duration.ofSeconds(10), 1)) {
                Thread.sleep(1000); // the load's connections are open and busy
                CompletableFuture<Measurement> measured = CompletableFuture.supplyAsync(() -> {
                    try {
                        return load.measure(Duration.ofSeconds(6), null);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                Thread.sleep(1500);
                // The load's four, the download, and one more.
                write(config, base + "max-connections: 6\n");
                new ProcessBuilder("kill", "-HUP", Long.toString(server.pid())).start().waitFor();
                awaitLogged(log, "reload: max-connections 50 -> 6 applied to new connections");
                try (Socket sixth = new Socket("127.0.0.1", port)) {
                    sixth.getOutputStream().write("GET /1k.bin HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    assertTrue(head(sixth.getInputStream()).startsWith("HTTP/1.1 200 OK\r\n"), "one below the new limit");
                    try (Socket seventh = new Socket("127.0.0.1", port)) {
                        seventh.setSoTimeout(10_000);
                        assertTrue(head(seventh.getInputStream()).startsWith("HTTP/1.1 503 Service Unavailable\r\n"),
                                "one past the new limit");
                    }
                }
                Measurement m = measured.get(60, TimeUnit.SECONDS);
                assertEquals(0, m.errorCount(), "errors of the load through the reload: " + m.errorSummary());
                assertTrue(m.responses() >= 1000, "the load went on: " + m.responses() + " responses in 6 s");
            }
            // Only now the download is read: it stayed in flight through the reload.
            try (FileChannel expected = FileChannel.open(corpus.path("1g"))) {
                ByteBuffer want = ByteBuffer.allocate(1 << 20);
                for (long at = 0; at < expected.size(); at += want.capacity()) {
                    want.clear();
                    while (want.hasRemaining() && expected.read(want, at + want.position()) > 0) {
                        // the next MiB of the file
                    }
                    byte[] got = downloaded.readNBytes(want.position());
                    assertTrue(Arrays.equals(Arrays.copyOf(want.array(), want.position()), got),
                            "the download's MiB at " + at + " arrived byte for byte");
                }
            }
        }
    }

    private static String head(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed in the head: " + head.toString(StandardCharsets.ISO_8859_1));
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static void awaitLogged(Path log, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.readString(log).contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not logged: " + text + "\n" + Files.readString(log));
            }
            Thread.sleep(20);
        }
    }

    /** Replaces the file whole, as a deployment's rename does. */
    private static void write(Path file, String text) throws IOException {
        Path next = file.resolveSibling(file.getFileName() + ".next");
        Files.writeString(next, text);
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
