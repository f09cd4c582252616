package dev.zeroedge.content;

import dev.zeroedge.files.FileInfo;
import dev.zeroedge.files.Lookup;
import dev.zeroedge.files.OpenFileCache;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.time.Duration;
import java.util.Map;

/**
 * The document root as a content source: a request path is looked up in the {@link OpenFileCache} (at once
 * for a hot file, off the event loop otherwise) and what it names becomes an answer: a file is a
 * representation (its media type by extension, its validators), a directory without its slash a 301, the
 * rest a status.
 */
public final class StaticSource implements ContentSource {

    /** Direct-mapped per event-loop thread: a slot holds the last file version that hashed to it. */
    private static final int SLOTS = 256;

    private static final FastThreadLocal<Slots> DESCRIBED = new FastThreadLocal<>() {
        @Override
        protected Slots initialValue() {
            return new Slots();
        }
    };

    private final OpenFileCache files;

    public StaticSource(OpenFileCache files) {
        this.files = files;
    }

    @Override
    public Future<Answer> find(ContentRequest request, EventExecutor loop) {
        Future<Lookup> lookup = files.lookUp(request.path(), loop);
        if (lookup.isDone()) {
            return loop.newSucceededFuture(answer(lookup, request));
        }
        Promise<Answer> answer = loop.newPromise();
        lookup.addListener(done -> {
            try {
                answer.setSuccess(answer(lookup, request));
            } catch (RuntimeException e) {
                answer.setFailure(e);
            }
        });
        return answer;
    }

    private static Answer answer(Future<Lookup> lookup, ContentRequest request) {
        if (!lookup.isSuccess()) {
            throw new IllegalStateException("lookup of " + request.path() + " failed", lookup.cause());
        }
        return switch (lookup.getNow()) {
            case Lookup.Found found -> new Representation(describe(found.file()), found.open());
            case Lookup.BadPath bad -> Answer.Status.because(HttpResponseStatus.BAD_REQUEST, bad.why());
            case Lookup.NotFound notFound -> Answer.Status.of(HttpResponseStatus.NOT_FOUND);
            case Lookup.Forbidden forbidden -> Answer.Status.of(HttpResponseStatus.FORBIDDEN);
            case Lookup.MissingSlash redirect -> Answer.Status.redirect(redirect.location(), request.query());
            case Lookup.Busy busy -> Answer.Status.busy(busy.why(), busy.close());
            case Lookup.Unchanged unchanged -> throw new IllegalStateException("the cache answers a recheck itself");
        };
    }

    /**
     * The description of a file version, worked out once per event-loop thread and version: the cache hands
     * out one {@link FileInfo} instance until the file is looked at again, so a changed file gets a new one.
     */
    static Description describe(FileInfo info) {
        Slots slots = DESCRIBED.get();
        int slot = System.identityHashCode(info) & (SLOTS - 1);
        if (slots.files[slot] != info) {
            slots.descriptions[slot] = Description.of(MediaTypes.of(info.path().getFileName().toString()),
                    info.length(), info.etag(), info.lastModified(), info.lastModifiedSeconds(), Map.of());
            slots.files[slot] = info;
        }
        return slots.descriptions[slot];
    }

    /** The open-file cache behind this source (its counts are the metrics'). */
    public OpenFileCache openFileCache() {
        return files;
    }

    @Override
    public void retime(Duration valid, Duration inactive) {
        files.retime(valid, inactive);
    }

    @Override
    public void close() {
        files.close();
    }

    private static final class Slots {
        final FileInfo[] files = new FileInfo[SLOTS];
        final Description[] descriptions = new Description[SLOTS];
    }
}
