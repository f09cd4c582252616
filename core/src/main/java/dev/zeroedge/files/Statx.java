package dev.zeroedge.files;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code statx(fd, "", AT_EMPTY_PATH)} through the FFM linker: what an <em>open descriptor</em> says about
 * its file now (length, mtime, link count), which the JDK does not offer beyond {@code FileChannel.size()}.
 * {@code struct statx} has one layout on every architecture, unlike {@code struct stat}.
 *
 * <p>One system call and no allocation: the answer lands in a per-thread buffer. Where statx cannot be
 * called (not Linux, native access refused, a seccomp filter that answers ENOSYS) {@link #available} is
 * false, found once by a statx of "/".
 */
public final class Statx {

    private static final int AT_EMPTY_PATH = 0x1000;
    /** The attributes the kernel has: on a network file system, no round trip from an event loop. */
    private static final int AT_STATX_DONT_SYNC = 0x4000;
    private static final int STATX_NLINK = 0x4;
    private static final int STATX_MTIME = 0x40;
    private static final int STATX_SIZE = 0x200;
    private static final int WANTED = STATX_NLINK | STATX_MTIME | STATX_SIZE;

    // <linux/stat.h> struct statx: __u32 stx_mask at 0, __u32 stx_nlink at 16, __u64 stx_size at 40,
    // struct statx_timestamp stx_mtime { __s64 tv_sec; __u32 tv_nsec; } at 112; 256 bytes in all.
    private static final long SIZE = 256;
    private static final long MASK = 0;
    private static final long NLINK = 16;
    private static final long LENGTH = 40;
    private static final long MTIME_SEC = 112;
    private static final long MTIME_NSEC = 120;

    private static final int AT_FDCWD = -100;

    private static final MemorySegment EMPTY_PATH = Arena.global().allocate(1);
    private static final ThreadLocal<MemorySegment> ANSWER =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(SIZE, 8));
    private static final MethodHandle STATX = downcall();

    private Statx() {
    }

    /** Whether statx can be called here (Linux, libc has it, native access allowed). */
    public static boolean available() {
        return STATX != null;
    }

    /**
     * True when the file behind {@code fd} still has {@code info}'s length and mtime and a name (a link
     * count above 0: not deleted); false when it differs or the call fails.
     */
    static boolean describes(int fd, FileInfo info) {
        MemorySegment answer = ANSWER.get();
        try {
            int rc = (int) STATX.invokeExact(fd, EMPTY_PATH, AT_EMPTY_PATH | AT_STATX_DONT_SYNC, WANTED, answer);
            if (rc != 0 || (answer.get(JAVA_INT, MASK) & WANTED) != WANTED) {
                return false;
            }
        } catch (Throwable t) {
            return false;
        }
        long mtimeNanos = answer.get(JAVA_LONG, MTIME_SEC) * 1_000_000_000L
                + Integer.toUnsignedLong(answer.get(JAVA_INT, MTIME_NSEC));
        return answer.get(JAVA_INT, NLINK) != 0
                && answer.get(JAVA_LONG, LENGTH) == info.length()
                && mtimeNanos == info.lastModifiedNanos();
    }

    /**
     * What the file behind {@code fd} is, asked of the file system ({@code sync}: a lookup off the event loop,
     * which may wait for it) or of what the kernel has; null when the call fails.
     */
    static FileStat of(int fd, boolean sync) {
        MemorySegment answer = ANSWER.get();
        try {
            int flags = AT_EMPTY_PATH | (sync ? 0 : AT_STATX_DONT_SYNC);
            int rc = (int) STATX.invokeExact(fd, EMPTY_PATH, flags, FileStat.WANTED, answer);
            return rc == 0 ? FileStat.read(answer) : null;
        } catch (Throwable t) {
            return null;
        }
    }

    /** What {@code path} names now, following symlinks, asked of the file system; null when the call fails. */
    static FileStat ofPath(java.nio.file.Path path) {
        MemorySegment answer = ANSWER.get();
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) STATX.invokeExact(AT_FDCWD, arena.allocateFrom(path.toString()), 0, FileStat.WANTED, answer);
            return rc == 0 ? FileStat.read(answer) : null;
        } catch (Throwable t) {
            return null;
        }
    }

    private static MethodHandle downcall() {
        try {
            if (!System.getProperty("os.name", "").equals("Linux") || ADDRESS.byteSize() != 8) {
                return null;
            }
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("statx")
                    .map(symbol -> linker.downcallHandle(symbol,
                            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS)))
                    .filter(Statx::answers)
                    .orElse(null);
        } catch (RuntimeException notAllowed) {
            // Native access refused (IllegalCallerException) or no linker: the cache stats by path instead.
            return null;
        }
    }

    private static boolean answers(MethodHandle statx) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slash = arena.allocateFrom("/");
            return (int) statx.invokeExact(AT_FDCWD, slash, 0, WANTED, ANSWER.get()) == 0;
        } catch (Throwable t) {
            return false;
        }
    }
}
