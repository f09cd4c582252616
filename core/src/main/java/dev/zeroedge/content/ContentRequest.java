package dev.zeroedge.content;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;

import java.net.SocketAddress;

/**
 * What a source is asked: a request head that passed the decoder's checks, GET or HEAD, or another method the
 * source {@linkplain ContentSource#takes takes}.
 */
public interface ContentRequest {

    /** GET unless the request says otherwise. */
    default HttpMethod method() {
        return HttpMethod.GET;
    }

    /** The path of the target, still percent-encoded, without query. */
    String path();

    /** The query without '?', or null. */
    String query();

    HttpHeaders headers();

    /** The peer that asked (an origin is told it in X-Forwarded-For), or null when unknown. */
    SocketAddress client();

    /** The request's body, read as the source asks for it; null when it has none or the source takes none. */
    default RequestBody body() {
        return null;
    }
}
