package dev.zeroedge.transport.uring;

/**
 * How the splice sender drives the kernel. The defaults are what the measurements on this kind of
 * machine supported (see the module's README); the system properties exist so that anyone can repeat
 * the measurement, not as user configuration.
 *
 * @param pipeSize      bytes asked of {@code F_SETPIPE_SZ} ({@code -Dzeroedge.uring.pipe-size}); capped
 *                      by {@code /proc/sys/fs/pipe-max-size}
 * @param link          submit file → pipe and pipe → socket as one {@code IOSQE_IO_LINK} chain when the
 *                      pipe is empty ({@code -Dzeroedge.uring.link})
 * @param chunks        into how many chunks the pipe is cut ({@code -Dzeroedge.uring.chunks}): with 2 or
 *                      more, the next file → pipe runs while the previous chunk goes to the socket
 */
record SpliceTuning(int pipeSize, boolean link, int chunks) {

    static final SpliceTuning DEFAULT = new SpliceTuning(1024 * 1024, true, 1);

    SpliceTuning {
        if (pipeSize < 4096 || chunks < 1) {
            throw new IllegalArgumentException("pipeSize " + pipeSize + ", chunks " + chunks);
        }
    }

    static SpliceTuning fromSystemProperties() {
        return new SpliceTuning(
                Integer.getInteger("zeroedge.uring.pipe-size", DEFAULT.pipeSize),
                Boolean.parseBoolean(System.getProperty("zeroedge.uring.link", Boolean.toString(DEFAULT.link))),
                Integer.getInteger("zeroedge.uring.chunks", DEFAULT.chunks));
    }
}
