package dev.zeroedge.http;

import dev.zeroedge.content.ContentRequest;
import dev.zeroedge.content.RequestBody;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;

import java.net.SocketAddress;

/**
 * A request head that passed {@link RequestDecoder}'s checks.
 *
 * @param path      the path of the target, still percent-encoded, without query
 * @param query     the query without '?', or null
 * @param keepAlive whether the client lets the connection stay open after the response
 * @param hasBody   the request announced a body; unless the source reads it ({@code body}), the connection
 *                  closes after the response
 * @param mayBeConditional the head has a field named {@code If-*} or {@code Range}; without one there are no
 *                  preconditions or ranges to look up
 * @param client    the peer of the connection it came on (a cache names it to its origin in X-Forwarded-For)
 * @param body      the body, read as the source asks ({@link dev.zeroedge.content.ContentSource#acceptsBody}), or
 *                  null: none, or one that is not read
 */
public record Request(HttpMethod method, String target, String path, String query, HttpVersion version,
                      HttpHeaders headers, boolean keepAlive, boolean hasBody, boolean mayBeConditional,
                      SocketAddress client, RequestBody body)
        implements Inbound, ContentRequest {
}
