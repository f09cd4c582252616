package dev.zeroedge.http;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * A request the decoder refused: answered with {@code status} and a short plain-text reason, then the
 * connection is closed, because after malformed framing nothing later on the stream can be trusted.
 */
public record Rejection(HttpResponseStatus status, String reason) implements Inbound {
}
