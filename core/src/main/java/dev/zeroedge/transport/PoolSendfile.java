package dev.zeroedge.transport;

import java.io.EOFException;
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

/**
 * sendfile(2) of a cold range straight into a connection's socket, on a file-system thread, as nginx's
 * {@code aio threads} do with {@code sendfile}: the disk reads the kernel makes for it wait on that thread, never on
 * an event loop. It is for a range whose pages would not stay in the page cache between a warming and the loop's
 * own send (memory pressure; a FUSE file system drops a file's pages whenever it is opened again).
 *
 * <p>The socket is a descriptor of its own ({@link #own}, a dup taken on the loop while the channel is open): a
 * connection closed meanwhile keeps this number from naming the next connection that gets Netty's number. It
 * shares the socket's open file description, so it is non-blocking as Netty made it: a send stops when the socket
 * takes no more ({@code EAGAIN}) and says how much went; the loop then sends the rest itself, through Netty, which
 * waits for the socket to be writable. Nothing else writes on the connection meanwhile: the body's slices are its
 * only writes while they go, and its head is in the kernel before the first of them is sent from here.
 */
public final class PoolSendfile {

    private static final int F_DUPFD_CLOEXEC = 1030;

    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle FCNTL;
    private static final MethodHandle CLOSE;

    static {
        MethodHandle fcntl = null;
        MethodHandle close = null;
        try {
            if (Sendfile.available()) {
                Linker linker = Linker.nativeLinker();
                fcntl = linker.downcallHandle(linker.defaultLookup().find("fcntl").orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
                        Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(2));
                close = linker.downcallHandle(linker.defaultLookup().find("close").orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT));
            }
        } catch (RuntimeException notAllowed) {
            fcntl = null;
        }
        FCNTL = fcntl;
        CLOSE = close;
    }

    private PoolSendfile() {
    }

    /** Whether this process can call sendfile(2) here (Linux, native access allowed). */
    public static boolean available() {
        return Sendfile.available() && FCNTL != null && CLOSE != null;
    }

    /** A descriptor of its own for {@code socket}; on the loop, while the channel is open. */
    public static int own(int socket) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) FCNTL.invokeExact(state, socket, F_DUPFD_CLOEXEC, 3);
            if (fd < 0) {
                throw new IOException("fcntl(F_DUPFD_CLOEXEC) of the socket failed: errno " + ERRNO.get(state, 0L));
            }
            return fd;
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("fcntl(2) through the linker failed", t);
        }
    }

    /** Closes a descriptor {@link #own} gave. */
    public static void close(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new IllegalStateException("close(2) through the linker failed", t);
        }
    }

    /**
     * Sends bytes {@code [offset, offset + length)} of the file open as {@code file} into {@code socket}, until all
     * of them went or the socket takes no more; returns how many went. A file that ends before the range does is an
     * {@link EOFException} (a body must never be short), a connection gone is the IOException of its errno.
     */
    public static long send(int socket, int file, long offset, long length) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Sendfile.Scratch scratch = Sendfile.Scratch.in(arena);
            long sent = 0;
            while (sent < length) {
                long rc = Sendfile.send(scratch, socket, file, offset + sent, length - sent, "a cold slice");
                if (rc < 0) {
                    return sent;
                }
                if (rc == 0) {
                    throw new EOFException("the file ended at " + (offset + sent) + ", before " + (offset + length));
                }
                sent += rc;
            }
            return sent;
        }
    }
}
