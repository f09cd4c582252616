package dev.zeroedge.cache;

import dev.zeroedge.files.FileSystemPool;
import dev.zeroedge.content.Answer;
import dev.zeroedge.content.Description;
import dev.zeroedge.content.Relay;
import dev.zeroedge.content.Representation;
import dev.zeroedge.files.GrowingBody;
import dev.zeroedge.files.OpenFile;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * One origin fetch of one object, and every client waiting for it. Its states, named as they are:
 *
 * <ul>
 * <li>{@link State#ASKING}: the request is on its way; clients that miss the same key attach and wait (no
 *     timer, no polling).
 * <li>{@link State#FILLING}: the head is in; each attached client has been answered with a representation
 *     whose body is the temporary file, still growing ({@link GrowingBody}); a client that attaches now is
 *     answered at once and starts from byte 0 of the file. Body bytes go from the origin into the file on the
 *     file-system threads, one write per read of the socket; the origin is read again only when that write is
 *     done (backpressure), and each write on disk wakes the senders waiting on the file. No client's speed
 *     enters here: clients read the file, never the fill.
 * <li>{@link State#DONE}: the body is complete, committed when it may be stored (then the index knows it) and
 *     otherwise deleted; no one attaches any more.
 * <li>{@link State#FAILED}: the origin could not be asked (the waiters get 502 or 504) or cut the body short
 *     (the senders of the growing file fail, so their connections close before their Content-Length); nothing
 *     is stored.
 * </ul>
 *
 * <p>A response that is not to be stored (no-store, private, to an Authorization, with Set-Cookie or Vary, not
 * fresh, a status the cache does not keep: a 500, a 302) never touches the disk: it is passed through to the
 * client that caused the fetch from memory ({@link PassThrough}); each other waiter asks the origin alone, as
 * Pingora's lock gives up. So is a response to be stored that the disk cannot take: its reservation
 * ({@link DiskSpace}) refused, or no room left to create its file; a fill whose writes meet a full disk with
 * nothing left to evict goes on as a relay to the clients attached ({@link FullDiskRelay}). An origin response
 * without a Content-Length (chunked) fills a file of a length not known yet: its clients are sent it chunked as it
 * grows, and it is stored with the length it turned out to have.
 *
 * <p>With slices on, the request asks a Range: the slice that holds the client's first byte
 * ({@link OriginRange#forClient}). A 206 that is the whole object (a small one) is filled as a 200 is; a 206 of
 * part of a larger object makes it a {@link SlicedObject} in place, this response its first {@link SliceFetch},
 * and the waiters are answered with it (every later client too, through the index); an origin that ignores
 * Range answers 200, filled whole as always. A 416 asks again once, for slice 0 when the origin said a length
 * (the client's first byte is past the end), else without a Range; a Content-Range that is not what was asked
 * is a 502. A CRC32C of the body is computed as it is written and kept in the metadata (one slice).
 *
 * <p>Fill events run on the loop of the origin connection; clients attach from any loop, under the fill's lock.
 */
final class Fill implements OriginClient.Exchange {

    private static final Logger log = LoggerFactory.getLogger(Fill.class);

    enum State { ASKING, FILLING, DONE, FAILED }

    /** Writes that met a full disk and are tried again after evictions, and how long the evicted files get to go. */
    private static final int FULL_DISK_RETRIES = 3;
    private static final long FULL_DISK_RETRY_MILLIS = 50;

    /** The temporary file of a fill, and the growing file its clients read. */
    private record Created(Store.Temp temp, OpenFile reader) {
    }

    /**
     * A client waiting for this fill: its promise, whether it is the one that caused the fetch, how it asks the
     * origin alone (the response is not to be shared) and how it looks the key up again (the fill stepped aside).
     */
    private record Waiter(Promise<Answer> answer, boolean owner, HttpHeaders fields, Runnable alone,
                          Runnable again) {
    }

    private final EdgeCache cache;
    private final CacheKey key;
    /** The hash this fill was made for (the key's, or a variant's when the key was known to vary). */
    private final String hash;
    private final boolean authorization;
    /** The request fields of the client that caused it: a response that varies is stored as their variant. */
    private final HttpHeaders ownerFields;
    /** Where the object goes: {@link #hash}, or the variant the response turned out to be (origin loop). */
    private String storedHash;
    // Set when the head of a response that varies is in (under the lock): who else may have it.
    private List<String> varyFields;
    private String secondary;
    private final List<Waiter> waiting = new ArrayList<>();
    private State state = State.ASKING;

    // Set when the head is in (on the origin loop), read by attach under the lock.
    private Description owners;
    private Description joiners;
    private OpenFile reader;

    // Origin loop only.
    private EventLoop loop;
    private EdgeCache.OriginRequest asked;
    /** The first slice's fetch, once this fill turned out to be of an object in slices: it takes the body. */
    private SliceFetch handedTo;
    /** Of the bytes written so far, on the loop as each write is done. */
    private final CRC32C crc = new CRC32C();
    private OriginClient.Reads reads;
    private StoragePolicy.Decision decision;
    private StoredObject object;
    private GrowingBody growth;
    private Store.Temp temp;
    private final List<ByteBuf> pending = new ArrayList<>();
    private long written;
    private boolean writing;
    private boolean ended;
    private int fullWrites;
    /**
     * RFC 9211's {@code fwd} of this fill's answers: a miss, or a stale object that the origin's answer (200, or 206
     * for the first slice of one in slices) replaces.
     */
    private String forward = "fwd=miss";
    /** The space this fill reserved, until it is committed or dropped; -1: none. */
    private long reserved = -1;
    /** Set when a write met a full disk with nothing to evict: the rest is relayed, nothing stored (origin loop). */
    private FullDiskRelay relay;
    /** Set when an object in slices had no room: its whole response, asked again, is passed through. */
    private boolean noRoom;
    /** Set when the response goes to its client from memory: the origin's events go there. */
    private PassThrough passing;
    /** Set when this fill validates a stale object: a 304 or a failure ends there. */
    private Revalidation revalidation;
    /**
     * The cache directory this fill writes into, from its temporary file to its commit, whatever happens to
     * placement meanwhile: the directory of the hash the object is stored under (a variant's own, once its head
     * says it varies), where lookups and recovery look for it.
     */
    private CacheDirectory directory;

    Fill(EdgeCache cache, CacheKey key, String hash, boolean authorization, HttpHeaders ownerFields) {
        this.cache = cache;
        this.directory = cache.directory(hash);
        this.key = key;
        this.hash = hash;
        this.storedHash = hash;
        this.authorization = authorization;
        this.ownerFields = ownerFields;
    }

    synchronized State state() {
        return state;
    }

    /**
     * Adds a client: answered at once when the head is in, else when it comes. False when the fill takes no
     * one any more (done or failed): the caller looks again.
     */
    boolean attach(Promise<Answer> answer, boolean owner, HttpHeaders fields, Runnable alone, Runnable again) {
        Representation now;
        synchronized (this) {
            if (state == State.DONE || state == State.FAILED) {
                return false;
            }
            if (!owner && !sameVariant(fields)) {
                now = null; // it looked the key up before it was known to vary: it looks again, by variant
            } else if (state == State.ASKING || reader == null || joiners == null && !owner) {
                waiting.add(new Waiter(answer, owner, fields, alone, again));
                return true;
            } else {
                now = new Representation(owner ? owners : joiners, reader.retain());
            }
        }
        if (now == null) {
            again.run();
        } else {
            answer(answer, now);
        }
        return true;
    }

    /** Whether a client of request fields {@code fields} asks for what this fill brings (under the lock). */
    private boolean sameVariant(HttpHeaders fields) {
        return secondary == null || secondary.equals(SecondaryKey.of(varyFields, fields));
    }

    /**
     * The response may be stored: where ({@link EdgeCache#place}); when it varies, the fill is that variant's
     * from now on, and only clients of that variant are given it.
     */
    private void place(HttpResponse response) {
        EdgeCache.Place place = cache.place(key, response.headers(), ownerFields);
        storedHash = place.hash();
        directory = cache.directory(storedHash);
        object = object.withSecondary(place.secondary());
        if (place.secondary() != null) {
            synchronized (this) {
                varyFields = SecondaryKey.varyOf(response.headers());
                secondary = place.secondary();
            }
            cache.fillsVariant(hash, storedHash, this);
        }
    }

    /**
     * A fill not started yet whose object turned up committed meanwhile (its fill ended between the lookup and the
     * making of this one) ends before it asks anyone: every waiter looks the key up again, and finds it.
     */
    void stepAside() {
        List<Waiter> told;
        synchronized (this) {
            if (state != State.ASKING || loop != null) {
                throw new IllegalStateException("a fill under way cannot step aside");
            }
            state = State.DONE;
            told = new ArrayList<>(waiting);
            waiting.clear();
        }
        cache.forget(hash, this);
        for (Waiter waiter : told) {
            waiter.again.run();
        }
    }

    /** This fill validates {@code stale} ({@link Revalidation}); before {@link #start}. */
    void revalidate(Revalidation stale) {
        this.revalidation = stale;
    }

    /** The validation this fill is, or null for a plain fill. */
    Revalidation revalidation() {
        return revalidation;
    }

    /** Sends the request on {@code on}, the loop of the client that caused it. */
    void start(EventLoop on, EdgeCache.OriginRequest request) {
        synchronized (this) {
            this.loop = on;
        }
        asked = request;
        cache.upstream().fetch(on, key, request::build, this);
    }

    /** Gives the response up and asks again, for {@code range} (null: all of it). */
    private void askAgain(OriginRange range) {
        reads.abandon();
        reads = null;
        asked = asked.withRange(range);
        cache.upstream().fetch(loop, key, asked::build, this);
    }

    @Override
    public void head(HttpResponse response, OriginClient.Reads reads) {
        this.reads = reads;
        int status = response.status().code();
        long now = System.currentTimeMillis();
        if (revalidation != null && object == null && revalidation.takes(response)) {
            revalidated(response, now);
            return;
        }
        forward = revalidation != null ? "fwd=stale; fwd-status=" + status : "fwd=miss";
        OriginRange range = asked.range();
        if (range != null && status == 416) {
            OriginRange.ContentRange told = OriginRange.ContentRange.parse(
                    response.headers().get(HttpHeaderNames.CONTENT_RANGE));
            askAgain(told != null && told.total() > 0 && range.first() != 0
                    ? OriginRange.of(0, cache.sliceSize()) : null);
            return;
        }
        long length;
        if (range != null && status == 206) {
            OriginRange.ContentRange got = OriginRange.ContentRange.parse(
                    response.headers().get(HttpHeaderNames.CONTENT_RANGE));
            if (got == null || got.first() < 0 || !range.answeredBy(got)) {
                fail(EdgeCache.failure(Answer.Status.because(HttpResponseStatus.BAD_GATEWAY,
                        "origin range mismatch"), "origin-bad-range"), new IOException("asked " + range.header()
                        + ", origin answered " + response.headers().get(HttpHeaderNames.CONTENT_RANGE)));
                return;
            }
            // A slice stands for the object's 200.
            decision = StoragePolicy.decide(200, authorization, response.headers(), now / 1000);
            if (!got.whole()) {
                if (decision.store() && decision.shared() && got.total() <= cache.maxObjectSize(key)) {
                    slices(response, got, now);
                } else {
                    askAgain(null); // not to be stored: a client is sent the whole of it, as it comes
                }
                return;
            }
            length = got.total();
            status = 200;
        } else {
            decision = StoragePolicy.decide(status, authorization, response.headers(), now / 1000);
            // 1xx never come here; a 204 or 304 has no body, whatever its Content-Length says (RFC 9110 §6.4.1).
            boolean bodiless = status == 204 || status == 304;
            length = bodiless ? 0 : HttpUtil.getContentLength(response, -1L);
        }
        object = cache.describe(key, response, length, now, decision);
        if (decision.store()) {
            place(response);
        }
        if (!decision.store() || length > cache.maxObjectSize(key)) {
            passThrough("fwd=miss", true);
            return;
        }
        if (noRoom) {
            passThrough("fwd=miss; detail=no-space", true); // its slices had no room: counted then
            return;
        }
        if (!directory.space().reserve(Math.max(0, length), key)) {
            cache.countPassThrough(CacheCounters.PassThroughKind.WHOLE);
            passThrough("fwd=miss; detail=no-space", true);
            return;
        }
        reserved = Math.max(0, length);
        growth = new GrowingBody(length);
        GrowingBody growing = growth;
        Store store = directory.store();
        Future<Created> created = directory.submit(() -> {
            Store.Temp made = store.create(storedHash, Math.max(0, growing.length()));
            try {
                return new Created(made, OpenFile.filling(made.path(), growing));
            } catch (IOException | RuntimeException e) {
                store.discard(made);
                throw e;
            }
        }, loop);
        if (created == null) {
            fail(EdgeCache.failure(Answer.Status.busy("file-system queue full", false), "fs-busy"),
                    new IOException("file-system queue full"));
            return;
        }
        created.addListener(done -> {
            if (done.isSuccess()) {
                // Taken over here, on the origin loop, that alone reads and writes the fill's own fields.
                temp = created.getNow().temp();
                synchronized (this) {
                    reader = created.getNow().reader();
                }
            }
            if (!done.isSuccess() && Store.noSpace(done.cause()) && state() != State.FAILED) {
                log.info("no room for {} on disk: passed through ({})", key.text(), done.cause().toString());
                releaseSpace();
                cache.countPassThrough(CacheCounters.PassThroughKind.WHOLE);
                passThrough("fwd=miss; detail=no-space", false);
                return;
            }
            if (!done.isSuccess() && state() != State.FAILED) {
                // A directory failing (its errors counted, see CacheDirectory) fails no client: the response goes
                // from the origin to its client uncached, as on a full disk.
                log.warn("cannot create a temporary file for {}: {}: passed through", key.text(),
                        done.cause().toString());
                releaseSpace();
                passThrough("fwd=miss; detail=store-failed", false);
                return;
            }
            if (!done.isSuccess()) {
                fail(EdgeCache.failure(Answer.Status.because(HttpResponseStatus.BAD_GATEWAY, "cache cannot store"),
                        "store-failed"), done.cause());
                return;
            }
            if (state() == State.FAILED) {
                // The origin failed while the file was being made.
                discard();
                releaseReader();
                return;
            }
            opened();
            writeNext();
        });
    }

    /**
     * The origin answered the validation: a 304 freshens the stored object, a 5xx leaves it stale for
     * {@code stale-if-error}; either way nothing is filled, and every waiter answers itself from the outcome.
     */
    private void revalidated(HttpResponse response, long now) {
        if (response.status().code() == 304) {
            reads.more(); // its end comes (it has no body): the connection goes back to the pool
            revalidation.notModified(response, now, loop, () -> {
                for (Waiter waiter : end(State.DONE)) {
                    waiter.again.run();
                }
            });
            return;
        }
        reads.abandon(); // a 5xx's body is not wanted
        revalidation.failed();
        for (Waiter waiter : end(State.FAILED)) {
            waiter.again.run();
        }
    }

    /**
     * The response is part of a large object: it is made in place in slices, then this response is its first
     * slice fetch, and every waiter is answered with it. The body that came meanwhile waits here (the origin is
     * not read while the object is made).
     */
    private void slices(HttpResponse response, OriginRange.ContentRange got, long now) {
        object = cache.describe(key, response, got.total(), now, decision)
                .withSlices(SliceMap.empty(got.total(), cache.sliceSize()));
        place(response);
        if (!directory.space().reserve(got.total(), key)) {
            log.info("no room for the {} bytes of {} in slices: passed through", got.total(), key.text());
            passThroughWhole();
            return;
        }
        reserved = got.total();
        Future<SlicedObject> made = SlicedObject.create(cache, key, storedHash, object, loop);
        if (made == null) {
            fail(EdgeCache.failure(Answer.Status.busy("file-system queue full", false), "fs-busy"),
                    new IOException("file-system queue full"));
            return;
        }
        made.addListener(done -> {
            // The object's blocks are claimed and the file system's figure read again (or it failed): the index
            // counts the object from now on, by its whole length.
            releaseSpace();
            if (!done.isSuccess() && Store.noSpace(done.cause()) && state() != State.FAILED) {
                log.info("no room for the blocks of {} in slices: passed through ({})", key.text(),
                        done.cause().toString());
                passThroughWhole();
                return;
            }
            if (!done.isSuccess()) {
                log.warn("cannot make the slices of {}: {}", key.text(), done.cause().toString());
                fail(EdgeCache.failure(Answer.Status.because(HttpResponseStatus.BAD_GATEWAY, "cache cannot store"),
                        "store-failed"), done.cause());
                return;
            }
            SlicedObject sliced = made.getNow();
            if (state() == State.FAILED) {
                sliced.discard(new IOException("the origin failed while the object was made"));
                return;
            }
            cache.adopt(sliced);
            SliceFetch first = sliced.firstFetch(got.first(), got.last());
            handedTo = first;
            first.head(response, reads);
            for (ByteBuf buf : pending) {
                first.body(buf);
            }
            pending.clear();
            if (ended) {
                first.end();
            } else {
                first.endOfBatch();
            }
            Description owner = cache.description(sliced.object(), forward + "; stored", 0);
            Description joiner = cache.description(sliced.object(), "fwd=miss; collapsed", 0);
            for (Waiter waiter : end(State.DONE)) {
                if (!waiter.owner && !sameVariantNow(waiter.fields)) {
                    waiter.again.run();
                    continue;
                }
                Representation representation = sliced.representation(waiter.owner ? owner : joiner);
                if (representation != null) {
                    answer(waiter.answer, representation);
                } else {
                    waiter.again.run(); // given up already: the key is looked up again
                }
            }
        });
    }

    /**
     * An object in slices the disk has no room for: it is asked again without Range and its response passed
     * through whole to the client that caused the fetch, as a whole object refused its room is (a slice alone is
     * not what the client asked for). Counted here, once; the body of the first response is dropped.
     */
    private void passThroughWhole() {
        cache.countPassThrough(CacheCounters.PassThroughKind.SLICE);
        noRoom = true;
        release(pending);
        pending.clear();
        ended = false;
        askAgain(null);
    }

    /** The growing file is open: every waiter is answered, joiners from now on at once. */
    private void opened() {
        List<Waiter> told;
        synchronized (this) {
            owners = cache.description(object, decision.store() ? forward + "; stored" : forward, 0);
            joiners = decision.shared() ? cache.description(object, "fwd=miss; collapsed", 0) : null;
            state = State.FILLING;
            told = new ArrayList<>(waiting);
            waiting.clear();
            if (!decision.shared()) {
                // No one else may have this response: later clients start a fill of their own.
                state = State.DONE;
                cache.forget(hash, this);
            }
        }
        for (Waiter waiter : told) {
            if (waiter.owner || decision.shared() && sameVariantNow(waiter.fields)) {
                answer(waiter.answer, new Representation(waiter.owner ? owners : joiners, reader.retain()));
            } else if (decision.shared()) {
                waiter.again.run(); // another variant: looked up again, by variant
            } else {
                waiter.alone.run();
            }
        }
    }

    /**
     * The response goes from memory to the client that caused the fetch, not through the disk: every other waiter
     * asks the origin alone, and no one attaches any more. {@code reading}: the read that brought the head is still
     * under way (its batch ends next).
     */
    private void passThrough(String cacheStatus, boolean reading) {
        passing = new PassThrough(loop, reads, pending, reading, ended);
        pending.clear();
        Relay relay = new Relay(cache.description(object, cacheStatus, 0), passing);
        boolean given = false;
        for (Waiter waiter : end(State.DONE)) {
            if (waiter.owner) {
                given = answer(waiter.answer, relay);
            } else {
                waiter.alone.run();
            }
        }
        if (!given) {
            passing.cancel(); // the client that caused it is gone
        }
    }

    @Override
    public void body(ByteBuf content) {
        if (handedTo != null) {
            handedTo.body(content);
            return;
        }
        if (passing != null) {
            passing.body(content);
            return;
        }
        if (state() == State.FAILED) {
            content.release();
            return;
        }
        pending.add(content);
    }

    @Override
    public void endOfBatch() {
        if (handedTo != null) {
            handedTo.endOfBatch();
        } else if (passing != null) {
            passing.endOfBatch();
        } else {
            writeNext();
        }
    }

    @Override
    public void end() {
        if (handedTo != null) {
            handedTo.end();
            return;
        }
        ended = true;
        if (passing != null) {
            passing.end();
        } else {
            writeNext();
        }
    }

    /** Writes what has come since the last write (the mode's {@link dev.zeroedge.files.FileWriter}); then asks the origin for more. */
    private void writeNext() {
        if (writing || temp == null || state() == State.FAILED) {
            return;
        }
        if (pending.isEmpty()) {
            if (ended) {
                finish();
            } else if (reads != null) {
                reads.more();
            }
            return;
        }
        List<ByteBuf> batch = new ArrayList<>(pending);
        pending.clear();
        List<ByteBuffer> buffers = new ArrayList<>();
        long bytes = 0;
        for (ByteBuf buf : batch) {
            for (ByteBuffer b : buf.nioBuffers()) {
                buffers.add(b);
            }
            bytes += buf.readableBytes();
        }
        if (growth.length() >= 0 && written + bytes > growth.length()) {
            release(batch);
            fault(new IOException("origin sent more than its Content-Length"));
            return;
        }
        long at = written;
        long size = bytes;
        ByteBuffer[] array = buffers.toArray(ByteBuffer[]::new);
        writing = true;
        Future<Void> wrote = cache.writer().write(temp.writer(), temp.path(), array, at, loop);
        if (wrote == null) {
            // The file-system queue is full: the origin waits (it is not read meanwhile), then the write is asked again.
            writing = false;
            pending.addAll(0, batch);
            loop.schedule(this::writeNext, FileSystemPool.BUSY_RETRY_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        wrote.addListener(done -> {
            writing = false;
            if (state() != State.FAILED && !done.isSuccess() && Store.noSpace(done.cause())) {
                if (relay == null && fullWrites++ < FULL_DISK_RETRIES && directory.space().evictForWrite(size, key)) {
                    // The disk filled under this fill (a chunked body claims nothing ahead): objects were evicted,
                    // and the same bytes are written again where they were once their files are gone; the origin
                    // waits.
                    log.info("disk full writing {}: evicted to make room, writing again", key.text());
                    pending.addAll(0, batch);
                    loop.schedule(this::writeNext, FULL_DISK_RETRY_MILLIS, TimeUnit.MILLISECONDS);
                    return;
                }
                // Nothing left to evict: the clients that have their heads are relayed the rest (FullDiskRelay).
                pending.addAll(0, batch);
                relayRest(done.cause());
                return;
            }
            if (done.isSuccess()) {
                // Checksummed once written, so that a write asked again (a full disk) counts its bytes once.
                for (ByteBuf buf : batch) {
                    crc.update(buf.nioBuffer());
                }
            }
            release(batch);
            if (state() == State.FAILED) {
                discard();
                return;
            }
            if (!done.isSuccess()) {
                log.warn("writing {} failed: {}", temp.path(), done.cause().toString());
                directory.error(done.cause());
                fault(done.cause());
                return;
            }
            written = at + size;
            growth.grew(written);
            writeNext();
        });
    }

    /**
     * A write met a full disk with nothing left to evict ({@code cause}): from now on the fill is a relay to the
     * clients attached ({@link FullDiskRelay}), its file a window from which what every client has been sent is
     * freed before the write is tried again. No one attaches any more; nothing is stored; counted once.
     */
    private void relayRest(Throwable cause) {
        if (relay == null) {
            OpenFile held;
            synchronized (this) {
                held = reader;
            }
            relay = new FullDiskRelay(growth, held, temp, directory, loop);
            cache.countPassThrough(CacheCounters.PassThroughKind.MID_FILL);
            log.info("disk full writing {} at {} bytes, nothing left to evict: relayed to its clients, not stored",
                    key.text(), written);
            for (Waiter waiter : end(State.DONE)) {
                waiter.again.run(); // whoever comes now asks the origin on their own
            }
        }
        writing = true; // no write is asked while the window moves
        relay.free(written, step -> {
            writing = false;
            if (state() == State.FAILED) {
                discard();
                return;
            }
            switch (step) {
                case FREED -> writeNext();
                case WAIT -> loop.schedule(this::writeNext, FullDiskRelay.WAIT_MILLIS, TimeUnit.MILLISECONDS);
                case NO_ONE -> fault(new IOException("disk full and no client left to relay to"));
                case STUCK -> fault(cause);
            }
        });
    }

    /** Every byte is on disk: readers can finish; then the object is committed (or the file deleted). */
    private void finish() {
        if (growth.length() >= 0 && written != growth.length()) {
            fault(new IOException("origin body ended at " + written + " of " + growth.length() + " bytes"));
            return;
        }
        if (object.length() != written) {
            object = cache.withLength(object, written); // a chunked body: its length is known now
        }
        object = object.withSlices(SliceMap.whole(written, (int) crc.getValue())); // one slice, all of it
        if (relay != null) {
            log.info("relay of {} ended at {} bytes ({} freed as its clients were sent them): deleted", key.text(),
                    written, relay.freed());
        } else if (decision.store()) {
            synchronized (this) {
                // Whoever comes now is sent a complete object without the origin being asked: a hit.
                joiners = decision.shared() ? cache.description(object, "hit", 0) : null;
            }
        } else {
            // Not to be stored (no-store): shared with the clients that asked while it came, never with one that
            // asks after it is complete, even in the moment before its file is deleted. The next miss fetches anew.
            end(State.DONE);
        }
        growth.completed();
        commit();
    }

    private void commit() {
        boolean store = decision.store() && relay == null;
        Store.Temp filled = temp;
        String as = storedHash;
        Future<Void> committed = directory.submit(() -> {
            if (store) {
                directory.store().commit(filled, as, object);
            } else {
                directory.store().discard(filled);
            }
            directory.space().refresh(); // before the reservation goes: the file system counts the body now
            return null;
        }, loop);
        if (committed == null) {
            loop.schedule(this::commit, FileSystemPool.BUSY_RETRY_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        committed.addListener(done -> {
            if (!done.isSuccess()) {
                log.warn("committing {} failed: {}", key.text(), done.cause().toString());
                discard();
            } else if (store && directory.inService()) { // a directory taken out meanwhile: not found there
                cache.stored(as, object);
            }
            releaseSpace();
            temp = null;
            for (Waiter waiter : end(State.DONE)) {
                waiter.again.run(); // none should wait while a body fills; if one does, it looks the key up again
            }
            releaseReader();
        });
    }

    @Override
    public void failed(OriginClient.Fault fault, Throwable cause) {
        if (handedTo != null) {
            handedTo.failed(fault, cause);
            return;
        }
        if (passing != null) {
            passing.failed(cause);
            return;
        }
        if (revalidation != null && object == null && fault != OriginClient.Fault.CUT_SHORT) {
            // No head: the stale object is still what is stored; each waiter sees whether it may serve it.
            revalidation.failed();
            for (Waiter waiter : end(State.FAILED)) {
                waiter.again.run();
            }
            return;
        }
        switch (fault) {
            case UNREACHABLE -> fail(EdgeCache.failure(Answer.Status.because(HttpResponseStatus.BAD_GATEWAY,
                    "origin unreachable"), "origin-unreachable"), cause);
            case NO_FIRST_BYTE -> fail(EdgeCache.failure(Answer.Status.because(HttpResponseStatus.GATEWAY_TIMEOUT,
                    "origin timeout"), "origin-timeout"), cause);
            case CUT_SHORT -> fault(cause);
        }
    }

    /** The body was cut short (or could not be written): readers of the growing file fail, nothing is kept. */
    private void fault(Throwable cause) {
        log.info("fill of {} failed at {} bytes: {}", key.text(), written, cause.toString());
        fail(EdgeCache.failure(Answer.Status.because(HttpResponseStatus.BAD_GATEWAY, "origin response cut short"),
                "origin-cut-short"), cause);
    }

    /** Fails the fill: waiters not yet answered get {@code answer}, a growing body fails, the file goes. */
    private void fail(Answer.Status answer, Throwable cause) {
        List<Waiter> told = end(State.FAILED);
        if (reads != null) {
            reads.abandon(); // the origin may still be sending: its connection goes (a no-op when it failed itself)
        }
        if (growth != null) {
            growth.failed(cause);
        }
        for (Waiter waiter : told) {
            answer(waiter.answer, answer);
        }
        release(pending);
        pending.clear();
        if (!writing) {
            discard();
        }
        releaseReader();
    }

    /** Deletes the temporary file on a file-system thread (readers that have it open finish). */
    private void discard() {
        releaseSpace();
        Store.Temp gone = temp;
        temp = null;
        if (gone == null) {
            return;
        }
        Store store = directory.store();
        if (directory.submit(() -> {
            store.discard(gone);
            return null;
        }, loop) == null) {
            // A full queue must not leave the file behind: the next free thread of the shared pool takes it.
            ForkJoinPool.commonPool().execute(() -> store.discard(gone));
        }
    }

    /** Ends the fill in {@code end}: no one attaches any more; the waiters not yet answered are returned. */
    private List<Waiter> end(State end) {
        List<Waiter> told;
        synchronized (this) {
            if (state == State.DONE || state == State.FAILED) {
                if (end == State.FAILED) {
                    state = end;
                }
                told = new ArrayList<>(waiting);
                waiting.clear();
                return told;
            }
            state = end;
            told = new ArrayList<>(waiting);
            waiting.clear();
        }
        cache.forget(hash, this);
        cache.forget(storedHash, this);
        return told;
    }

    private boolean sameVariantNow(HttpHeaders fields) {
        synchronized (this) {
            return sameVariant(fields);
        }
    }

    /** The fill's reservation goes: it is committed (the index counts it now) or dropped. */
    private void releaseSpace() {
        if (reserved >= 0) {
            directory.space().release(reserved, key);
            reserved = -1;
        }
    }

    private void releaseReader() {
        OpenFile held;
        synchronized (this) {
            held = reader;
            reader = null;
        }
        if (held != null) {
            held.release();
        }
    }

    private static void release(List<ByteBuf> buffers) {
        for (ByteBuf buf : buffers) {
            buf.release();
        }
    }

    /** True when {@code promise} took {@code answer}; else what it holds is let go. */
    private static boolean answer(Promise<Answer> promise, Answer answer) {
        if (promise.trySuccess(answer)) {
            return true;
        }
        if (answer instanceof Representation representation) {
            representation.body().release();
        }
        return false;
    }
}
