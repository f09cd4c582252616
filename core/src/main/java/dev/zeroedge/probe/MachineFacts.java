package dev.zeroedge.probe;

import java.util.Objects;

/**
 * Everything the probe found, gathered once at startup. {@link ModeSelector} turns it into a mode and a
 * reason; the {@code probe} command prints it. Every part says why when it could not find something.
 */
public record MachineFacts(Kernel kernel, IoUring ioUring, Epoll epoll, Nic nic) {

    public MachineFacts {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(ioUring, "ioUring");
        Objects.requireNonNull(epoll, "epoll");
        Objects.requireNonNull(nic, "nic");
    }

    /**
     * @param release the text of {@code /proc/sys/kernel/osrelease}, or null when unreadable
     * @param version its leading major.minor[.patch], or null when it has none
     * @param cause   why there is no version (null when there is)
     */
    public record Kernel(String release, KernelVersion version, String cause) {
    }

    /**
     * @param available whether Netty's io_uring runs here
     * @param splice    whether the kernel supports IORING_OP_SPLICE
     * @param cause     why io_uring is unavailable (null when available)
     * @param disabled  the text of {@code /proc/sys/kernel/io_uring_disabled} (0 all, 1 privileged or
     *                  io_uring_group only, 2 nobody), or null when the file is absent (kernels before 6.6)
     */
    public record IoUring(boolean available, boolean splice, String cause, String disabled) {

        /** The sysctl switched io_uring off for every process. */
        public boolean disabledForAll() {
            return "2".equals(disabled);
        }
    }

    /** @param cause why epoll is unavailable (null when available) */
    public record Epoll(boolean available, String cause) {
    }

    /**
     * The interface that carries the traffic.
     *
     * @param name          the interface name, or null when none was found
     * @param foundBy       how it was found: {@code --nic}, {@code bind address}, {@code default route}, or
     *                      {@code none}
     * @param scatterGather its scatter-gather feature (unknown when there is no name, the cause saying why)
     */
    public record Nic(String name, String foundBy, ScatterGather scatterGather) {

        /** The name for a reason line: the interface, or "NIC" when none was found. */
        public String label() {
            return name == null ? "NIC" : name;
        }
    }
}
