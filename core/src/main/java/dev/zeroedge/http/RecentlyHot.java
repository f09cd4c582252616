package dev.zeroedge.http;

import dev.zeroedge.files.OpenFile;
import dev.zeroedge.files.PageCache;
import io.netty.util.concurrent.FastThreadLocal;

import java.util.Map;
import java.util.WeakHashMap;

/**
 * The page-cache test of a body, as cheap as the hot path needs it: for a file of at most {@link #WHOLE_FILE_MAX}
 * bytes, the whole file is tested, and a file found whole in the cache is trusted for {@link #TRUSTED_NANOS}
 * on this event loop without asking again. cachestat(2) walks the cache page by page (about 40 ns a page
 * here: 1.4-1.8 µs for 64 KiB, 11-16 µs for 1 MiB, measured from Java), which is 5-10% of what a hot 64 KiB
 * response costs; a file asked for thousands of times a second is tested ten times a second instead.
 *
 * <p>The price: a page evicted within those 100 ms of a test is read on the loop (it was in the cache a moment
 * ago, so it was in the active list and eviction is unlikely; memory pressure that evicts hot pages is rare and
 * the stall is one read). A larger file is tested slice by slice, every time: a slice costs hundreds of µs to
 * send, its test a few percent of that, and the whole file would be too long a walk for a loop.
 */
final class RecentlyHot {

    static final long TRUSTED_NANOS = 100_000_000L;
    static final long WHOLE_FILE_MAX = 2L * 1024 * 1024;

    /** Per loop, so no lock; weak, so a file gone from the open-file cache and every response leaves it. */
    private static final FastThreadLocal<Map<OpenFile, Long>> SEEN = new FastThreadLocal<>() {
        @Override
        protected Map<OpenFile, Long> initialValue() {
            return new WeakHashMap<>();
        }
    };

    private RecentlyHot() {
    }

    /** Whether the page cache holds bytes {@code [offset, offset + length)} of {@code file}, as the class says. */
    static boolean holds(OpenFile file, long offset, long length) {
        // A file still being written is tested by the range alone: its whole is not there yet.
        if (file.length() > WHOLE_FILE_MAX || file.growing() != null || !PageCache.available()) {
            return PageCache.holds(file, offset, length);
        }
        Map<OpenFile, Long> seen = SEEN.get();
        long now = System.nanoTime();
        Long tested = seen.get(file);
        if (tested != null && now - tested < TRUSTED_NANOS) {
            return true;
        }
        if (PageCache.holds(file, 0, file.length())) {
            seen.put(file, now);
            return true;
        }
        seen.remove(file);
        // Part of the file may be all a client ever asks for (ranges of a long segment): that part alone.
        return PageCache.holds(file, offset, length);
    }
}
