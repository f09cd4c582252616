package dev.zeroedge.transport.uring;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The few libc calls the splice sender needs that neither the JDK nor Netty offers: a blocking pipe,
 * its size ({@code F_SETPIPE_SZ}), and a descriptor number for a file. Called through the FFM linker
 * (Java 25, no JNI); each call captures {@code errno} so a failure says why.
 */
final class Libc {

    static final int O_RDONLY = 0;
    static final int O_CLOEXEC = 0x80000;
    static final int O_NOFOLLOW = 0x20000;
    static final int F_SETPIPE_SZ = 1031;
    static final int F_GETPIPE_SZ = 1032;
    static final int SEEK_END = 2;
    static final int F_DUPFD_CLOEXEC = 1030;
    static final long FIONREAD = 0x541B;
    static final int PATH_MAX = 4096;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle PIPE2 = downcall("pipe2",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), CAPTURE_ERRNO);
    private static final MethodHandle FCNTL = downcall("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle OPEN = downcall("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle LSEEK = downcall("lseek",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);
    private static final MethodHandle WRITE = downcall("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), Linker.Option.critical(true));
    private static final MethodHandle IOCTL = downcall("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle READLINK = downcall("readlink",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle CLOSE = downcall("close",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT), CAPTURE_ERRNO);

    /** The JDK turns path strings into bytes with this charset; a path opened natively must do the same. */
    private static final Charset PATH_CHARSET = pathCharset();

    private Libc() {
    }

    /** {@code pipe2(O_CLOEXEC)}: a blocking pipe, so a splice waits for room or data instead of failing. */
    static int[] pipe() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            int rc = (int) PIPE2.invokeExact(state, fds, O_CLOEXEC);
            check(rc, state, "pipe2");
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("pipe2 could not be called", t);
        }
    }

    /** {@code fcntl(fd, cmd, arg)}, e.g. {@link #F_SETPIPE_SZ}; returns what fcntl returns. */
    static int fcntl(int fd, int cmd, int arg) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) FCNTL.invokeExact(state, fd, cmd, arg);
            return check(rc, state, "fcntl(" + cmd + ")");
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("fcntl could not be called", t);
        }
    }

    /**
     * {@code open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)}: a descriptor number io_uring can splice from.
     * The path is the document root's resolved real path, so its last component is never a symlink; one
     * that became a symlink since is refused (ELOOP) rather than followed.
     */
    static int openForReading(Path path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            byte[] name = pathBytes(path.toString());
            MemorySegment cName = arena.allocate(name.length + 1L);
            MemorySegment.copy(name, 0, cName, JAVA_BYTE, 0, name.length);
            int rc = (int) OPEN.invokeExact(state, cName, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
            return check(rc, state, "open " + path);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("open could not be called", t);
        }
    }

    /** What {@link #pathOf} needs: room for the link's name and for its target. */
    static final long PATH_SCRATCH = PATH_MAX + 32;

    /**
     * The path the kernel has for the open descriptor {@code fd} ({@code readlink("/proc/self/fd/N")}: the
     * dentry's path as {@code realpath} would spell it, read from memory, no file-system call), or null when
     * it cannot be read. {@code scratch} ({@link #PATH_SCRATCH} bytes) is the caller's, reused call after call.
     */
    static String pathOf(int fd, MemorySegment scratch) {
        try {
            byte[] link = ("/proc/self/fd/" + fd).getBytes(StandardCharsets.US_ASCII);
            MemorySegment name = scratch.asSlice(PATH_MAX, link.length + 1L);
            MemorySegment.copy(link, 0, name, JAVA_BYTE, 0, link.length);
            name.set(JAVA_BYTE, link.length, (byte) 0);
            long length = (long) READLINK.invokeExact(name, scratch, (long) PATH_MAX);
            if (length <= 0 || length >= PATH_MAX) {
                return null;
            }
            return new String(scratch.asSlice(0, length).toArray(JAVA_BYTE), PATH_CHARSET);
        } catch (Throwable t) {
            return null;
        }
    }

    /** A path as the bytes the kernel is given for it (the JDK's path charset), without the terminating NUL. */
    static byte[] pathBytes(String path) {
        return path.getBytes(PATH_CHARSET);
    }

    /** The size of the open file behind {@code fd} ({@code lseek(fd, 0, SEEK_END)}; splice takes explicit offsets). */
    static long size(int fd) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long rc = (long) LSEEK.invokeExact(state, fd, 0L, SEEK_END);
            if (rc < 0) {
                throw new IOException("lseek failed: errno " + (int) ERRNO.get(state, 0L));
            }
            return rc;
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("lseek could not be called", t);
        }
    }

    /**
     * {@code write(fd, bytes)} of a few bytes that cannot block (a response head into an empty pipe), so
     * it may run as a critical call that reads a heap segment in place. Returns what write returns.
     */
    static long writeSmall(int fd, MemorySegment bytes) {
        try {
            return (long) WRITE.invokeExact(fd, bytes, bytes.byteSize());
        } catch (Throwable t) {
            throw new IllegalStateException("write could not be called", t);
        }
    }

    /** Bytes waiting to be read from a pipe ({@code ioctl(FIONREAD)}), or -1 when it cannot be asked. */
    static int unread(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(JAVA_INT);
            int rc = (int) IOCTL.invokeExact(fd, FIONREAD, count);
            return rc < 0 ? -1 : count.get(JAVA_INT, 0);
        } catch (Throwable t) {
            return -1;
        }
    }

    /** Closes {@code fd}; a failure is returned as errno (0 = closed), there is nothing else to do about it. */
    static int close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) CLOSE.invokeExact(state, fd);
            return rc < 0 ? (int) ERRNO.get(state, 0L) : 0;
        } catch (Throwable t) {
            throw new IllegalStateException("close could not be called", t);
        }
    }

    private static int check(int rc, MemorySegment state, String what) throws IOException {
        if (rc < 0) {
            throw new IOException(what + " failed: errno " + (int) ERRNO.get(state, 0L));
        }
        return rc;
    }

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    private static Charset pathCharset() {
        String name = System.getProperty("sun.jnu.encoding");
        try {
            return name == null ? StandardCharsets.UTF_8 : Charset.forName(name);
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }
}
