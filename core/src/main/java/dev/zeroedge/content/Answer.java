package dev.zeroedge.content;

import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.Map;

/** A source's answer to a request: something to send (from a file, or relayed), or a status that says why not. */
public sealed interface Answer permits Representation, Relay, Answer.Status {

    /**
     * A response without a representation: 404, 403, 400, a 301 with its {@code Location}, a 503 with
     * {@code Retry-After}. {@code reason} is a fixed phrase of the server's, never an echo of the request;
     * {@code close}: the connection closes after it (the server's own trouble, e.g. no descriptor left);
     * {@code fields}: further head lines of the source's, encoded ({@link Description#fieldLines}), e.g. a cache's
     * Age and Cache-Status; empty for most.
     */
    record Status(HttpResponseStatus status, String reason, String fieldName, String fieldValue, boolean close,
                  byte[] fields) implements Answer {

        private static final byte[] NO_FIELDS = new byte[0];

        public Status(HttpResponseStatus status, String reason, String fieldName, String fieldValue, boolean close) {
            this(status, reason, fieldName, fieldValue, close, NO_FIELDS);
        }

        /** This status with the source's own {@code fields} (names and values as they go on the wire). */
        public Status with(Map<String, String> extra) {
            return new Status(status, reason, fieldName, fieldValue, close, Description.fieldLines(extra));
        }

        public static Status of(HttpResponseStatus status) {
            return new Status(status, null, null, null, false);
        }

        public static Status because(HttpResponseStatus status, String reason) {
            return new Status(status, reason, null, null, false);
        }

        /**
         * 301 to {@code path} (already encoded, one leading '/'), with the request's {@code query} (or null)
         * re-encoded: nothing of the request is echoed as it came.
         */
        public static Status redirect(String path, String query) {
            String location = query == null ? path : path + "?" + QueryText.reencode(query);
            return new Status(HttpResponseStatus.MOVED_PERMANENTLY, null, "Location", location, false);
        }

        /** 503 with Retry-After: 1. */
        public static Status busy(String reason, boolean close) {
            return new Status(HttpResponseStatus.SERVICE_UNAVAILABLE, reason, "Retry-After", "1", close);
        }
    }
}
