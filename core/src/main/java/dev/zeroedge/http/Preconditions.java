package dev.zeroedge.http;

import dev.zeroedge.content.Description;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.Date;

/**
 * Conditional requests, evaluated in the order of RFC 9110 §13.2.2: If-Match, If-Unmodified-Since,
 * If-None-Match, If-Modified-Since; and If-Range, which decides only whether a Range is honoured.
 * Pure functions of the headers and the file's validators. The tag lists may come on several lines, which
 * read as one list; a date or If-Range on more than one line is invalid ({@link FieldLines}).
 */
public final class Preconditions {

    /**
     * What the conditions ask for: send with any Range honoured, send the whole representation (If-Range did
     * not match, so the Range is ignored), 304, or 412.
     */
    public enum Outcome { SEND_RANGES, SEND_WHOLE, NOT_MODIFIED, PRECONDITION_FAILED }

    private Preconditions() {
    }

    /** Every condition of the request, in the order of §13.2.2, against {@code representation}'s validators. */
    public static Outcome evaluate(boolean getOrHead, HttpHeaders headers, Description representation) {
        Outcome outcome = conditions(getOrHead, headers, representation);
        if (outcome != Outcome.SEND_RANGES) {
            return outcome;
        }
        return rangeAllowed(headers, representation) ? Outcome.SEND_RANGES : Outcome.SEND_WHOLE;
    }

    private static Outcome conditions(boolean getOrHead, HttpHeaders headers, Description file) {
        String ifMatch = FieldLines.list(headers, HttpHeaderNames.IF_MATCH);
        if (ifMatch != null) {
            if (!matches(ifMatch, file.etag(), true)) {
                return Outcome.PRECONDITION_FAILED;
            }
        } else {
            // Two lines of it "appear to be a list of dates", which §13.1.4 says to ignore.
            Long since = date(FieldLines.single(headers, HttpHeaderNames.IF_UNMODIFIED_SINCE));
            // Without a modification date the field is ignored (§13.1.4).
            if (since != null && file.lastModifiedSeconds() >= 0 && file.lastModifiedSeconds() > since) {
                return Outcome.PRECONDITION_FAILED;
            }
        }
        String ifNoneMatch = FieldLines.list(headers, HttpHeaderNames.IF_NONE_MATCH);
        if (ifNoneMatch != null) {
            if (matches(ifNoneMatch, file.etag(), false)) {
                return getOrHead ? Outcome.NOT_MODIFIED : Outcome.PRECONDITION_FAILED;
            }
        } else if (getOrHead) {
            // Ignored with more than one member (§13.1.3), so on more than one line.
            Long since = date(FieldLines.single(headers, HttpHeaderNames.IF_MODIFIED_SINCE));
            if (since != null && file.lastModifiedSeconds() >= 0 && file.lastModifiedSeconds() <= since) {
                return Outcome.NOT_MODIFIED;
            }
        }
        return Outcome.SEND_RANGES;
    }

    /**
     * Whether a Range may be honoured: true without If-Range; with it, only when it holds the current
     * strong ETag or exactly the Last-Modified date (§13.1.5; a weak tag never matches). On two lines it is
     * no one validator, so it cannot match and the Range is ignored: the whole file is the safe answer.
     */
    private static boolean rangeAllowed(HttpHeaders headers, Description file) {
        if (!headers.contains(HttpHeaderNames.IF_RANGE)) {
            return true;
        }
        String ifRange = FieldLines.single(headers, HttpHeaderNames.IF_RANGE);
        if (ifRange == null) {
            return false;
        }
        String value = ifRange.trim();
        if (value.startsWith("\"") || value.startsWith("W/")) {
            return value.equals(file.etag());
        }
        Long date = date(value);
        return date != null && file.lastModifiedSeconds() >= 0 && date == file.lastModifiedSeconds();
    }

    /**
     * Whether a list of entity tags (or "*") holds {@code etag}. Strong comparison (If-Match) rejects
     * weak tags; weak comparison (If-None-Match) ignores the W/ prefix. The file's own tag is strong.
     */
    static boolean matches(String list, String etag, boolean strong) {
        String trimmed = list.trim();
        if (trimmed.equals("*")) {
            return true;
        }
        if (etag == null) {
            return false;
        }
        int at = 0;
        int n = list.length();
        while (at < n) {
            while (at < n && (list.charAt(at) == ' ' || list.charAt(at) == '\t' || list.charAt(at) == ',')) {
                at++;
            }
            if (at >= n) {
                break;
            }
            boolean weak = list.startsWith("W/", at);
            if (weak) {
                at += 2;
            }
            if (at >= n || list.charAt(at) != '"') {
                return false;
            }
            int close = list.indexOf('"', at + 1);
            if (close < 0) {
                return false;
            }
            if ((!weak || !strong) && list.regionMatches(at, etag, 0, etag.length()) && close + 1 == at + etag.length()) {
                return true;
            }
            at = close + 1;
        }
        return false;
    }

    /** An HTTP-date in epoch seconds, or null when absent or not a valid date (then it is ignored). */
    private static Long date(String value) {
        if (value == null) {
            return null;
        }
        Date parsed = DateFormatter.parseHttpDate(value);
        return parsed == null ? null : parsed.getTime() / 1000;
    }
}
