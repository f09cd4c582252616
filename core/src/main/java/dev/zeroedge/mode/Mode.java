package dev.zeroedge.mode;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The modes a user names with {@code --mode}, in the order of the design table: the one place their names
 * are spelled. The probe picks one, a transport module provides one, the launcher starts one. {@code auto}
 * is not a mode but a request to pick one; the launcher reads it before it parses a name.
 *
 * <p>{@link #toString()} is the user-facing name, so logs, reasons and messages read as users type it.
 */
public enum Mode {

    URING_SPLICE("uring-splice", Role.PRIMARY, true),
    EPOLL_SENDFILE("epoll-sendfile", Role.FALLBACK, true),
    NIO_SENDFILE("nio-sendfile", Role.PORTABLE, true),
    EPOLL_MMAP("epoll-mmap", Role.BASELINE, false),
    EPOLL_COPY("epoll-copy", Role.BASELINE, false);

    /** What a mode is for, as the design table says. */
    public enum Role {
        /** What {@code auto} picks where the machine allows. */
        PRIMARY,
        /** What {@code auto} picks when io_uring cannot serve. */
        FALLBACK,
        /** Needs no native jar: runs wherever Java does, the last thing {@code auto} picks. */
        PORTABLE,
        /** Never picked: there to be measured against. */
        BASELINE
    }

    private final String userName;
    private final Role role;
    private final boolean zeroCopy;

    Mode(String userName, Role role, boolean zeroCopy) {
        this.userName = userName;
        this.role = role;
        this.zeroCopy = zeroCopy;
    }

    /** The name users type, e.g. {@code uring-splice}. */
    public String userName() {
        return userName;
    }

    public Role role() {
        return role;
    }

    /** Whether file bytes go from the page cache to the socket without passing through user space. */
    public boolean zeroCopy() {
        return zeroCopy;
    }

    @Override
    public String toString() {
        return userName;
    }

    /**
     * The mode of a user-facing name.
     *
     * @throws IllegalArgumentException {@code unknown mode (known: uring-splice, ...)} for any other name
     */
    public static Mode parse(String name) {
        for (Mode mode : values()) {
            if (mode.userName.equals(name)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown mode (known: " + names() + ")");
    }

    /** Every name, comma-separated in the design table's order. */
    public static String names() {
        return Arrays.stream(values()).map(Mode::userName).collect(Collectors.joining(", "));
    }
}
