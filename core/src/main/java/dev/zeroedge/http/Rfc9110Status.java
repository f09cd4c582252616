package dev.zeroedge.http;

import io.netty.handler.codec.http.HttpResponseStatus;

/** Statuses whose reason phrase RFC 9110 renamed; Netty still carries the RFC 7231 wording. */
final class Rfc9110Status {

    static final HttpResponseStatus CONTENT_TOO_LARGE = new HttpResponseStatus(413, "Content Too Large");
    static final HttpResponseStatus URI_TOO_LONG = new HttpResponseStatus(414, "URI Too Long");
    static final HttpResponseStatus RANGE_NOT_SATISFIABLE = new HttpResponseStatus(416, "Range Not Satisfiable");

    private Rfc9110Status() {
    }
}
