package dev.zeroedge.files;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The files being served, resolved, stat'ed and open, like nginx's {@code open_file_cache} or lighttpd's
 * stat cache: a hot file costs no path walk, no stat, no open and no close per request.
 *
 * <p>Two maps. <em>Names</em>: the canonical name of a request path ({@link DocumentRoot#name}, found
 * without a system call) → its lookup, so that {@code /a.txt}, {@code /%61.txt}, {@code //a.txt},
 * {@code /./a.txt} and {@code /d/../a.txt} are one entry. <em>Files</em>: the file (device and inode,
 * {@link FileKey}) → its descriptor (and held bytes), so that names which are symlinks to one file share one
 * descriptor and one held body. Both are Caffeine caches bounded by {@code capacity} entries (a burst of
 * one-off names does not push the frequently used ones out: W-TinyLFU admission), so a client cannot fill
 * the descriptor budget or {@link HeldBodies}' with aliases of one file.
 *
 * <p>Nothing here waits for the disk on an event loop: a name that is not cached is looked up and opened by
 * the {@link FileOpener} (the ring of uring-splice, the {@link FileSystemPool} otherwise), and the answer
 * comes back to the loop that asked. The validators come from a statx of the descriptor just opened, so
 * they describe its bytes, never another file's.
 *
 * <p>A name is trusted for {@code valid} (default 1 s) after it was last checked; then the next request
 * starts a recheck (one stat of the name: same device, inode, length and mtime → {@link Lookup.Unchanged},
 * no descriptor taken) and is served from the cached file meanwhile, as every request is until the check is
 * back: on a slow disk the check may queue behind other work, and a hot file must not wait for it. A name
 * not asked for within twice {@code valid} is checked before it answers. A new version gets a new entry, and
 * the old descriptor is released once the responses still sending from it are done. So a file replaced by a
 * rename is served for at most twice {@code valid} plus the time of one check with its old bytes under its
 * old ETag, never with one file's bytes under another's validators.
 *
 * <p>A file rewritten <em>in place</em> (same inode) changes the bytes behind a cached descriptor. So a
 * name whose body is read from its descriptor is only trusted after a statx of that descriptor
 * ({@link Statx}: one system call, no path walk, about 0.9 µs here) still shows the length and mtime of
 * its validators and a link count above 0; otherwise the path is resolved again at once, and a deleted
 * file answers 404 at once. A file of at most {@link HeldBodies}' size has its bytes held, read after
 * the open and checked with a second statx, and needs no such check: its bytes stay the ones of its validators
 * whatever happens on disk. <b>The window
 * that remains</b>: a rewrite that starts after that statx, while the response is being sent (the bytes
 * are read by the kernel as they go out, after the head), goes out with new bytes under the old
 * validators for that one response; and a rewrite within the file system's timestamp granularity of
 * the previous write (a clock tick) keeps its mtime and length, which no mtime-based validator sees. A
 * writer who wants no window replaces files by rename.
 *
 * <p>Files not used for {@code inactive} (default 60 s, nginx's {@code open_file_cache inactive}) are
 * closed whether or not the path is asked for again, so a deleted file's disk space comes back: a sweep
 * every quarter of {@code inactive} on a thread of its own drops them, and Caffeine releases what leaves
 * the cache on its executor (the common pool), never on an event loop; a descriptor is closed when the
 * last response sending from it lets go of it. (Not Caffeine's {@code expireAfterAccess}: its bookkeeping
 * on every read cost about 100 ns per lookup on a server pinned to one CPU; a request here writes one
 * timestamp at most every {@link #USE_GRAIN_NANOS}.) Capacity 0 turns the cache off: every request
 * resolves, opens and checks.
 */
public final class OpenFileCache implements AutoCloseable {

    public static final int DEFAULT_CAPACITY = 4096;
    public static final Duration DEFAULT_VALID = Duration.ofSeconds(1);
    public static final Duration DEFAULT_INACTIVE = Duration.ofSeconds(60);

    /** A file's last use is noted when it is older than this, so hot files are not one shared write per request. */
    static final long USE_GRAIN_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final DocumentRoot root;
    private final FileOpener opener;
    private final boolean off;
    /** Volatile: a reload ({@link #retime}) changes them while loops and the sweeper read them; each is one long. */
    private volatile long validNanos;
    private volatile long inactiveNanos;
    private final HeldBodies held;
    private final Cache<String, Name> names;
    private final Cache<FileKey, Entry> files;
    private final ScheduledExecutorService sweeper;
    /** The sweep's schedule, replaced when a reload changes {@code inactive}; guarded by {@code this}. */
    private ScheduledFuture<?> sweeps;

    public OpenFileCache(DocumentRoot root, FileOpener opener, int capacity, Duration valid, Duration inactive,
                         HeldBodies held) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must not be negative: " + capacity);
        }
        this.root = root;
        this.opener = opener;
        this.off = capacity == 0;
        this.validNanos = valid.toNanos();
        this.inactiveNanos = inactive.toNanos();
        this.held = held;
        // Stats cost a striped counter per lookup: what the metrics' hits, misses and evictions are read from.
        this.names = Caffeine.newBuilder().maximumSize(capacity).recordStats().build();
        this.files = Caffeine.newBuilder().maximumSize(capacity)
                .removalListener((FileKey key, Entry entry, RemovalCause cause) -> {
                    if (entry != null) {
                        entry.evict();
                    }
                })
                .build();
        if (off) {
            this.sweeper = null;
        } else {
            this.sweeper = Executors.newSingleThreadScheduledExecutor(
                    new DefaultThreadFactory("open-file-sweep", true));
            scheduleSweeps();
        }
    }

    private synchronized void scheduleSweeps() {
        if (sweeps != null) {
            sweeps.cancel(false);
        }
        long every = Math.max(inactiveNanos / 4, TimeUnit.MILLISECONDS.toNanos(10));
        sweeps = sweeper.scheduleWithFixedDelay(this::dropInactive, every, every, TimeUnit.NANOSECONDS);
    }

    /**
     * A reload: names are trusted for {@code valid} from their next lookup on, and unused files are closed
     * after {@code inactive}, swept every quarter of it from now on. Files and names already cached stay.
     */
    public void retime(Duration valid, Duration inactive) {
        validNanos = valid.toNanos();
        long before = inactiveNanos;
        inactiveNanos = inactive.toNanos();
        if (sweeper != null && before != inactiveNanos) {
            try {
                scheduleSweeps();
            } catch (RejectedExecutionException closed) {
                // A reload while the server stops: nothing is left to sweep.
            }
        }
    }

    /**
     * The cache's counts: names held, and since the start lookups of a name found in the cache (hits: served
     * at once, or behind a recheck), not found (misses: opened by the {@link FileOpener}), and names pushed out
     * by the capacity (evictions). All zero when the cache is off.
     */
    public Counts counts() {
        CacheStats stats = names.stats();
        return new Counts(names.estimatedSize(), stats.hitCount(), stats.missCount(), stats.evictionCount());
    }

    /** See {@link #counts}. */
    public record Counts(long entries, long hits, long misses, long evictions) {
    }

    /**
     * What {@code rawPath} names (see {@link DocumentRoot#open}), completed on {@code loop}; a
     * {@link Lookup.Found} carries its file retained for the listener. A name checked less than {@code valid}
     * ago whose descriptor still describes it is answered at once, with no system call but a statx of that
     * descriptor of what the kernel has ({@code AT_STATX_DONT_SYNC}: no wait for the disk or a network file
     * system); everything else is looked up and opened by the {@link FileOpener}, off the event loop.
     */
    public Future<Lookup> lookUp(String rawPath, EventExecutor loop) {
        String name = root.name(rawPath);
        if (name == null) {
            return loop.newSucceededFuture(root.refusal(rawPath));
        }
        if (off) {
            return opener.open(root, name, HeldBodies.NONE, loop);
        }
        long now = System.nanoTime();
        Name known = names.getIfPresent(name);
        if (known != null && servesWhileChecked(known, now) && known.file().unchanged()) {
            OpenFile file = known.file().retainFile();
            if (file != null) {
                if (now - known.checkedAt() >= validNanos && known.startRecheck()) {
                    recheckBehind(name, known, loop);
                }
                known.file().usedAt(now);
                return loop.newSucceededFuture(new Lookup.Found(known.file().info, file));
            }
        }
        Promise<Lookup> answer = loop.newPromise();
        Future<Lookup> looked = known == null || known.file().evicted ? opener.open(root, name, held, loop)
                : opener.recheck(root, name, held, known.file().info, loop);
        looked.addListener((Future<Lookup> done) -> settle(answer, name, known, done, loop));
        return answer;
    }

    /**
     * Whether {@code known} may answer now: within {@code valid} of its last check; while a check of it is
     * under way (waiting for it would not make it faster); or, to start one, within a second {@code valid}.
     * Later than that (a name nobody asked for since) the request waits for the check, so what a name serves
     * is never older than twice {@code valid} plus the time of one check.
     */
    private boolean servesWhileChecked(Name known, long now) {
        long age = now - known.checkedAt();
        return age < validNanos || known.checking() || age < 2 * validNanos;
    }

    /**
     * Checks a name past its validity while its file goes on serving: a hot file never waits for a recheck that
     * queues behind a slow disk's work. What the check finds replaces the name when it comes (a new version, a
     * deletion), so a replaced file is served for {@code valid} plus the time the disk takes to answer one
     * stat. A descriptor that shows a change itself (a statx of it) is not served meanwhile: see
     * {@link Entry#unchanged}.
     */
    private void recheckBehind(String name, Name known, EventExecutor loop) {
        Promise<Lookup> checked = loop.newPromise();
        checked.addListener((Future<Lookup> done) -> {
            if (done.isSuccess() && done.getNow() instanceof Lookup.Found found) {
                found.open().release();
            }
        });
        opener.recheck(root, name, held, known.file().info, loop)
                .addListener((Future<Lookup> done) -> settle(checked, name, known, done, loop));
    }

    /** Completes {@code answer} with what the opener found; an entry evicted while it was rechecked is opened anew. */
    private void settle(Promise<Lookup> answer, String name, Name known, Future<Lookup> looked, EventExecutor loop) {
        if (!looked.isSuccess()) {
            answer.setFailure(looked.cause());
            return;
        }
        if (looked.getNow() instanceof Lookup.Unchanged) {
            OpenFile file = known.file().retainFile();
            if (file == null) {
                opener.open(root, name, held, loop).addListener((Future<Lookup> again) ->
                        settle(answer, name, null, again, loop));
                return;
            }
            known.file().usedAt(System.nanoTime());
            names.put(name, new Name(System.nanoTime(), known.file()));
            answer.setSuccess(new Lookup.Found(known.file().info, file));
            return;
        }
        answer.setSuccess(remember(name, known, looked.getNow()));
    }

    /**
     * Notes what a lookup found under {@code name}: a file at the version already cached keeps its entry (and
     * its descriptor; the one just opened is closed again), a new version gets a new entry, and a name that
     * no longer finds a file is forgotten.
     */
    private Lookup remember(String name, Name known, Lookup fresh) {
        long now = System.nanoTime();
        if (!(fresh instanceof Lookup.Found found)) {
            if (known != null) {
                names.invalidate(name);
                files.asMap().remove(known.file().key, known.file());
            }
            return fresh;
        }
        Lookup.Found lookedUp = found;
        Entry file = files.asMap().compute(FileKey.of(found.file()), (key, old) -> old != null && !old.evicted
                && old.info.sameVersion(lookedUp.file()) ? old : new Entry(key, lookedUp.file(), lookedUp.open().retain()));
        if (file.info != found.file()) {
            // This version was cached already: its descriptor serves, the one just opened is closed again.
            OpenFile cached = file.retainFile();
            if (cached != null) {
                found.open().release();
                found = new Lookup.Found(file.info, cached);
            }
        }
        file.usedAt(now);
        names.put(name, new Name(now, file));
        return found;
    }

    /** Drops the files not used for {@code inactive}; Caffeine's removal listener releases them. */
    private void dropInactive() {
        long now = System.nanoTime();
        for (Map.Entry<FileKey, Entry> cached : files.asMap().entrySet()) {
            if (now - cached.getValue().lastUsed > inactiveNanos) {
                files.asMap().remove(cached.getKey(), cached.getValue());
            }
        }
    }

    /** Releases every cached descriptor now (responses still sending keep theirs until they finish). */
    @Override
    public void close() {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
        for (Entry entry : files.asMap().values()) {
            entry.evict();
        }
        files.invalidateAll();
        names.invalidateAll();
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

    /** One canonical name: when it was last checked, the file entry it was checked with, and a recheck under way. */
    private static final class Name {
        private final long checkedAt;
        private final Entry file;
        private final AtomicBoolean rechecking = new AtomicBoolean();

        Name(long checkedAt, Entry file) {
            this.checkedAt = checkedAt;
            this.file = file;
        }

        long checkedAt() {
            return checkedAt;
        }

        Entry file() {
            return file;
        }

        boolean checking() {
            return rechecking.get();
        }

        /** True for the one request that starts the recheck of this name; the name is replaced when it is done. */
        boolean startRecheck() {
            return !rechecking.get() && rechecking.compareAndSet(false, true);
        }
    }

    /** One file at one version (its validators), and its descriptor, which the entry holds one reference of. */
    private static final class Entry {
        final FileKey key;
        final FileInfo info;
        private volatile OpenFile file;
        volatile boolean evicted;
        volatile long lastUsed;

        Entry(FileKey key, FileInfo info, OpenFile file) {
            this.key = key;
            this.info = info;
            this.file = file;
            this.lastUsed = System.nanoTime();
        }

        void usedAt(long now) {
            if (now - lastUsed > USE_GRAIN_NANOS) {
                lastUsed = now;
            }
        }

        /**
         * False when the entry is gone or its descriptor says the file changed since {@link #info} (see the
         * class comment); a file whose bytes are held has nothing to check.
         */
        boolean unchanged() {
            OpenFile open = file;
            return !evicted && open != null && (open.body() != null || open.describedBy(info));
        }

        /** The cached descriptor, retained for the caller; null once evicted. */
        synchronized OpenFile retainFile() {
            return evicted || file == null ? null : file.retain();
        }

        void evict() {
            OpenFile open;
            synchronized (this) {
                evicted = true;
                open = file;
                file = null;
            }
            if (open != null) {
                open.release();
            }
        }
    }
}
