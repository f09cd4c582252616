package dev.zeroedge.http;

import io.netty.handler.codec.DateFormatter;

import java.util.Date;

/**
 * The Date header value, formatted at most once per second: every response carries it, and
 * formatting a date per request is measurable work at 100k requests/s.
 */
final class HttpDate {

    private static volatile Cached cached = new Cached(-1, "");

    private record Cached(long second, String text) {
    }

    private HttpDate() {
    }

    static String now() {
        long millis = System.currentTimeMillis();
        long second = millis / 1000;
        Cached current = cached;
        if (current.second != second) {
            current = new Cached(second, DateFormatter.format(new Date(second * 1000)));
            cached = current;
        }
        return current.text;
    }
}
