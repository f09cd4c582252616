package dev.zeroedge.mode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The vocabulary of {@code --mode}: the design table, row by row. */
class ModeTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "uring-splice,   URING_SPLICE,   PRIMARY,  true",
            "epoll-sendfile, EPOLL_SENDFILE, FALLBACK, true",
            "nio-sendfile,   NIO_SENDFILE,   PORTABLE, true",
            "epoll-mmap,     EPOLL_MMAP,     BASELINE, false",
            "epoll-copy,     EPOLL_COPY,     BASELINE, false"})
    void namesRoundTrip(String name, Mode mode, Mode.Role role, boolean zeroCopy) {
        assertSame(mode, Mode.parse(name));
        assertEquals(name, mode.userName());
        assertEquals(name, mode.toString());
        assertEquals(role, mode.role());
        assertEquals(zeroCopy, mode.zeroCopy());
    }

    @Test
    void theTableIsComplete() {
        assertEquals(5, Mode.values().length);
        assertEquals("uring-splice, epoll-sendfile, nio-sendfile, epoll-mmap, epoll-copy", Mode.names());
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"turbo", "auto", "", "URING_SPLICE", "Uring-Splice", " uring-splice", "uring-splice "})
    void anUnknownNameIsRefusedWithTheKnownOnes(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Mode.parse(name));
        assertEquals("unknown mode (known: uring-splice, epoll-sendfile, nio-sendfile, epoll-mmap, epoll-copy)",
                e.getMessage());
    }

    @Test
    void nullIsRefusedLikeAnyUnknownName() {
        assertThrows(IllegalArgumentException.class, () -> Mode.parse(null));
    }

    @Test
    void everyNameIsLowerCaseWords() {
        Arrays.stream(Mode.values()).forEach(mode ->
                assertEquals(mode.name().toLowerCase().replace('_', '-'), mode.userName()));
    }
}
