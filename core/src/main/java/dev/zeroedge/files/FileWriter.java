package dev.zeroedge.files;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * How bytes that came in from the network reach a file without a blocking call on an event loop: the edge
 * cache's fills write their origin's bodies with it. By default a thread of the file's disk writes
 * ({@link #byThePool}); uring-splice writes through the asking loop's own ring, with no thread in between
 * (see {@link dev.zeroedge.transport.Transport#fileWriter}).
 */
@FunctionalInterface
public interface FileWriter {

    /**
     * Writes every byte of {@code buffers} (from their positions to their limits) into {@code file} at
     * {@code position}. The future completes on {@code loop}: failed with an {@link IOException} when the file
     * system refuses (its message is the system's, {@code No space left on device} for ENOSPC). Null when the
     * write cannot even be queued now (the disk's queue is full): the caller asks again later. Until the
     * future completes the buffers are the writer's: the caller neither changes nor frees them.
     *
     * @param path the file's path, which names its disk; {@code file} is what is written
     */
    Future<Void> write(FileChannel file, Path path, ByteBuffer[] buffers, long position, EventExecutor loop);

    /** Writes on a file-system thread of the file's disk. */
    static FileWriter byThePool(FileSystemPool pool) {
        return (file, path, buffers, position, loop) -> pool.submit(path, () -> {
            writeFully(file, buffers, position);
            return null;
        }, loop);
    }

    /** Blocking: every byte of {@code buffers} at {@code position}, a short write continued. */
    static void writeFully(FileChannel file, ByteBuffer[] buffers, long position) throws IOException {
        long at = position;
        for (ByteBuffer buffer : buffers) {
            while (buffer.hasRemaining()) {
                at += file.write(buffer, at);
            }
        }
    }
}
