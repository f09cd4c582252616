package dev.zeroedge.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * The directory a server publishes, and the only way from a request path to a file.
 *
 * <p>A path is split on '/' first and each segment percent-decoded once, so an encoded slash or
 * backslash can never become a separator. Dot segments written as such are removed as RFC 3986
 * §5.2.4 says; one that would climb above the root is refused, and so is a segment that only becomes
 * "." or ".." after decoding, or that decodes to a slash, a backslash, NUL or another control
 * character. Dotfiles are hidden unless the operator allows them. Finally the candidate is resolved
 * with {@code toRealPath}, which follows symlinks: the result must still lie under the root's real
 * path, so a link is followed only when its target stays inside.
 *
 * <p>A directory named without its trailing slash is redirected to a location built from the segments as
 * resolved, never from the request: one leading '/', each segment percent-encoded again, so
 * {@code //attacker.example/../dir} leads to {@code /dir/} and not to another host.
 */
public final class DocumentRoot {

    private static final String INDEX = "index.html";
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    private static final boolean[] SEGMENT_CHAR = new boolean[128];

    static {
        for (char c : ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~" + "!$&'()*+,;=" + ":@")
                .toCharArray()) {
            SEGMENT_CHAR[c] = true;
        }
    }

    private final Path root;
    private final boolean serveDotfiles;

    public DocumentRoot(Path directory, boolean serveDotfiles) throws IOException {
        Path real = directory.toRealPath();
        if (!Files.isDirectory(real)) {
            throw new NotDirectoryException(directory.toString());
        }
        this.root = real;
        this.serveDotfiles = serveDotfiles;
    }

    public Path path() {
        return root;
    }

    /**
     * Resolves the path component of a request target: raw (still percent-encoded), starting with '/',
     * without query or fragment.
     */
    public Lookup resolve(String rawPath) {
        Name name = parse(rawPath);
        return name.refusal != null ? name.refusal : lookUp(name.segments, name.directoryForm);
    }

    /**
     * The canonical name of what {@code rawPath} asks for, found without a system call: its segments
     * decoded, dot and empty segments gone, "/"-joined, with a trailing '/' when it names a directory. Every
     * spelling of one file ({@code /a.txt}, {@code /%61.txt}, {@code //a.txt}, {@code /./a.txt},
     * {@code /d/../a.txt}) has the same name. Null when {@link #resolve} refuses the path without looking.
     * A path that is already canonical (the usual one) is returned as it is, without an allocation.
     */
    public String name(String rawPath) {
        if (isCanonical(rawPath)) {
            return rawPath;
        }
        Name name = parse(rawPath);
        if (name.refusal != null) {
            return null;
        }
        StringBuilder canonical = new StringBuilder(rawPath.length());
        for (String segment : name.segments) {
            canonical.append('/').append(segment);
        }
        if (name.directoryForm) {
            canonical.append('/');
        }
        return canonical.toString();
    }

    /** What a canonical {@code name} (from {@link #name}) names. */
    public Lookup resolveName(String name) {
        List<String> segments = new ArrayList<>();
        int start = 1;
        while (start < name.length()) {
            int slash = name.indexOf('/', start);
            int end = slash < 0 ? name.length() : slash;
            segments.add(name.substring(start, end));
            start = end + 1;
        }
        return lookUp(segments, name.endsWith("/"));
    }

    /**
     * True when {@code rawPath} is its own canonical name: no escape, no dot or empty segment (and so no
     * dotfile), nothing {@link #refuse} would refuse. The rest take {@link #parse}.
     */
    private static boolean isCanonical(String rawPath) {
        if (rawPath.isEmpty() || rawPath.charAt(0) != '/') {
            return false;
        }
        for (int i = 1; i < rawPath.length(); i++) {
            char c = rawPath.charAt(i);
            if (c == '%' || c == '\\' || c < 0x20 || c == 0x7f) {
                return false;
            }
            if (rawPath.charAt(i - 1) == '/' && (c == '/' || c == '.')) {
                return false;
            }
        }
        return true;
    }

    /** A request path split into decoded segments, or why it names nothing. */
    private record Name(List<String> segments, boolean directoryForm, Lookup refusal) {

        static Name refused(Lookup refusal) {
            return new Name(List.of(), false, refusal);
        }
    }

    private Name parse(String rawPath) {
        if (rawPath.isEmpty() || rawPath.charAt(0) != '/') {
            return Name.refused(new Lookup.BadPath("path must start with '/'"));
        }
        List<String> segments = new ArrayList<>();
        boolean directoryForm = true;
        int start = 1;
        while (start <= rawPath.length()) {
            int slash = rawPath.indexOf('/', start);
            int end = slash < 0 ? rawPath.length() : slash;
            String raw = rawPath.substring(start, end);
            start = end + 1;
            if (raw.isEmpty()) {
                directoryForm = true;
                continue;
            }
            if (raw.equals(".")) {
                directoryForm = true;
                continue;
            }
            if (raw.equals("..")) {
                if (segments.isEmpty()) {
                    return Name.refused(new Lookup.BadPath("'..' leaves the document root"));
                }
                segments.removeLast();
                directoryForm = true;
                continue;
            }
            String segment = decode(raw);
            if (segment == null) {
                return Name.refused(new Lookup.BadPath("malformed percent-encoding"));
            }
            String refusal = refuse(segment);
            if (refusal != null) {
                return Name.refused(new Lookup.BadPath(refusal));
            }
            if (segment.charAt(0) == '.' && !serveDotfiles) {
                return Name.refused(new Lookup.NotFound("dotfile"));
            }
            segments.add(segment);
            directoryForm = false;
        }
        return new Name(segments, directoryForm, null);
    }

    private Lookup lookUp(List<String> segments, boolean directoryForm) {
        Path candidate = segments.isEmpty() ? root : root.resolve(String.join("/", segments));
        try {
            Path real = candidate.toRealPath();
            if (!real.startsWith(root)) {
                return new Lookup.NotFound("resolves outside the document root");
            }
            BasicFileAttributes attributes = Files.readAttributes(real, BasicFileAttributes.class);
            if (attributes.isDirectory()) {
                if (!directoryForm) {
                    return new Lookup.MissingSlash(location(segments));
                }
                return index(real);
            }
            if (!attributes.isRegularFile()) {
                return new Lookup.NotFound("not a regular file");
            }
            if (directoryForm) {
                return new Lookup.NotFound("a file named as a directory");
            }
            return new Lookup.Found(FileInfo.of(real, attributes));
        } catch (NoSuchFileException | NotDirectoryException e) {
            return new Lookup.NotFound("no such file");
        } catch (AccessDeniedException e) {
            return new Lookup.Forbidden("permission denied");
        } catch (IOException e) {
            return new Lookup.NotFound(e.getClass().getSimpleName());
        }
    }

    private Lookup index(Path directory) throws IOException {
        Path index = directory.resolve(INDEX);
        try {
            Path real = index.toRealPath();
            if (!real.startsWith(root)) {
                return new Lookup.NotFound("index resolves outside the document root");
            }
            BasicFileAttributes attributes = Files.readAttributes(real, BasicFileAttributes.class);
            if (!attributes.isRegularFile()) {
                return new Lookup.NotFound("index is not a regular file");
            }
            return new Lookup.Found(FileInfo.of(real, attributes));
        } catch (NoSuchFileException e) {
            return new Lookup.NotFound("directory without index.html");
        }
    }

    /** Why a decoded segment may not name a file, or null when it may. */
    private static String refuse(String segment) {
        if (segment.equals(".") || segment.equals("..")) {
            return "encoded dot segment";
        }
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '/' || c == '\\') {
                return "encoded separator in a path segment";
            }
            if (c < 0x20 || c == 0x7f) {
                return "control character in path";
            }
        }
        return null;
    }

    /**
     * The path of a directory as a redirect names it: "/" + each segment encoded + "/". Not empty (only a real
     * segment makes a path that is no directory form), so it never starts with "//".
     */
    private static String location(List<String> segments) {
        StringBuilder location = new StringBuilder();
        for (String segment : segments) {
            location.append('/');
            encode(segment, location);
        }
        return location.append('/').toString();
    }

    /**
     * Percent-encodes a decoded segment as UTF-8 (upper-case hex, RFC 3986 §2.1). What a segment may hold
     * as it is (pchar: unreserved, sub-delims, ':' and '@') stays; everything else, '%', '/', '?', '#',
     * backslash, space and every non-ASCII byte included, is encoded, so the segment reads back as itself.
     */
    private static void encode(String segment, StringBuilder to) {
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c < 128 && SEGMENT_CHAR[c]) {
                to.append((char) c);
            } else {
                to.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
    }

    /** Percent-decodes one segment as UTF-8; null when an escape or the UTF-8 is malformed. */
    static String decode(String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        byte[] bytes = new byte[raw.length()];
        int n = 0;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    return null;
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                bytes[n++] = (byte) (hi << 4 | lo);
                i += 2;
            } else {
                bytes[n++] = (byte) c;
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, n))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
