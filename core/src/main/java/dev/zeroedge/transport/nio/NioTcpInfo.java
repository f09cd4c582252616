package dev.zeroedge.transport.nio;

import io.netty.channel.Channel;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.channels.SocketChannel;
import java.util.Locale;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * What Linux's TCP_INFO says about an NIO connection's sending, which the JDK does not offer: read with
 * {@code getsockopt} through the FFM linker, on the descriptor number the JDK keeps private
 * ({@code sun.nio.ch.SocketChannelImpl.getFDVal()}, readable when the JVM opens {@code sun.nio.ch} to
 * zeroedge, as the runnable jar's manifest does). Without the opens, or off Linux, it cannot tell.
 */
final class NioTcpInfo {

    private static final int IPPROTO_TCP = 6;
    private static final int TCP_INFO = 11;
    /** {@code struct tcp_info}: {@code tcpi_retransmits} is its third byte, {@code tcpi_last_data_sent} at 44. */
    private static final long RETRANSMITS = 2;
    private static final long LAST_DATA_SENT = 44;
    private static final int SIZE = 104;

    private static final MethodHandle JAVA_CHANNEL;
    private static final MethodHandle FD_VAL;
    private static final MethodHandle GETSOCKOPT;

    static {
        MethodHandle javaChannel = null;
        MethodHandle fdVal = null;
        MethodHandle getsockopt = null;
        try {
            if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
                Class<?> impl = Class.forName("sun.nio.ch.SocketChannelImpl");
                fdVal = MethodHandles.privateLookupIn(impl, MethodHandles.lookup())
                        .findVirtual(impl, "getFDVal", MethodType.methodType(int.class));
                javaChannel = MethodHandles.privateLookupIn(NioSocketChannel.class, MethodHandles.lookup())
                        .findVirtual(NioSocketChannel.class, "javaChannel", MethodType.methodType(SocketChannel.class));
                Linker linker = Linker.nativeLinker();
                getsockopt = linker.downcallHandle(linker.defaultLookup().find("getsockopt").orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
            }
        } catch (ReflectiveOperationException | RuntimeException notOpen) {
            fdVal = null;
        }
        JAVA_CHANNEL = javaChannel;
        FD_VAL = fdVal;
        GETSOCKOPT = getsockopt;
    }

    private NioTcpInfo() {
    }

    /** The descriptor number of a JDK socket channel, or -1 when its fields are not open to zeroedge. */
    private static int descriptorOf(SocketChannel socket) {
        if (FD_VAL == null) {
            return -1;
        }
        try {
            return (int) FD_VAL.invoke(socket);
        } catch (Throwable t) {
            return -1;
        }
    }

    /** The descriptor number of a Netty NIO socket channel's socket, or -1 when it is closed or cannot be read. */
    static int descriptorOf(Channel channel) {
        if (JAVA_CHANNEL == null || !(channel instanceof NioSocketChannel nio) || !channel.isOpen()) {
            return -1;
        }
        try {
            return descriptorOf((SocketChannel) JAVA_CHANNEL.invokeExact(nio));
        } catch (Throwable t) {
            return -1;
        }
    }

    /** See {@link dev.zeroedge.transport.Transport#millisSinceDataSent}; -1 when it cannot tell. */
    static long millisSinceDataSent(Channel channel) {
        if (FD_VAL == null || !(channel instanceof NioSocketChannel nio) || !channel.isOpen()) {
            return -1;
        }
        try (Arena arena = Arena.ofConfined()) {
            SocketChannel socket = (SocketChannel) JAVA_CHANNEL.invokeExact(nio);
            int fd = (int) FD_VAL.invoke(socket);
            MemorySegment info = arena.allocate(SIZE, 8);
            MemorySegment length = arena.allocate(JAVA_INT);
            length.set(JAVA_INT, 0, SIZE);
            int rc = (int) GETSOCKOPT.invokeExact(fd, IPPROTO_TCP, TCP_INFO, info, length);
            if (rc != 0 || length.get(JAVA_INT, 0) < LAST_DATA_SENT + 4) {
                return -1;
            }
            return info.get(JAVA_BYTE, RETRANSMITS) == 0
                    ? Integer.toUnsignedLong(info.get(JAVA_INT, LAST_DATA_SENT)) : -1;
        } catch (Throwable t) {
            return -1;
        }
    }
}
