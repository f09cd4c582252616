package dev.zeroedge.probe;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The numeric part of a kernel release, comparable: {@code 6.18.44-fc-v657} is 6.18.44. A missing patch
 * level counts as 0 ({@code 6.1} equals {@code 6.1.0}) but is printed as it was written, so a reason says
 * {@code >= 6.1}, not {@code >= 6.1.0}.
 */
public final class KernelVersion implements Comparable<KernelVersion> {

    // major.minor[.patch] at the very start; what follows (-rc1, -generic, +, .4th-level) is vendor text.
    private static final Pattern LEADING = Pattern.compile("^(\\d{1,9})\\.(\\d{1,9})(?:\\.(\\d{1,9}))?(?!\\d)");

    private final int major;
    private final int minor;
    private final int patch;
    private final String text;

    private KernelVersion(int major, int minor, int patch, String text) {
        this.major = major;
        this.minor = minor;
        this.patch = patch;
        this.text = text;
    }

    /** The version at the start of a release string, or empty when it does not start with major.minor. */
    public static Optional<KernelVersion> parse(String release) {
        if (release == null) {
            return Optional.empty();
        }
        Matcher m = LEADING.matcher(release.strip());
        if (!m.find()) {
            return Optional.empty();
        }
        int patch = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
        return Optional.of(new KernelVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), patch,
                m.group()));
    }

    public int major() {
        return major;
    }

    public int minor() {
        return minor;
    }

    public int patch() {
        return patch;
    }

    public boolean isAtLeast(KernelVersion other) {
        return compareTo(other) >= 0;
    }

    @Override
    public int compareTo(KernelVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) {
            c = Integer.compare(minor, o.minor);
        }
        return c != 0 ? c : Integer.compare(patch, o.patch);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KernelVersion v && compareTo(v) == 0;
    }

    @Override
    public int hashCode() {
        return (major * 31 + minor) * 31 + patch;
    }

    @Override
    public String toString() {
        return text;
    }
}
