package dev.zeroedge.cache;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

import dev.zeroedge.files.FileSystemPool;

/**
 * One Range response of the origin written into a {@link SlicedObject}'s body file at its offset: the head is
 * checked first (a 206 of exactly the asked bytes of an object of the same length and validators; anything else
 * means the origin's object changed, and the object is discarded; a 5xx only gives this fetch up), then the body
 * is written as it comes by the mode's {@link dev.zeroedge.files.FileWriter}, one write per read of the socket and
 * the origin read again only when that write is done, as a {@link Fill} writes. The CRC32C of each slice is
 * computed from the bytes as they are written, and each slice the response holds whole is committed (on a
 * file-system thread) as soon as its last byte is on disk.
 *
 * <p>Runs on the loop of its origin connection.
 */
final class SliceFetch implements OriginClient.Exchange {

    private static final Logger log = LoggerFactory.getLogger(SliceFetch.class);
    /** Writes that met a full disk and are tried again after evictions (as {@link Fill}'s). */
    private static final int FULL_DISK_RETRIES = 3;
    private static final long FULL_DISK_RETRY_MILLIS = 50;

    private final SlicedObject object;
    private final EdgeCache cache;
    /** What was asked; null for the first fetch, whose head the {@link Fill} checked. */
    private final OriginRange asked;
    /** The slices this fetch holds whole: {@code [fromSlice, toSlice)}. */
    private final int fromSlice;
    private final int toSlice;
    private final EventLoop loop;
    private final SliceMap map;

    private OriginClient.Reads reads;
    private final List<ByteBuf> pending = new ArrayList<>();
    private long position;
    private long end;
    private boolean writing;
    private boolean ended;
    private boolean over;
    private int fullWrites;

    /** The body file, which names its disk to the writer and the file-system threads. */
    private final Path body;
    // On the loop, from the bytes of each write once it is done.
    private final CRC32C crc = new CRC32C();
    private int slice;
    private boolean sliceFromStart;

    SliceFetch(SlicedObject object, EdgeCache cache, OriginRange asked, int fromSlice, int toSlice, EventLoop loop) {
        this.object = object;
        this.cache = cache;
        this.asked = asked;
        this.fromSlice = fromSlice;
        this.toSlice = toSlice;
        this.loop = loop;
        this.map = object.object().slices();
        this.body = object.directory().store().bodyPath(object.hash());
    }

    @Override
    public void head(HttpResponse response, OriginClient.Reads reads) {
        this.reads = reads;
        int status = response.status().code();
        OriginRange.ContentRange got = OriginRange.ContentRange.parse(
                response.headers().get(HttpHeaderNames.CONTENT_RANGE));
        if (status >= 500) {
            giveUp(new IOException("origin answered " + status + " to a slice"));
            return;
        }
        StoredObject stored = object.object();
        if (status != 206 || got == null || got.first() < 0 || got.total() != stored.length()
                || (asked != null && !asked.answeredBy(got)) || !sameVersion(stored, response.headers())) {
            over = true;
            cache.counters().sliceFetched(CacheCounters.SliceOutcome.CHANGED);
            reads.abandon();
            object.discard(new IOException("origin answered " + status + " " + response.headers()
                    .get(HttpHeaderNames.CONTENT_RANGE) + ", ETag " + response.headers().get(HttpHeaderNames.ETAG)
                    + " to " + (asked == null ? "the first slice" : asked.header())));
            object.fetched(fromSlice, toSlice);
            return;
        }
        position = got.first();
        end = got.last() + 1;
        slice = map.sliceOf(position);
        sliceFromStart = map.start(slice) == position;
        writeNext();
    }

    /** Whether a slice's response is of the object whose first slice was stored: same validators. */
    private static boolean sameVersion(StoredObject stored, HttpHeaders headers) {
        String etag = stored.etag() != null ? stored.etag() : stored.field("ETag");
        String lastModified = stored.lastModified() != null ? stored.lastModified() : stored.field("Last-Modified");
        return Objects.equals(etag, headers.get(HttpHeaderNames.ETAG))
                && (lastModified == null || lastModified.equals(headers.get(HttpHeaderNames.LAST_MODIFIED)));
    }

    @Override
    public void body(ByteBuf content) {
        if (over) {
            content.release();
            return;
        }
        pending.add(content);
    }

    @Override
    public void endOfBatch() {
        writeNext();
    }

    @Override
    public void end() {
        ended = true;
        writeNext();
    }

