package dev.zeroedge.accesslog;

import dev.zeroedge.http.Exchange;
import dev.zeroedge.http.Request;

import java.net.SocketAddress;

/**
 * What a line needs, copied off the connection's {@link Exchange} on the event loop (which reuses it): the
 * request itself is immutable once decoded, so its fields are read on the writer thread, not the loop.
 */
record LogEntry(SocketAddress peer, Request request, long startMillis, long nanos, int status, long bodyBytes,
                long bytesSent, long zeroCopyBytes, boolean complete) {

    static LogEntry of(Exchange exchange) {
        return new LogEntry(exchange.peer(), exchange.request(), exchange.startMillis(), exchange.nanos(),
                exchange.status(), exchange.bodyBytes(), exchange.bytesSent(), exchange.zeroCopyBytes(),
                exchange.complete());
    }

    String referer() {
        return request == null ? null : request.headers().get("Referer");
    }

    String userAgent() {
        return request == null ? null : request.headers().get("User-Agent");
    }
}
