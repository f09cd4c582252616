package dev.zeroedge.http;

import dev.zeroedge.content.Answer;
import dev.zeroedge.content.ContentRequest;
import dev.zeroedge.content.ContentSource;
import dev.zeroedge.content.Description;
import dev.zeroedge.content.Representation;
import dev.zeroedge.files.FileSystemPool;
import dev.zeroedge.files.OpenFile;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;

import java.nio.file.Path;
import java.util.Map;

/**
 * A second content source, for tests only: request paths map to files anywhere (no document root, no
 * open-file cache), each with validators and fields of the source's own making, opened on the server's
 * file-system threads. What the ladder does with its answers must be what it does with the document root's.
 */
final class MappedSource implements ContentSource {

    /** One mapped path: the file, and what the source says about it (null validators: none). */
    record Entry(Path file, String type, String etag, String lastModified, long lastModifiedSeconds) {
    }

    static final String FIELD = "X-Source";
    static final String VALUE = "mapped";

    private final Map<String, Entry> table;
    private final FileSystemPool pool;

    MappedSource(Map<String, Entry> table, FileSystemPool pool) {
        this.table = table;
        this.pool = pool;
    }

    @Override
    public Future<Answer> find(ContentRequest request, EventExecutor loop) {
        Entry entry = table.get(request.path());
        if (entry == null) {
            return loop.newSucceededFuture(Answer.Status.because(HttpResponseStatus.NOT_FOUND, "not in the table"));
        }
        Future<Answer> opened = pool.submit(entry.file(), () -> {
            OpenFile file = OpenFile.open(entry.file());
            Description description = Description.of(entry.type(), file.length(), entry.etag(), entry.lastModified(),
                    entry.lastModifiedSeconds(), Map.of(FIELD, VALUE));
            return new Representation(description, file);
        }, loop);
        return opened != null ? opened : loop.newSucceededFuture(Answer.Status.busy("queue full", false));
    }

    @Override
    public void close() {
    }
}
