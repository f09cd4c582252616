package dev.zeroedge.transport;

import dev.zeroedge.files.OpenFile;
import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.channels.WritableByteChannel;

/**
 * A range of a shared {@link OpenFile} as Netty's epoll and NIO channels write a {@link FileRegion}: by
 * sendfile(2) from the file's descriptor to the socket's, through the FFM linker, where both numbers are known;
 * else by {@code FileChannel.transferTo}.
 *
 * <p>Why not Netty's {@code DefaultFileRegion} (epoll) or the JDK's {@code transferTo} (NIO): both ask the file's
 * size, an fstat, on the event loop: the JDK before every sendfile, Netty's epoll channel each time sendfile finds
 * the socket full (to tell a file cut short from a full socket), which is once or twice per slice of every large
 * body. On a network or FUSE file system whose attributes have expired that fstat waits for the server (a thread
 * dump of the slow-disk test showed it: {@code FileChannelImpl.size} under {@code transferTo}), and on a local disk
 * it is a system call per full socket for nothing. The range is inside the length the descriptor had when it was
 * opened; a file cut short since makes sendfile return 0, which ends the response with an error, as a short body
 * must.
 *
 * <p>The socket's number is taken when the region is made, on the loop that owns the channel: the channel closes
 * its descriptor only on that loop, and writes to a closed channel never reach {@link #transferTo}, so the number
 * is still the channel's whenever the region is written.
 */
public final class SendfileRegion extends AbstractReferenceCounted implements FileRegion {

    /** The call state and the in/out offset of one event-loop thread's sendfile. */
    private static final ThreadLocal<Sendfile.Scratch> SCRATCH =
            ThreadLocal.withInitial(() -> Sendfile.Scratch.in(Arena.ofAuto()));

    private final OpenFile file;
    private final int socket;
    private final long position;
    private final long count;
    private long transferred;

    /**
     * Bytes {@code [position, position + count)} of {@code file} for the socket whose descriptor number is
     * {@code socket} (-1 when it cannot be read: the region then goes by {@code transferTo}).
     */
    public SendfileRegion(OpenFile file, long position, long count, int socket) {
        this.file = file.retain();
        this.socket = Sendfile.available() && file.descriptor() >= 0 ? socket : -1;
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
        return Sendfile.send(SCRATCH.get(), socket, file.descriptor(), from, length, file.path());
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
}
