package dev.zeroedge.transport.uring;

import java.util.Locale;

/**
 * How the splice sender drives the kernel. The defaults are what the measurements on this kind of
 * machine supported (see the module's README); the system properties exist so that anyone can repeat
 * the measurement, not as user configuration.
 *
 * @param pipeSize      bytes asked of {@code F_SETPIPE_SZ} ({@code -Dzeroedge.uring.pipe-size}); capped
 *                      by {@code /proc/sys/fs/pipe-max-size}
 * @param chain         how pipe → socket follows file → pipe ({@code -Dzeroedge.uring.chain}): {@code serial}
 *                      submits it when file → pipe has completed; {@code linked} submits both at once as an
 *                      {@code IOSQE_IO_LINK} chain; {@code parallel} submits both at once unlinked, so the
 *                      socket side already waits on the (blocking) pipe while the file side fills it
 * @param chunks        into how many chunks the pipe is cut ({@code -Dzeroedge.uring.chunks}): with 2 or
 *                      more, the next file → pipe runs while the previous chunk goes to the socket
 * @param headInPipe    write the response head into the pipe in front of the body when Netty has nothing
 *                      pending ({@code -Dzeroedge.uring.head-in-pipe}); otherwise it goes through Netty
 */
record SpliceTuning(int pipeSize, Chain chain, int chunks, boolean headInPipe) {

    enum Chain { SERIAL, LINKED, PARALLEL }

    static final SpliceTuning DEFAULT = new SpliceTuning(1024 * 1024, Chain.LINKED, 1, true);

    SpliceTuning {
        if (pipeSize < 4096 || chunks < 1) {
            throw new IllegalArgumentException("pipeSize " + pipeSize + ", chunks " + chunks);
        }
    }

    static SpliceTuning fromSystemProperties() {
        return new SpliceTuning(
                Integer.getInteger("zeroedge.uring.pipe-size", DEFAULT.pipeSize),
                Chain.valueOf(System.getProperty("zeroedge.uring.chain", DEFAULT.chain.name()).toUpperCase(Locale.ROOT)),
                Integer.getInteger("zeroedge.uring.chunks", DEFAULT.chunks),
                Boolean.parseBoolean(System.getProperty("zeroedge.uring.head-in-pipe",
                        Boolean.toString(DEFAULT.headInPipe))));
    }
}
