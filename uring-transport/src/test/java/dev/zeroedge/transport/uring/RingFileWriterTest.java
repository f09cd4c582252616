package dev.zeroedge.transport.uring;

import dev.zeroedge.files.FileSystemPool;
import dev.zeroedge.files.FileWriter;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * uring-splice's writer on a real io_uring loop and real files: every byte lands where it was asked, on the
 * ring and not on a file-system thread; what the ring cannot take (heap buffers) the pool writes the same way;
 * and a file system that fills up fails the write with the system's own message on both paths, after the
 * part that fitted (a short write continued, then ENOSPC).
 */
class RingFileWriterTest {

    @TempDir
    Path dir;

    private MultiThreadIoEventLoopGroup group;
    private EventLoop loop;
    private FileSystemPool pool;
    private FileWriter writer;
    private Path mounted;

    @BeforeEach
    void ring() {
        group = new MultiThreadIoEventLoopGroup(1, IoUringIoHandler.newFactory());
        loop = group.next();
        pool = new FileSystemPool(2, 16);
        writer = new UringSpliceTransport().fileWriter(pool);
        assertInstanceOf(RingFileWriter.class, writer, "the JDK's descriptors are open to zeroedge in tests");
    }

    @AfterEach
    void stop() throws Exception {
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        pool.close();
        if (mounted != null) {
            new ProcessBuilder("umount", mounted.toString()).inheritIO().start().waitFor();
        }
    }

    /** Runs {@code write} on the loop, as a fill does, and waits for its future. */
    private void onLoop(FileChannel file, Path path, ByteBuffer[] buffers, long position) throws Exception {
        Future<Void> written = loop.submit(() -> writer.write(file, path, buffers, position, loop)).get().sync();
        assertTrue(written.isSuccess());
    }

    private Throwable failureOnLoop(FileChannel file, Path path, ByteBuffer[] buffers, long position) throws Exception {
        Future<Void> written = loop.submit(() -> writer.write(file, path, buffers, position, loop)).get().await();
        assertTrue(written.isDone());
        return written.cause();
    }

    private static ByteBuffer direct(byte[] bytes) {
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    }

    @Test
    void directBuffersAreWrittenByTheRingAtTheirPositionsIncludingPastFourGigabytes() throws Exception {
        Path path = dir.resolve("body");
        byte[] expected = new byte[300_000];
        new Random(5).nextBytes(expected);
        long far = 5L * 1024 * 1024 * 1024; // a sparse file: a 64-bit offset, as a big object's last slice has
        try (FileChannel file = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.READ)) {
            // Out of order, several buffers per write, as the reads of an origin connection arrive.
            onLoop(file, path, new ByteBuffer[] {direct(Arrays.copyOfRange(expected, 100_000, 150_000)),
                    direct(Arrays.copyOfRange(expected, 150_000, 300_000))}, 100_000);
            onLoop(file, path, new ByteBuffer[] {direct(Arrays.copyOfRange(expected, 0, 1)),
                    direct(Arrays.copyOfRange(expected, 1, 99_999)), direct(Arrays.copyOfRange(expected, 99_999, 100_000))}, 0);
            onLoop(file, path, new ByteBuffer[] {direct("tail".getBytes())}, far);
            ByteBuffer read = ByteBuffer.allocate(expected.length);
            while (read.hasRemaining() && file.read(read, read.position()) > 0) {
                // all of it
            }
            assertArrayEquals(expected, read.array());
            ByteBuffer tail = ByteBuffer.allocate(4);
            file.read(tail, far);
            assertEquals("tail", new String(tail.array()));
            assertEquals(far + 4, file.size());
        }
        assertEquals(0, pool.started(), "no write went to a file-system thread");
    }

    @Test
    void heapBuffersGoToThePoolAndLandTheSame() throws Exception {
        Path path = dir.resolve("body");
        try (FileChannel file = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            onLoop(file, path, new ByteBuffer[] {ByteBuffer.wrap("heap ".getBytes()), direct("and direct".getBytes())}, 3);
        }
        assertEquals("\0\0\0heap and direct", Files.readString(path));
        assertEquals(1, pool.started(), "one write by the pool");
    }

    @Test
    void aFullFileSystemFailsTheWriteWithTheSystemsMessageOnTheRingAndInThePool() throws Exception {
        mounted = Files.createDirectory(dir.resolve("small"));
        int mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mounted.toString())
                .inheritIO().start().waitFor();
        if (mount != 0) {
            mounted = null;
            Assumptions.abort("cannot mount a tmpfs here (needs root): mount exited " + mount);
        }
        byte[] big = new byte[200_000];
        Path ring = mounted.resolve("ring");
        Path byPool = mounted.resolve("pool");
        try (FileChannel first = FileChannel.open(ring, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            Throwable full = failureOnLoop(first, ring, new ByteBuffer[] {direct(big)}, 0);
            assertInstanceOf(IOException.class, full);
            assertEquals("No space left on device", full.getMessage());
            long fitted = Files.size(ring);
            assertTrue(fitted > 0 && fitted < big.length, "the part that fitted is written: " + fitted);
        }
        Files.delete(ring);
        try (FileChannel second = FileChannel.open(byPool, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            Throwable full = failureOnLoop(second, byPool, new ByteBuffer[] {ByteBuffer.wrap(big)}, 0);
            assertInstanceOf(IOException.class, full);
            assertEquals("No space left on device", full.getMessage(), "the same message from the pool");
        }
    }

    @Test
    void aWriteFromAnotherThreadThanItsLoopGoesToThePool() throws Exception {
        Path path = dir.resolve("body");
        try (FileChannel file = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            Future<Void> written = writer.write(file, path, new ByteBuffer[] {direct("x".getBytes())}, 0, loop);
            written.sync();
        }
        assertEquals("x", Files.readString(path));
        assertEquals(1, pool.started());
    }
}
