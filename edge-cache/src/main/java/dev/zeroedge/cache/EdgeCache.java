package dev.zeroedge.cache;

import dev.zeroedge.content.Answer;
import dev.zeroedge.content.ContentRequest;
import dev.zeroedge.content.ContentSource;
import dev.zeroedge.content.Description;
import dev.zeroedge.content.MediaTypes;
import dev.zeroedge.content.Representation;
import dev.zeroedge.content.RequestBody;
import dev.zeroedge.files.DocumentRoot;
import dev.zeroedge.http.FairFileSender;
import dev.zeroedge.files.FileInfo;
import dev.zeroedge.files.FileSystemPool;
import dev.zeroedge.files.FileWriter;
import dev.zeroedge.files.HeldBodies;
import dev.zeroedge.files.Lookup;
import dev.zeroedge.files.OpenFile;
import dev.zeroedge.files.OpenFileCache;
import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.transport.Transport;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The edge cache as a content source: what a request names is looked up in the index, and a fresh object is
 * answered as a representation whose body is its body file, opened on a file-system thread; everything after
 * that (conditionals, ranges, HEAD, the mode's zero-copy sender) is the ladder's, as for a static file.
 *
 * <p>Take {@code GET /v/seg-7.m4s} twice. The first time the index has nothing under the key's hash: a
 * {@link Fill} is made for it (one per key: every client that misses the same key meanwhile attaches to it),
 * and the request goes to the origin. When the origin's head is in, each attached client is answered with the
 * fill's growing temporary file and sends it as it grows; the fill commits it and the index learns it. The
 * second time the index has it: {@code Cache-Status: zeroedge; hit} and its {@code Age}, and the origin is not
 * asked.
 */
public final class EdgeCache implements ContentSource {

    private static final Logger log = LoggerFactory.getLogger(EdgeCache.class);
    private static final String VIA = "1.1 zeroedge";
    /** The quarantine's bound: past it, the oldest corrupt objects kept for inspection are deleted. */
    static final int QUARANTINED_OBJECTS = 16;
    static final long QUARANTINED_BYTES = 1L << 30;
    private static final HttpMethod PURGE = HttpMethod.valueOf("PURGE");
    private static final HttpResponseStatus LOOP_DETECTED = new HttpResponseStatus(508, "Loop Detected");

    /** Fields the ladder writes itself, or that are this hop's: never stored or relayed from the origin. */
    private static final Set<String> NOT_RELAYED = Set.of("content-length", "content-type", "etag", "last-modified",
            "accept-ranges", "date", "server", "age", "cache-status", "content-range", "via");
    /** Request fields the origin is not sent: this hop's, and what the cache itself answers (ranges, conditionals). */
    private static final Set<String> NOT_FORWARDED = Set.of("host", "range", "if-range", "if-match", "if-none-match",
            "if-modified-since", "if-unmodified-since", "expect", "content-length", "x-forwarded-for", "via",
            "cdn-loop");

    private final CacheConfig config;
    private final CacheDirectories directories;
    /** Directories taken out of service whose objects the index has forgotten. */
    private final AtomicInteger directoriesForgotten = new AtomicInteger();
    private final Index index;
    private final Upstream upstream;
    private final FileSystemPool pool;
    private final FileWriter writer;
    private final DocumentRoot names;
    private final ConcurrentMap<String, Fill> fills = new ConcurrentHashMap<>();
    /** Objects in slices with slices still missing that clients are reading now: one per hash. */
    private final ConcurrentMap<String, SlicedObject> live = new ConcurrentHashMap<>();
    private final CacheCounters counters;
    private final Recovery recovery;
    private final ObjectFiles objectFiles;
    private final LongAdder corruptions = new LongAdder();
    private final Variants variants;
    private final Purges purges;
    private final List<Scrubber> scrubbers = new ArrayList<>();
    /** An event loop that served a request: the scrubber's refetch of a hot object runs its fill there. */
    private volatile EventLoop aLoop;

    private EdgeCache(CacheConfig config, CacheDirectories directories, Index index, Upstream upstream,
                      FileSystemPool pool, FileWriter writer, DocumentRoot names, CacheCounters counters,
                      Recovery recovery, ObjectFiles objectFiles, Variants variants, Purges purges) {
        this.variants = variants;
        this.purges = purges;
        this.counters = counters;
        this.objectFiles = objectFiles;
        this.recovery = recovery;
        this.config = config;
        this.directories = directories;
        this.index = index;
        this.upstream = upstream;
        this.pool = pool;
        this.writer = writer;
        this.names = names;
    }

    /**
     * Opens the cache directory (deleting unfinished fills, then finding the committed objects again in the
     * background while it serves: {@link Recovery}) and the way to the origin. Blocking: called at startup.
     *
     * @param transport the server's: its client channel reaches the origin, its file writer writes the fills
     * @param serveDotfiles whether request paths may name dotfiles, as for a document root
     * @param counters where the cache counts for the metrics
     */
    public static EdgeCache open(CacheConfig config, Transport transport, FileSystemPool pool,
                                 boolean serveDotfiles, CacheCounters counters) throws IOException {
        return open(config, Routing.single(config, CdnLoop.ofThisProcess()), transport, pool, serveDotfiles,
                counters, fan -> {
                });
    }

    /**
     * With {@code routing}: origins by Host, the parents of a tier, this node's CDN-Loop id.
     *
     * @see #open(CacheConfig, Transport, FileSystemPool, boolean, CacheCounters)
     */
    public static EdgeCache open(CacheConfig config, Routing routing, Transport transport, FileSystemPool pool,
                                 boolean serveDotfiles, CacheCounters counters) throws IOException {
        return open(config, routing, transport, pool, serveDotfiles, counters, fan -> {
        });
    }

    /**
     * As the launcher opens it: the static root's settings of {@code server} apply to the cache's objects too,
     * whether request paths may name dotfiles, how many hot object files are held open ({@code --open-file-cache};
     * 0: none) and the largest body held in memory beside its descriptor ({@code --inline-body-max}; 0: none).
     *
     * @see #open(CacheConfig, Routing, Transport, FileSystemPool, boolean, CacheCounters)
     */
    public static EdgeCache open(CacheConfig config, Routing routing, Transport transport, FileSystemPool pool,
                                 ServerConfig server, CacheCounters counters) throws IOException {
        return open(config, routing, transport, pool, server.serveDotfiles(), server.openFileCache(),
                server.inlineBodyMax(), counters, fan -> {
                });
    }

    /** Without metrics. */
    public static EdgeCache open(CacheConfig config, Transport transport, FileSystemPool pool,
                                 boolean serveDotfiles) throws IOException {
        return open(config, transport, pool, serveDotfiles, new CacheCounters());
    }

    /** {@code beforeFan}: run before each fan directory of the recovery is scanned (tests hold the scan there). */
    static EdgeCache open(CacheConfig config, Transport transport, FileSystemPool pool, boolean serveDotfiles,
                          CacheCounters counters, Consumer<Path> beforeFan) throws IOException {
        return open(config, Routing.single(config, CdnLoop.ofThisProcess()), transport, pool, serveDotfiles,
                counters, beforeFan);
    }

    private static EdgeCache open(CacheConfig config, Routing routing, Transport transport, FileSystemPool pool,
                                  boolean serveDotfiles, CacheCounters counters, Consumer<Path> beforeFan)
            throws IOException {
        return open(config, routing, transport, pool, serveDotfiles, OpenFileCache.DEFAULT_CAPACITY,
                FairFileSender.DEFAULT_INLINE_BODY_MAX, counters, beforeFan);
    }

    private static EdgeCache open(CacheConfig config, Routing routing, Transport transport, FileSystemPool pool,
                                  boolean serveDotfiles, int heldFiles, int inlineBodyMax, CacheCounters counters,
                                  Consumer<Path> beforeFan) throws IOException {
        long started = System.nanoTime();
        CacheDirectories directories = new CacheDirectories();
        // Caffeine's maintenance and the removal of evicted files: on a file-system thread of a directory in service.
        Executor offLoop = task -> directories.inService().getFirst().execute(task);
        ObjectFiles objectFiles = new ObjectFiles(heldFiles, HeldBodies.of(heldFiles, inlineBodyMax));
        Variants variants = new Variants(config.maxVariants());
        Index[] made = new Index[1];
        Index index = new Index(config.maxSize(), routing.origins(), offLoop, (hash, storedAtMillis) -> {
            objectFiles.drop(hash);
            directories.of(hash).store().remove(hash, storedAtMillis);
            if (made[0].get(hash) == null) {
                variants.removed(hash); // not when a new commit of the same variant took its place meanwhile
            }
        }, counters);
        made[0] = index;
        List<List<Path>> fans = new ArrayList<>();
        List<Path> configured = config.directories();
        for (Path path : configured) {
            try {
                Store store = new Store(path);
                CacheDirectory directory = new CacheDirectory(store, pool, path.toString(), directories::takeOut);
                int leftovers = store.deleteLeftovers();
                directory.startRun(System.currentTimeMillis());
                List<Path> fansOf = store.fans();
                directories.add(directory);
                fans.add(fansOf);
                log.info("cache {}: {} unfinished fills deleted; the objects of {} directories are found in the"
                        + " background", store.directory(), leftovers, fansOf.size());
            } catch (IOException e) {
                if (configured.size() == 1) {
                    throw e;
                }
                // One failed disk never keeps the node down: it starts without that directory.
                log.error("cache directory {} cannot be used, starting without it: {}", path, e.toString());
            }
        }
        if (directories.inService().isEmpty()) {
            throw new IOException("no cache directory can be used: " + configured);
        }
        // --cache-max-size is the total: objects are placed evenly by hash, so each directory reserves against its
        // even share, and against its own file system's minimum free.
        int ways = directories.inService().size();
        for (CacheDirectory directory : directories.inService()) {
            directory.space(new DiskSpace(directory.store().directory(), config.maxSize() / ways, config.minFree(),
                    index, ways, directory::execute));
        }
        Recovery recovery = new Recovery(directories, index, counters, beforeFan);
        // The prefix purges' records are kept in the first directory; a soft purge marks each object in its own.
        Purges purges = Purges.open(directories.inService().getFirst().store(), hash -> directories.of(hash).store(),
                index);
        EdgeCache cache = new EdgeCache(config, directories, index,
                Upstream.open(routing, config.maxOriginConnections(), transport.socketChannelClass(), counters),
                pool, transport.fileWriter(pool),
                new DocumentRoot(directories.inService().getFirst().store().directory(), serveDotfiles), counters,
                recovery, objectFiles, variants, purges);
        directories.onTakenOut(cache::takenOut);
        index.whenRecovered((hash, object) -> cache.learn(hash, object, false));
        recovery.start(fans, started);
        purges.sweepKept(recovery.complete());
        directories.start();
        return cache;
    }

    @Override
    public Future<Answer> find(ContentRequest request, EventExecutor loop) {
        String name = names.name(request.path());
        if (name == null) {
            return loop.newSucceededFuture(refusal(names.refusal(request.path())));
        }
        CacheKey key = CacheKey.of(request.headers().get(HttpHeaderNames.HOST), name, request.query());
        if (aLoop == null) {
            aLoop = (EventLoop) loop;
        }
        if (upstream.loop().loops(request.headers())) {
            // This node's own id in CDN-Loop: the request has come round (see CdnLoop).
            return loop.newSucceededFuture(failure(Answer.Status.because(LOOP_DETECTED,
                    "CDN-Loop names this node: " + upstream.loop().id()), "loop"));
        }
        if (request.method().equals(PURGE)) {
            return loop.newSucceededFuture(purge(key, request));
        }
        Promise<Answer> answer = loop.newPromise();
        if (Invalidation.UNSAFE.contains(request.method())) {
            Invalidation.forward(this, key, request, (EventLoop) loop, answer);
        } else {
            lookUp(key, request, (EventLoop) loop, answer);
        }
        return answer;
    }

    @Override
    public boolean takes(HttpMethod method) {
        return method.equals(PURGE) || Invalidation.UNSAFE.contains(method);
    }

    /** The unsafe methods' bodies go on to the origin ({@link Invalidation}); a PURGE's is not read. */
    @Override
    public boolean acceptsBody(HttpMethod method) {
        return Invalidation.UNSAFE.contains(method);
    }

    /**
     * {@code PURGE /path} from an address of {@code --purge-allow}: the key's object and all its variants are
     * forgotten and their files removed (clients sending them finish): 200, or 404 when nothing was stored; 403
     * from any other address. With {@code X-Purge-Soft: 1} they are marked stale instead (the next request
     * validates them with the origin). With {@code X-Purge-Prefix: /video/} every key of the request's host whose
     * path starts so is purged (hard or soft) by a {@link PurgeRecord}: 200 at once, the disk reclaimed in the
     * background ({@link Purges}). Counted by kind and logged.
     */
    private Answer purge(CacheKey key, ContentRequest request) {
        if (!(request.client() instanceof InetSocketAddress inet) || !config.purgeAllow().allows(inet.getAddress())) {
            return Answer.Status.of(HttpResponseStatus.FORBIDDEN);
        }
        boolean soft = "1".equals(request.headers().get("X-Purge-Soft", "").trim());
        String prefix = request.headers().get("X-Purge-Prefix");
        if (prefix != null) {
            prefix = prefix.trim();
            if (!prefix.startsWith("/")) {
                return Answer.Status.because(HttpResponseStatus.BAD_REQUEST, "X-Purge-Prefix is a path's start");
            }
            purges.add(new PurgeRecord(key.host() + " " + prefix, soft, System.currentTimeMillis()),
                    recovery.complete());
            counters.purged(soft ? CacheCounters.PurgeKind.SOFT : CacheCounters.PurgeKind.PREFIX);
            log.info("purge{} of prefix {} {}: recorded, swept in the background", soft ? " (soft)" : "",
                    key.host(), prefix);
            return Answer.Status.of(HttpResponseStatus.OK);
        }
        int found = remove(key, soft);
        counters.purged(soft ? CacheCounters.PurgeKind.SOFT : CacheCounters.PurgeKind.KEY);
        log.info("purge{} of {}: {} objects", soft ? " (soft)" : "", key.text(), found);
        return Answer.Status.of(found == 0 ? HttpResponseStatus.NOT_FOUND : HttpResponseStatus.OK);
    }

    /**
     * Forgets the key's object and all its variants and removes their files (clients sending them finish), or
     * with {@code soft} marks them stale; returns how many there were.
     */
    private int remove(CacheKey key, boolean soft) {
        String primary = key.hash();
        List<String> hashes = new ArrayList<>(variants.of(primary));
        hashes.add(primary);
        int found = 0;
        for (String hash : hashes) {
            StoredObject stored = index.get(key, hash);
            if (stored == null || !stored.key().equals(key.text())) {
                continue;
            }
            found++;
            if (soft) {
                markStale(hash, stored);
                continue;
            }
            SlicedObject sliced = live.remove(hash);
            if (sliced != null) {
                sliced.abandon(new IOException("purged"));
            }
            index.invalidate(hash, stored); // its removal unlinks the files, on a file-system thread
        }
        return found;
    }

    /**
     * An unsafe request of {@code key} succeeded ({@link Invalidation}): the key's objects are removed, and those
     * of the {@code Location} and {@code Content-Location} of the origin's {@code response} when they name this
     * host (RFC 9111 §4.4: another host's could be a denial of service). Returns how many objects went.
     */
    int invalidate(CacheKey key, HttpHeaders response) {
        int gone = remove(key, false);
        for (String field : new String[] {"Location", "Content-Location"}) {
            String reference = response.get(field);
            CacheKey named = reference == null ? null : sameHost(key, reference.trim());
            if (named != null) {
                gone += remove(named, false);
            }
        }
        return gone;
    }

    /** The key that {@code reference} (a URI reference, resolved against {@code key}'s) names on the same host. */
    private CacheKey sameHost(CacheKey key, String reference) {
        URI uri;
        try {
            uri = URI.create(target(key)).resolve(reference);
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (uri.getRawAuthority() != null) {
            String scheme = uri.getScheme() == null ? "http" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")
                    || !CacheKey.of(uri.getRawAuthority(), "", null).host().equals(key.host())) {
                return null;
            }
        }
        String name = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? null : names.name(uri.getRawPath());
        return name == null ? null : CacheKey.of(key.host(), name, uri.getRawQuery());
    }

    /** A soft purge of one object: stale in the index at once, and in its metadata file on a file-system thread. */
    private void markStale(String hash, StoredObject stored) {
        StoredObject stale = stored.staled();
        if (stored.lifetime() == 0 || !index.replace(hash, stored, stale)) {
            return;
        }
        objectFiles.drop(hash); // its kept head says it is fresh
        CacheDirectory directory = directories.of(hash);
        directory.execute(() -> {
            try {
                directory.store().revalidated(hash, stored, stale);
            } catch (IOException e) {
                log.warn("cannot mark {} stale on disk: {}", stored.key(), e.toString());
            }
        });
    }

    private static Answer refusal(Lookup refusal) {
        return switch (refusal) {
            case Lookup.BadPath bad -> Answer.Status.because(HttpResponseStatus.BAD_REQUEST, bad.why());
            default -> Answer.Status.of(HttpResponseStatus.NOT_FOUND);
        };
    }

    /**
     * What is stored for the key answers when it is fresh enough for this request ({@link Freshness}); stale, it is
     * validated by the fill ({@link Revalidation}), or served at once and validated in the background
     * ({@code stale-while-revalidate}), or served as it is (the request's {@code max-stale}). With
     * {@code only-if-cached} the origin is never asked: 504 when nothing usable is stored.
     */
    private void lookUp(CacheKey key, ContentRequest request, EventLoop loop, Promise<Answer> answer) {
        String primary = key.hash();
        List<String> varies = variants.fields(primary);
        String hash = varies == null ? primary : key.hash(SecondaryKey.of(varies, request.headers()));
        StoredObject stored = index.get(key, hash);
        if (stored != null && varies != null) {
            variants.used(primary, hash);
        }
        if (stored == null && !recovery.done()) {
            missWhileRecovering(key, hash, request, loop, answer);
            return;
        }
        answer(key, hash, stored, request, loop, answer);
    }

    /**
     * The index is still coming back: the key's metadata file is read first (one read on a file-system thread),
     * and an object committed before the restart is answered as found, not fetched a second time.
     */
    private void missWhileRecovering(CacheKey key, String hash, ContentRequest request, EventLoop loop,
                                     Promise<Answer> answer) {
        CacheDirectory directory = directories.of(hash);
        Future<Store.Found> read = directory.submit(() -> directory.store().read(hash), loop);
        if (read == null) {
            answer(key, hash, null, request, loop, answer);
            return;
        }
        read.addListener(done -> {
            Store.Found found = read.isSuccess() ? read.getNow() : null;
            if (found != null) {
                directory.recovered(found);
            }
            answer(key, hash, found == null ? index.get(key, hash) : index.recovered(hash, found.object()), request, loop,
                    answer);
        });
    }

    /** Answers {@code request} with {@code stored} (the key's object, or null) as {@link #lookUp} says. */
    private void answer(CacheKey key, String hash, StoredObject stored, ContentRequest request, EventLoop loop,
                        Promise<Answer> answer) {
        if (stored != null && !stored.key().equals(key.text())) {
            stored = null; // a hash collision: not this key's object
        }
        Purges.Verdict purged = stored == null ? Purges.Verdict.NONE : purges.of(stored);
        if (purged == Purges.Verdict.GONE) {
            index.invalidate(hash, stored); // a prefix purge reached it: its files go now, if its sweep has not come
            stored = null;
        }
        RequestDirectives asks = RequestDirectives.of(request.headers());
        Freshness.Verdict verdict = stored == null ? Freshness.Verdict.VALIDATE
                : Freshness.of(stored, asks, System.currentTimeMillis(), staleMaxSeconds());
        if (purged == Purges.Verdict.STALE) {
            verdict = Freshness.Verdict.VALIDATE; // a soft purge: validated first, whatever it allows
        }
        if (stored != null && !stored.whole() && verdict != Freshness.Verdict.FRESH) {
            // An object in slices is fetched again as before, not validated (nor served stale: its missing slices
            // would be asked of an origin whose object may have changed).
            verdict = Freshness.Verdict.VALIDATE;
            stored = null;
        }
        switch (verdict) {
            case FRESH -> hit(key, hash, stored, request, loop, answer, "hit");
            case STALE -> hit(key, hash, stored, request, loop, answer, "hit; detail=stale");
            case STALE_WHILE_REVALIDATE -> {
                if (!asks.onlyIfCached()) {
                    revalidateInBackground(key, hash, stored, request, loop);
                }
                hit(key, hash, stored, request, loop, answer, "hit; detail=stale-while-revalidate");
            }
            case VALIDATE -> {
                if (asks.onlyIfCached()) {
                    // RFC 9111 §5.2.1.7: nothing stored that may answer, and the origin must not be asked.
                    answer.setSuccess(failure(Answer.Status.because(HttpResponseStatus.GATEWAY_TIMEOUT,
                            "not cached"), "only-if-cached"));
                } else {
                    miss(key, hash, stored, request, loop, answer);
                }
            }
        }
    }

    /** Whether {@code stored} is the object of {@code key} (not a hash collision) and may answer {@code request}. */
    private boolean usable(CacheKey key, StoredObject stored, ContentRequest request) {
        return stored != null && stored.key().equals(key.text()) && purges.of(stored) == Purges.Verdict.NONE
                && Freshness.of(stored,
                RequestDirectives.of(request.headers()), System.currentTimeMillis(), staleMaxSeconds())
                != Freshness.Verdict.VALIDATE;
    }

    /** The operator's ceiling on serving stale ({@code --cache-stale-max}), in seconds. */
    private long staleMaxSeconds() {
        return config.staleMax().toSeconds();
    }

    /**
     * {@code stale-while-revalidate}: a validation of {@code stale} that no client waits for, unless a fill of the
     * key is under way already (then that one brings the new object: once, not once per client).
     */
    private void revalidateInBackground(CacheKey key, String hash, StoredObject stale, ContentRequest request,
                                        EventLoop loop) {
        Fill background = new Fill(this, key, hash, false, request.headers());
        if (fills.putIfAbsent(hash, background) != null) {
            return;
        }
        Revalidation revalidation = new Revalidation(this, key, hash, stale);
        background.revalidate(revalidation);
        background.start(loop, revalidation.conditional(originRequest(key, request)));
    }

    /**
     * A waiter of {@code fill} whose fill ended without answering it: after a 304 it is answered with the object
     * the 304 freshened; after a failed validation with the stale object when {@code stale-if-error} (or its
     * {@code max-stale}) allows, else 504; otherwise it looks the key up again.
     */
    private void afterFill(Fill fill, CacheKey key, String hash, ContentRequest request, EventLoop loop,
                           Promise<Answer> answer) {
        Revalidation revalidation = fill.revalidation();
        Revalidation.Outcome outcome = revalidation == null ? Revalidation.Outcome.REPLACED : revalidation.outcome();
        switch (outcome) {
            case VALIDATED -> hit(key, hash, revalidation.validated(), request, loop, answer,
                    "fwd=stale; fwd-status=304");
            case FAILED -> {
                StoredObject stale = revalidation.stale();
                if (Freshness.onError(stale, RequestDirectives.of(request.headers()), System.currentTimeMillis(),
                        staleMaxSeconds())) {
                    hit(key, hash, stale, request, loop, answer, "fwd=stale; detail=stale-if-error");
                } else {
                    // RFC 9111 §4.2.4, §5.2.2.2: a stale response that may not be served is a 504.
                    answer.setSuccess(failure(Answer.Status.because(HttpResponseStatus.GATEWAY_TIMEOUT,
                            "origin could not validate"), "revalidation-failed"));
                }
            }
            default -> lookUp(key, request, loop, answer);
        }
    }

    private void hit(CacheKey key, String hash, StoredObject stored, ContentRequest request, EventLoop loop,
                     Promise<Answer> answer, String cacheStatus) {
        CacheDirectory directory = directories.of(hash);
        if (directory.unchecked(hash)) {
            checkFirst(directory, key, hash, stored, request, loop, answer, cacheStatus);
            return;
        }
        if (!stored.whole()) {
            partial(key, hash, stored, request, loop, answer);
            return;
        }
        OpenFile held = objectFiles.retain(hash, stored);
        if (held != null) {
            answerHit(hash, stored, held, answer, cacheStatus); // a hot object: no file-system thread, no open
            return;
        }
        Future<ObjectFiles.Opened> opened = directory.submit(() -> {
            OpenFile file = directory.store().open(hash, stored);
            if (file == null) {
                return null;
            }
            try {
                objectFiles.readIfSmall(file);
                return new ObjectFiles.Opened(file, FileInfo.read(file.path()));
            } catch (IOException | RuntimeException e) {
                file.release(); // deleted between the open and the stat: as if it were gone
                return null;
            }
        }, loop);
        if (opened == null) {
            answer.setSuccess(failure(Answer.Status.busy("file-system queue full", false), "fs-busy"));
            return;
        }
        opened.addListener(done -> {
            ObjectFiles.Opened file = opened.isSuccess() ? opened.getNow() : null;
            if (file == null) {
                // Gone or not what its metadata says: forgotten, and fetched again.
                index.invalidate(hash, stored);
                miss(key, hash, null, request, loop, answer);
                return;
            }
            objectFiles.hold(hash, stored, file);
            answerHit(hash, stored, file.file(), answer, cacheStatus);
        });
    }

    /**
     * The first hit of an object committed just before a crash ({@link Checkpoint}): its slices are compared with
     * their CRC32C on a file-system thread while the hit waits; a good object is then answered, a bad one is
     * quarantined ({@link #corrupt}) and the request is a miss, fetched from the origin. Never sent unchecked.
     */
    private void checkFirst(CacheDirectory directory, CacheKey key, String hash, StoredObject stored,
                            ContentRequest request, EventLoop loop, Promise<Answer> answer, String cacheStatus) {
        Future<Fault> checked = directory.submit(() -> {
            if (!directory.unchecked(hash)) {
                return null; // another hit checked it meanwhile
            }
            Fault fault = new ObjectCheck(directory.store(), Pace.unlimited()).check(hash, stored);
            if (fault != null) {
                corrupt(directory, hash, stored, fault, false);
            }
            directory.checked(hash);
            return fault;
        }, loop);
        if (checked == null) {
            answer.setSuccess(failure(Answer.Status.busy("file-system queue full", false), "fs-busy"));
            return;
        }
        checked.addListener(done -> {
            if (!done.isSuccess() || checked.getNow() != null) {
                if (!done.isSuccess()) {
                    log.warn("cannot check {} before its first hit: {}", key.text(), done.cause().toString());
                }
                index.invalidate(hash, stored);
                miss(key, hash, null, request, loop, answer);
                return;
            }
            hit(key, hash, stored, request, loop, answer, cacheStatus);
        });
    }

    /** Answers a hit with {@code file}, the object's body, whose reference the answer takes. */
    private void answerHit(String hash, StoredObject stored, OpenFile file, Promise<Answer> answer,
                           String cacheStatus) {
        long age = stored.age(System.currentTimeMillis());
        Representation representation;
        try {
            // The kept head is a plain hit's; a stale or just revalidated answer says so in its own.
            representation = new Representation(cacheStatus.equals("hit") ? objectFiles.hitHead(hash, stored, age,
                    a -> description(stored, "hit", a)) : description(stored, cacheStatus, age), file);
        } catch (RuntimeException e) {
            answer.setFailure(e);
            return;
        }
        if (answer.trySuccess(representation)) {
            if (cacheStatus.startsWith("hit")) {
                counters.hit(); // a revalidated answer was counted as the miss that went forward
            }
        } else {
            file.release();
        }
    }

    /**
     * An object in slices, some of them missing: answered with the one live {@link SlicedObject} of its hash
     * (made from the disk when there is none), whose body fetches the missing slices its readers reach.
     */
    private void partial(CacheKey key, String hash, StoredObject stored, ContentRequest request, EventLoop loop,
                         Promise<Answer> answer) {
        SlicedObject sliced = live.get(hash);
        if (sliced != null) {
            Representation representation = sliced.representation(description(sliced.object(), "fwd=partial",
                    sliced.object().age(System.currentTimeMillis())));
            if (representation != null) {
                if (!answer.trySuccess(representation)) {
                    representation.body().release();
                }
                return;
            }
            live.remove(hash, sliced);
        }
        Future<SlicedObject> reopened = SlicedObject.reopen(this, key, hash, loop);
        if (reopened == null) {
            answer.setSuccess(failure(Answer.Status.busy("file-system queue full", false), "fs-busy"));
            return;
        }
        reopened.addListener(done -> {
            SlicedObject made = reopened.isSuccess() ? reopened.getNow() : null;
            if (made == null) {
                // Gone, or whole by now (its last slice was committed meanwhile): looked up again.
                if (!reopened.isSuccess()) {
                    log.warn("cannot open the slices of {}: {}", key.text(), reopened.cause().toString());
                }
                index.invalidate(hash, stored);
                lookUp(key, request, loop, answer);
                return;
            }
            SlicedObject other = live.putIfAbsent(hash, made);
            if (other != null) {
                made.unused();
            }
            partial(key, hash, stored, request, loop, answer);
        });
    }

    /** A fill's first slice came and its object is made: clients find it from now on. */
    void adopt(SlicedObject sliced) {
        SlicedObject before = live.put(sliced.hash(), sliced);
        if (before != null && before != sliced) {
            before.abandon(new IOException("replaced by a new fill"));
        }
        stored(sliced.hash(), sliced.object());
    }

    /** {@code sliced} is whole or given up: the next client of its hash looks again. */
    void forget(SlicedObject sliced) {
        live.remove(sliced.hash(), sliced);
    }

    /** Object {@code hash}, as {@code object} was stored, is no more: forgotten, and its files removed. */
    void discard(String hash, StoredObject object) {
        StoredObject indexed = index.get(hash);
        if (indexed != null && indexed.storedAtMillis() == object.storedAtMillis()) {
            index.invalidate(hash, indexed); // its removal unlinks the files
        } else {
            CacheDirectory directory = directories.of(hash);
            directory.execute(() -> directory.store().remove(hash, object.storedAtMillis()));
        }
    }

    /**
     * Starts a {@link Scrubber} per cache directory: every object re-read and compared with its checksums at most
     * {@code scrubbing.bytesPerSecond()} per directory (0: no scrubber), hottest first, each at least once per
     * {@code scrubbing.interval()}. Once; later calls change nothing.
     */
    public synchronized void scrub(Scrubbing scrubbing) {
        if (scrubbing.bytesPerSecond() <= 0 || !scrubbers.isEmpty()) {
            return;
        }
        for (CacheDirectory directory : directories.inService()) {
            Scrubber started = new Scrubber(this, directory, scrubbing.bytesPerSecond(), scrubbing.interval());
            scrubbers.add(started);
            started.start();
        }
        log.info("cache scrub: {} bytes/s per directory, every object at least once per {}",
                scrubbing.bytesPerSecond(), scrubbing.interval());
    }

    /** Whether the disk is busy with clients: fills in flight, or file-system work waiting. The scrubber waits. */
    boolean diskBusy() {
        return !fills.isEmpty() || pool.queued() > 0;
    }

    /** Whether a fill of {@code hash} is in flight. */
    boolean filling(String hash) {
        return fills.containsKey(hash);
    }

    /**
     * Object {@code hash}, as {@code object} was stored, was found corrupt: its files go to the quarantine
     * (bounded: {@link #QUARANTINED_OBJECTS}, {@link #QUARANTINED_BYTES}) and the index forgets it at once, so
     * the next request for it is a miss like any other. Counted and logged with its key and slice. Nothing when
     * it was replaced meanwhile. Blocking (file moves): the scrubber's thread.
     */
    void corrupt(CacheDirectory directory, String hash, StoredObject object, Fault fault, boolean refetch) {
        Store store = directory.store();
        // Hot: one of the objects hits keep open (W-TinyLFU over hits): its clients should not wait for a refetch.
        boolean hot = refetch && objectFiles.holds(hash);
        boolean quarantined;
        try {
            if (!store.quarantine(hash, object.storedAtMillis(), QUARANTINED_OBJECTS, QUARANTINED_BYTES)) {
                return;
            }
            quarantined = true;
        } catch (IOException e) {
            log.warn("cannot quarantine object {}: {}", hash, e.toString());
            quarantined = false; // the index's removal below unlinks its files
        }
        corruptions.increment();
        StoredObject indexed = index.get(hash);
        if (indexed != null && indexed.storedAtMillis() == object.storedAtMillis()) {
            index.invalidate(hash, indexed);
        }
        log.warn("cache object corrupt: {}; {}{}", fault.describe(),
                quarantined ? "moved to " + store.quarantine() : "removed", hot ? "; hot: fetched again now" : "");
        if (hot) {
            refetch(object);
        }
        directory.fault("corrupt object " + hash);
    }

    /**
     * A hot object found corrupt is fetched again at once, in a fill no client waits for (the next clients join it),
     * unless a fill of its key is under way already.
     */
    private void refetch(StoredObject object) {
        EventLoop loop = aLoop;
        if (loop == null) {
            return;
        }
        CacheKey key = CacheKey.parse(object.key());
        String hash = key.hash();
        loop.execute(() -> {
            HttpHeaders headers = new DefaultHttpHeaders(); // Host: the upstream's to set (Upstream)
            headers.set("Via", VIA);
            // No client's fields: a key that varies is fetched as its variant for a request without them.
            Fill background = new Fill(this, key, hash, false, headers);
            if (fills.putIfAbsent(hash, background) != null) {
                return;
            }
            upstream.loop().extend(null, headers);
            background.start(loop, new OriginRequest(target(key), headers,
                    config.sliceSize() == 0 ? null : OriginRange.forClient(null, config.sliceSize())));
        });
    }

    /**
     * {@code out} was taken out of service ({@link CacheDirectories#takeOut}) at {@code atMillis}: its scrubber
     * stops, and the index forgets the objects it held (placed on it among {@code before}, stored before then: one
     * fetched again since is in a directory in service already), so their next requests are misses that fill the
     * directories still in service. Nothing of {@code out} is touched: the removals go to where the objects are
     * placed now, and find nothing there.
     */
    private void takenOut(CacheDirectory out, List<CacheDirectory> before, long atMillis) {
        synchronized (this) {
            scrubbers.removeIf(scrubber -> {
                if (scrubber.directory() == out) {
                    scrubber.stop();
                    return true;
                }
                return false;
            });
        }
        int forgotten = 0;
        for (Map.Entry<String, StoredObject> entry : index.hottest().entrySet()) {
            if (entry.getValue().storedAtMillis() < atMillis && Placement.of(entry.getKey(), before) == out) {
                index.invalidate(entry.getKey(), entry.getValue());
                forgotten++;
            }
        }
        int ways = directories.inService().size();
        for (CacheDirectory directory : directories.inService()) {
            directory.space().resize(index.maxBytes() / ways, config.minFree(), ways);
        }
        log.info("cache directory {}: {} objects forgotten", out, forgotten);
        directoriesForgotten.incrementAndGet();
    }

    /**
     * The cache directories in service now (of those opened at startup): the metrics' gauge. A directory taken out
     * leaves this count once the index has forgotten its objects, not when new fills stop going to it: until then
     * a request may still be a hit of it, answered from the files held open.
     */
    public int directoriesInService() {
        return directories.all().size() - directoriesForgotten.get();
    }

    /** Each cache directory opened at startup, and whether it is in service now. */
    public Map<Path, Boolean> directoryStates() {
        Map<Path, Boolean> states = new LinkedHashMap<>();
        for (CacheDirectory directory : directories.all()) {
            states.put(directory.store().directory(), directory.inService());
        }
        return states;
    }

    /** Objects found corrupt (by the scrubber) since the cache opened: the metrics' count. */
    public long corruptions() {
        return corruptions.sum();
    }

    /** Body bytes the scrubber has read and compared since the cache opened. */
    public synchronized long scrubbed() {
        long bytes = 0;
        for (Scrubber scrubber : scrubbers) {
            bytes += scrubber.scrubbed();
        }
        return bytes;
    }

    /** The slice size of objects fetched in slices, 0 when none is. */
    long sliceSize() {
        return config.sliceSize();
    }

    /**
     * Attaches to the key's fill, or makes it; a request with Authorization fetches alone (its answer may be
     * personal). A fill that ended meanwhile is looked past: its object is in the index or the key is missed
     * again. With {@code stale} (the key's object, stale for this request) the fill made validates it
     * ({@link Revalidation}): concurrent clients of the key wait for that one request, as for any fill.
     */
    private void miss(CacheKey key, String hash, StoredObject stale, ContentRequest request, EventLoop loop,
                      Promise<Answer> answer) {
        boolean authorization = request.headers().contains(HttpHeaderNames.AUTHORIZATION);
        OriginRequest asked = originRequest(key, request);
        if (authorization) {
            counters.miss();
            fetchAlone(key, hash, asked, request, loop, answer, true);
            return;
        }
        while (true) {
            Fill[] made = new Fill[1];
            Fill fill = fills.computeIfAbsent(hash, h -> made[0] = new Fill(this, key, hash, false,
                    request.headers()));
            boolean owner = fill == made[0];
            if (fill.attach(answer, owner, request.headers(),
                    () -> fetchAlone(key, hash, asked, request, loop, answer, false),
                    () -> afterFill(fill, key, hash, request, loop, answer))) {
                if (owner) {
                    if (usable(key, index.get(key, hash), request)) {
                        // The fill this miss missed committed between the lookup and now: no second fetch.
                        fill.stepAside();
                    } else if (stale != null && stale == index.get(key, hash)) {
                        counters.miss(); // it goes forward, as a miss does
                        Revalidation revalidation = new Revalidation(this, key, hash, stale);
                        fill.revalidate(revalidation);
                        fill.start(loop, revalidation.conditional(asked));
                    } else {
                        counters.miss();
                        fill.start(loop, asked);
                    }
                } else {
                    counters.miss();
                    counters.joined();
                }
                return;
            }
            fills.remove(hash, fill);
            StoredObject stored = index.get(key, hash);
            if (usable(key, stored, request)) {
                lookUp(key, request, loop, answer);
                return;
            }
        }
    }

    /** A fill of one client that no one attaches to. */
    private void fetchAlone(CacheKey key, String hash, OriginRequest asked, ContentRequest request, EventLoop loop,
                            Promise<Answer> answer, boolean authorization) {
        Fill alone = new Fill(this, key, hash, authorization, request.headers());
        alone.attach(answer, true, request.headers(), () -> {
        }, () -> {
        });
        alone.start(loop, asked);
    }

    /** Fills under way now (tests: a fill stays a moment after its object is in the index). */
    int fillsUnderWay() {
        return fills.size();
    }

    /** The fill of {@code hash} has ended: the next miss makes another. */
    void forget(String hash, Fill fill) {
        fills.remove(hash, fill);
    }

    /**
     * {@code fill}, made for {@code hash}, turned out to fill variant {@code variant}: clients of that variant join
     * it from now on, clients that looked the key up before it was known to vary no longer do.
     */
    void fillsVariant(String hash, String variant, Fill fill) {
        if (!variant.equals(hash)) {
            fills.putIfAbsent(variant, fill);
            fills.remove(hash, fill);
        }
    }

    /** Where an object of the key goes: its hash, and the secondary key of a variant (else null). */
    record Place(String hash, String secondary) {
    }

    /**
     * Where a response of {@code key} to a request of fields {@code request} is stored: under the key's hash when it
     * does not vary, else under its variant's ({@link SecondaryKey} of the fields its {@code Vary} names). From a
     * response that varies on, the key's requests are looked up by variant: variants of other fields and an object
     * stored before without Vary are let go of.
     */
    Place place(CacheKey key, HttpHeaders response, HttpHeaders request) {
        String primary = key.hash();
        List<String> vary = SecondaryKey.varyOf(response);
        if (vary == null || vary.equals(List.of("*"))) {
            return new Place(primary, null);
        }
        drop(variants.varies(primary, vary));
        StoredObject plain = index.get(key, primary);
        if (plain != null) {
            index.invalidate(primary, plain); // stored before the key varied: no request finds it any more
        }
        String secondary = SecondaryKey.of(vary, request);
        return new Place(key.hash(secondary), secondary);
    }

    /** A fill committed {@code object} as {@code hash}: the index has it, and the key's variants know of it. */
    void stored(String hash, StoredObject object) {
        index.put(hash, object);
        learn(hash, object, true);
    }

    /**
     * Object {@code hash} is in the index (committed now: {@code live}; or found by the recovery): a variant is
     * added to its key's (the least recently used past the maximum let go of); an object without Vary committed
     * under the key's hash means the key varies no more.
     */
    private void learn(String hash, StoredObject object, boolean live) {
        String primary = CacheKey.hashOf(object.key());
        List<String> vary = SecondaryKey.varyOf(object.field("Vary"));
        if (object.secondary() != null && vary != null && !hash.equals(primary)) {
            drop(variants.stored(primary, vary, hash));
        } else if (live && hash.equals(primary) && variants.fields(primary) != null) {
            drop(variants.forget(primary));
        }
    }

    /** Removes the variants {@code hashes} from the index (and so from disk). */
    private void drop(List<String> hashes) {
        for (String hash : hashes) {
            StoredObject stored = index.get(hash);
            if (stored != null) {
                index.invalidate(hash, stored);
            }
        }
    }

    /** What the origin is asked for a request: see {@link #originRequest}; {@code range} null for all of it. */
    record OriginRequest(String target, HttpHeaders headers, OriginRange range) {
        HttpRequest build() {
            return build(HttpMethod.GET);
        }

        /**
         * The request with {@code method} and the head of {@code body} (chunked when the client sent it chunked,
         * else its Content-Length), which {@link OriginUpload} sends behind it; null: the one without a body.
         */
        HttpRequest build(HttpMethod method, RequestBody body) {
            if (body == null) {
                return build(method);
            }
            HttpHeaders fields = headers.copy();
            if (body.chunked()) {
                fields.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            } else {
                fields.set(HttpHeaderNames.CONTENT_LENGTH, body.length());
            }
            return new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, target, fields);
        }

        /** The request with {@code method} (an unsafe one: {@link Invalidation}); one without a body. */
        HttpRequest build(HttpMethod method) {
            HttpHeaders fields = headers.copy();
            if (range != null) {
                fields.set(HttpHeaderNames.RANGE, range.header());
            }
            if (method.equals(HttpMethod.POST) || method.equals(HttpMethod.PUT) || method.equals(HttpMethod.PATCH)) {
                fields.set(HttpHeaderNames.CONTENT_LENGTH, "0"); // RFC 9110 §8.6: these are expected to have one
            }
            return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, target, Unpooled.EMPTY_BUFFER,
                    fields, new DefaultHttpHeaders());
        }

        OriginRequest withRange(OriginRange other) {
            return new OriginRequest(target, headers, other);
        }
    }

    /**
     * A slice of {@code object}: its bytes of {@code range}, only if the origin's object is still the one whose
     * first slice was stored ({@code If-Match} on a strong ETag, else {@code If-Unmodified-Since} on its
     * Last-Modified; the answer's validators and length are compared too).
     */
    OriginRequest sliceRequest(CacheKey key, OriginRange range, StoredObject object) {
        HttpHeaders headers = new DefaultHttpHeaders(); // Host: the upstream's to set (Upstream)
        headers.set("Via", VIA);
        upstream.loop().extend(null, headers);
        if (object.etag() != null) {
            headers.set(HttpHeaderNames.IF_MATCH, object.etag());
        } else if (object.lastModified() != null) {
            headers.set(HttpHeaderNames.IF_UNMODIFIED_SINCE, object.lastModified());
        }
        return new OriginRequest(target(key), headers, range);
    }

    private static String target(CacheKey key) {
        return DocumentRoot.encodedName(key.name()) + (key.query() == null ? "" : "?" + key.query());
    }

    /**
     * GET of the key's path in one spelling (a HEAD miss fetches with GET, as nginx does), with the origin's
     * authority as Host, X-Forwarded-For and Via extended, the client's end-to-end fields except ranges and
     * conditionals (the cache answers those itself from the whole object), and nothing hop-by-hop. With slices
     * on, it asks the slice that holds the client's first byte ({@link OriginRange#forClient}): a small object
     * comes whole all the same, a large one is learnt from it and stored in slices.
     */
    OriginRequest originRequest(CacheKey key, ContentRequest request) {
        String target = target(key);
        HttpHeaders from = request.headers();
        Set<String> hop = HopByHop.of(from);
        HttpHeaders headers = new DefaultHttpHeaders(); // Host: the upstream's to set (Upstream)
        for (Map.Entry<String, String> field : from) {
            String name = field.getKey().toLowerCase(Locale.ROOT);
            if (!hop.contains(name) && !NOT_FORWARDED.contains(name)) {
                headers.add(field.getKey(), field.getValue());
            }
        }
        String client = clientAddress(request.client());
        String forwarded = String.join(", ", from.getAll("X-Forwarded-For"));
        if (client != null) {
            headers.set("X-Forwarded-For", forwarded.isEmpty() ? client : forwarded + ", " + client);
        } else if (!forwarded.isEmpty()) {
            headers.set("X-Forwarded-For", forwarded);
        }
        String via = String.join(", ", from.getAll("Via"));
        headers.set("Via", via.isEmpty() ? VIA : via + ", " + VIA);
        upstream.loop().extend(from, headers);
        return new OriginRequest(target, headers, config.sliceSize() == 0 ? null
                : OriginRange.forClient(from.get(HttpHeaderNames.RANGE), config.sliceSize()));
    }

    private static String clientAddress(SocketAddress address) {
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress();
        }
        return null;
    }

    /** The object an origin's response describes, before its body is in ({@code length} -1 when it has none yet). */
    StoredObject describe(CacheKey key, HttpResponse response, long length, long nowMillis,
                          StoragePolicy.Decision decision) {
        HttpHeaders headers = response.headers();
        Set<String> hop = HopByHop.of(headers);
        String etag = headers.get(HttpHeaderNames.ETAG);
        boolean strong = etag != null && etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"");
        String lastModified = headers.get(HttpHeaderNames.LAST_MODIFIED);
        long lastModifiedSeconds = StoragePolicy.dateSeconds(lastModified);
        List<String[]> fields = new ArrayList<>();
        for (Map.Entry<String, String> field : headers) {
            String name = field.getKey().toLowerCase(Locale.ROOT);
            if (!hop.contains(name) && !NOT_RELAYED.contains(name)) {
                fields.add(new String[] {field.getKey(), field.getValue()});
            }
        }
        if (etag != null && !strong) {
            fields.add(new String[] {"ETag", etag}); // weak: relayed, never used for a range or If-Match
        }
        if (lastModified != null && lastModifiedSeconds < 0) {
            fields.add(new String[] {"Last-Modified", lastModified});
        }
        String via = String.join(", ", headers.getAll("Via"));
        fields.add(new String[] {"Via", via.isEmpty() ? VIA : via + ", " + VIA});
        String type = headers.get(HttpHeaderNames.CONTENT_TYPE);
        int status = response.status().code() == 206 ? 200 : response.status().code(); // a slice stands for its 200
        return new StoredObject(key.text(), status, type == null ? MediaTypes.DEFAULT : type,
                strong ? etag : null, lastModifiedSeconds < 0 ? null : lastModified, lastModifiedSeconds,
                List.copyOf(fields), length, nowMillis, StoragePolicy.initialAge(headers),
                decision.lifetimeSeconds(), decision.noCache(), null);
    }

    StoredObject withLength(StoredObject object, long length) {
        return new StoredObject(object.key(), object.status(), object.type(), object.etag(), object.lastModified(),
                object.lastModifiedSeconds(), object.fields(), length, object.storedAtMillis(), object.initialAge(),
                object.lifetime(), object.noCache(), object.slices(), object.secondary());
    }

    /**
     * The head of a response from the cache: the stored status and fields, {@code Age} and {@code Cache-Status}
     * (RFC 9211).
     */
    Description description(StoredObject object, String cacheStatus, long age) {
        Map<String, String> extra = new LinkedHashMap<>();
        for (String[] field : object.fields()) {
            extra.merge(field[0], field[1], (a, b) -> a + ", " + b);
        }
        extra.put("Age", Long.toString(age));
        extra.put("Cache-Status", "zeroedge; " + cacheStatus);
        Description description = Description.of(object.type(), object.length(), object.etag(),
                object.lastModified(), object.lastModifiedSeconds(), extra);
        return object.status() == 200 ? description
                : description.withStatus(HttpResponseStatus.valueOf(object.status()));
    }

    /** A status the cache answers itself when the origin (or the disk) failed, saying why in {@code Cache-Status}. */
    static Answer.Status failure(Answer.Status status, String detail) {
        return status.with(Map.of("Cache-Status", "zeroedge; fwd=miss; detail=" + detail));
    }

    /** The directory object {@code hash} is placed in now. */
    CacheDirectory directory(String hash) {
        return directories.of(hash);
    }

    CacheDirectories directories() {
        return directories;
    }

    /** The prefix purges in force (tests wait for their sweeps). */
    Purges purges() {
        return purges;
    }

    Index index() {
        return index;
    }

    /** Where misses are asked: the key's parent or its origin. */
    Upstream upstream() {
        return upstream;
    }

    /** The longest body stored for {@code key}: its origin's {@code max-object-size}; longer ones are relayed. */
    long maxObjectSize(CacheKey key) {
        return upstream.origin(key).maxObjectSize();
    }

    FileSystemPool pool() {
        return pool;
    }

    /** How the fills write their bytes: the mode's way (uring-splice: the loop's ring). */
    FileWriter writer() {
        return writer;
    }

    /** A response the disk could not take was passed through to its clients. */
    void countPassThrough(CacheCounters.PassThroughKind kind) {
        counters.passedThrough(kind);
    }

    /**
     * Responses passed through to their clients uncached because the disk could not take them (full, or their
     * reservation against the maximum size or the minimum free space refused), of every kind
     * ({@link CacheCounters.Counts#passedThrough}).
     */
    public long passedThrough() {
        long all = 0;
        for (long n : counters().read(0, 0).passedThrough()) {
            all += n;
        }
        return all;
    }

    /**
     * New bounds from a reload: the index keeps at most {@code maxBytes} of bodies (a smaller bound evicts at once,
     * the files going on the file-system threads) and fills reserve against them and {@code minFree} from now on.
     */
    public void resize(long maxBytes, CacheConfig.MinFree minFree) {
        index.resize(maxBytes);
        int ways = directories.inService().size();
        for (CacheDirectory directory : directories.inService()) {
            directory.space().resize(maxBytes / ways, minFree, ways);
        }
        log.info("cache: at most {} bytes, {} left free", maxBytes, minFree);
    }

    /** The bytes of bodies the index keeps at most now. */
    public long maxSize() {
        return index.maxBytes();
    }

    /** Objects the index holds now. */
    public long objects() {
        return index.size();
    }

    /** Every count of the cache now, for a scrape. */
    public CacheCounters.Counts counts() {
        return counters.read(index.size(), index.bodyBytes());
    }

    CacheCounters counters() {
        return counters;
    }

    /** Whether object {@code hash}'s body file is one of those held open, and the body bytes held in memory. */
    boolean holdsOpen(String hash) {
        return objectFiles.holds(hash);
    }

    long heldBodyBytes() {
        return objectFiles.bodyBytes();
    }

    /** What each origin's objects take now, the default origin first: the metrics' per-origin series. */
    public List<OriginStored> storedByOrigin() {
        return index.byOrigin();
    }

    /** Each parent of the tier (none without {@code --parents}): up or not, its requests and failovers. */
    public List<ParentState> parents() {
        return upstream.parents();
    }

    /** Completed with the objects found when the index is complete again after the start. */
    public CompletableFuture<Integer> recovered() {
        return recovery.complete();
    }

    @Override
    public void close() {
        List<Scrubber> running;
        synchronized (this) {
            running = List.copyOf(scrubbers);
            scrubbers.clear();
        }
        for (Scrubber scrubber : running) {
            scrubber.close();
        }
        recovery.stop();
        purges.close();
        for (SlicedObject sliced : live.values()) {
            // Its body file is closed; readers waiting for a slice fail (closed before their Content-Length).
            sliced.abandon(new IOException("the cache is closing"));
        }
        live.clear();
        upstream.close();
        objectFiles.close();
        directories.close();
    }
}
