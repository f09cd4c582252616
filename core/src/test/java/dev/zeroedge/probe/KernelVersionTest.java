package dev.zeroedge.probe;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelVersionTest {

    @ParameterizedTest(name = "''{0}'' is {1}.{2}.{3}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "6.18.44-fc-v657           | 6 | 18 | 44 | 6.18.44",
            "6.18.44-fc-v657\\n         | 6 | 18 | 44 | 6.18.44",
            "5.15.0-91-generic         | 5 | 15 | 0  | 5.15.0",
            "6.1                       | 6 | 1  | 0  | 6.1",
            "6.8.0-rc3                 | 6 | 8  | 0  | 6.8.0",
            "6.9-rc1                   | 6 | 9  | 0  | 6.9",
            "4.19.0+                   | 4 | 19 | 0  | 4.19.0",
            "6.6.30.1-microsoft        | 6 | 6  | 30 | 6.6.30",
            "6.1.x                     | 6 | 1  | 0  | 6.1",
            "\"  6.12.5  \"            | 6 | 12 | 5  | 6.12.5",
            "3.10.0-1160.el7.x86_64    | 3 | 10 | 0  | 3.10.0",
    })
    void parsesTheLeadingVersion(String release, int major, int minor, int patch, String printed) {
        KernelVersion v = KernelVersion.parse(release.replace("\\n", "\n")).orElseThrow();
        assertEquals(major, v.major());
        assertEquals(minor, v.minor());
        assertEquals(patch, v.patch());
        assertEquals(printed, v.toString());
    }

    @ParameterizedTest(name = "''{0}'' has no version")
    @ValueSource(strings = {"", " ", "custom-build", "6", "6.", "v6.1", "6.x.1", "linux-6.1",
            "99999999999.1.1", "6.99999999999", "-6.1"})
    void refusesReleasesWithoutMajorMinor(String release) {
        assertTrue(KernelVersion.parse(release).isEmpty(), release);
    }

    @Test
    void nullHasNoVersion() {
        assertTrue(KernelVersion.parse(null).isEmpty());
    }

    @Test
    void comparesNumerically() {
        KernelVersion v6_1 = KernelVersion.parse("6.1").orElseThrow();
        assertTrue(KernelVersion.parse("6.18.44").orElseThrow().isAtLeast(v6_1));
        assertTrue(KernelVersion.parse("6.10").orElseThrow().isAtLeast(KernelVersion.parse("6.9.99").orElseThrow()));
        assertTrue(KernelVersion.parse("6.1.0-1").orElseThrow().isAtLeast(v6_1));
        assertFalse(KernelVersion.parse("6.0.99").orElseThrow().isAtLeast(v6_1));
        assertFalse(KernelVersion.parse("5.15.200").orElseThrow().isAtLeast(v6_1));
        assertEquals(v6_1, KernelVersion.parse("6.1.0").orElseThrow());
        assertEquals(v6_1.hashCode(), KernelVersion.parse("6.1.0").orElseThrow().hashCode());
    }
}
