package dev.zeroedge.transport;

/**
 * What a mode needs from the machine beyond Java. An unavailable mode names the one that is missing, so the
 * probe tells "io_uring does not run here" from "io_uring runs but cannot splice" without parsing a message.
 */
public enum Feature {
    /** Netty's io_uring: its native library loads and the kernel sets up a ring. */
    IO_URING,
    /** {@code IORING_OP_SPLICE} among the operations the kernel's io_uring probe lists (Linux 5.7+). */
    IO_URING_SPLICE,
    /** Netty's epoll: its native library loads. */
    EPOLL
}
