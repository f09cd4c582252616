package dev.zeroedge.files;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;

/**
 * The descriptor number behind a {@link FileChannel}, which io_uring and {@link Statx} need and the JDK
 * keeps private ({@code sun.nio.ch.FileChannelImpl.fd}, {@code java.io.FileDescriptor.fd}). Readable when
 * the JVM runs with {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens
 * java.base/java.io=ALL-UNNAMED} (the runnable jar's manifest and every test JVM carry them).
 *
 * <p>Why it matters: the open-file cache keeps a file open after it was checked, so the bytes to send are
 * those of <em>its</em> descriptor; opening the path again could find a file that has been renamed over
 * it since. Read once, when the file is opened ({@link OpenFile#descriptor}).
 */
public final class ChannelDescriptor {

    private static final VarHandle CHANNEL_FD;
    private static final VarHandle FD_NUMBER;
    private static final Class<?> CHANNEL_CLASS;

    static {
        VarHandle channelFd = null;
        VarHandle fdNumber = null;
        Class<?> channelClass = null;
        try {
            channelClass = Class.forName("sun.nio.ch.FileChannelImpl");
            channelFd = MethodHandles.privateLookupIn(channelClass, MethodHandles.lookup())
                    .findVarHandle(channelClass, "fd", FileDescriptor.class);
            fdNumber = MethodHandles.privateLookupIn(FileDescriptor.class, MethodHandles.lookup())
                    .findVarHandle(FileDescriptor.class, "fd", int.class);
        } catch (ReflectiveOperationException | RuntimeException notOpen) {
            channelFd = null;
        }
        CHANNEL_FD = channelFd;
        FD_NUMBER = fdNumber;
        CHANNEL_CLASS = channelClass;
    }

    private ChannelDescriptor() {
    }

    /** Whether the JDK's fields are open to zeroedge, so {@link #of} can answer. */
    public static boolean readable() {
        return CHANNEL_FD != null;
    }

    /** Whether {@link #adopt} can make a channel of a descriptor number. */
    static boolean adoptable() {
        return FD_NUMBER != null;
    }

    /**
     * A read-only channel that owns {@code fd} from now on (closing the channel closes it): for a descriptor
     * opened outside the JDK (non-blocking, or by io_uring). Only when {@link #adoptable}.
     */
    static FileChannel adopt(int fd) {
        FileDescriptor descriptor = new FileDescriptor();
        FD_NUMBER.set(descriptor, fd);
        return new FileInputStream(descriptor).getChannel();
    }

    /** The channel's descriptor number, or -1 when the JDK's fields are not open to zeroedge. */
    public static int of(FileChannel channel) {
        if (CHANNEL_FD == null || !CHANNEL_CLASS.isInstance(channel)) {
            return -1;
        }
        FileDescriptor fd = (FileDescriptor) CHANNEL_FD.get(channel);
        return fd == null ? -1 : (int) FD_NUMBER.get(fd);
    }
}
