package dev.zeroedge.loadtest;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServerCostTest {

    private static Path fixtureProc() throws URISyntaxException {
        return Path.of(ServerCostTest.class.getResource("/proc/4242/stat").toURI()).getParent().getParent();
    }

    @Test
    void readsCpuSwitchesAndPeakRssOfEveryThread() throws Exception {
        ServerCost cost = ServerCost.read(fixtureProc(), 4242);
        // The process line counts a thread that has exited (100 ticks more than the live tasks).
        assertEquals(730 + 270, cost.ticks());
        assertEquals((10 + 5) + (500 + 200) + (120 + 45), cost.taskTicks());
        // Switches are per thread: main + event loop + io_uring worker.
        assertEquals(11 + 9000 + 4000, cost.voluntarySwitches());
        assertEquals(2 + 300 + 7, cost.involuntarySwitches());
        assertEquals(161520, cost.peakRssKib());
    }

    @Test
    void fieldsAreCountedAfterTheLastParenthesisOfTheName() throws IOException {
        assertEquals(700, ServerCost.cpuTicks(
                "4250 (loop (1) x) R 1 4242 3269 0 -1 4194624 100 0 12 0 500 200 0 0 20 0 23 0 98405"));
        assertThrows(IOException.class, () -> ServerCost.cpuTicks("garbage"));
    }

    @Test
    void thePhaseCostIsTheDifferenceAndKeepsTheLaterPeak() {
        ServerCost before = new ServerCost(100, 90, 1000, 10, 50_000);
        ServerCost after = new ServerCost(350, 330, 4000, 25, 80_000);
        ServerCost phase = after.since(before);
        assertEquals(new ServerCost(250, 240, 3000, 15, 80_000), phase);
        assertEquals(3015, phase.contextSwitches());
        assertEquals(250.0 / ServerCost.TICKS_PER_SECOND, phase.cpuSeconds(), 1e-12);
    }

    @Test
    void readsThisJvm() throws IOException {
        ServerCost self = ServerCost.read(Path.of("/proc"), ProcessHandle.current().pid());
        assertTrue(self.ticks() > 0 && self.peakRssKib() > 0 && self.voluntarySwitches() > 0, self.toString());
        assertTrue(self.taskTicks() <= self.ticks() + 5, self.toString());
    }
}
