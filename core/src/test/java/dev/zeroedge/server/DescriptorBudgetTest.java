package dev.zeroedge.server;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The default connection limit is what the open-file limit holds beside the cache and the spare. */
class DescriptorBudgetTest {

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
    void theDefaultIsTheLimitLessCacheAndSpare() {
        DescriptorBudget budget = new DescriptorBudget(20000, 4096, 2);
        assertEquals(1024, budget.spare());
        assertEquals(14880, budget.connections());
        assertTrue(budget.fits(14880));
        assertFalse(budget.fits(14881));
        assertEquals("open-file limit 20000 - open-file cache 4096 - 1024 spare (2 event loops)", budget.arithmetic());
        assertEquals("open-file limit 1200 - open-file cache 0 - 768 spare (1 event loop)",
                new DescriptorBudget(1200, 0, 1).arithmetic());
    }

    @Test
    void aLimitTooSmallForTheCacheStillServesAQuarterOfIt() {
        // systemd's default soft limit beside the default cache: nothing is left, so a quarter, and it does not fit.
        DescriptorBudget budget = new DescriptorBudget(1024, 4096, 2);
        assertEquals(256, budget.connections());
        assertFalse(budget.fits(budget.connections()));
    }

    @Test
    void aHugeLimitIsCapped() {
        assertEquals(1_000_000, new DescriptorBudget(1L << 30, 4096, 64).connections());
    }
}
