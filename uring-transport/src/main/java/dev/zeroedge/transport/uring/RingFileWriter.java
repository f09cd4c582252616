package dev.zeroedge.transport.uring;

import dev.zeroedge.files.ChannelDescriptor;
import dev.zeroedge.files.FileSystemPool;
import dev.zeroedge.files.FileWriter;
import io.netty.channel.IoEventLoop;
import io.netty.channel.uring.IoUringIoHandle;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * uring-splice's way to write a fill's bytes: an {@code IORING_OP_WRITEV} on the asking loop's own ring,
 * completed on that loop, with no file-system thread and no wake-up in between (the kernel punts a buffered
 * write that must wait for the disk to its io-wq workers, so the loop never waits). Each loop gets one
 * {@link RingWrites} registered on its ring the first time it writes.
 *
 * <p>The pool writes what the ring cannot: bytes in heap buffers (the kernel needs their addresses fixed),
 * more buffers than {@link RingWrites#MAX_BUFFERS} at once, a channel whose descriptor the JDK keeps to itself,
 * a caller on another thread than its loop, and a loop with {@link RingWrites#SLOTS} writes in flight.
 */
final class RingFileWriter implements FileWriter {

    private final FileWriter pool;
    private final RingHandles<RingWrites> rings = new RingHandles<>(RingWrites::new);

    RingFileWriter(FileSystemPool pool) {
        this.pool = FileWriter.byThePool(pool);
    }

    @Override
    public Future<Void> write(FileChannel file, Path path, ByteBuffer[] buffers, long position, EventExecutor loop) {
        int fd = ChannelDescriptor.of(file);
        if (fd < 0 || buffers.length > RingWrites.MAX_BUFFERS || !loop.inEventLoop()
                || !(loop instanceof IoEventLoop ioLoop) || !ioLoop.isCompatible(IoUringIoHandle.class)) {
            return pool.write(file, path, buffers, position, loop);
        }
        for (ByteBuffer buffer : buffers) {
            if (!buffer.isDirect()) {
                return pool.write(file, path, buffers, position, loop);
            }
        }
        RingWrites ring = rings.of(ioLoop);
        Future<Void> written = ring == null ? null : ring.write(fd, buffers, position);
        return written != null ? written : pool.write(file, path, buffers, position, loop);
    }
}
