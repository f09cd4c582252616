package dev.zeroedge.files;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)} and {@code close(fd)} through the FFM linker.
 *
 * <p>Why not {@code FileChannel.open}: a FIFO opened for reading without {@code O_NONBLOCK} waits for a writer,
 * for ever if none comes, and the check before the open (a stat that says "regular file") is a race that a
 * rename can win. Opened non-blocking, a FIFO or a device returns at once, and the statx of the <em>new
 * descriptor</em> ({@link Statx#of}) says what was really opened. {@code O_NONBLOCK} changes nothing for a
 * regular file's reads.
 *
 * <p>{@link #available} is false where the linker or the JDK's descriptor fields are not open to zeroedge
 * (see {@link ChannelDescriptor}); the document root then opens with the JDK as before.
 */
public final class NonBlockingOpen {

    /** O_RDONLY | O_NOCTTY (0400) | O_NONBLOCK (04000) | O_CLOEXEC (02000000), octal as in <asm-generic/fcntl.h>. */
    public static final int FLAGS = 0400 | 04000 | 02000000;

    private static final int ENOENT = 2;
    private static final int EACCES = 13;
    private static final int ENOTDIR = 20;

    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(
            java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));
    private static final MethodHandle OPEN;
    private static final MethodHandle CLOSE;

    static {
        MethodHandle open = null;
        MethodHandle close = null;
        try {
            if (System.getProperty("os.name", "").equals("Linux") && ChannelDescriptor.adoptable()) {
                Linker linker = Linker.nativeLinker();
                open = linker.defaultLookup().find("open").map(symbol -> linker.downcallHandle(symbol,
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
                        Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(2))).orElse(null);
                close = linker.defaultLookup().find("close").map(symbol -> linker.downcallHandle(symbol,
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT))).orElse(null);
            }
        } catch (RuntimeException notAllowed) {
            open = null;
        }
        OPEN = open != null && close != null ? open : null;
        CLOSE = OPEN != null ? close : null;
    }

    private NonBlockingOpen() {
    }

    public static boolean available() {
        return OPEN != null && Statx.available();
    }

    /** The new descriptor, or {@code -errno}. May wait for the disk: never on an event loop. */
    static int open(Path path) {
        MemorySegment state = STATE.get();
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path.toString()), FLAGS, 0);
            return fd >= 0 ? fd : -(int) ERRNO.get(state, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("open(2) through the linker failed", t);
        }
    }

    /** Closes a descriptor no channel owns yet. */
    public static void close(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new IllegalStateException("close(2) through the linker failed", t);
        }
    }

    /** What a failed open means for the request: {@code errno} as a lookup. */
    public static Lookup refusal(int errno) {
        return switch (errno) {
            case ENOENT, ENOTDIR -> new Lookup.NotFound("no such file");
            case EACCES, 1 -> new Lookup.Forbidden("permission denied");
            // EMFILE, ENFILE, ENOMEM: the server's trouble, not the request's.
            case 24, 23, 12 -> new Lookup.Busy("server busy", true);
            default -> new Lookup.NotFound("cannot open: errno " + errno);
        };
    }
}
