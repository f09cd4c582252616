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

    @Test
    void slicesArriveInAnyOrderAndAReaderSeesOnlyTheRunOfPresentBytesFromItsPosition() {
        List<String> heard = new ArrayList<>();
        GrowingBody body = new GrowingBody(300, (position, until) -> heard.add(position + "<" + until));
        List<String> woken = new ArrayList<>();
        body.arrived(200, 300);
        assertEquals(0, body.readable());
        assertEquals(250, body.readableFrom(250, 300) - 50, "the last slice is there");
        assertEquals(100, body.readableFrom(100, 300), "nothing at 100 yet");
        assertFalse(body.whenPast(100, NOW, () -> woken.add("reader at 100")));
        body.arrived(0, 100);
        assertEquals(List.of("reader at 100"), woken, "any arrival wakes, the reader looks again");
        assertEquals(100, body.readableFrom(0, 300));
        assertFalse(body.present(0, 101));
        body.arrived(100, 200);
        assertEquals(300, body.readableFrom(0, 300), "three slices merged into one run");
        assertTrue(body.present(0, 300));
        body.completed();
        assertTrue(body.complete());
        assertEquals(List.of("250<300", "100<300", "0<300", "0<300"), heard);
    }

    @Test
    void aFailedSlicedBodyStillServesItsPresentRanges() {
        GrowingBody body = new GrowingBody(300);
        body.arrived(100, 200);
        body.failed(new IOException("validator changed"));
        assertEquals(200, body.readableFrom(150, 300));
        assertTrue(body.whenPast(250, NOW, () -> { }), "a reader of a missing byte goes on, to fail");
        assertThrows(IllegalArgumentException.class, () -> body.arrived(250, 301));
        assertThrows(IllegalStateException.class, body::completed);
    }

    @Test
    void whatEverySenderHasSentIsKnownOnlyWhenEveryHolderHasSaidWhereItIs() {
        GrowingBody body = new GrowingBody(-1);
        body.grew(1000);
        Object fast = new Object();
        Object slow = new Object();
        assertEquals(0, body.sentByAll(0), "no holder: nothing to say");
        assertEquals(1000, body.readableFrom(fast, 600, Long.MAX_VALUE));
        assertEquals(0, body.sentByAll(2), "one of two holders has not started sending: nothing is sent by all");
        body.readableFrom(slow, 200, Long.MAX_VALUE);
        assertEquals(200, body.sentByAll(2));
        body.readableFrom(slow, 900, Long.MAX_VALUE);
        assertEquals(600, body.sentByAll(2), "the least of them");
        body.left(fast);
        assertEquals(900, body.sentByAll(1), "a sender that left holds nothing back");
        assertEquals(0, body.sentByAll(2), "a holder that never said where it is holds everything back");
    }
}
