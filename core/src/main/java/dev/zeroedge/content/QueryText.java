package dev.zeroedge.content;

/** A request's query as a redirect's Location may carry it again. */
final class QueryText {

    /** RFC 3986 query: pchar (unreserved, sub-delims, ':', '@'), '/' and '?'; '%' only as part of an escape. */
    private static final boolean[] QUERY_CHAR = new boolean[128];
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    static {
        for (char c : ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" + "-._~!$&'()*+,;=:@/?")
                .toCharArray()) {
            QUERY_CHAR[c] = true;
        }
    }

    private QueryText() {
    }

    /**
     * Query characters and well-formed escapes (%2F among them) stay as they came, anything else the target
     * let through ('"', '<', '{', a backslash, a stray '%', ...) is percent-encoded. The decoder let only
     * visible US-ASCII through, so every char is one byte.
     */
    static String reencode(String query) {
        StringBuilder out = new StringBuilder(query.length() + 16);
        for (int i = 0; i < query.length(); i++) {
            char c = query.charAt(i);
            if (c < 128 && (QUERY_CHAR[c] || (c == '%' && isEscape(query, i)))) {
                out.append(c);
            } else {
                out.append('%').append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
            }
        }
        return out.toString();
    }

    /** Whether {@code text} holds "%" HEXDIG HEXDIG at {@code at}. */
    private static boolean isEscape(String text, int at) {
        return at + 2 < text.length() && Character.digit(text.charAt(at + 1), 16) >= 0
                && Character.digit(text.charAt(at + 2), 16) >= 0;
    }
}
