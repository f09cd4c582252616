package dev.zeroedge.transport.epoll;

import dev.zeroedge.mode.Mode;
import dev.zeroedge.transport.Availability;
import dev.zeroedge.transport.Transport;
import dev.zeroedge.transport.Transports;
import io.netty.channel.epoll.EpollServerSocketChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EpollTransportsTest {

    @ParameterizedTest
    @ValueSource(strings = {"epoll-sendfile", "epoll-mmap", "epoll-copy"})
    void everyModeIsFoundAndRunsOnThisLinux(String mode) {
        // require() throws with epoll's cause when it cannot run: a forced mode fails here, it never skips.
        Transport transport = EpollModes.require(mode);
        assertEquals(mode, transport.mode().userName());
        assertNull(transport.availability().cause());
        assertEquals(EpollServerSocketChannel.class, transport.serverChannelClass());
        assertEquals(Availability.available(transport.mode()), transport.availability());
    }

    @Test
    void eachModeHasItsOwnSender() {
        Transports transports = Transports.load();
        assertInstanceOf(SendfileSender.class, transports.find(Mode.EPOLL_SENDFILE).fileSender(null));
        assertInstanceOf(MappedSender.class, transports.find(Mode.EPOLL_MMAP).fileSender(null));
        assertInstanceOf(CopySender.class, transports.find(Mode.EPOLL_COPY).fileSender(null));
        assertTrue(transports.all().keySet().containsAll(EpollModes.ALL));
    }
}
