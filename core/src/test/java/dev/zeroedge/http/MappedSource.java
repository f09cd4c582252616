package dev.zeroedge.http;

import dev.zeroedge.content.Answer;
import dev.zeroedge.content.ContentRequest;
import dev.zeroedge.content.ContentSource;
import dev.zeroedge.content.Description;
import dev.zeroedge.content.Relay;
import dev.zeroedge.content.Representation;
import dev.zeroedge.files.FileSystemPool;
import dev.zeroedge.files.OpenFile;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A second content source, for tests only: request paths map to files anywhere (no document root, no
 * open-file cache), each with validators and fields of the source's own making, opened on the server's
 * file-system threads. What the ladder does with its answers must be what it does with the document root's.
 */
final class MappedSource implements ContentSource {

    /** How an entry's bytes go: from the open file, or relayed from memory ({@link RelayedBytes}). */
    enum Body { FILE, RELAYED, RELAYED_OF_UNKNOWN_LENGTH, RELAYED_CUT_SHORT }

    /** One mapped path: the file, and what the source says about it (null validators: none). */
    record Entry(Path file, String type, String etag, String lastModified, long lastModifiedSeconds,
                 HttpResponseStatus status, Body body) {

        Entry(Path file, String type, String etag, String lastModified, long lastModifiedSeconds) {
            this(file, type, etag, lastModified, lastModifiedSeconds, HttpResponseStatus.OK, Body.FILE);
        }
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
            if (entry.body() != Body.FILE) {
                byte[] bytes = Files.readAllBytes(entry.file());
                long length = entry.body() == Body.RELAYED_OF_UNKNOWN_LENGTH ? -1 : bytes.length;
                return new Relay(describe(entry, length), new RelayedBytes(bytes,
                        entry.body() == Body.RELAYED_CUT_SHORT ? bytes.length / 2 : bytes.length));
            }
            OpenFile file = OpenFile.open(entry.file());
            return new Representation(describe(entry, file.length()), file);
        }, loop);
        return opened != null ? opened : loop.newSucceededFuture(Answer.Status.busy("queue full", false));
    }

    private static Description describe(Entry entry, long length) {
        return Description.of(entry.type(), length, entry.etag(), entry.lastModified(), entry.lastModifiedSeconds(),
                Map.of(FIELD, VALUE)).withStatus(entry.status());
    }

    @Override
    public void close() {
    }
}
