package dev.zeroedge.cache;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * What names one object: the request's host (lower case, without a default port's ":80") and its path as the
 * document root names it ({@link dev.zeroedge.files.DocumentRoot#name}: decoded, dot and empty segments gone,
 * so {@code /a.txt}, {@code /%61.txt} and {@code //x/../a.txt} are one object), and the query as it came.
 *
 * @param name  the canonical name of the path
 * @param query the query without '?', or null
 */
record CacheKey(String host, String name, String query) {

    /** One digest per thread (an event loop hashes every request's key): no provider lookup per request. */
    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    });

    static CacheKey of(String hostField, String name, String query) {
        String host = hostField == null ? "" : hostField.trim().toLowerCase(Locale.ROOT);
        if (host.endsWith(":80")) {
            host = host.substring(0, host.length() - 3);
        }
        return new CacheKey(host, name, query);
    }

    /**
     * The key back from its {@link #text} (a corrupt object's metadata, to fetch it again): the host up to the first
     * space, the query after the first {@code ?} of the rest.
     */
    static CacheKey parse(String text) {
        int space = text.indexOf(' ');
        String host = text.substring(0, Math.max(0, space));
        String rest = text.substring(space + 1);
        int question = rest.indexOf('?');
        return question < 0 ? new CacheKey(host, rest, null)
                : new CacheKey(host, rest.substring(0, question), rest.substring(question + 1));
    }

    /** The key as one line: what the metadata file keeps to tell a hash collision from the object. */
    String text() {
        return host + " " + name + (query == null ? "" : "?" + query);
    }

    /** 128 bits of SHA-256 of {@link #text}, in hex: the object's file name. */
    String hash() {
        return hashOf(text());
    }

    /**
     * The hash of one variant of this key ({@link Variants}): of the text and the {@link SecondaryKey}, so each
     * variant is an object of its own, with its own files.
     */
    String hash(String secondary) {
        return hashOf(text() + "\n" + secondary);
    }

    /** 128 bits of SHA-256 of {@code text}, in hex (a key's {@link #text}, or a variant's). */
    static String hashOf(String text) {
        byte[] digest = SHA_256.get().digest(text.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest, 0, 16);
    }
}
