package dev.zeroedge.server;

import dev.zeroedge.mode.Mode;
import dev.zeroedge.transport.DescriptorUse;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The default connection limit is what the open-file limit holds beside the cache and the spare, with every
 * connection busy holding what the chosen mode's transport says it holds.
 */
class DescriptorBudgetTest {

    private static final DescriptorUse EPOLL = new DescriptorUse(0, "", 3);
    private static final DescriptorUse URING = new DescriptorUse(3, "a dup of the socket, a pipe", 130);

    /** The lines around it as this kernel writes them (columns padded with spaces). */
    private static final String LIMITS = """
            Limit                     Soft Limit           Hard Limit           Units    \s
            Max processes             96365                96365                processes\s
            Max open files            20000                65536                files    \s
            Max locked memory         8388608              8388608              bytes    \s
            """;

    @Test
    void theSoftLimitIsRead() {
        assertEquals(OptionalLong.of(20000), DescriptorBudget.openFileLimit(LIMITS));
        assertEquals(OptionalLong.empty(), DescriptorBudget.openFileLimit(
                LIMITS.replace("20000                65536", "unlimited            unlimited")));
        assertEquals(OptionalLong.empty(), DescriptorBudget.openFileLimit("Max processes 5 5 processes\n"));
    }

    @Test
    void thisProcessesLimitIsTheOneInProc() throws IOException {
        assertEquals(DescriptorBudget.openFileLimit(Files.readString(Path.of("/proc/self/limits"))),
                DescriptorBudget.openFileLimitOfThisProcess());
        assertTrue(DescriptorBudget.openFileLimitOfThisProcess().isPresent());
    }

    @Test
    void theDefaultHoldsEveryConnectionBusyWithAFileOutsideTheCache() {
        DescriptorBudget budget = new DescriptorBudget(20000, 4096, 2, Mode.EPOLL_SENDFILE, EPOLL);
        assertEquals(518, budget.spare());
        assertEquals(2, budget.perConnection());
        assertEquals(7693, budget.connections());
        assertEquals(20000, budget.descriptors(7693));
        assertTrue(budget.fits(7693));
        assertFalse(budget.fits(7694));
        assertEquals("epoll-sendfile: (open-file limit 20000 - open-file cache 4096 - 518 spare (2 event loops))"
                + " / 2 per busy connection (socket, file)", budget.arithmetic());
        assertEquals("nio-sendfile: (open-file limit 1200 - open-file cache 0 - 514 spare (1 event loop))"
                + " / 2 per busy connection (socket, file)",
                new DescriptorBudget(1200, 0, 1, Mode.NIO_SENDFILE, new DescriptorUse(0, "", 2)).arithmetic());
    }

    @Test
    void whatTheTransportHoldsPerBusyConnectionAndLoopIsCounted() {
        DescriptorBudget budget = new DescriptorBudget(20000, 4096, 2, Mode.URING_SPLICE, URING);
        assertEquals(772, budget.spare());
        assertEquals(5, budget.perConnection());
        assertEquals(3026, budget.connections());
        assertTrue(budget.fits(3026));
        assertFalse(budget.fits(3027));
        assertEquals("uring-splice: (open-file limit 20000 - open-file cache 4096 - 772 spare (2 event loops))"
                + " / 5 per busy connection (socket, file, a dup of the socket, a pipe)", budget.arithmetic());
        // The case: the one-per-connection default (14880 here) and 5,000 slow downloads do not fit.
        assertFalse(budget.fits(14880));
        assertFalse(budget.fits(5000));
    }

    @Test
    void aLimitTooSmallForTheCacheStillServesAQuarterOfIt() {
        // systemd's default soft limit beside the default cache: nothing is left, so a quarter, and it does not fit.
        DescriptorBudget budget = new DescriptorBudget(1024, 4096, 2, Mode.EPOLL_SENDFILE, EPOLL);
        assertEquals(128, budget.connections());
        assertFalse(budget.fits(budget.connections()));
        assertEquals(51, new DescriptorBudget(1024, 4096, 2, Mode.URING_SPLICE, URING).connections());
    }

    @Test
    void aHugeLimitIsCapped() {
        assertEquals(1_000_000, new DescriptorBudget(1L << 30, 4096, 64, Mode.URING_SPLICE, URING).connections());
    }

    @Test
    void aTransportSaysWhatItsDescriptorsAre() {
        assertThrows(IllegalArgumentException.class, () -> new DescriptorUse(2, "", 0));
        assertThrows(IllegalArgumentException.class, () -> new DescriptorUse(0, "a pipe", 0));
        assertThrows(IllegalArgumentException.class, () -> new DescriptorUse(-1, "", 0));
    }
}
