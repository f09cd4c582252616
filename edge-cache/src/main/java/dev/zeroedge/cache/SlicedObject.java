package dev.zeroedge.cache;

import dev.zeroedge.content.Description;
import dev.zeroedge.content.Representation;
import dev.zeroedge.files.GrowingBody;
import dev.zeroedge.files.OpenFile;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.BitSet;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;

/**
 * A large object stored in slices while some of them are still missing: one sparse body file in its place, its
 * {@link SliceMap} in the metadata, and one {@link GrowingBody} whose present ranges are the committed slices.
 * Every client of the object is sent that one file through the mode's own sender, as one representation of the
 * whole length; the sender waits (woken, never polling) where a slice is missing.
 *
 * <p>Slices are fetched when read: the body's {@link GrowingBody.Demand} hears where each sender is and how far
 * it reads. A sender at a missing slice has it fetched ({@link SliceFetch}, one Range request). A sender in a
 * present slice that will read on into the next one, missing, has that one fetched ahead, as soon as it starts
 * on the present one: the next slice then has a whole slice's sending time to arrive, so a sequential reader
 * does not stall a round trip at every boundary. Why not at some fraction of the slice: senders report their
 * position once per chunk they send ({@code --sendfile-max-chunk}, 2 MiB by default, half a default slice), so a
 * finer point could not be seen, and a chunk as large as a slice would never see one at all. A reader whose range
 * ends within the present slice never pulls the next (the sender says how far it reads); one that goes away
 * mid-slice costs at most one slice. At most one fetch per slice is under way.
 *
 * <p>When the last slice is committed the object is whole, like one fetched whole, and leaves the cache's live
 * objects; if a fetch fails, the readers that need a missing byte fail (closed before their Content-Length) and
 * the object leaves the live ones with its committed slices kept (the next client starts a new live one from
 * the disk); if the origin's object changed (another validator or length, a 412 to If-Match), the whole object
 * is discarded, so no one is ever sent bytes of two versions.
 *
 * <p>Shared by every loop: its state is under its lock; commits run on file-system threads, one at a time.
 */
final class SlicedObject implements GrowingBody.Demand {

    private static final Logger log = LoggerFactory.getLogger(SlicedObject.class);

    private final EdgeCache cache;
    private final CacheKey key;
    private final String hash;
    private final EventLoop loop;
    /** The cache directory its body is in, from its making to its last slice. */
    private final CacheDirectory directory;
    private final FileChannel writer;
    private final GrowingBody growing;
    private final OpenFile reader;
    /** Held while a slice is committed: the metadata of one commit never overtakes another's. */
    private final Object commits = new Object();

    // Under this object's lock.
    private StoredObject object;
    private final BitSet fetching = new BitSet();
    private boolean over;
    private boolean discarded;

    private SlicedObject(EdgeCache cache, CacheKey key, String hash, EventLoop loop, Store.Temp body,
                         StoredObject object) throws IOException {
        this.cache = cache;
        this.key = key;
        this.hash = hash;
        this.loop = loop;
        this.directory = cache.directory(hash);
        this.writer = body.writer();
        this.object = object;
        this.growing = new GrowingBody(object.length(), this);
        SliceMap map = object.slices();
        for (int i = map.present().nextSetBit(0); i >= 0; i = map.present().nextSetBit(i + 1)) {
            growing.arrived(map.start(i), map.end(i));
        }
        this.reader = OpenFile.filling(body.path(), growing);
    }

    /** The key the object is stored for: its origin's share is charged for it. */
    CacheKey key() {
        return key;
    }

    /**
     * Makes {@code object} (its slice map empty, its blocks claimed: {@link Store#createSliced}) in place on a
     * file-system thread; null when the queue is full. No room is a failure that {@link Store#noSpace} tells.
     */
    static Future<SlicedObject> create(EdgeCache cache, CacheKey key, String hash, StoredObject object,
                                       EventLoop loop) {
        CacheDirectory directory = cache.directory(hash);
        return directory.submit(() -> {
            Store.Temp body = directory.store().createSliced(hash, object);
            directory.space().refresh(); // the file system counts the object's claimed blocks now
            try {
                return new SlicedObject(cache, key, hash, loop, body, object);
            } catch (IOException | RuntimeException e) {
                body.writer().close();
                throw e;
            }
        }, loop);
    }

    /**
     * The stored object {@code hash} in slices, opened again for more of them (after a restart, or after a live
     * one ended), with its slice map as the disk has it; a null result when it is gone or whole by now. Null when
     * the queue is full.
     */
    static Future<SlicedObject> reopen(EdgeCache cache, CacheKey key, String hash, EventLoop loop) {
        CacheDirectory directory = cache.directory(hash);
        return directory.submit(() -> {
            // The disk's slice map, not the index's: a live object may have committed more since the index was told.
            StoredObject now = directory.store().metadata(hash);
            if (now == null || now.whole() || !now.key().equals(key.text())) {
                return null;
            }
            Store.Temp body = directory.store().openSliced(hash);
            if (body == null) {
                return null;
            }
            try {
                return new SlicedObject(cache, key, hash, loop, body, now);
            } catch (IOException | RuntimeException e) {
                body.writer().close();
                throw e;
            }
        }, loop);
    }

