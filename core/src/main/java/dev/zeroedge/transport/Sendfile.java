package dev.zeroedge.transport;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * One sendfile(2) call through the linker, as both of its callers make it: the epoll and NIO senders on their event loops
 * ({@link SendfileRegion}, because the JDK's {@code transferTo} and Netty's epoll channel stat the file) and the
 * file-system threads that send cold slices ({@link PoolSendfile}). What each does with a socket that takes no more
 * differs (Netty waits for writability; a file-system thread hands the rest back to the loop), so the call says
 * so and leaves that to them.
 */
public final class Sendfile {

    private static final int EAGAIN = 11;
    private static final int EINTR = 4;

    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SENDFILE = downcall();

    private Sendfile() {
    }

    /** Whether this process can call sendfile(2) here (Linux, 64-bit, native access allowed). */
    public static boolean available() {
        return SENDFILE != null;
    }

    /** The memory a thread's calls use: the captured errno and the in/out file offset. */
    public record Scratch(MemorySegment state, MemorySegment offset) {

        public static Scratch in(Arena arena) {
            return new Scratch(arena.allocate(CALL_STATE), arena.allocate(JAVA_LONG));
        }
    }

    /**
     * Sends up to {@code length} bytes of {@code file} from {@code offset} into {@code socket}: the bytes that went
     * (0: the file has no byte at {@code offset}), or -1 when the socket takes none now ({@code EAGAIN}). An
     * interrupted call is made again; any other error is an IOException that names {@code what}.
     */
    public static long send(Scratch scratch, int socket, int file, long offset, long length, Object what)
            throws IOException {
        scratch.offset().set(JAVA_LONG, 0, offset);
        while (true) {
            long rc;
            try {
                rc = (long) SENDFILE.invokeExact(scratch.state(), socket, file, scratch.offset(), length);
            } catch (Throwable t) {
                throw new IOException("sendfile(2) through the linker failed", t);
            }
            if (rc >= 0) {
                return rc;
            }
            int errno = (int) ERRNO.get(scratch.state(), 0L);
            if (errno == EAGAIN) {
                return -1;
            }
            if (errno != EINTR) {
                throw new IOException("sendfile of " + what + " failed: errno " + errno);
            }
        }
    }

    private static MethodHandle downcall() {
        try {
            if (!System.getProperty("os.name", "").equals("Linux") || ADDRESS.byteSize() != 8) {
                return null;
            }
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("sendfile").map(symbol -> linker.downcallHandle(symbol,
                    FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG),
                    Linker.Option.captureCallState("errno"))).orElse(null);
        } catch (RuntimeException notAllowed) {
            return null;
        }
    }
}
