package dev.zeroedge.http;

import java.time.Duration;

/**
 * The bounds a connection lives within. Each has a command-line flag; the defaults follow what edge
 * servers ship with (nginx: 8 KiB request line buffer, 60 s keep-alive, 60 s {@code send_timeout}).
 *
 * @param maxRequestLine      longest request line, CRLF excluded (over it: 414)
 * @param maxHeaderSection    bytes of all header lines together (over it: 431)
 * @param maxHeaders          number of header fields (over it: 431)
 * @param headerTimeout       time for a whole request head once its first byte arrived (then 408 and close)
 * @param idleTimeout         keep-alive idle time without a request
 * @param sendTimeout         the longest a response may make no progress, that is the kernel takes not one
 *                            byte of it, because the client does not read (then the connection closes). A
 *                            slow client that keeps reading is never cut off, however long its download
 * @param maxConnections      open client connections; one more is answered 503 and closed
 * @param maxPipelined        requests read ahead of their responses before reading pauses
 */
public record HttpLimits(int maxRequestLine, int maxHeaderSection, int maxHeaders, Duration headerTimeout,
                         Duration idleTimeout, Duration sendTimeout, int maxConnections, int maxPipelined) {

    public static final HttpLimits DEFAULTS = new HttpLimits(
            8 * 1024, 16 * 1024, 100, Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(60),
            10_000, 16);

    public HttpLimits {
        positive("maxRequestLine", maxRequestLine);
        positive("maxHeaderSection", maxHeaderSection);
        positive("maxHeaders", maxHeaders);
        positive("maxConnections", maxConnections);
        positive("maxPipelined", maxPipelined);
        for (Duration timeout : new Duration[] {headerTimeout, idleTimeout, sendTimeout}) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive");
            }
        }
    }

    public HttpLimits withTimeouts(Duration header, Duration idle) {
        return new HttpLimits(maxRequestLine, maxHeaderSection, maxHeaders, header, idle, sendTimeout, maxConnections,
                maxPipelined);
    }

    public HttpLimits withSendTimeout(Duration send) {
        return new HttpLimits(maxRequestLine, maxHeaderSection, maxHeaders, headerTimeout, idleTimeout, send,
                maxConnections, maxPipelined);
    }

    public HttpLimits withMaxConnections(int connections) {
        return new HttpLimits(maxRequestLine, maxHeaderSection, maxHeaders, headerTimeout, idleTimeout, sendTimeout,
                connections, maxPipelined);
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
    }
}
