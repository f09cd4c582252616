package dev.zeroedge.loadtest;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResponseScannerTest {

    private static final String HEAD = "HTTP/1.1 206 Partial Content\r\n"
            + "Date: Thu, 26 Nov 2026 17:00:00 GMT\r\n"
            + "content-LENGTH: 1048576\r\n"
            + "Content-Range: bytes 0-1048575/1073741824\r\n"
            + "Connection: keep-alive, Close\r\n"
            + "\r\n";

    /** Feeds the head in pieces of {@code piece} bytes; returns the index just after the head, or -1. */
    private static int scan(ResponseScanner scanner, String text, int piece) {
        ByteBuf buf = Unpooled.copiedBuffer(text + "BODY", StandardCharsets.US_ASCII);
        try {
            for (int from = 0; from < buf.writerIndex(); from += piece) {
                int end = buf.forEachByte(from, Math.min(piece, buf.writerIndex() - from), scanner);
                if (end >= 0) {
                    return end + 1;
                }
            }
            return -1;
        } finally {
            buf.release();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 7, 31, 4096})
    void readsStatusLengthAndCloseHoweverTheHeadIsSplit(int piece) {
        ResponseScanner scanner = new ResponseScanner();
        assertEquals(HEAD.length(), scan(scanner, HEAD, piece));
        assertTrue(scanner.done());
        assertNull(scanner.malformed());
        assertEquals(206, scanner.status());
        assertEquals(1_048_576, scanner.contentLength());
        assertTrue(scanner.close());
    }

    @Test
    void resetReadsTheNextResponse() {
        ResponseScanner scanner = new ResponseScanner();
        scan(scanner, HEAD, 5);
        scanner.reset();
        String next = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Connection: close\r\nContent-Lengthy: 9\r\n\r\n";
        assertEquals(next.length(), scan(scanner, next, 3));
        assertEquals(200, scanner.status());
        assertEquals(0, scanner.contentLength());
        assertFalse(scanner.close(), "X-Connection is not Connection");
    }

    @Test
    void aHeadWithoutContentLengthSaysSo() {
        ResponseScanner scanner = new ResponseScanner();
        scan(scanner, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 100);
        assertEquals(-1, scanner.contentLength());
        assertNull(scanner.malformed());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "HTTX/1.1 200 OK\r\n\r\n",
            "HTTP/1.1 2x0 OK\r\n\r\n",
            "HTTP/1.1\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
            "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
            "HTTP/1.1 200 OK\r\n\rX",
    })
    void malformedHeadsAreRecognised(String head) {
        ResponseScanner scanner = new ResponseScanner();
        scan(scanner, head, 3);
        assertTrue(scanner.done());
        assertTrue(scanner.malformed() != null, head);
    }

    @Test
    void anEndlessHeadIsCutOff() {
        ResponseScanner scanner = new ResponseScanner();
        String head = "HTTP/1.1 200 OK\r\n" + "X: y\r\n".repeat(ResponseScanner.MAX_HEAD / 6 + 1);
        scan(scanner, head, 1000);
        assertEquals("head longer than 65536 bytes", scanner.malformed());
    }
}
