package dev.zeroedge.http;

import dev.zeroedge.files.OpenFile;
import dev.zeroedge.files.PageCache;
import io.netty.util.concurrent.FastThreadLocal;

import java.util.Arrays;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The page-cache test of a body, as cheap as the hot path needs it: a file is tested in blocks of {@link #BLOCK}
 * bytes (a file of at most that size whole), and a block found whole in the cache is trusted for
 * {@link #TRUSTED_NANOS} on this event loop without asking again. cachestat(2) walks the cache folio by folio
 * (about 40 ns a page here: 1.4-1.8 µs for 64 KiB, 11-16 µs for 1 MiB measured from Java, 12-24 µs for 2 MiB of a
 * file read by sendfile), which is 5-10% of what a hot 64 KiB response costs and 4-6% of the server's CPU per
 * byte for 64 MiB bodies (perf of 32 connections on one 64 MiB file, epoll-sendfile: filemap_cachestat and its
 * xarray walk, 57 of 948 samples per GB; nginx, which asks nothing, 920). A block that a thousand responses a
 * second send is tested ten times a second instead.
 *
 * <p>The price: a page evicted within those 100 ms of a test is read on the loop (it was in the cache a moment
 * ago, so it was in the active list and eviction is unlikely; memory pressure that evicts hot pages is rare and
 * the stall is one read). A body still being written is tested by its range alone, every time: the blocks of a
 * fill are not all there yet. Files of more than {@link #MOST_BLOCKS} blocks are too (the trust would cost a
 * {@code long} per block per loop).
 */
final class RecentlyHot {

    static final long TRUSTED_NANOS = 100_000_000L;
    /** What one test covers: a sender's largest slice by default ({@link FairFileSender#DEFAULT_MAX_SLICE}). */
    static final long BLOCK = 2L * 1024 * 1024;
    /** 8 GiB in blocks: larger files are tested range by range. */
    static final int MOST_BLOCKS = 4096;

    /**
     * Per loop, so no lock; weak, so a file gone from the open-file cache and every response leaves it. For each
     * file, when each of its blocks was last found whole.
     */
    private static final FastThreadLocal<Map<OpenFile, long[]>> SEEN = new FastThreadLocal<>() {
        @Override
        protected Map<OpenFile, long[]> initialValue() {
            return new WeakHashMap<>();
        }
    };

    private RecentlyHot() {
    }

    /** Whether the page cache holds bytes {@code [offset, offset + length)} of {@code file}, as the class says. */
    static boolean holds(OpenFile file, long offset, long length) {
        long size = file.length();
        if (file.growing() != null || !PageCache.available() || size > BLOCK * MOST_BLOCKS || length <= 0) {
            return PageCache.holds(file, offset, length);
        }
        long now = System.nanoTime();
        Map<OpenFile, long[]> seen = SEEN.get();
        long[] found = seen.get(file);
        if (found == null) {
            found = new long[(int) ((size + BLOCK - 1) / BLOCK)];
            Arrays.fill(found, now - TRUSTED_NANOS);
            seen.put(file, found);
        }
        int last = (int) ((offset + length - 1) / BLOCK);
        for (int block = (int) (offset / BLOCK); block <= last; block++) {
            if (now - found[block] < TRUSTED_NANOS) {
                continue;
            }
            long from = block * BLOCK;
            if (!PageCache.holds(file, from, Math.min(BLOCK, size - from))) {
                // Part of a block may be all a client ever asks for (ranges of a long segment): that part alone.
                return PageCache.holds(file, offset, length);
            }
            found[block] = now;
        }
        return true;
    }
}
