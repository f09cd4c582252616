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
 * @param maxRequestBody      the largest request body a source that reads bodies is handed (the edge cache's
 *                            uploads): a Content-Length over it is 413, a chunked body growing past it is cut
 *                            off (413 if nothing was answered yet) and its connection closed. 1 GiB by default:
 *                            an edge passes uploads on rather than serving them, so the bound is the origin's
 *                            business more than the edge's, yet one client must not stream forever
 */
public record HttpLimits(int maxRequestLine, int maxHeaderSection, int maxHeaders, Duration headerTimeout,
                         Duration idleTimeout, Duration sendTimeout, int maxConnections, int maxPipelined,
                         long maxRequestBody) {

    public static final long DEFAULT_MAX_REQUEST_BODY = 1L << 30;

    public static final HttpLimits DEFAULTS = new HttpLimits(
            8 * 1024, 16 * 1024, 100, Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(60),
            10_000, 16, DEFAULT_MAX_REQUEST_BODY);

    /** The limits with the default {@link #maxRequestBody}. */
    public HttpLimits(int maxRequestLine, int maxHeaderSection, int maxHeaders, Duration headerTimeout,
                      Duration idleTimeout, Duration sendTimeout, int maxConnections, int maxPipelined) {
        this(maxRequestLine, maxHeaderSection, maxHeaders, headerTimeout, idleTimeout, sendTimeout, maxConnections,
                maxPipelined, DEFAULT_MAX_REQUEST_BODY);
    }

    public HttpLimits {
        if (maxRequestBody < 0) {
            throw new IllegalArgumentException("maxRequestBody must not be negative: " + maxRequestBody);
        }
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
                maxPipelined, maxRequestBody);
    }

    public HttpLimits withSendTimeout(Duration send) {
        return new HttpLimits(maxRequestLine, maxHeaderSection, maxHeaders, headerTimeout, idleTimeout, send,
                maxConnections, maxPipelined, maxRequestBody);
    }

    public HttpLimits withMaxConnections(int connections) {
        return new HttpLimits(maxRequestLine, maxHeaderSection, maxHeaders, headerTimeout, idleTimeout, sendTimeout,
                connections, maxPipelined, maxRequestBody);
    }

    public HttpLimits withMaxRequestBody(long bytes) {
        return new HttpLimits(maxRequestLine, maxHeaderSection, maxHeaders, headerTimeout, idleTimeout, sendTimeout,
                maxConnections, maxPipelined, bytes);
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
    }
}
