package dev.zeroedge.transport.uring;

import dev.zeroedge.files.OpenFile;
import dev.zeroedge.testing.OpenDescriptors;
import dev.zeroedge.transport.Transport;
import dev.zeroedge.transport.Transports;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The provider as the probe and the launcher see it, and the pipe it splices through. */
class UringSpliceTransportTest {

    @Test
    void isFoundByServiceLoaderAndRunsHereWhenForced() {
        // Forced, as on a CI machine that must have io_uring: unavailable means a failure, never a skip.
        Transport transport = Transports.load().require(UringSpliceTransport.MODE);
        assertInstanceOf(UringSpliceTransport.class, transport);
        assertTrue(transport.availability().isAvailable(), transport.availability().describe());
        assertInstanceOf(SpliceSender.class, transport.fileSender());
    }

    @Test
    void factsForTheProbe() {
        Map<String, String> facts = new UringSpliceTransport().facts();
        assertEquals(List.of("io_uring.available", "io_uring.splice", "io_uring.cause"), List.copyOf(facts.keySet()));
        assertEquals("true", facts.get("io_uring.available"));
        assertEquals("true", facts.get("io_uring.splice"));
        assertEquals("", facts.get("io_uring.cause"));
    }

    @Test
    void theFileChannelsOwnDescriptorIsUsed() throws IOException {
        // The surefire JVM opens sun.nio.ch and java.io as the jar's manifest does; without them the sender
        // would silently fall back to opening the path again.
        OpenFile file = OpenFile.open(Path.of("/proc/self/stat"));
        try {
            int fd = file.descriptor();
            assertTrue(fd > 2, "descriptor " + fd);
            assertTrue(Files.isSameFile(Path.of("/proc/self/fd/" + fd), Path.of("/proc/self/stat")));
        } finally {
            file.release();
        }
    }

    @Test
    void pipeIsEnlargedUpToPipeMaxSizeAndClosesBothEnds() throws IOException {
        int before = OpenDescriptors.count();
        Pipe small = Pipe.open(64 * 1024);
        Pipe large = Pipe.open(Integer.MAX_VALUE / 2);
        try {
            assertEquals(64 * 1024, small.capacity);
            // Root may ask for more than pipe-max-size; the sender never does.
            assertEquals(Pipe.MAX_SIZE, large.capacity);
            assertEquals(before + 4, OpenDescriptors.count());
        } finally {
            small.close();
            large.close();
        }
        assertEquals(before, OpenDescriptors.count());
    }
}
