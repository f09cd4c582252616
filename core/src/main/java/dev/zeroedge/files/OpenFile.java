package dev.zeroedge.files;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An open, read-only file shared by everything that sends from it: the slices of a body, the parts of
 * a multipart response. Reference counted; the descriptor is closed when the last reference goes, so a
 * client that disconnects mid-download leaves no descriptor behind.
 *
 * <p>A small file kept by the {@link OpenFileCache} may also hold its bytes ({@link #body}), read once when
 * it was opened and checked, so that they are the bytes its validators describe.
 */
public final class OpenFile extends AbstractReferenceCounted {

    private final Path path;
    private final FileChannel channel;
    private final int descriptor;
    private final long length;
    private final GrowingBody growing;
    private ByteBuf body;
    private HeldBodies account;

    private OpenFile(Path path, FileChannel channel, long length, GrowingBody growing) {
        this.path = path;
        this.channel = channel;
        this.descriptor = ChannelDescriptor.of(channel);
        this.length = length;
        this.growing = growing;
    }

    private OpenFile(Path path, FileChannel channel, long length) {
        this(path, channel, length, null);
    }

    /**
     * Opens {@code path}, a file still being written, for reading: its {@link #length} is the length it will
     * have (-1 while that is not known), and {@code growing} says how much of it can be read so far (senders
     * wait for it).
     */
    public static OpenFile filling(Path path, GrowingBody growing) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            return new OpenFile(path, channel, growing.length(), growing);
        } catch (RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Opens {@code path} for reading; the length is the one of the open descriptor, not of a later stat. */
    public static OpenFile open(Path path) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            return new OpenFile(path, channel, channel.size());
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * The file behind {@code fd}, a descriptor opened outside the JDK ({@link NonBlockingOpen}, or io_uring's
     * openat), owned from now on: released, it is closed. {@code length} is the statx of that descriptor.
     * Only where {@link NonBlockingOpen#available}.
     */
    public static OpenFile adopt(Path path, int fd, long length) {
        return new OpenFile(path, ChannelDescriptor.adopt(fd), length);
    }

    /**
     * Reads the whole file into memory, if {@code account} has room for it. Called once, right after the
     * open and before the check that the file is still the one its validators describe.
     */
    public void hold(HeldBodies account) throws IOException {
        if (body != null || length == 0 || !account.reserve(length)) {
            return;
        }
        ByteBuf bytes = Unpooled.directBuffer((int) length);
        try {
            while (bytes.isWritable()) {
                if (bytes.writeBytes(channel, bytes.writerIndex(), bytes.writableBytes()) < 0) {
                    throw new FileChangedException(path);
                }
            }
        } catch (IOException | RuntimeException e) {
            bytes.release();
            account.giveBack(length);
            throw e;
        }
        this.body = bytes;
        this.account = account;
    }

    /**
     * Holds {@code bytes}, the whole file as read by someone else (uring-splice reads it through its ring into a
     * direct buffer), for which {@code account} has already {@linkplain HeldBodies#reserve reserved} the length.
     * Owned from now on. Called once, like {@link #hold}, before the check of the validators.
     */
    public void hold(ByteBuf bytes, HeldBodies account) {
        if (body != null || bytes.readableBytes() != length) {
            throw new IllegalStateException("holding " + bytes.readableBytes() + " bytes of " + this);
        }
        this.body = bytes;
        this.account = account;
    }

    /** The file's bytes when it holds them (never to be modified or released by the caller), else null. */
    public ByteBuf body() {
        return body;
    }

    public Path path() {
        return path;
    }

    public FileChannel channel() {
        return channel;
    }

    /**
     * The channel's descriptor number, for system calls the JDK does not make (io_uring's splice, statx);
     * -1 when the JVM does not open the JDK's fields to zeroedge (see {@link ChannelDescriptor}).
     */
    public int descriptor() {
        return descriptor;
    }

    /**
     * Whether the file behind this descriptor still has {@code info}'s length and mtime and a name: one
     * statx of the descriptor, or a stat of the path where its number is not readable (a stat by path also
     * sees a file renamed over this one as a change, which only makes the cache look again).
     */
    public boolean describedBy(FileInfo info) {
        if (descriptor >= 0 && Statx.available()) {
            return Statx.describes(descriptor, info);
        }
        try {
            return FileInfo.read(path).equals(info);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * How much of a file that is still being written can be read ({@link #filling}); null for a file whose
     * bytes are all there.
     */
    public GrowingBody growing() {
        return growing;
    }

    /**
     * The length seen when the file was opened; of a {@linkplain #filling filling} one, the length it will have,
     * -1 while that is not known.
     */
    public long length() {
        return growing != null ? growing.length() : length;
    }

    @Override
    public OpenFile retain() {
        super.retain();
        return this;
    }

    @Override
    public ReferenceCounted touch(Object hint) {
        return this;
    }

    @Override
    protected void deallocate() {
        if (body != null) {
            body.release();
            account.giveBack(length);
            body = null;
        }
        // Often on an event loop (the last slice of the last response was sent): see Closer.
        Closer.later(channel);
    }

    @Override
    public String toString() {
        return "OpenFile(" + path + ", " + length + " bytes, refCnt " + refCnt() + ")";
    }
}
