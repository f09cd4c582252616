package dev.zeroedge.transport.epoll;

import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.testing.RawHttp;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No lone head packet: a 1 KiB response leaves as one TCP segment, head and body together, in every mode
 * (sendfile corks around its two syscalls; mmap and copy write both in one writev). Counted by the kernel:
 * {@code segs_out} of the server's socket, read with {@code ss -ti} after 50 keep-alive responses.
 * Without the cork, epoll-sendfile sends 2 segments per response here.
 */
class HeadAndBodyShareASegmentTest {

    private static final int RESPONSES = 50;

    @TempDir
    Path root;

    @ParameterizedTest
    @ValueSource(strings = {"epoll-sendfile", "epoll-mmap", "epoll-copy"})
    void smallResponseIsOneSegment(String mode) throws Exception {
        byte[] small = new byte[1024];
        new Random(7).nextBytes(small);
        Files.write(root.resolve("1k.bin"), small);
        ZeroedgeServer server = EpollModes.start(mode, root, config -> config);
        try (RawHttp client = new RawHttp(server.port())) {
            for (int i = 0; i < RESPONSES; i++) {
                assertArrayEquals(small, client.exchange("GET /1k.bin HTTP/1.1\r\nHost: t\r\n\r\n").body());
            }
            long segments = serverSegmentsOut(server.port(), client.socket().getLocalPort());
            // SYN-ACK + one per response; a lone head would make it about 2 per response.
            assertTrue(segments <= RESPONSES + 5, segments + " segments for " + RESPONSES + " responses");
        } finally {
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    private static long serverSegmentsOut(int serverPort, int clientPort) throws IOException, InterruptedException {
        Process ss = new ProcessBuilder("ss", "-tin", "sport = :" + serverPort + " and dport = :" + clientPort)
                .redirectErrorStream(true).start();
        String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        ss.waitFor();
        Matcher segs = Pattern.compile("\\bsegs_out:(\\d+)").matcher(out);
        assertTrue(segs.find(), "no segs_out in: " + out);
        return Long.parseLong(segs.group(1));
    }
}
