package dev.zeroedge.files;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, length)} through the FFM linker: the blocks of a file about to be
 * written are claimed before its bytes come, so a file system without the room says so before the first byte
 * (ENOSPC), not in the middle of a body that clients are already being sent. The file's size stays what has been
 * written, so readers and the commit see nothing else of it.
 *
 * <p>The same call frees blocks again ({@link #punch}): what every client of a fill has been sent, when the disk is
 * full.
 *
 * <p>Where it cannot be asked (not Linux, native access refused, the descriptor's number not readable, a file
 * system without fallocate) it claims nothing, and the writes find out for themselves.
 */
public final class Preallocation {

    private static final int FALLOC_FL_KEEP_SIZE = 0x01;
    private static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    private static final int ENOSPC = 28;
    private static final int EDQUOT = 122;

    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle FALLOCATE = downcall();

    private Preallocation() {
    }

    /** Whether {@link #claim} can ask the file system here. */
    public static boolean available() {
        return FALLOCATE != null && ChannelDescriptor.readable();
    }

    /**
     * Claims the first {@code length} bytes of the file {@code channel} writes. IOException ("No space left on
     * device", as the JDK words ENOSPC) when the file system has not the room; nothing happens where it cannot
     * be asked, or for any other refusal (a file system that does not preallocate).
     */
    public static void claim(FileChannel channel, long length) throws IOException {
        if (length <= 0 || !available()) {
            return;
        }
        int fd = ChannelDescriptor.of(channel);
        if (fd < 0) {
            return;
        }
        int errno;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) FALLOCATE.invokeExact(state, fd, FALLOC_FL_KEEP_SIZE, 0L, length);
            if (rc == 0) {
                return;
            }
            errno = (int) ERRNO.get(state, 0L);
        } catch (Throwable t) {
            return;
        }
        if (errno == ENOSPC) {
            throw new IOException("No space left on device (fallocate of " + length + " bytes)");
        }
        if (errno == EDQUOT) {
            throw new IOException("Disk quota exceeded (fallocate of " + length + " bytes)");
        }
    }

    /**
     * Frees the blocks of bytes {@code [from, to)} of the file {@code channel} writes ({@code FALLOC_FL_PUNCH_HOLE}:
     * they read as zeros from now on, the size stays): a fill whose disk is full gives back what every client has
     * been sent. Whole pages only, so no page a socket may still be sending from is changed (a page the punch takes
     * out of the file stays as it was for whoever holds it). False where it cannot be asked or the file system
     * refuses (one that cannot punch holes).
     */
    public static boolean punch(FileChannel channel, long from, long to) {
        if (to <= from || !available()) {
            return false;
        }
        int fd = ChannelDescriptor.of(channel);
        if (fd < 0) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) FALLOCATE.invokeExact(state, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, from,
                    to - from);
            return rc == 0;
        } catch (Throwable t) {
            return false;
        }
    }

    private static MethodHandle downcall() {
        try {
            if (!System.getProperty("os.name", "").equals("Linux") || JAVA_LONG.byteSize() != 8) {
                return null;
            }
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("fallocate")
                    .map(symbol -> linker.downcallHandle(symbol,
                            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG),
                            Linker.Option.captureCallState("errno")))
                    .orElse(null);
        } catch (RuntimeException notAllowed) {
            return null;
        }
    }
}
