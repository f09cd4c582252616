package dev.zeroedge.probe;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** The auto policy, one row per branch: facts in, mode and exact reason out. */
class ModeSelectorTest {

    private static final String NO_URING = "no uring-splice provider on the class path";
    private static final String NO_EPOLL = "no epoll-sendfile provider on the class path";

    static Stream<Arguments> policy() {
        Facts good = new Facts();
        return Stream.of(
                row("everything holds", "6.1", good,
                        "uring-splice", "auto: kernel 6.18.44 >= 6.1; io_uring splice supported; eth0 scatter-gather on"),
                row("scatter-gather on [fixed]", "6.1", good.sg(ScatterGather.known(true, "[fixed]", ScatterGather.Source.ETHTOOL)),
                        "uring-splice", "auto: kernel 6.18.44 >= 6.1; io_uring splice supported; eth0 scatter-gather on [fixed]"),
                row("scatter-gather from the ioctl", "6.1", good.sg(ScatterGather.known(true, "", ScatterGather.Source.IOCTL)),
                        "uring-splice", "auto: kernel 6.18.44 >= 6.1; io_uring splice supported; eth0 scatter-gather on"),
                row("scatter-gather unknown counts as on", "6.1", good.sg(ScatterGather.unknown("ethtool: gone; ioctl: gone")),
                        "uring-splice", "auto: kernel 6.18.44 >= 6.1; io_uring splice supported; eth0 scatter-gather unknown, counted as on"),
                row("no NIC found counts as on", "6.1", good.nic(null).sg(ScatterGather.unknown("no default route")),
                        "uring-splice", "auto: kernel 6.18.44 >= 6.1; io_uring splice supported; NIC scatter-gather unknown, counted as on"),
                row("kernel exactly the minimum", "6.1", good.release("6.1.0-13-amd64"),
                        "uring-splice", "auto: kernel 6.1.0 >= 6.1; io_uring splice supported; eth0 scatter-gather on"),
                row("--uring-min-kernel equal to the kernel", "6.18.44", good,
                        "uring-splice", "auto: kernel 6.18.44 >= 6.18.44; io_uring splice supported; eth0 scatter-gather on"),
                row("io_uring_disabled = 1 but io_uring runs for us", "6.1", good.disabled("1"),
                        "uring-splice", "auto: kernel 6.18.44 >= 6.1; io_uring splice supported; eth0 scatter-gather on"),
                row("io_uring_disabled absent (kernel before 6.6)", "6.1", good.disabled(null),
                        "uring-splice", "auto: kernel 6.18.44 >= 6.1; io_uring splice supported; eth0 scatter-gather on"),

                row("scatter-gather off", "6.1", good.sg(ScatterGather.known(false, "", ScatterGather.Source.ETHTOOL)),
                        "epoll-sendfile", "auto: eth0 scatter-gather off"),
                row("scatter-gather off [fixed]", "6.1", good.sg(ScatterGather.known(false, "[fixed]", ScatterGather.Source.ETHTOOL)),
                        "epoll-sendfile", "auto: eth0 scatter-gather off [fixed]"),
                row("scatter-gather off from the ioctl", "6.1", good.sg(ScatterGather.known(false, "", ScatterGather.Source.IOCTL)),
                        "epoll-sendfile", "auto: eth0 scatter-gather off"),
                row("kernel below the minimum", "6.1", good.release("5.15.0-91-generic"),
                        "epoll-sendfile", "auto: kernel 5.15.0 < 6.1"),
                row("kernel below --uring-min-kernel", "6.19", good,
                        "epoll-sendfile", "auto: kernel 6.18.44 < 6.19"),
                row("kernel version unknown", "6.1", good.release("custom-build"),
                        "epoll-sendfile", "auto: kernel version unknown: release 'custom-build' does not start with major.minor"),
                row("io_uring_disabled = 2", "6.1", good.disabled("2"),
                        "epoll-sendfile", "auto: io_uring disabled by /proc/sys/kernel/io_uring_disabled = 2"),
                row("io_uring unavailable", "6.1", good.uring(false, false, NO_URING),
                        "epoll-sendfile", "auto: io_uring unavailable: " + NO_URING),
                row("io_uring without splice", "6.1", good.uring(true, false, null),
                        "epoll-sendfile", "auto: io_uring splice not supported"),

                row("no epoll, scatter-gather off", "6.1", good.epoll(false, NO_EPOLL).sg(ScatterGather.known(false, "", ScatterGather.Source.ETHTOOL)),
                        "nio-sendfile", "auto: eth0 scatter-gather off; epoll unavailable: " + NO_EPOLL),
                row("neither io_uring nor epoll", "6.1", good.uring(false, false, NO_URING).epoll(false, NO_EPOLL),
                        "nio-sendfile", "auto: io_uring unavailable: " + NO_URING + "; epoll unavailable: " + NO_EPOLL),
                row("old kernel, no epoll", "6.1", good.release("4.19.0").epoll(false, "epoll needs Linux"),
                        "nio-sendfile", "auto: kernel 4.19.0 < 6.1; epoll unavailable: epoll needs Linux"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("policy")
    void selects(String branch, String minKernel, Facts facts, String mode, String reason) {
        ModeSelector.Choice choice = new ModeSelector(KernelVersion.parse(minKernel).orElseThrow()).select(facts.build());
        assertEquals(mode, choice.mode().userName(), branch);
        assertEquals(reason, choice.reason(), branch);
    }

    private static Arguments row(String branch, String minKernel, Facts facts, String mode, String reason) {
        return arguments(branch, minKernel, facts, mode, reason);
    }

    /** Facts of a machine where uring-splice should win, changed one fact at a time. */
    record Facts(String release, boolean uring, boolean splice, String uringCause, String disabled,
                 boolean epoll, String epollCause, String nic, ScatterGather sg) {

        Facts() {
            this("6.18.44-fc-v657", true, true, null, "0", true, null, "eth0",
                    ScatterGather.known(true, "", ScatterGather.Source.ETHTOOL));
        }

        Facts release(String r) {
            return new Facts(r, uring, splice, uringCause, disabled, epoll, epollCause, nic, sg);
        }

        Facts uring(boolean available, boolean withSplice, String cause) {
            return new Facts(release, available, withSplice, cause, disabled, epoll, epollCause, nic, sg);
        }

        Facts disabled(String d) {
            return new Facts(release, uring, splice, uringCause, d, epoll, epollCause, nic, sg);
        }

        Facts epoll(boolean available, String cause) {
            return new Facts(release, uring, splice, uringCause, disabled, available, cause, nic, sg);
        }

        Facts nic(String name) {
            return new Facts(release, uring, splice, uringCause, disabled, epoll, epollCause, name, sg);
        }

        Facts sg(ScatterGather s) {
            return new Facts(release, uring, splice, uringCause, disabled, epoll, epollCause, nic, s);
        }

        MachineFacts build() {
            KernelVersion version = KernelVersion.parse(release).orElse(null);
            return new MachineFacts(
                    new MachineFacts.Kernel(release, version,
                            version == null ? "release '" + release + "' does not start with major.minor" : null),
                    new MachineFacts.IoUring(uring, splice, uringCause, disabled),
                    new MachineFacts.Epoll(epoll, epollCause),
                    new MachineFacts.Nic(nic, nic == null ? "none" : "default route", sg));
        }

        @Override
        public String toString() {
            return "facts";
        }
    }
}