    @Override
    public void failed(OriginClient.Fault fault, Throwable cause) {
        giveUp(cause);
    }

    private void writeNext() {
        if (writing || over || reads == null) {
            return;
        }
        if (pending.isEmpty()) {
            if (!ended) {
                reads.more();
            } else if (position != end) {
                giveUp(new IOException("slice ended at " + position + " of " + end));
            } else {
                over = true;
                cache.counters().sliceFetched(CacheCounters.SliceOutcome.COMMITTED);
                object.fetched(fromSlice, toSlice);
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
        if (position + bytes > end) {
            release(batch);
            giveUp(new IOException("origin sent more than the " + (end - position) + " bytes left of its range"));
            return;
        }
        long at = position;
        long size = bytes;
        ByteBuffer[] array = buffers.toArray(ByteBuffer[]::new);
        writing = true;
        Future<Void> wrote = cache.writer().write(object.writer(), body, array, at, loop);
        if (wrote == null) {
            writing = false;
            pending.addAll(0, batch);
            loop.schedule(this::writeNext, FileSystemPool.BUSY_RETRY_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        wrote.addListener(done -> {
            if (!done.isSuccess() && !over && Store.noSpace(done.cause()) && fullWrites++ < FULL_DISK_RETRIES
                    && object.directory().space().evictForWrite(size, object.key())) {
                // A file system that claimed nothing ahead (no fallocate) filled: as a fill does, objects are evicted
                // and the same bytes written again once their files are gone; the origin waits.
                writing = false;
                pending.addAll(0, batch);
                loop.schedule(this::writeNext, FULL_DISK_RETRY_MILLIS, TimeUnit.MILLISECONDS);
                return;
            }
            if (!done.isSuccess()) {
                release(batch);
                writing = false;
                giveUp(done.cause());
                return;
            }
            cache.counters().sliceBytes(size);
            List<int[]> whole = checksum(batch, at);
            release(batch);
            position = at + size;
            commitThenWriteNext(whole);
        });
    }

    /**
     * Adds the bytes of {@code batch}, written at {@code at}, to the CRC32C of their slices (on the loop, from
     * the bytes now on disk: hardware CRC32C costs about a microsecond per 16 KiB), and answers the slices whose
     * last byte they bring, each with its checksum, if this response held it from its first byte.
     */
    private List<int[]> checksum(List<ByteBuf> batch, long at) {
        List<int[]> whole = new ArrayList<>(1);
        long offset = at;
        for (ByteBuf buf : batch) {
            int index = buf.readerIndex();
            int left = buf.readableBytes();
            while (left > 0) {
                long sliceEnd = map.end(slice);
                int n = (int) Math.min(left, sliceEnd - offset);
                if (sliceFromStart) {
                    crc.update(buf.nioBuffer(index, n));
                }
                index += n;
                left -= n;
                offset += n;
                if (offset == sliceEnd) {
                    if (sliceFromStart) {
                        whole.add(new int[] {slice, (int) crc.getValue()});
                    }
                    slice++;
                    sliceFromStart = true;
                    crc.reset();
                }
            }
        }
        return whole;
    }

    /** Commits the slices just completed (blocking: on a file-system thread), then goes on with the body. */
    private void commitThenWriteNext(List<int[]> whole) {
        if (whole.isEmpty()) {
            writing = false;
            writeNext();
            return;
        }
        Future<Void> committed = object.directory().submit(() -> {
            for (int[] done : whole) {
                object.commit(done[0], done[1]);
            }
            return null;
        }, loop);
        if (committed == null) {
            loop.schedule(() -> commitThenWriteNext(whole), FileSystemPool.BUSY_RETRY_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        committed.addListener(done -> {
            writing = false;
            if (!done.isSuccess()) {
                giveUp(done.cause());
                return;
            }
            writeNext();
        });
    }

    /** This fetch failed: what it holds goes, and the object's readers that need a missing byte fail. */
    private void giveUp(Throwable cause) {
        if (over) {
            return;
        }
        over = true;
        cache.counters().sliceFetched(CacheCounters.SliceOutcome.FAILED);
        release(pending);
        pending.clear();
        if (reads != null) {
            reads.abandon();
        }
        log.debug("slice fetch of {} failed: {}", object, cause.toString());
        object.fetched(fromSlice, toSlice);
        object.abandon(cause);
    }

    private static void release(List<ByteBuf> buffers) {
        for (ByteBuf buf : buffers) {
            buf.release();
        }
    }
}
