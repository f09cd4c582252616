package dev.zeroedge.probe;

import dev.zeroedge.mode.Mode;
import dev.zeroedge.transport.Availability;
import dev.zeroedge.transport.Feature;
import dev.zeroedge.transport.Transport;
import dev.zeroedge.transport.Transports;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Gathers the {@link MachineFacts} once, at startup. Files are read under an injected root (a fixture
 * directory in tests, {@code /} in production) and scatter-gather comes from an injected ethtool command,
 * so tests feed real-format fixtures without class-loader tricks. io_uring and epoll are asked through the
 * transport providers on the class path: core never names their modules. Probing never throws; whatever
 * cannot be found is reported with its cause.
 */
public final class MachineProbe {

    private final Path root;
    private final EthtoolCommand ethtool;
    private final Transports transports;

    public MachineProbe(Path root, List<String> ethtoolCommand, Transports transports) {
        this.root = root;
        this.ethtool = new EthtoolCommand(ethtoolCommand);
        this.transports = transports;
    }

    /** The real machine: {@code /proc} under {@code /} and {@code ethtool} from the PATH. */
    public static MachineProbe ofThisMachine(Transports transports) {
        return new MachineProbe(Path.of("/"), List.of("ethtool"), transports);
    }

    /**
     * @param bind the address the server listens on; a wildcard address means the default route's NIC
     * @param nic  the interface named with {@code --nic}, or null to find it from {@code bind}
     */
    public MachineFacts probe(InetAddress bind, String nic) {
        return new MachineFacts(kernel(), ioUring(), epoll(), nic(bind, nic));
    }

    private MachineFacts.Kernel kernel() {
        Path file = root.resolve("proc/sys/kernel/osrelease");
        String release;
        try {
            release = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException | RuntimeException e) {
            return new MachineFacts.Kernel(null, null, "cannot read " + file + ": " + e);
        }
        Optional<KernelVersion> version = KernelVersion.parse(release);
        return new MachineFacts.Kernel(release, version.orElse(null),
                version.isPresent() ? null : "release '" + release + "' does not start with major.minor");
    }

    private MachineFacts.IoUring ioUring() {
        String disabled = readOptional(root.resolve("proc/sys/kernel/io_uring_disabled"));
        Transport uring = transports.find(Mode.URING_SPLICE);
        if (uring == null) {
            return new MachineFacts.IoUring(false, false, "no " + Mode.URING_SPLICE + " provider on the class path",
                    disabled);
        }
        try {
            // The mode's own availability, so auto never picks a mode whose transport then refuses to start; the
            // missing feature tells "io_uring runs but cannot splice" from "io_uring does not run".
            Availability availability = uring.availability();
            if (availability.isAvailable()) {
                return new MachineFacts.IoUring(true, true, null, disabled);
            }
            if (availability.missing() == Feature.IO_URING_SPLICE) {
                return new MachineFacts.IoUring(true, false, null, disabled);
            }
            // The whole cause, class included: it tells a native library that did not load from a kernel
            // that refused the ring.
            return new MachineFacts.IoUring(false, false, availability.cause().toString(), disabled);
        } catch (Throwable e) {
            return new MachineFacts.IoUring(false, false, "the " + Mode.URING_SPLICE + " provider failed: " + e,
                    disabled);
        }
    }

    private MachineFacts.Epoll epoll() {
        Transport epoll = transports.find(Mode.EPOLL_SENDFILE);
        if (epoll == null) {
            return new MachineFacts.Epoll(false, "no " + Mode.EPOLL_SENDFILE + " provider on the class path");
        }
        try {
            Availability availability = epoll.availability();
            return new MachineFacts.Epoll(availability.isAvailable(),
                    availability.isAvailable() ? null : availability.describe());
        } catch (Throwable e) {
            return new MachineFacts.Epoll(false, "the " + Mode.EPOLL_SENDFILE + " provider failed: " + e);
        }
    }

    private MachineFacts.Nic nic(InetAddress bind, String flag) {
        if (flag != null) {
            return new MachineFacts.Nic(flag, "--nic", scatterGather(flag));
        }
        if (bind != null && !bind.isAnyLocalAddress()) {
            try {
                NetworkInterface owner = NetworkInterface.getByInetAddress(bind);
                if (owner == null) {
                    return none("no interface owns the bind address " + bind.getHostAddress());
                }
                return new MachineFacts.Nic(owner.getName(), "bind address", scatterGather(owner.getName()));
            } catch (IOException | RuntimeException e) {
                return none("cannot list the interfaces: " + e);
            }
        }
        Path routes = root.resolve("proc/net/route");
        String table = readOptional(routes);
        if (table == null) {
            return none("cannot read " + routes);
        }
        return RouteTable.defaultRouteInterface(table)
                .map(name -> new MachineFacts.Nic(name, "default route", scatterGather(name)))
                .orElseGet(() -> none("no default route in " + routes));
    }

    /** ethtool first (it also knows [fixed]); the kernel ioctl when ethtool cannot answer. */
    private ScatterGather scatterGather(String nic) {
        ScatterGather fromEthtool = ethtool.scatterGather(nic);
        if (fromEthtool.setting() != ScatterGather.Setting.UNKNOWN) {
            return fromEthtool;
        }
        ScatterGather fromIoctl = EthtoolIoctl.scatterGather(nic);
        if (fromIoctl.setting() != ScatterGather.Setting.UNKNOWN) {
            return fromIoctl;
        }
        return ScatterGather.unknown("ethtool: " + fromEthtool.cause() + "; ioctl: " + fromIoctl.cause());
    }

    private static MachineFacts.Nic none(String cause) {
        return new MachineFacts.Nic(null, "none", ScatterGather.unknown(cause));
    }

    /** The stripped text of a file, or null when it is absent or unreadable. */
    private static String readOptional(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
