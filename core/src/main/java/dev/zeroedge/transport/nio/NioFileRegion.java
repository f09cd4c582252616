package dev.zeroedge.transport.nio;

import dev.zeroedge.files.OpenFile;
import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;

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
import java.nio.channels.WritableByteChannel;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A range of a shared {@link OpenFile} as Netty's NIO channel writes it: by sendfile(2) from the file's
 * descriptor to the socket's, through the FFM linker, where both numbers are readable; else by
 * {@code FileChannel.transferTo}.
 *
 * <p>Why not always {@code transferTo}: before every sendfile the JDK asks the file's size, an fstat, and on a
 * network or FUSE file system whose attributes have expired that fstat waits for the server, on the event
 * loop (a thread dump of the slow-disk test showed it: {@code FileChannelImpl.size} under {@code transferTo}).
 * The range is inside the length the descriptor had when it was opened; a file cut short since makes
 * sendfile return 0, which ends the response with an error, as a short body must.
 */
final class NioFileRegion extends AbstractReferenceCounted implements FileRegion {

    private static final int EAGAIN = 11;
    private static final int EINTR = 4;

    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SENDFILE = downcall();
    /** The call state and the in/out offset of one event-loop thread's sendfile. */
    private static final ThreadLocal<MemorySegment[]> SCRATCH = ThreadLocal.withInitial(() -> new MemorySegment[] {
            Arena.ofAuto().allocate(CALL_STATE), Arena.ofAuto().allocate(JAVA_LONG)});

    private final OpenFile file;
    private final long position;
    private final long count;
    private long transferred;

    NioFileRegion(OpenFile file, long position, long count) {
        this.file = file.retain();
        this.position = position;
        this.count = count;
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    @Deprecated
    public long transfered() {
        return transferred;
    }

    @Override
    public long transferred() {
        return transferred;
    }

    @Override
    public long count() {
        return count;
    }

    @Override
    public long transferTo(WritableByteChannel target, long at) throws IOException {
        long left = count - at;
        if (left <= 0) {
            return 0;
        }
        int socket = SENDFILE == null || file.descriptor() < 0 ? -1 : NioTcpInfo.descriptorOf(target);
        long written = socket < 0 ? file.channel().transferTo(position + at, left, target)
                : sendfile(socket, position + at, left);
        if (written == 0 && socket >= 0) {
            throw new EOFException(file.path() + " ended before " + (position + count) + " bytes");
        }
        if (written > 0) {
            transferred += written;
        }
        return Math.max(written, 0);
    }

    /** Bytes sent, or -1 when the socket takes none now (EAGAIN: Netty waits for it to be writable). */
    private long sendfile(int socket, long from, long length) throws IOException {
        MemorySegment[] scratch = SCRATCH.get();
        scratch[1].set(JAVA_LONG, 0, from);
        while (true) {
            long rc;
            try {
                rc = (long) SENDFILE.invokeExact(scratch[0], socket, file.descriptor(), scratch[1], length);
            } catch (Throwable t) {
                throw new IOException("sendfile(2) through the linker failed", t);
            }
            if (rc >= 0) {
                return rc;
            }
            int errno = (int) ERRNO.get(scratch[0], 0L);
            if (errno == EAGAIN) {
                return -1;
            }
            if (errno != EINTR) {
                throw new IOException("sendfile of " + file.path() + " failed: errno " + errno);
            }
        }
    }

    @Override
    public FileRegion retain() {
        super.retain();
        return this;
    }

    @Override
    public FileRegion retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public FileRegion touch() {
        return this;
    }

    @Override
    public FileRegion touch(Object hint) {
        return this;
    }

    @Override
    protected void deallocate() {
        file.release();
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
