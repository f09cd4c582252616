package dev.zeroedge.cache;

import io.netty.handler.codec.http.HttpHeaders;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which variant of a key a request asks for (RFC 9111 §4.1): the request fields a stored response's {@code Vary}
 * names, each normalised so that requests that would get the same response make the same key. Pure.
 *
 * <p>Normalised: every field's list elements are trimmed, inner white space folded to one space, lower-cased and
 * sorted, so {@code Accept-Language: en, FR} and {@code fr,en} are one variant. {@code Accept-Encoding} is reduced
 * to the codings this node knows ({@link #CODINGS}: a response can only differ by those; {@code x-gzip} is
 * {@code gzip}) that the request accepts ({@code q=0} refuses, other weights are dropped), so {@code gzip, deflate,
 * br} and {@code br;q=0.9, gzip} are one variant and a request that accepts none of them is the identity one. A
 * field the request does not have is told from one it has empty.
 */
final class SecondaryKey {

    /** The content codings a variant may differ by; any other coding a client names leaves the key as it is. */
    static final Set<String> CODINGS = Set.of("gzip", "br", "zstd", "identity");

    private SecondaryKey() {
    }

    /**
     * The field names of a response's {@code Vary}, lower case, sorted, each once; null when it has none (or only
     * empty ones); a list holding {@code *} when it varies on something no request field says.
     */
    static List<String> varyOf(HttpHeaders response) {
        TreeSet<String> names = new TreeSet<>();
        for (String value : response.getAll("Vary")) {
            for (String name : value.split(",")) {
                String trimmed = name.trim().toLowerCase(Locale.ROOT);
                if (!trimmed.isEmpty()) {
                    names.add(trimmed);
                }
            }
        }
        if (names.contains("*")) {
            return List.of("*");
        }
        return names.isEmpty() ? null : List.copyOf(names);
    }

    /** The same from a stored field's value ({@link StoredObject#field}); null when there is none. */
    static List<String> varyOf(String varyField) {
        if (varyField == null) {
            return null;
        }
        HttpHeaders one = new io.netty.handler.codec.http.DefaultHttpHeaders();
        one.set("Vary", varyField);
        return varyOf(one);
    }

    /** The secondary key of {@code request} for a response that varies on {@code fields}: one line per field. */
    static String of(List<String> fields, HttpHeaders request) {
        StringBuilder key = new StringBuilder();
        for (String field : fields) {
            if (!key.isEmpty()) {
                key.append('\n');
            }
            key.append(field);
            List<String> values = request.getAll(field);
            if (values.isEmpty()) {
                continue; // absent: no '=' at all
            }
            key.append('=').append(field.equals("accept-encoding") ? codings(values) : elements(values));
        }
        return key.toString();
    }

    /** The known codings {@code values} accept, sorted; {@code identity} when it accepts none of them. */
    static String codings(List<String> values) {
        TreeSet<String> accepted = new TreeSet<>();
        for (String value : values) {
            for (String element : value.split(",")) {
                String[] parts = element.split(";");
                String coding = parts[0].trim().toLowerCase(Locale.ROOT);
                if (coding.equals("x-gzip")) {
                    coding = "gzip";
                }
                if (CODINGS.contains(coding) && !refused(parts)) {
                    accepted.add(coding);
                }
            }
        }
        return accepted.isEmpty() ? "identity" : String.join(",", accepted);
    }

    /** Whether a coding's parameters say {@code q=0} (RFC 9110 §12.4.2: "not acceptable"). */
    private static boolean refused(String[] parts) {
        for (int i = 1; i < parts.length; i++) {
            String parameter = parts[i].trim().toLowerCase(Locale.ROOT);
            if (parameter.startsWith("q=")) {
                try {
                    return Double.parseDouble(parameter.substring(2).trim()) <= 0;
                } catch (NumberFormatException e) {
                    return false;
                }
            }
        }
        return false;
    }

    /** The list elements of {@code values}, white space and case folded, sorted. */
    static String elements(List<String> values) {
        List<String> elements = new ArrayList<>();
        for (String value : values) {
            for (String element : value.split(",")) {
                String folded = element.trim().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
                if (!folded.isEmpty()) {
                    elements.add(folded);
                }
            }
        }
        elements.sort(null);
        return String.join(",", elements);
    }
}
