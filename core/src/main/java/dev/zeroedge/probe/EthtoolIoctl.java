package dev.zeroedge.probe;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

/**
 * Reads scatter-gather straight from the kernel, for machines without an {@code ethtool} binary: the
 * {@code SIOCETHTOOL} ioctl with {@code ETHTOOL_GSG} on any socket, through the FFM API (no JNI, no new
 * dependency). This is what {@code ethtool -k} itself asks the kernel, minus the {@code [fixed]} flag.
 */
final class EthtoolIoctl {

    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM = 2;
    private static final long SIOCETHTOOL = 0x8946;
    // <linux/ethtool.h>: 0x18. (0x10 is ETHTOOL_GRINGPARAM, whose 36-byte answer would overrun ethtool_value.)
    private static final int ETHTOOL_GSG = 0x18;
    private static final int IFNAMSIZ = 16;

    // struct ifreq on 64-bit Linux: char ifr_name[16], then a 24-byte union whose ifr_data is a pointer.
    private static final long IFREQ_SIZE = 40;
    private static final long IFR_DATA_OFFSET = IFNAMSIZ;
    // struct ethtool_value { __u32 cmd; __u32 data; }
    private static final long ETHTOOL_VALUE_SIZE = 8;
    private static final long ETHTOOL_VALUE_DATA_OFFSET = 4;

    private EthtoolIoctl() {
    }

    /** The feature, or unknown with the cause (no such device, not Linux, native access refused...). */
    static ScatterGather scatterGather(String nic) {
        byte[] name = nic.getBytes(StandardCharsets.US_ASCII);
        if (name.length == 0 || name.length >= IFNAMSIZ || nic.indexOf('\0') >= 0) {
            return ScatterGather.unknown("'" + nic + "' is not an interface name");
        }
        if (!System.getProperty("os.name", "").equals("Linux") || ValueLayout.ADDRESS.byteSize() != 8) {
            return ScatterGather.unknown("SIOCETHTOOL is only known here for 64-bit Linux");
        }
        try {
            return Native.INSTANCE.gsg(name, nic);
        } catch (Throwable e) {
            // Probing never throws: an FFM failure (restricted access denied, missing symbol) is a cause.
            return ScatterGather.unknown("SIOCETHTOOL failed: " + e);
        }
    }

    /** The libc functions, looked up once on first use. */
    private static final class Native {

        static final Native INSTANCE = new Native();

        private final StructLayout callState = Linker.Option.captureStateLayout();
        private final VarHandle errno = callState.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        private final MethodHandle socket;
        private final MethodHandle ioctl;
        private final MethodHandle close;
        private final MethodHandle strerror;

        private Native() {
            Linker linker = Linker.nativeLinker();
            SymbolLookup libc = linker.defaultLookup();
            Linker.Option errnoCapture = Linker.Option.captureCallState("errno");
            socket = linker.downcallHandle(libc.findOrThrow("socket"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT),
                    errnoCapture);
            // int ioctl(int fd, unsigned long request, ...): the pointer is the first variadic argument.
            ioctl = linker.downcallHandle(libc.findOrThrow("ioctl"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                            ValueLayout.ADDRESS),
                    errnoCapture, Linker.Option.firstVariadicArg(2));
            close = linker.downcallHandle(libc.findOrThrow("close"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            strerror = linker.downcallHandle(libc.findOrThrow("strerror"),
                    FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        }

        ScatterGather gsg(byte[] name, String nic) throws Throwable {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = arena.allocate(callState);
                int fd = (int) socket.invokeExact(state, AF_INET, SOCK_DGRAM, 0);
                if (fd < 0) {
                    return ScatterGather.unknown("socket(AF_INET, SOCK_DGRAM): " + error(state));
                }
                try {
                    MemorySegment value = arena.allocate(ETHTOOL_VALUE_SIZE, 4);
                    value.set(ValueLayout.JAVA_INT, 0, ETHTOOL_GSG);
                    MemorySegment ifreq = arena.allocate(IFREQ_SIZE, 8);
                    MemorySegment.copy(name, 0, ifreq, ValueLayout.JAVA_BYTE, 0, name.length);
                    ifreq.set(ValueLayout.ADDRESS, IFR_DATA_OFFSET, value);
                    int rc = (int) ioctl.invokeExact(state, fd, SIOCETHTOOL, ifreq);
                    if (rc < 0) {
                        return ScatterGather.unknown("SIOCETHTOOL ETHTOOL_GSG on " + nic + ": " + error(state));
                    }
                    boolean on = value.get(ValueLayout.JAVA_INT, ETHTOOL_VALUE_DATA_OFFSET) != 0;
                    return ScatterGather.known(on, "", ScatterGather.Source.IOCTL);
                } finally {
                    int ignored = (int) close.invokeExact(fd);
                }
            }
        }

        private String error(MemorySegment state) throws Throwable {
            int code = (int) errno.get(state, 0L);
            MemorySegment message = (MemorySegment) strerror.invokeExact(code);
            return message.reinterpret(256).getString(0) + " (errno " + code + ")";
        }
    }
}
