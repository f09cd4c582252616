package dev.zeroedge.probe;

import dev.zeroedge.mode.Mode;

import java.util.Objects;

/**
 * The policy of {@code --mode auto}, a pure function of the {@link MachineFacts}:
 * <ol>
 *   <li>{@code uring-splice} when the kernel is at least the io_uring minimum, io_uring runs here with
 *       splice support and is not switched off by {@code io_uring_disabled = 2}, and the NIC's
 *       scatter-gather is on (unknown counts as on: most NICs have it, and the reason says so);</li>
 *   <li>else {@code epoll-sendfile} when epoll is available, the reason naming the first io_uring
 *       condition that failed;</li>
 *   <li>else {@code nio-sendfile}, which runs wherever Java does.</li>
 * </ol>
 * Scatter-gather decides between the two zero-copy paths because without it the NIC cannot take page
 * references: the kernel copies each packet into one linear buffer, and io_uring's extra machinery
 * (pipe, io-wq workers) then costs more than it saves, while sendfile(2) stays the simpler path.
 */
public final class ModeSelector {

    /** Default of {@code --uring-min-kernel}: 6.1 is the first LTS kernel with a mature io_uring. */
    public static final KernelVersion DEFAULT_URING_MIN_KERNEL = KernelVersion.parse("6.1").orElseThrow();

    /** The mode and the reason logged in the startup line {@code mode MODE (REASON)}. */
    public record Choice(Mode mode, String reason) {
    }

    private final KernelVersion uringMinKernel;

    public ModeSelector(KernelVersion uringMinKernel) {
        this.uringMinKernel = Objects.requireNonNull(uringMinKernel, "uringMinKernel");
    }

    public Choice select(MachineFacts facts) {
        String againstUring = againstUring(facts);
        if (againstUring == null) {
            return new Choice(Mode.URING_SPLICE, "auto: kernel " + facts.kernel().version() + " >= " + uringMinKernel
                    + "; io_uring splice supported; " + scatterGatherForUring(facts.nic()));
        }
        if (facts.epoll().available()) {
            return new Choice(Mode.EPOLL_SENDFILE, "auto: " + againstUring);
        }
        return new Choice(Mode.NIO_SENDFILE, "auto: " + againstUring + "; epoll unavailable: " + facts.epoll().cause());
    }

    /** The first condition for uring-splice that does not hold, or null when all hold. */
    private String againstUring(MachineFacts facts) {
        MachineFacts.Kernel kernel = facts.kernel();
        if (kernel.version() == null) {
            return "kernel version unknown: " + kernel.cause();
        }
        if (!kernel.version().isAtLeast(uringMinKernel)) {
            return "kernel " + kernel.version() + " < " + uringMinKernel;
        }
        MachineFacts.IoUring ioUring = facts.ioUring();
        if (ioUring.disabledForAll()) {
            return "io_uring disabled by /proc/sys/kernel/io_uring_disabled = 2";
        }
        if (!ioUring.available()) {
            return "io_uring unavailable: " + ioUring.cause();
        }
        if (!ioUring.splice()) {
            return "io_uring splice not supported";
        }
        ScatterGather sg = facts.nic().scatterGather();
        if (sg.setting() == ScatterGather.Setting.OFF) {
            return facts.nic().label() + " scatter-gather " + sg.describe();
        }
        return null;
    }

    private static String scatterGatherForUring(MachineFacts.Nic nic) {
        ScatterGather sg = nic.scatterGather();
        String said = nic.label() + " scatter-gather " + sg.describe();
        return sg.setting() == ScatterGather.Setting.UNKNOWN ? said + ", counted as on" : said;
    }
}
