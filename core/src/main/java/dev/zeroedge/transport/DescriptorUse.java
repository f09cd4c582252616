package dev.zeroedge.transport;

/**
 * The open-file descriptors a transport holds beyond what core counts itself (a connection's socket and the
 * file its response sends from), so that the server's connection limit fits the process's open-file limit
 * in the mode actually chosen; see {@link dev.zeroedge.server.DescriptorBudget}.
 *
 * @param perBusyConnection descriptors a connection holds while a slice of a body is on its way, e.g. a
 *                          pipe and a dup of the socket on {@code uring-splice}
 * @param what              what they are, for the startup line ({@code ""} when none)
 * @param perEventLoop      descriptors each event loop holds: its epoll or ring descriptors, pooled pipes
 */
public record DescriptorUse(int perBusyConnection, String what, int perEventLoop) {

    public DescriptorUse {
        if (perBusyConnection < 0 || perEventLoop < 0 || (perBusyConnection > 0) == what.isEmpty()) {
            throw new IllegalArgumentException(perBusyConnection + " per busy connection (" + what + "), "
                    + perEventLoop + " per event loop");
        }
    }
}
