package dev.zeroedge.http;

/** The character classes of RFC 9110 §5.6 and RFC 3986 that the request decoder checks against. */
final class Tokens {

    private static final boolean[] TCHAR = new boolean[128];
    private static final boolean[] HOST_CHAR = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
            HOST_CHAR[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[Character.toUpperCase(c)] = true;
            HOST_CHAR[c] = true;
            HOST_CHAR[Character.toUpperCase(c)] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
        for (char c : "-._~!$&'()*+,;=:%[]".toCharArray()) {
            HOST_CHAR[c] = true;
        }
    }

    private Tokens() {
    }

    static boolean isTokenChar(byte b) {
        return b >= 0 && TCHAR[b];
    }

    static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 128 || !TCHAR[c]) {
                return false;
            }
        }
        return true;
    }

    /** A request target may hold only visible US-ASCII: anything else must arrive percent-encoded. */
    static boolean isTargetText(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** uri-host [ ":" port ]; empty is allowed (RFC 9112 §3.2: a target without authority). */
    static boolean isHost(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 128 || !HOST_CHAR[c]) {
                return false;
            }
        }
        return true;
    }

    /** 1*DIGIT, at most 18 digits so it fits a long; -1 when invalid. */
    static long parseContentLength(String s) {
        return s.length() > 18 ? -1 : digits(s);
    }

    /** 1*DIGIT, saturating at Long.MAX_VALUE (so thousands of digits are "very large", never an overflow); -1 when empty or not all digits. */
    static long digits(String text) {
        if (text.isEmpty()) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            if (value > (Long.MAX_VALUE - (c - '0')) / 10) {
                value = Long.MAX_VALUE;
            } else if (value != Long.MAX_VALUE) {
                value = value * 10 + (c - '0');
            }
        }
        return value;
    }

    /** The path (and query) of an absolute-form target "http://authority/path?query", or null. */
    static String pathOfAbsoluteForm(String target) {
        int schemeEnd = target.indexOf("://");
        if (schemeEnd <= 0) {
            return null;
        }
        String scheme = target.substring(0, schemeEnd);
        if (!scheme.equalsIgnoreCase("http") && !scheme.equalsIgnoreCase("https")) {
            return null;
        }
        int pathStart = schemeEnd + 3;
        int end = pathStart;
        while (end < target.length() && target.charAt(end) != '/' && target.charAt(end) != '?') {
            end++;
        }
        if (end == pathStart) {
            return null;
        }
        if (end == target.length()) {
            return "/";
        }
        return target.charAt(end) == '?' ? "/" + target.substring(end) : target.substring(end);
    }
}
