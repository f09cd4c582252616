package dev.zeroedge.http;

import io.netty.handler.codec.http.HttpHeaders;

import java.util.List;

/**
 * How the lines of one field name read as one field (RFC 9110 §5.3). A list-valued field ({@code #rule}:
 * If-Match, If-None-Match, Connection) may come on several lines, which mean their values joined with ", ".
 * A singleton field (a date, If-Range, Range) on more than one line is invalid, and for the fields read
 * here the RFC's answer to an invalid one is to ignore it. Host and Content-Length are not read through
 * here: the decoder counts their lines and refuses a repeated one with 400.
 */
final class FieldLines {

    private FieldLines() {
    }

    /** A list-valued field: its lines joined with ", ", or null when it is absent. */
    static String list(HttpHeaders headers, CharSequence name) {
        String first = headers.get(name);
        if (first == null) {
            return null; // the usual case, and it costs no list
        }
        List<String> lines = headers.getAll(name);
        return lines.size() == 1 ? first : String.join(", ", lines);
    }

    /** A singleton field: its value, or null when it is absent or came on more than one line. */
    static String single(HttpHeaders headers, CharSequence name) {
        String first = headers.get(name);
        if (first == null) {
            return null;
        }
        return headers.getAll(name).size() == 1 ? first : null;
    }
}
