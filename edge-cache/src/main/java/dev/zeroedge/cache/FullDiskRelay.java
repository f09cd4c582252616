package dev.zeroedge.cache;

import dev.zeroedge.files.GrowingBody;
import dev.zeroedge.files.OpenFile;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

import java.util.function.Consumer;

/**
 * The rest of a fill whose writes met a full disk with nothing left to evict. Its clients have their heads
 * already, and it is our disk that is full, not the origin that failed, so they are not cut short: the fill goes
 * on as a relay to the clients attached to it, and is no cache fill any more. No one attaches from now on (a new
 * client goes to the origin on its own, passed through while the disk is full), and the file is deleted at the
 * end, never stored.
 *
 * <p>The bytes still go through the temporary file, in a window: the blocks of what every attached client has been
 * sent are freed ({@link Store#freeSent}, a hole punched with {@code fallocate}), and the origin's next bytes are
 * written into the room that makes. So the origin is read at the pace of the slowest client, as a pass-through's
 * origin is read at its client's, and the disk holds what lies between the slowest client and the origin.
 *
 * <p>Why a window of the file and not the rest from memory: attached clients are sent the file by the mode's own
 * sender, each at its own offset; sending them the rest from memory would need a second way of sending a body in
 * every mode, switched mid-body, and memory for the whole gap between the fastest client and the slowest. The
 * window keeps one way of sending, costs one {@code fallocate} per step, and the gap stays where it already was.
 *
 * <p>Where every client is: each sender of the file says so to its {@link GrowingBody} before each part it sends
 * (what it has sent so far). Whoever holds the file without having said where it is holds everything back
 * ({@link GrowingBody#sentByAll} against the file's references): a client whose response has not started sending
 * yet (queued behind another on its connection), a multipart response (its later parts may start lower), and a
 * send in flight in a mode whose operation holds the file while it runs (uring-splice). So in practice the window
 * moves when the writer, stopped by the full disk, has been caught up with: stop and go, which is all a degraded
 * relay needs, and never a byte freed that anyone may still read. Steps are whole multiples of {@link #STEP}, 2 MiB, the
 * largest folio of the page cache: a punch that ends inside a large folio zeroes that part of it in place, and a
 * socket may still be sending from pages the client has "been sent" (zero-copy: the kernel holds the page, not a
 * copy); whole folios are only taken out of the file, and whoever holds one keeps its bytes. So a fill that met the
 * full disk before its first 2 MiB, or whose clients all sent everything there is, cannot free anything: its clients
 * are cut short as before (documented).
 *
 * <p>While nothing can be freed (the slowest client has not passed the next step) the fill looks again every
 * {@link #WAIT_MILLIS} ms: a degraded state, not the path of any hit; a client that stalls holds the origin back
 * until the origin's idle timeout ends the fill, as a stalled pass-through's client does.
 *
 * <p>On the loop of the fill's origin connection; the punch runs on a file-system thread.
 */
final class FullDiskRelay {

    /** Freed in whole steps of this many bytes: see the class comment. */
    static final long STEP = 2L * 1024 * 1024;
    /** How long the fill waits before it looks again when nothing could be freed. */
    static final long WAIT_MILLIS = 50;

    /** What a step did. */
    enum Step {
        /** Blocks were freed: the write can be tried again. */
        FREED,
        /** The slowest client has not passed the next step yet (or has not started): look again later. */
        WAIT,
        /** No client is left: there is no one to relay to. */
        NO_ONE,
        /** Nothing can ever be freed (the file system cannot punch holes, or every client has all there is). */
        STUCK
    }

    private final GrowingBody growth;
    private final OpenFile reader;
    private final Store.Temp temp;
    private final CacheDirectory directory;
    private final EventLoop loop;
    /** Bytes {@code [0, freed)} of the file are holes now. */
    private long freed;

    /** {@code reader}: the fill's own open file, whose other holders are the clients being sent it. */
    FullDiskRelay(GrowingBody growth, OpenFile reader, Store.Temp temp, CacheDirectory directory, EventLoop loop) {
        this.growth = growth;
        this.reader = reader;
        this.temp = temp;
        this.directory = directory;
        this.loop = loop;
    }

    /**
     * Frees what every client has been sent since the last step, of a file {@code written} bytes long so far; then
     * {@code then} hears what happened, on the loop.
     */
    void free(long written, Consumer<Step> then) {
        int holders = reader.refCnt() - 1; // read first: no holder comes any more (see GrowingBody#sentByAll)
        if (holders <= 0) {
            then.accept(Step.NO_ONE);
            return;
        }
        long least = growth.sentByAll(holders);
        long to = least / STEP * STEP;
        if (to <= freed) {
            boolean allSent = least >= written && written / STEP * STEP <= freed;
            then.accept(allSent ? Step.STUCK : Step.WAIT);
            return;
        }
        long from = freed;
        Store store = directory.store();
        Future<Boolean> punched = directory.submit(() -> store.freeSent(temp, from, to), loop);
        if (punched == null) {
            then.accept(Step.WAIT); // the file-system queue is full: later
            return;
        }
        punched.addListener(done -> {
            if (done.isSuccess() && Boolean.TRUE.equals(done.getNow())) {
                freed = to;
                then.accept(Step.FREED);
            } else {
                then.accept(Step.STUCK);
            }
        });
    }

    /** Bytes freed so far. */
    long freed() {
        return freed;
    }
}
