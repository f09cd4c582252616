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
 * is written as it comes, on the file-system threads, one write per read of the socket and the origin read again
 * only when that write is done, as a {@link Fill} writes. The CRC32C of each slice is computed from the bytes as
 * they are written, and each slice the response holds whole is committed as soon as its last byte is on disk.
 *
 * <p>Runs on the loop of its origin connection.
 */
final class SliceFetch implements OriginClient.Exchange {

    private static final Logger log = LoggerFactory.getLogger(SliceFetch.class);

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

    // Written by one file-system thread at a time (each write follows the last one's completion).
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
        Future<Void> wrote = cache.pool().submit(cache.store().directory(), () -> {
            write(array, at);
            return null;
        }, loop);
        if (wrote == null) {
            writing = false;
            pending.addAll(0, batch);
            loop.schedule(this::writeNext, FileSystemPool.BUSY_RETRY_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        wrote.addListener(done -> {
            release(batch);
            writing = false;
            if (!done.isSuccess()) {
                giveUp(done.cause());
                return;
            }
            position = at + size;
            writeNext();
        });
    }

    /**
     * Writes {@code buffers} at {@code at}, each slice's part apart so that its checksum covers exactly its bytes,
     * and commits every slice whose last byte this write brings, if this response held it from its first byte.
     */
    private void write(ByteBuffer[] buffers, long at) throws IOException {
        long offset = at;
        for (ByteBuffer buffer : buffers) {
            while (buffer.hasRemaining()) {
                long sliceEnd = map.end(slice);
                int n = (int) Math.min(buffer.remaining(), sliceEnd - offset);
                ByteBuffer part = buffer.duplicate();
                part.limit(part.position() + n);
                if (sliceFromStart) {
                    crc.update(part.duplicate());
                }
                Store.write(object.writer(), new ByteBuffer[] {part}, offset);
                buffer.position(buffer.position() + n);
                offset += n;
                if (offset == sliceEnd) {
                    if (sliceFromStart) {
                        object.commit(slice, (int) crc.getValue());
                    }
                    slice++;
                    sliceFromStart = true;
                    crc.reset();
                }
            }
        }
    }

    /** This fetch failed: what it holds goes, and the object's readers that need a missing byte fail. */
    private void giveUp(Throwable cause) {
        if (over) {
            return;
        }
        over = true;
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
