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

    /** What a directory named in directory form serves. */
    public static final String INDEX = "index.html";
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
     * Resolves the path component of a request target (raw, still percent-encoded, starting with '/', without
     * query or fragment) and opens what it names, holding its bytes if {@code held} takes them. Blocking: it
     * walks the path and opens, so it runs on a file-system thread ({@link FileSystemPool}), never on an
     * event loop. A {@link Lookup.Found} carries the open file, retained for the caller.
     */
    public Lookup open(String rawPath, HeldBodies held) {
        Name name = parse(rawPath);
        return name.refusal != null ? name.refusal : lookUp(name.segments, name.directoryForm, held);
    }

    /**
     * Why {@code rawPath} names nothing without looking at the disk (malformed, climbs out, a dotfile), or
     * null when only a lookup can tell. No system call: safe on an event loop.
     */
    public Lookup refusal(String rawPath) {
        return parse(rawPath).refusal;
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

    /** What a canonical {@code name} (from {@link #name}) names, opened: see {@link #open}. Blocking. */
    public Lookup openName(String name, HeldBodies held) {
        return lookUp(segmentsOf(name), name.endsWith("/"), held);
    }

    /**
     * Where a canonical {@code name} that turned out to be a directory, named without its slash, redirects
     * to (see the class comment): for an opener that looks names up itself (uring-splice's ring).
     */
    public static String directoryLocation(String name) {
        return location(segmentsOf(name));
    }

    /**
     * A canonical {@code name} (from {@link #name}) as a request path again: one leading '/', each segment
     * percent-encoded (see {@link #encode}), the trailing '/' of a directory kept; what an edge cache asks its
     * origin for, so every alias of one object is asked for in one spelling.
     */
    public static String encodedName(String name) {
        StringBuilder path = new StringBuilder(name.length() + 8);
        for (String segment : segmentsOf(name)) {
            path.append('/');
            encode(segment, path);
        }
        if (path.isEmpty() || name.endsWith("/")) {
            path.append('/');
        }
        return path.toString();
    }

    private static List<String> segmentsOf(String name) {
        List<String> segments = new ArrayList<>();
        int start = 1;
        while (start < name.length()) {
            int slash = name.indexOf('/', start);
            int end = slash < 0 ? name.length() : slash;
            segments.add(name.substring(start, end));
            start = end + 1;
        }
        return segments;
    }

    /**
     * {@link Lookup.Unchanged} when the canonical {@code name} still names the file version {@code known}
     * (one stat by path: same device, inode, length and mtime, so the very file that was found inside the root
     * and opened before), else what {@link #openName} finds. Blocking.
     */
    public Lookup recheckName(String name, HeldBodies held, FileInfo known) {
        if (Statx.available()) {
            Path named = root.resolve(name.substring(1) + (name.endsWith("/") ? INDEX : ""));
            if (known.sameFileAs(Statx.ofPath(named))) {
                return new Lookup.Unchanged();
            }
        }
        return openName(name, held);
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

    /**
     * Follows the segments to a real path inside the root, then opens it and asks the new descriptor what it
     * is ({@link NonBlockingOpen}: a FIFO or device that was swapped in a moment ago is seen for what it is,
     * without waiting for a writer). A directory in directory form serves its index.html.
     */
    private Lookup lookUp(List<String> segments, boolean directoryForm, HeldBodies held) {
        Path candidate = segments.isEmpty() ? root : root.resolve(String.join("/", segments));
        try {
            Path real = candidate.toRealPath();
            if (!real.startsWith(root)) {
                return new Lookup.NotFound("resolves outside the document root");
            }
            Lookup found = openReal(real, held);
            if (found instanceof Lookup.MissingSlash && directoryForm) {
                return index(real, held);
            }
            if (found instanceof Lookup.MissingSlash) {
                return new Lookup.MissingSlash(location(segments));
            }
            if (found instanceof Lookup.Found file && directoryForm) {
                file.open().release();
                return new Lookup.NotFound("a file named as a directory");
            }
            return found;
        } catch (NoSuchFileException | NotDirectoryException e) {
            return new Lookup.NotFound("no such file");
        } catch (AccessDeniedException e) {
            return new Lookup.Forbidden("permission denied");
        } catch (FileChangedException e) {
            return new Lookup.Busy("file is being modified", false);
        } catch (IOException e) {
            return new Lookup.NotFound(e.getClass().getSimpleName());
        }
    }

    private Lookup index(Path directory, HeldBodies held) throws IOException {
        Path index = directory.resolve(INDEX);
        try {
            Path real = index.toRealPath();
            if (!real.startsWith(root)) {
                return new Lookup.NotFound("index resolves outside the document root");
            }
            Lookup found = openReal(real, held);
            return found instanceof Lookup.MissingSlash ? new Lookup.NotFound("index is a directory") : found;
        } catch (NoSuchFileException e) {
            return new Lookup.NotFound("directory without index.html");
        }
    }

    /**
     * Opens a real path inside the root: Found (a regular file, open), MissingSlash (a directory, closed again;
     * the caller knows its location), or why not. The validators come from the descriptor that is sent from,
     * so they describe its bytes; a held body is checked against a second statx of it after the read.
     */
    private static Lookup openReal(Path real, HeldBodies held) throws IOException {
        if (!NonBlockingOpen.available()) {
            return openWithTheJdk(real, held);
        }
        int fd = NonBlockingOpen.open(real);
        if (fd < 0) {
            return NonBlockingOpen.refusal(-fd);
        }
        FileStat stat = Statx.of(fd, true);
        if (stat == null || !stat.regular()) {
            NonBlockingOpen.close(fd);
            if (stat != null && stat.directory()) {
                return new Lookup.MissingSlash(null);
            }
            return new Lookup.NotFound(stat == null ? "cannot stat" : "not a regular file");
        }
        OpenFile file = OpenFile.adopt(real, fd, stat.length());
        try {
            file.hold(held);
            FileInfo info = FileInfo.of(real, stat);
            if (file.body() != null && !file.describedBy(info)) {
                throw new FileChangedException(real);
            }
            return new Lookup.Found(info, file);
        } catch (IOException | RuntimeException e) {
            file.release();
            throw e;
        }
    }

    /**
     * Where the linker is not open to zeroedge: a stat by path, then the JDK's open and a second stat, as
     * before (a FIFO swapped in between the two would make the open wait; only this fallback has that window).
     */
    private static Lookup openWithTheJdk(Path real, HeldBodies held) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(real, BasicFileAttributes.class);
        if (attributes.isDirectory()) {
            return new Lookup.MissingSlash(null);
        }
        if (!attributes.isRegularFile()) {
            return new Lookup.NotFound("not a regular file");
        }
        FileInfo info = FileInfo.of(real, attributes);
        return new Lookup.Found(info, OpenFileCache.openMatching(info, held));
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
