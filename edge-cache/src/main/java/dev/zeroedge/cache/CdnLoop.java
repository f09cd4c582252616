package dev.zeroedge.cache;

import io.netty.handler.codec.http.HttpHeaders;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code CDN-Loop} field (RFC 8586) with this node's own id: every request this node sends up (to a parent or
 * an origin) carries the ids of the nodes it came through and this one's appended; a request that arrives with
 * this node's id has been here before, so its answer would be asked of itself again: it is refused with
 * {@code 508 Loop Detected} (RFC 5842's status, which says exactly that and tells an operator more than a 502).
 * A loop through a node that is no zeroedge ends too, if that node keeps the field, as RFC 8586 asks.
 *
 * <p>{@code Via} cannot do this: every zeroedge writes the same {@code 1.1 zeroedge}. The id is
 * {@code --cdn-id}; by default {@code HOSTNAME:PORT} (the machine's name and the serving port: RFC 8586's
 * {@code uri-host [":" port]} form), so that nodes on one machine differ.
 *
 * @param id this node's cdn-id
 */
public record CdnLoop(String id) {

    public static final String FIELD = "CDN-Loop";

    public CdnLoop {
        if (id == null || id.isEmpty() || !id.matches("[A-Za-z0-9!#$%&'*+.^_`|~\\-:\\[\\]]+")) {
            throw new IllegalArgumentException("a cdn-id is a host[:port] or a token (letters, digits, -._~:):"
                    + " " + id);
        }
    }

    /**
     * {@code --cdn-id}'s default: this machine's host name and the serving port ({@code edge7.example:8080}), so
     * that nodes on one machine differ ({@code --port 0}: the name and the process id, {@code edge7.example-4242}); the name is the JDK's (the kernel's host name when it has no other).
     */
    public static CdnLoop ofThisMachine(int port) {
        String name;
        try {
            name = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            name = "localhost";
        }
        // A port picked by the kernel (0) is not known yet: the process id tells nodes on one machine apart.
        return new CdnLoop(port == 0 ? name + "-" + ProcessHandle.current().pid() : name + ":" + port);
    }

    /** A cache opened without a node id of its own (tests, embedding): one id per process and cache. */
    static CdnLoop ofThisProcess() {
        return new CdnLoop("zeroedge-" + ProcessHandle.current().pid() + "-" + OPENED.incrementAndGet());
    }

    private static final AtomicLong OPENED = new AtomicLong();

    /** Whether {@code headers}' CDN-Loop names this node: the request has come round. */
    public boolean loops(HttpHeaders headers) {
        for (String value : headers.getAll(FIELD)) {
            for (String member : value.split(",")) {
                int parameters = member.indexOf(';');
                String cdn = (parameters < 0 ? member : member.substring(0, parameters)).trim();
                if (cdn.equalsIgnoreCase(id)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Sets {@code to}'s CDN-Loop to {@code from}'s (null: none) with this node's id after them. */
    void extend(HttpHeaders from, HttpHeaders to) {
        List<String> before = from == null ? List.of() : from.getAll(FIELD);
        String joined = String.join(", ", before);
        to.set(FIELD, joined.isEmpty() ? id : joined + ", " + id);
    }
}
