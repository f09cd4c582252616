package dev.zeroedge.probe;

import dev.zeroedge.files.FileSystemPool;
import dev.zeroedge.mode.Mode;
import dev.zeroedge.transport.Availability;
import dev.zeroedge.transport.DescriptorUse;
import dev.zeroedge.transport.Feature;
import dev.zeroedge.transport.FileSender;
import dev.zeroedge.transport.Transport;
import dev.zeroedge.transport.Transports;
import dev.zeroedge.transport.nio.NioSendfileTransport;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The probe against fixtures (a fake {@code /proc} root and a fake {@code ethtool} that prints a real
 * {@code ethtool -k} output) and against this machine itself.
 */
class MachineProbeTest {

    private static final InetAddress WILDCARD = address("0.0.0.0");
    /** No such interface on any machine: the ioctl fallback fails for real with ENODEV. */
    private static final String ABSENT_NIC = "zz-fixture0";

    @TempDir
    Path temp;

    private final Transports nioOnly = Transports.of(new NioSendfileTransport());

    // ---- fixtures ----

    @Test
    void readsEveryFactOfAFixtureMachine() throws Exception {
        Path ethtool = fakeEthtool("eth0-on.txt", 0);
        MachineFacts facts = new MachineProbe(root("fc-6.18"), List.of(ethtool.toString()), nioOnly)
                .probe(WILDCARD, null);

        assertEquals("6.18.44-fc-v657", facts.kernel().release());
        assertEquals("6.18.44", facts.kernel().version().toString());
        assertNull(facts.kernel().cause());
        assertFalse(facts.ioUring().available());
        assertFalse(facts.ioUring().splice());
        assertEquals("no uring-splice provider on the class path", facts.ioUring().cause());
        assertEquals("0", facts.ioUring().disabled());
        assertFalse(facts.epoll().available());
        assertEquals("no epoll-sendfile provider on the class path", facts.epoll().cause());
        assertEquals(new MachineFacts.Nic("eth0", "default route",
                ScatterGather.known(true, "", ScatterGather.Source.ETHTOOL)), facts.nic());
        assertEquals(List.of("-k eth0"), calls());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "eth0-on.txt,        on,            ON,  ''",
            "eth0-off.txt,       off,           OFF, ''",
            "eth0-off-fixed.txt, off [fixed],   OFF, [fixed]",
    })
    void readsTheScatterGatherLineOfEthtool(String fixture, String described, ScatterGather.Setting setting,
                                            String flags) throws Exception {
        Path ethtool = fakeEthtool(fixture, 0);
        ScatterGather sg = new MachineProbe(root("fc-6.18"), List.of(ethtool.toString()), nioOnly)
                .probe(WILDCARD, null).nic().scatterGather();
        assertEquals(new ScatterGather(setting, flags, ScatterGather.Source.ETHTOOL, null), sg);
        assertEquals(described, sg.describe());
    }

    @Test
    void missingLineFallsBackToTheIoctlAndSaysBothCauses() throws Exception {
        Path ethtool = fakeEthtool("eth0-missing-line.txt", 0);
        MachineFacts.Nic nic = new MachineProbe(root("fc-6.18"), List.of(ethtool.toString()), nioOnly)
                .probe(WILDCARD, ABSENT_NIC).nic();
        assertEquals(ABSENT_NIC, nic.name());
        assertEquals("--nic", nic.foundBy());
        assertEquals(ScatterGather.unknown("ethtool: '" + ethtool + " -k " + ABSENT_NIC
                + "' printed no scatter-gather line; ioctl: SIOCETHTOOL ETHTOOL_GSG on " + ABSENT_NIC
                + ": No such device (errno 19)"), nic.scatterGather());
    }

    @Test
    void errorExitFallsBackToTheIoctlAndSaysBothCauses() throws Exception {
        Path ethtool = fakeEthtool("no-such-device.txt", 1);
        ScatterGather sg = new MachineProbe(root("fc-6.18"), List.of(ethtool.toString()), nioOnly)
                .probe(WILDCARD, ABSENT_NIC).nic().scatterGather();
        assertEquals(ScatterGather.unknown("ethtool: '" + ethtool + " -k " + ABSENT_NIC
                + "' exited 1: netlink error: no device matches name (offset 24); ioctl: SIOCETHTOOL ETHTOOL_GSG on "
                + ABSENT_NIC + ": No such device (errno 19)"), sg);
        assertEquals("unknown", sg.describe());
        assertEquals(ScatterGather.Source.NONE, sg.source());
    }

    @Test
    void noDefaultRouteMeansNoNicAndNoEthtoolCall() throws Exception {
        Path root = root("no-default-route");
        MachineFacts.Nic nic = new MachineProbe(root, List.of(fakeEthtool("eth0-on.txt", 0).toString()), nioOnly)
                .probe(WILDCARD, null).nic();
        assertEquals(new MachineFacts.Nic(null, "none",
                ScatterGather.unknown("no default route in " + root.resolve("proc/net/route"))), nic);
        assertEquals("NIC", nic.label());
        assertEquals(List.of(), calls());
    }

    @Test
    void lowestMetricDefaultRouteWinsAndAbsentSysctlIsNull() throws Exception {
        MachineFacts facts = new MachineProbe(root("two-default-routes"),
                List.of(fakeEthtool("eth0-on.txt", 0).toString()), nioOnly).probe(WILDCARD, null);
        assertEquals("eth0", facts.nic().name());
        assertEquals("5.15.0", facts.kernel().version().toString());
        assertNull(facts.ioUring().disabled());
        assertEquals(List.of("-k eth0"), calls());
    }

    @Test
    void oddReleaseHasNoVersionButACause() throws Exception {
        MachineFacts facts = new MachineProbe(root("odd-release"),
                List.of(fakeEthtool("eth0-on.txt", 0).toString()), nioOnly).probe(WILDCARD, null);
        assertEquals("custom-build", facts.kernel().release());
        assertNull(facts.kernel().version());
        assertEquals("release 'custom-build' does not start with major.minor", facts.kernel().cause());
        assertTrue(facts.ioUring().disabledForAll());
    }

    @Test
    void emptyRootGivesCausesNotExceptions() throws Exception {
        Path empty = Files.createDirectory(temp.resolve("empty-root"));
        MachineFacts facts = new MachineProbe(empty, List.of(fakeEthtool("eth0-on.txt", 0).toString()), nioOnly)
                .probe(WILDCARD, null);
        assertNull(facts.kernel().release());
        assertTrue(facts.kernel().cause().startsWith("cannot read " + empty.resolve("proc/sys/kernel/osrelease")),
                facts.kernel().cause());
        assertEquals(ScatterGather.unknown("cannot read " + empty.resolve("proc/net/route")),
                facts.nic().scatterGather());
    }

    @Test
    void bindAddressNamesItsInterface() throws Exception {
        MachineFacts.Nic nic = new MachineProbe(root("fc-6.18"), List.of(fakeEthtool("eth0-on.txt", 0).toString()),
                nioOnly).probe(address("127.0.0.1"), null).nic();
        assertEquals("lo", nic.name());
        assertEquals("bind address", nic.foundBy());
        assertEquals(List.of("-k lo"), calls());
    }

    @Test
    void nicFlagBeatsTheBindAddress() throws Exception {
        MachineFacts.Nic nic = new MachineProbe(root("fc-6.18"), List.of(fakeEthtool("eth0-off.txt", 0).toString()),
                nioOnly).probe(address("127.0.0.1"), "eth7").nic();
        assertEquals(new MachineFacts.Nic("eth7", "--nic",
                ScatterGather.known(false, "", ScatterGather.Source.ETHTOOL)), nic);
    }

    @Test
    void bindAddressOwnedByNoInterface() throws Exception {
        MachineFacts.Nic nic = new MachineProbe(root("fc-6.18"), List.of(fakeEthtool("eth0-on.txt", 0).toString()),
                nioOnly).probe(address("203.0.113.9"), null).nic();
        assertEquals(new MachineFacts.Nic(null, "none",
                ScatterGather.unknown("no interface owns the bind address 203.0.113.9")), nic);
    }

    // ---- providers: core cannot hold the real ones, so these check how the probe reads the SPI ----

    @Test
    void ioUringFactsComeFromTheProvider() throws Exception {
        Transports transports = Transports.of(new NioSendfileTransport(),
                new Provider(Mode.URING_SPLICE, () -> Availability.unavailable(Mode.URING_SPLICE,
                        Feature.IO_URING_SPLICE, new UnsupportedOperationException("no IORING_OP_SPLICE"))),
                new Provider(Mode.EPOLL_SENDFILE, () -> Availability.unavailable(Mode.EPOLL_SENDFILE, Feature.EPOLL,
                        new UnsatisfiedLinkError("no netty_transport_native_epoll"))));
        MachineFacts facts = new MachineProbe(root("fc-6.18"), List.of(fakeEthtool("eth0-on.txt", 0).toString()),
                transports).probe(WILDCARD, null);
        assertEquals(new MachineFacts.IoUring(true, false, null, "0"), facts.ioUring());
        assertEquals(new MachineFacts.Epoll(false, "no netty_transport_native_epoll"), facts.epoll());
    }

    @Test
    void ioUringThatDoesNotRunIsReportedWithItsWholeCause() throws Exception {
        Transports transports = Transports.of(new Provider(Mode.URING_SPLICE, () -> Availability.unavailable(
                Mode.URING_SPLICE, Feature.IO_URING, new UnsatisfiedLinkError("no netty_transport_native_io_uring"))));
        MachineFacts.IoUring ioUring = new MachineProbe(root("fc-6.18"),
                List.of(fakeEthtool("eth0-on.txt", 0).toString()), transports).probe(WILDCARD, null).ioUring();
        assertEquals(new MachineFacts.IoUring(false, false,
                "java.lang.UnsatisfiedLinkError: no netty_transport_native_io_uring", "0"), ioUring);
    }

    @Test
    void aProviderThatThrowsIsReportedNotPropagated() throws Exception {
        Transports transports = Transports.of(new Provider(Mode.URING_SPLICE, () -> {
            throw new IllegalStateException("broken");
        }));
        MachineFacts.IoUring ioUring = new MachineProbe(root("fc-6.18"),
                List.of(fakeEthtool("eth0-on.txt", 0).toString()), transports).probe(WILDCARD, null).ioUring();
        assertEquals(new MachineFacts.IoUring(false, false,
                "the uring-splice provider failed: java.lang.IllegalStateException: broken", "0"), ioUring);
    }

    // ---- this machine, no fixtures ----

    @Test
    void findsTheDefaultRouteInterfaceAndScatterGatherThroughEthtool() throws Exception {
        MachineFacts facts = MachineProbe.ofThisMachine(nioOnly).probe(WILDCARD, null);
        assertEquals(System.getProperty("os.version"), facts.kernel().release());
        assertEquals(KernelVersion.parse(System.getProperty("os.version")).orElseThrow(), facts.kernel().version());
        assertEquals(defaultRouteDeviceFromIp(), facts.nic().name());
        assertEquals("default route", facts.nic().foundBy());
        ScatterGather sg = facts.nic().scatterGather();
        assertEquals(ScatterGather.Source.ETHTOOL, sg.source(), "is ethtool installed? " + sg.cause());
        assertNotEquals(ScatterGather.Setting.UNKNOWN, sg.setting());
    }

    @ParameterizedTest(name = "ethtool {0}")
    @CsvSource({"not installed, /nonexistent/ethtool", "failing, false"})
    void fallsBackToTheIoctlWhenEthtoolFails(String how, String command) {
        ScatterGather viaEthtool = MachineProbe.ofThisMachine(nioOnly).probe(WILDCARD, null).nic().scatterGather();
        ScatterGather viaIoctl = new MachineProbe(Path.of("/"), List.of(command), nioOnly)
                .probe(WILDCARD, null).nic().scatterGather();
        assertEquals(ScatterGather.Source.IOCTL, viaIoctl.source(), "ioctl: " + viaIoctl.cause());
        assertEquals(viaEthtool.setting(), viaIoctl.setting());
    }

    @Test
    void ioctlAgreesWithEthtoolOnEveryInterfaceHere() throws Exception {
        EthtoolCommand ethtool = new EthtoolCommand(List.of("ethtool"));
        List<String> names = java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces()).stream()
                .map(java.net.NetworkInterface::getName).toList();
        assertFalse(names.isEmpty());
        for (String name : names) {
            ScatterGather viaEthtool = ethtool.scatterGather(name);
            ScatterGather viaIoctl = EthtoolIoctl.scatterGather(name);
            assertEquals(ScatterGather.Source.ETHTOOL, viaEthtool.source(), name + ": " + viaEthtool.cause());
            assertEquals(ScatterGather.Source.IOCTL, viaIoctl.source(), name + ": " + viaIoctl.cause());
            assertEquals(viaEthtool.setting(), viaIoctl.setting(), name);
        }
    }

    // ---- helpers ----

    private static Path root(String name) throws URISyntaxException {
        return Path.of(MachineProbeTest.class.getResource("/probe/roots/" + name).toURI());
    }

    /** A shell script standing in for ethtool: logs its arguments, prints a real output, exits with a code. */
    private Path fakeEthtool(String fixture, int exit) throws IOException, URISyntaxException {
        Path output = Path.of(MachineProbeTest.class.getResource("/probe/ethtool/" + fixture).toURI());
        Path script = temp.resolve("ethtool");
        Files.writeString(script, "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '" + temp.resolve("calls") + "'\ncat '"
                + output + "'\nexit " + exit + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    private List<String> calls() throws IOException {
        Path calls = temp.resolve("calls");
        return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
    }

    /** The default route's device as iproute2 sees it: an independent reading of the same kernel table. */
    private static String defaultRouteDeviceFromIp() throws Exception {
        Process ip = new ProcessBuilder("ip", "-4", "route", "show", "default").redirectErrorStream(true).start();
        String out = new String(ip.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, ip.waitFor());
        String[] words = out.strip().split("\\s+");
        for (int i = 0; i + 1 < words.length; i++) {
            if (words[i].equals("dev")) {
                return words[i + 1];
            }
        }
        throw new AssertionError("no default route in: " + out);
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private record Provider(Mode mode, Supplier<Availability> availabilitySource) implements Transport {

        @Override
        public Availability availability() {
            return availabilitySource.get();
        }

        @Override
        public IoHandlerFactory ioHandlerFactory() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Class<? extends ServerChannel> serverChannelClass() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Class<? extends io.netty.channel.socket.SocketChannel> socketChannelClass() {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileSender fileSender(FileSystemPool pool) {
            throw new UnsupportedOperationException();
        }

        @Override
        public DescriptorUse descriptors() {
            throw new UnsupportedOperationException();
        }
    }
}
