package dev.zeroedge.cache;

import io.netty.handler.codec.http.HttpHeaders;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The fields that belong to one connection and are never forwarded, either way (RFC 9110 §7.6.1): the fixed
 * hop-by-hop set, and every field the message's own {@code Connection} names.
 */
final class HopByHop {

    private static final Set<String> ALWAYS = Set.of("connection", "keep-alive", "proxy-connection", "te",
            "trailer", "transfer-encoding", "upgrade", "proxy-authenticate", "proxy-authorization");

    private HopByHop() {
    }

    /** The lower-case names of {@code headers} that stay on this hop. */
    static Set<String> of(HttpHeaders headers) {
        Set<String> names = new HashSet<>(ALWAYS);
        for (String line : headers.getAll("Connection")) {
            for (String token : line.split(",")) {
                String name = token.trim().toLowerCase(Locale.ROOT);
                if (!name.isEmpty()) {
                    names.add(name);
                }
            }
        }
        return names;
    }
}
