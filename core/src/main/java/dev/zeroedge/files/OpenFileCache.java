package dev.zeroedge.files;

import java.io.IOException;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The files being served, resolved, stat'ed and open, like nginx's {@code open_file_cache} or lighttpd's
 * stat cache: a hot file costs no path walk, no stat, no open and no close per request.
 *
 * <p>An entry is trusted for {@code valid} (default 1 s) after it was last checked; then the next request
 * resolves and stats the path again. Same validators (the ETag: length, mtime in ns, inode) → the entry
 * lives on; different → a new entry, and the old descriptor is released once the responses still sending
 * from it are done. A replaced file is therefore served for at most {@code valid} with its old bytes under
 * its old ETag, never with old bytes under a new ETag: validators and descriptor are checked together
 * when the file is opened (stat, open, stat again; a difference is {@link FileChangedException}).
 *
 * <p>A file of at most {@link HeldBodies}' size also has its bytes held, read between the open and the
 * second stat: a small hot file then costs no read per response either, and its bytes stay the ones of
 * its validators even when it is rewritten in place before the entry is checked again.
 *
 * <p>Bounded: past {@code capacity} entries, a tenth of them are dropped (arbitrary ones; a hot file is
 * back on its next request). Capacity 0 turns the cache off: every request resolves, opens and checks.
 */
public final class OpenFileCache implements AutoCloseable {

    public static final int DEFAULT_CAPACITY = 4096;
    public static final Duration DEFAULT_VALID = Duration.ofSeconds(1);

    private final DocumentRoot root;
    private final int capacity;
    private final long validNanos;
    private final HeldBodies held;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    public OpenFileCache(DocumentRoot root, int capacity, Duration valid, HeldBodies held) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must not be negative: " + capacity);
        }
        this.root = root;
        this.capacity = capacity;
        this.validNanos = valid.toNanos();
        this.held = held;
    }

    /** What {@code rawPath} names; see {@link DocumentRoot#resolve}. Only found files are cached. */
    public Lookup resolve(String rawPath) {
        if (capacity == 0) {
            return root.resolve(rawPath);
        }
        long now = System.nanoTime();
        Entry entry = entries.get(rawPath);
        if (entry != null && now - entry.checkedAt < validNanos) {
            return entry.found;
        }
        Lookup fresh = root.resolve(rawPath);
        if (fresh instanceof Lookup.Found found) {
            if (entry != null && entry.found.file().equals(found.file())) {
                entry.checkedAt = now;
                return entry.found;
            }
            Entry replaced = entries.put(rawPath, new Entry(found, now, held));
            if (replaced != null) {
                replaced.evict();
            }
            if (entries.size() > capacity) {
                trim();
            }
            return found;
        }
        if (entry != null && entries.remove(rawPath, entry)) {
            entry.evict();
        }
        return fresh;
    }

    /**
     * The open file behind a {@link Lookup.Found} from {@link #resolve} of the same path, retained for the
     * caller, whose bytes are the ones its validators describe.
     *
     * @throws FileChangedException when the file changed between the stat and the open
     * @throws IOException          when it cannot be opened (gone, permission)
     */
    public OpenFile open(String rawPath, Lookup.Found found) throws IOException {
        Entry entry = entries.get(rawPath);
        if (entry != null && entry.found == found) {
            OpenFile file = entry.retainFile();
            if (file != null) {
                return file;
            }
        }
        return openMatching(found.file(), HeldBodies.NONE);
    }

    /** Releases every cached descriptor (responses still sending keep theirs until they finish). */
    @Override
    public void close() {
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
            Entry entry = it.next();
            it.remove();
            entry.evict();
        }
    }

    private synchronized void trim() {
        int drop = entries.size() - capacity + capacity / 10;
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext() && drop > 0; drop--) {
            Entry entry = it.next();
            it.remove();
            entry.evict();
        }
    }

    /**
     * Opens the file, holds its bytes if {@code held} takes them, and checks, with a stat after the open and
     * the read, that it is still the one {@code info} describes.
     */
    static OpenFile openMatching(FileInfo info, HeldBodies held) throws IOException {
        OpenFile file = OpenFile.open(info.path());
        try {
            file.hold(held);
            FileInfo now = FileInfo.read(info.path());
            if (!now.equals(info) || file.length() != info.length()) {
                throw new FileChangedException(info.path());
            }
            return file;
        } catch (IOException | RuntimeException e) {
            file.release();
            throw e;
        }
    }

    /** One cached path: its lookup, when it was last checked, and its descriptor once a GET needed it. */
    private static final class Entry {
        final Lookup.Found found;
        volatile long checkedAt;
        private final HeldBodies held;
        private OpenFile file;
        private boolean evicted;

        Entry(Lookup.Found found, long checkedAt, HeldBodies held) {
            this.found = found;
            this.checkedAt = checkedAt;
            this.held = held;
        }

        /** The cached descriptor, opened on first use, retained for the caller; null once evicted. */
        synchronized OpenFile retainFile() throws IOException {
            if (evicted) {
                return null;
            }
            if (file == null) {
                file = openMatching(found.file(), held);
            }
            return file.retain();
        }

        synchronized void evict() {
            evicted = true;
            if (file != null) {
                file.release();
                file = null;
            }
        }
    }
}
