package dev.zeroedge.http;

import java.time.Duration;

/**
 * The bounds a connection lives within. Each has a command-line flag; the defaults follow what edge
 * servers ship with (nginx: 8 KiB request line buffer, 60 s keep-alive).
 *
 * @param maxRequestLine      longest request line, CRLF excluded (over it: 414)
 * @param maxHeaderSection    bytes of all header lines together (over it: 431)
 * @param maxHeaders          number of header fields (over it: 431)
 * @param headerTimeout       time for a whole request head once its first byte arrived (then 408 and close)
 * @param idleTimeout         keep-alive idle time without a request; also the longest a response may make
 *                            no progress because the client does not read
 * @param maxConnections      open client connections; one more is answered 503 and closed
 * @param maxPipelined        requests read ahead of their responses before reading pauses
 */
public record HttpLimits(int maxRequestLine, int maxHeaderSection, int maxHeaders, Duration headerTimeout,
                         Duration idleTimeout, int maxConnections, int maxPipelined) {

    public static final HttpLimits DEFAULTS = new HttpLimits(
            8 * 1024, 16 * 1024, 100, Duration.ofSeconds(10), Duration.ofSeconds(60), 10_000, 16);

    public HttpLimits {
        positive("maxRequestLine", maxRequestLine);
        positive("maxHeaderSection", maxHeaderSection);
        positive("maxHeaders", maxHeaders);
        positive("maxConnections", maxConnections);
        positive("maxPipelined", maxPipelined);
        if (headerTimeout.isNegative() || headerTimeout.isZero() || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
    }

    public HttpLimits withTimeouts(Duration header, Duration idle) {
        return new HttpLimits(maxRequestLine, maxHeaderSection, maxHeaders, header, idle, maxConnections, maxPipelined);
    }

    public HttpLimits withMaxConnections(int connections) {
        return new HttpLimits(maxRequestLine, maxHeaderSection, maxHeaders, headerTimeout, idleTimeout, connections,
                maxPipelined);
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
    }
}
