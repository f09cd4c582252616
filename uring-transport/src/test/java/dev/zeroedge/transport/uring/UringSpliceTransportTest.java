package dev.zeroedge.transport.uring;

import dev.zeroedge.files.OpenFile;
import dev.zeroedge.mode.Mode;
import dev.zeroedge.probe.MachineFacts;
import dev.zeroedge.probe.MachineProbe;
import dev.zeroedge.testing.OpenDescriptors;
import dev.zeroedge.transport.Availability;
import dev.zeroedge.transport.Transport;
import dev.zeroedge.transport.Transports;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The provider as the probe and the launcher see it, and the pipe it splices through. */
class UringSpliceTransportTest {

    @Test
    void isFoundByServiceLoaderAndRunsHereWhenForced() {
        // Forced, as on a CI machine that must have io_uring: unavailable means a failure, never a skip.
        Transport transport = Transports.load().require(Mode.URING_SPLICE);
        assertInstanceOf(UringSpliceTransport.class, transport);
        assertTrue(transport.availability().isAvailable(), transport.availability().describe());
        assertInstanceOf(SpliceSender.class, transport.fileSender(null));
    }

    @Test
    void factsForTheProbe() {
        // Nothing missing here, and the probe reads exactly that: io_uring runs and splices.
        assertEquals(Availability.available(Mode.URING_SPLICE), new UringSpliceTransport().availability());
        MachineFacts.IoUring ioUring = MachineProbe.ofThisMachine(Transports.of(new UringSpliceTransport()))
                .probe(InetAddress.getLoopbackAddress(), "lo").ioUring();
        assertTrue(ioUring.available() && ioUring.splice(), String.valueOf(ioUring));
        assertEquals(null, ioUring.cause());
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
