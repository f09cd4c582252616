package dev.zeroedge.launcher;

import dev.zeroedge.mode.Mode;
import dev.zeroedge.probe.KernelVersion;
import dev.zeroedge.probe.MachineFacts;
import dev.zeroedge.probe.MachineProbe;
import dev.zeroedge.probe.ModeSelector;
import dev.zeroedge.probe.ScatterGather;
import dev.zeroedge.transport.Transports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProbeCommandTest {

    @Test
    void jsonPrintsEveryFactWithEscaping() {
        MachineFacts facts = new MachineFacts(
                new MachineFacts.Kernel("we\"ird\\build\n", null, "release 'we\"ird' does not start with major.minor"),
                new MachineFacts.IoUring(false, false, "tab\there, bell\u0007", "2"),
                new MachineFacts.Epoll(true, null),
                new MachineFacts.Nic("eth0", "--nic", ScatterGather.known(false, "[fixed]", ScatterGather.Source.ETHTOOL)));
        ModeSelector.Choice choice = new ModeSelector(ModeSelector.DEFAULT_URING_MIN_KERNEL).select(facts);
        assertEquals("{\"kernel\":{\"release\":\"we\\\"ird\\\\build\\n\",\"version\":null,"
                + "\"cause\":\"release 'we\\\"ird' does not start with major.minor\"},"
                + "\"io_uring\":{\"available\":false,\"splice\":false,\"cause\":\"tab\\there, bell\\u0007\",\"disabled\":\"2\"},"
                + "\"epoll\":{\"available\":true,\"cause\":null},"
                + "\"nic\":{\"name\":\"eth0\",\"foundBy\":\"--nic\",\"scatterGather\":\"off\",\"flags\":\"[fixed]\","
                + "\"source\":\"ethtool\",\"cause\":null},"
                + "\"choice\":\"epoll-sendfile\","
                + "\"reason\":\"auto: kernel version unknown: release 'we\\\"ird' does not start with major.minor\"}",
                ProbeCommand.json(facts, choice));
    }

    @Test
    void probeJsonReportsThisMachineAsServeWouldSeeIt() throws Exception {
        Run run = run("probe", "--json");
        assertEquals(0, run.exit, run.err);
        MachineFacts facts = MachineProbe.ofThisMachine(Transports.load()).probe(InetAddress.getByName("0.0.0.0"), null);
        ModeSelector.Choice choice = new ModeSelector(ModeSelector.DEFAULT_URING_MIN_KERNEL).select(facts);
        assertEquals(ProbeCommand.json(facts, choice) + "\n", run.out);
        assertTrue(run.out.startsWith("{\"kernel\":{\"release\":\"" + System.getProperty("os.version") + "\""), run.out);
        assertTrue(run.out.contains("\"source\":\"ethtool\""), run.out);
        // This machine runs io_uring with splice and epoll: a provider on the class path must find them.
        Transports transports = Transports.load();
        assertEquals(transports.find(Mode.URING_SPLICE) != null, facts.ioUring().available() && facts.ioUring().splice(),
                String.valueOf(facts.ioUring()));
        assertEquals(transports.find(Mode.EPOLL_SENDFILE) != null, facts.epoll().available(), String.valueOf(facts.epoll()));
    }

    @Test
    void probeTextEndsWithTheStartupLine() throws Exception {
        Run run = run("probe", "--nic", "lo", "--uring-min-kernel", "6.18.44");
        assertEquals(0, run.exit, run.err);
        MachineFacts facts = MachineProbe.ofThisMachine(Transports.load()).probe(InetAddress.getByName("0.0.0.0"), "lo");
        ModeSelector.Choice choice = new ModeSelector(KernelVersion.parse("6.18.44").orElseThrow()).select(facts);
        assertEquals(ProbeCommand.text(facts, choice), run.out);
        assertTrue(run.out.contains("\nnic             lo (--nic)\n"), run.out);
        assertTrue(run.out.endsWith("\nmode " + choice.mode() + " (" + choice.reason() + ")\n"), run.out);
    }

    @Test
    void bindAddressPicksItsInterface() {
        Run run = run("probe", "--json", "--bind", "127.0.0.1");
        assertEquals(0, run.exit, run.err);
        assertTrue(run.out.contains("\"nic\":{\"name\":\"lo\",\"foundBy\":\"bind address\",\"scatterGather\":\"on\""),
                run.out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"--uring-min-kernel=6", "--uring-min-kernel=6.1-rc1", "--uring-min-kernel=new",
            "--bind=no-such-host.invalid", "--root=/tmp", "--json=yes"})
    void badFlagsExitTwo(String flag) {
        Run run = run("probe", flag);
        assertEquals(2, run.exit);
        assertEquals("", run.out);
        assertTrue(run.err.startsWith("zeroedge: "), run.err);
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private record Run(int exit, String out, String err) {
    }
}
