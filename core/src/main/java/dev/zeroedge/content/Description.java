package dev.zeroedge.content;

import io.netty.handler.codec.http.HttpResponseStatus;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What the head of a response for one representation says about it, worked out once per version of the
 * content and shared by every response: media type, length, validators (a strong ETag and Last-Modified,
 * either may be absent) and the source's own fields (a cache's Age or Cache-Control, a test source's
 * marker), with the validator and extra field lines already encoded, so a hot file's head costs no
 * formatting.
 *
 * @param lastModifiedSeconds Last-Modified in epoch seconds (its resolution), or -1 when there is none:
 *                            date conditions are then ignored, as RFC 9110 §13.1.3-4 says
 * @param length              the representation's length, or -1 while it is not known (a body still growing
 *                            whose end is not announced: it goes out chunked to HTTP/1.1, close-delimited to
 *                            HTTP/1.0, and ranges are ignored)
 * @param status              the status of the response that sends it: 200 for a file of the document root; a
 *                            cache relays and stores others too (a 404 or 301 with the origin's body, a 204
 *                            without one). Conditionals and ranges apply to a 200 only (RFC 9110 §13.2.1, §14.2):
 *                            any other status is sent as it is, with its whole body
 */
public record Description(String type, long length, String etag, String lastModified, long lastModifiedSeconds,
                          byte[] validatorLines, byte[] extraLines, HttpResponseStatus status) {

    /**
     * @param etag         a strong entity tag with its quotes, or null
     * @param lastModified an HTTP-date, or null
     * @param extra        further response fields, in order (names and values as they go on the wire)
     */
    public static Description of(String type, long length, String etag, String lastModified, long lastModifiedSeconds,
                                 Map<String, String> extra) {
        if (length < -1) {
            throw new IllegalArgumentException("length must be -1 (not known) or more: " + length);
        }
        for (String value : new String[] {type, etag, lastModified}) {
            if (value != null && !printable(value, true)) {
                throw new IllegalArgumentException("not a field value: " + value);
            }
        }
        StringBuilder validators = new StringBuilder();
        if (lastModified != null) {
            validators.append("Last-Modified: ").append(lastModified).append("\r\n");
        }
        if (etag != null) {
            validators.append("ETag: ").append(etag).append("\r\n");
        }
        return new Description(type, length, etag, lastModified, lastModified == null ? -1 : lastModifiedSeconds,
                validators.toString().getBytes(StandardCharsets.ISO_8859_1), fieldLines(extra), HttpResponseStatus.OK);
    }

    /** This description for a response of {@code status} (one of the standard phrase: the head says it). */
    public Description withStatus(HttpResponseStatus status) {
        return new Description(type, length, etag, lastModified, lastModifiedSeconds, validatorLines, extraLines,
                HttpResponseStatus.valueOf(status.code()));
    }

    /** Whether a response of this status has no body at all (RFC 9110 §6.4.1: 1xx, 204, 304). */
    public boolean bodiless() {
        int code = status.code();
        return code < 200 || code == 204 || code == 304;
    }

    /**
     * Response fields as head lines ("Name: value" CRLF each, in order), checked: a source's field could come
     * from an origin, and it must never split the head it goes into.
     */
    public static byte[] fieldLines(Map<String, String> fields) {
        StringBuilder lines = new StringBuilder();
        fields.forEach((name, value) -> {
            if (!printable(name, false) || name.isEmpty() || name.indexOf(':') >= 0 || !printable(value, true)) {
                throw new IllegalArgumentException("not a response field: " + name);
            }
            lines.append(name).append(": ").append(value).append("\r\n");
        });
        return lines.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Visible ISO-8859-1 (and, in a value, spaces and tabs): no CR, LF, NUL or other control character. */
    private static boolean printable(String text, boolean value) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean blank = c == ' ' || c == '\t';
            if (c > 0xff || c == 0x7f || (c < 0x20 && !(value && blank)) || (!value && blank)) {
                return false;
            }
        }
        return true;
    }
}
