package dev.zeroedge.launcher;

import dev.zeroedge.cli.Flags;
import dev.zeroedge.cli.JsonText;
import dev.zeroedge.cli.UsageException;
import dev.zeroedge.probe.KernelVersion;
import dev.zeroedge.probe.MachineFacts;
import dev.zeroedge.probe.MachineProbe;
import dev.zeroedge.probe.ModeSelector;
import dev.zeroedge.probe.ScatterGather;
import dev.zeroedge.transport.Transports;

import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Set;

/**
 * {@code probe [--json] [--nic IFACE] [--bind ADDR] [--uring-min-kernel V]}: the facts {@code serve} would
 * find, the mode {@code --mode auto} would pick and why, as text or as one JSON object.
 */
final class ProbeCommand {

    private static final Set<String> VALUED = Set.of("nic", "bind", "uring-min-kernel");
    private static final Set<String> BOOLEANS = Set.of("json");

    private ProbeCommand() {
    }

    static int run(String[] args, PrintStream out) throws UsageException {
        Flags flags = Flags.parse(args, 1, VALUED, BOOLEANS);
        InetAddress bind = bindAddress(flags.string("bind", "0.0.0.0"));
        ModeSelector selector = new ModeSelector(uringMinKernel(flags));
        MachineFacts facts = MachineProbe.ofThisMachine(Transports.load()).probe(bind, flags.string("nic", null));
        ModeSelector.Choice choice = selector.select(facts);
        out.print(flags.has("json") ? json(facts, choice) + "\n" : text(facts, choice));
        return Main.EXIT_OK;
    }

    /** {@code --uring-min-kernel}: major.minor[.patch], default 6.1. */
    static KernelVersion uringMinKernel(Flags flags) throws UsageException {
        if (!flags.has("uring-min-kernel")) {
            return ModeSelector.DEFAULT_URING_MIN_KERNEL;
        }
        String value = flags.string("uring-min-kernel", null);
        KernelVersion version = KernelVersion.parse(value).orElse(null);
        if (version == null || !version.toString().equals(value)) {
            flags.problem(flags.where("uring-min-kernel") + " needs major.minor[.patch], e.g. 6.1: " + value);
            return ModeSelector.DEFAULT_URING_MIN_KERNEL;
        }
        return version;
    }

    static InetAddress bindAddress(String bind) throws UsageException {
        InetSocketAddress address = new InetSocketAddress(bind, 0);
        if (address.isUnresolved()) {
            throw new UsageException("--bind " + bind + " is not an address of this machine");
        }
        return address.getAddress();
    }

    static String text(MachineFacts facts, ModeSelector.Choice choice) {
        MachineFacts.Kernel kernel = facts.kernel();
        MachineFacts.IoUring uring = facts.ioUring();
        MachineFacts.Nic nic = facts.nic();
        ScatterGather sg = nic.scatterGather();
        StringBuilder s = new StringBuilder();
        s.append("kernel          ").append(kernel.release() == null ? "unknown" : kernel.release())
                .append(kernel.version() != null ? " (version " + kernel.version() + ")" : ": " + kernel.cause())
                .append('\n');
        s.append("io_uring        ")
                .append(uring.available() ? "available, splice " + (uring.splice() ? "supported" : "not supported")
                        : "unavailable: " + uring.cause())
                .append("; io_uring_disabled = ").append(uring.disabled() == null ? "absent" : uring.disabled())
                .append('\n');
        s.append("epoll           ").append(facts.epoll().available() ? "available" : "unavailable: "
                + facts.epoll().cause()).append('\n');
        s.append("nic             ").append(nic.label()).append(" (").append(nic.foundBy()).append(")\n");
        s.append("scatter-gather  ").append(sg.describe())
                .append(sg.cause() == null ? " (" + sg.source() + ")" : ": " + sg.cause()).append('\n');
        s.append("mode ").append(choice.mode()).append(" (").append(choice.reason()).append(")\n");
        return s.toString();
    }

    /** One JSON object, written by hand: the shape is small and fixed, a library would be the larger risk. */
    static String json(MachineFacts facts, ModeSelector.Choice choice) {
        MachineFacts.Kernel kernel = facts.kernel();
        MachineFacts.IoUring uring = facts.ioUring();
        MachineFacts.Nic nic = facts.nic();
        ScatterGather sg = nic.scatterGather();
        return "{\"kernel\":{\"release\":" + JsonText.quote(kernel.release())
                + ",\"version\":" + JsonText.quote(kernel.version() == null ? null : kernel.version().toString())
                + ",\"cause\":" + JsonText.quote(kernel.cause()) + "}"
                + ",\"io_uring\":{\"available\":" + uring.available()
                + ",\"splice\":" + uring.splice()
                + ",\"cause\":" + JsonText.quote(uring.cause())
                + ",\"disabled\":" + JsonText.quote(uring.disabled()) + "}"
                + ",\"epoll\":{\"available\":" + facts.epoll().available()
                + ",\"cause\":" + JsonText.quote(facts.epoll().cause()) + "}"
                + ",\"nic\":{\"name\":" + JsonText.quote(nic.name())
                + ",\"foundBy\":" + JsonText.quote(nic.foundBy())
                + ",\"scatterGather\":" + JsonText.quote(sg.setting().toString())
                + ",\"flags\":" + JsonText.quote(sg.flags())
                + ",\"source\":" + JsonText.quote(sg.source().toString())
                + ",\"cause\":" + JsonText.quote(sg.cause()) + "}"
                + ",\"choice\":" + JsonText.quote(choice.mode().userName())
                + ",\"reason\":" + JsonText.quote(choice.reason()) + "}";
    }
}
