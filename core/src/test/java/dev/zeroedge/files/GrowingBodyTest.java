package dev.zeroedge.files;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A reader waits only when nothing past its position is there, and is woken once by growth, completion or failure. */
class GrowingBodyTest {

    private static final EventExecutor NOW = ImmediateEventExecutor.INSTANCE;

    @Test
    void aReaderPastWhatIsReadableIsWokenOnceByTheNextGrowth() {
        GrowingBody body = new GrowingBody(100);
        List<String> woken = new ArrayList<>();
        assertFalse(body.whenPast(0, NOW, () -> woken.add("a")));
        body.grew(10);
        assertEquals(List.of("a"), woken);
        assertTrue(body.whenPast(9, NOW, () -> woken.add("never")), "byte 9 is there");
        assertFalse(body.whenPast(10, NOW, () -> woken.add("b")));
        body.grew(10); // no new bytes still wakes: the reader looks again and waits again
        body.grew(100);
        assertEquals(List.of("a", "b"), woken);
        body.completed();
        assertTrue(body.whenPast(100, NOW, () -> woken.add("never")), "a complete body never waits");
    }

    @Test
    void completionAndFailureWakeEveryReader() {
        GrowingBody complete = new GrowingBody(0);
        List<String> woken = new ArrayList<>();
        assertFalse(complete.whenPast(0, NOW, () -> woken.add("c")));
        complete.completed();
        assertEquals(List.of("c"), woken);

        GrowingBody cut = new GrowingBody(50);
        cut.grew(20);
        assertFalse(cut.whenPast(20, NOW, () -> woken.add("f1")));
        assertFalse(cut.whenPast(20, NOW, () -> woken.add("f2")));
        IOException cause = new IOException("cut");
        cut.failed(cause);
        assertEquals(List.of("c", "f1", "f2"), woken);
        assertSame(cause, cut.failure());
        assertTrue(cut.whenPast(20, NOW, () -> woken.add("never")));
    }

    @Test
    void theWriterCannotShrinkOverrunOrCompleteEarly() {
        GrowingBody body = new GrowingBody(10);
        body.grew(5);
        assertThrows(IllegalArgumentException.class, () -> body.grew(4));
        assertThrows(IllegalArgumentException.class, () -> body.grew(11));
        assertThrows(IllegalStateException.class, body::completed);
    }
}
