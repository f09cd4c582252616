package dev.zeroedge.loadtest;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OpenLoopScheduleTest {

    @Test
    void eachConnectionCarriesItsShareAndTheConnectionsAreStaggered() {
        // 1000 requests/s over 4 connections: each connection every 4 ms, the four 1 ms apart.
        OpenLoopSchedule schedule = new OpenLoopSchedule(5_000, 1000, 4);
        assertEquals(5_000, schedule.intendedStart(0, 0));
        assertEquals(5_000 + 1_000_000, schedule.intendedStart(1, 0));
        assertEquals(5_000 + 3_000_000, schedule.intendedStart(3, 0));
        assertEquals(5_000 + 4_000_000, schedule.intendedStart(0, 1));
        assertEquals(5_000 + 7_000_000, schedule.intendedStart(3, 1));
        assertEquals(5_000 + 4_000_000_000L, schedule.intendedStart(0, 1000));
    }

    @Test
    void theWholeRunIsEvenlySpacedWhateverTheRateDoesNotDivide() {
        // 3 requests/s: 333_333_333 ns apart, rounding never accumulates (n * 1e9 / rate, not a sum of steps).
        OpenLoopSchedule schedule = new OpenLoopSchedule(0, 3, 2);
        List<Long> starts = new ArrayList<>();
        for (long k = 0; k < 3; k++) {
            for (int c = 0; c < 2; c++) {
                starts.add(schedule.intendedStart(c, k));
            }
        }
        assertEquals(List.of(0L, 333_333_333L, 666_666_666L, 1_000_000_000L, 1_333_333_333L, 1_666_666_666L), starts);
        assertEquals(3_000_000_000_000L, new OpenLoopSchedule(0, 3, 2).intendedStart(0, 4_500));
    }

    @Test
    void startsAreIndependentOfWhenResponsesArrive() {
        // The schedule is a pure function of (connection, k): a slow answer cannot move a later start.
        OpenLoopSchedule schedule = new OpenLoopSchedule(-1_000_000_000L, 50_000, 64);
        assertEquals(-1_000_000_000L + (10L * 64 + 7) * 20_000, schedule.intendedStart(7, 10));
    }

    @Test
    void refusesANonPositiveRate() {
        assertThrows(IllegalArgumentException.class, () -> new OpenLoopSchedule(0, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> new OpenLoopSchedule(0, 10, 0));
    }
}