    synchronized StoredObject object() {
        return object;
    }

    String hash() {
        return hash;
    }

    FileChannel writer() {
        return writer;
    }

    /** The object as {@code description} says, its body this object's file (retained); null once it is over. */
    synchronized Representation representation(Description description) {
        return over ? null : new Representation(description, reader.retain());
    }

    /**
     * The first fetch's response, covering {@code [first, last]}: the slices it holds whole are marked under way
     * (no second fetch is made for them meanwhile), and it is written as any slice fetch.
     */
    SliceFetch firstFetch(long first, long last) {
        SliceMap map = object().slices();
        int from = map.sliceOf(first) + (map.start(map.sliceOf(first)) == first ? 0 : 1);
        int to = last + 1 == map.length() ? map.count() : map.sliceOf(last + 1);
        synchronized (this) {
            fetching.set(from, Math.max(from, to));
        }
        return new SliceFetch(this, cache, null, from, Math.max(from, to), loop);
    }

    @Override
    public void reading(long position, long until) {
        int wanted = -1;
        synchronized (this) {
            if (over) {
                return;
            }
            SliceMap map = object.slices();
            int slice = map.sliceOf(position);
            if (!map.has(slice)) {
                wanted = fetching.get(slice) ? -1 : slice;
            } else if (slice + 1 < map.count() && until > map.end(slice) && !map.has(slice + 1)
                    && !fetching.get(slice + 1)) {
                wanted = slice + 1; // read-ahead: see the class comment
            }
            if (wanted >= 0) {
                fetching.set(wanted);
            }
        }
        if (wanted >= 0) {
            fetch(wanted);
        }
    }

    /** Asks the origin for {@code slice}, on this object's loop. */
    private void fetch(int slice) {
        StoredObject now = object();
        OriginRange range = OriginRange.of(now.slices().start(slice), now.slices().end(slice));
        SliceFetch fetch = new SliceFetch(this, cache, range, slice, slice + 1, loop);
        try {
            loop.execute(() -> cache.upstream().fetch(loop, key, () -> cache.sliceRequest(key, range, now).build(), fetch));
        } catch (RejectedExecutionException e) {
            fetched(slice, slice + 1);
            abandon(e); // the server is stopping
        }
    }

    /**
     * Commits {@code slice}, written with checksum {@code crc} (a file-system thread: blocks). Its readers are
     * woken; the last slice makes the object whole. Nothing is committed for an object discarded meanwhile.
     */
    void commit(int slice, int crc) throws IOException {
        StoredObject next;
        synchronized (commits) {
            synchronized (this) {
                if (discarded || object.slices().has(slice)) {
                    return;
                }
                next = object.withSlices(object.slices().with(slice, crc));
            }
            if (!directory.store().commitSlice(hash, writer, next)) {
                abandon(new IOException("object " + hash + " was removed while its slices were fetched"));
                return;
            }
            synchronized (this) {
                object = next;
            }
        }
        // The index first: a client that has the slice's bytes and asks again finds them committed.
        cache.index().put(hash, next);
        growing.arrived(next.slices().start(slice), next.slices().end(slice));
        if (next.whole()) {
            synchronized (this) {
                over = true;
            }
            growing.completed();
            cache.forget(this);
            end();
        }
    }

    /** A fetch of {@code [from, to)} ended (its slices committed, or it failed). */
    synchronized void fetched(int from, int to) {
        fetching.clear(from, to);
    }

    /**
     * A fetch failed (the origin was unreachable, timed out, cut the slice short, or the disk failed): readers
     * that need a missing byte fail; the committed slices stay, and the next client makes a new live object.
     */
    void abandon(Throwable cause) {
        synchronized (this) {
            if (over) {
                return;
            }
            over = true;
        }
        log.info("slices of {} given up: {}", key.text(), cause.toString());
        growing.failed(cause);
        cache.forget(this);
        end();
    }

    /** The origin's object is not the one whose slices are stored: every slice goes, and the object with them. */
    void discard(Throwable cause) {
        StoredObject gone;
        synchronized (this) {
            discarded = true;
            gone = object;
        }
        log.info("object {} changed at the origin, discarded: {}", key.text(), cause.getMessage());
        abandon(cause);
        cache.discard(hash, gone);
    }

    /** A live object made twice by a race, not used: let go without failing anyone. */
    void unused() {
        synchronized (this) {
            over = true;
        }
        end();
    }

    /** Closes the writer and lets the reader go (clients that have it keep it), off the loop. */
    private void end() {
        reader.release();
        Runnable close = () -> {
            try {
                writer.close();
            } catch (IOException e) {
                log.debug("closing the body of {}: {}", hash, e.toString());
            }
        };
        if (directory.submit(() -> {
            close.run();
            return null;
        }, loop) == null) {
            ForkJoinPool.commonPool().execute(close);
        }
    }

    CacheDirectory directory() {
        return directory;
    }

    @Override
    public String toString() {
        return "SlicedObject(" + key.text() + ", " + growing + ")";
    }
}
