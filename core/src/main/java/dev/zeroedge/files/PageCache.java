package dev.zeroedge.files;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * What the kernel's page cache holds of a file, asked before an event loop sends a range whose pages the
 * sending would otherwise wait for (sendfile(2), a mapping's page faults, a pread): a range the cache does not
 * hold whole is <em>cold</em>, and a file-system thread reads it, as it sends it (a sendfile into the socket, a pread
 * into the buffer the loop writes, a mapping faulted in: see {@code FairFileSender}), so that the loop only ever
 * copies or sends pages already in memory. {@link #warm} (read into the cache only, for the loop to send after) is
 * what is left where no sender can do that: it reads a range twice whenever its pages are evicted in between.
 *
 * <p>The test is {@code cachestat(2)} (Linux 6.5): the cached pages of a range of an open descriptor, counted
 * in the kernel's page-cache tree without reading, copying or mapping anything. Measured on this kernel (6.18,
 * ext4): 0.7-1.3 µs a call for 16-64 KiB, 1-17 µs for a 2 MiB slice (depending on how large the folios that
 * hold it are); against that {@code preadv2(RWF_NOWAIT)} copies the bytes it tests (194 µs for 2 MiB) and
 * answers EOPNOTSUPP on FUSE, and {@code mincore(2)} needs an mmap and munmap per test (13-96 µs).
 * A page the cache holds while its read is still in flight counts as held: the sender then waits for the rest
 * of a read that another request started, never for a read of its own.
 *
 * <p>The kernel answers {@code cachestat} only for files the caller owns or may write (like mincore, against
 * page-cache side channels): for another user's read-only files it is EPERM. Where cachestat cannot be called
 * at all (a kernel before 6.5, not Linux, native access refused) or is refused, a range counts as held, which
 * is the behaviour before this test existed; each of the two is logged once.
 *
 * <p>{@link #warm} reads a range into the cache by {@code sendfile(2)} to {@code /dev/null}: the kernel reads
 * the pages as it would for a socket and drops them at the null device, so no byte is copied to user space
 * (a pread loop would copy every byte once more) and it returns when the pages are there (readahead(2) and
 * POSIX_FADV_WILLNEED only start the reads, and a loop would have to ask again when they end). First it turns
 * the descriptor's readahead off ({@code POSIX_FADV_RANDOM}): cachestat counts a page whose read is still in
 * flight as cached, so the readahead a warm (or a send) starts beyond its range would make the next slice look
 * hot while its pages are still on their way, and the loop would wait for them (seen on FUSE: 213 ms). Without
 * readahead a warm reads exactly its range, and nothing is in flight outside a warm; {@code
 * POSIX_FADV_WILLNEED} of the range first asks the disk for all of it at once (without it, readahead off, the
 * sendfile reads a pipe's 64 KiB at a time, one after the other: 512 KiB on the FUSE test file system took
 * 1.6 s in 200 ms reads, 1.4 s with it; 2 MiB from this machine's disk after POSIX_FADV_DONTNEED 3.3 ms
 * with it, 6.1 ms without, 10.4 ms with readahead on).
 */
public final class PageCache {

    private static final Logger log = LoggerFactory.getLogger(PageCache.class);

    /** x86_64 and the generic table (arm64, riscv) alike. */
    private static final long SYS_CACHESTAT = 451;
    private static final int ENOSYS = 38;
    private static final int EPERM = 1;
    private static final int EBADF = 9;

    // <linux/mman.h>: struct cachestat_range { __u64 off; __u64 len; } and struct cachestat { __u64 nr_cache,
    // nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted; }.
    private static final long RANGE_SIZE = 16;
    private static final long ANSWER_SIZE = 40;

    /** A thread's memory for one call: the range asked about and the kernel's answer. */
    private record Scratch(MemorySegment range, MemorySegment answer) {
        static Scratch allocate() {
            MemorySegment both = Arena.ofAuto().allocate(RANGE_SIZE + ANSWER_SIZE, 8);
            return new Scratch(both.asSlice(0, RANGE_SIZE), both.asSlice(RANGE_SIZE, ANSWER_SIZE));
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::allocate);
    private static final ThreadLocal<MemorySegment> SENDFILE_OFFSET =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(JAVA_LONG));
    private static final AtomicBoolean REFUSAL_LOGGED = new AtomicBoolean();

    private static final Linker LINKER = linker();
    private static final MethodHandle CACHESTAT = downcall("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle CACHESTAT_ERRNO = downcall("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG),
            Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
    private static final MethodHandle SENDFILE = downcall("sendfile",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle FADVISE = downcall("posix_fadvise",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final int POSIX_FADV_RANDOM = 1;
    private static final int POSIX_FADV_SEQUENTIAL = 2;
    private static final int POSIX_FADV_WILLNEED = 3;
    private static final int POSIX_FADV_DONTNEED = 4;
    private static final long PAGE = pageSize();
    private static final String UNAVAILABLE = probe();
    /**
     * Held for the life of the process: the channel must stay reachable, or the JDK's cleaner closes its
     * descriptor and the number, reused by the next open or accept, would receive the warms' bytes.
     */
    private static final FileChannel NULL_CHANNEL = UNAVAILABLE == null ? nullChannel() : null;
    private static final int NULL_DEVICE = NULL_CHANNEL == null ? -1 : ChannelDescriptor.of(NULL_CHANNEL);

    static {
        if (UNAVAILABLE != null) {
            log.warn("cold pages are read on the event loops: no page-cache test here ({})", UNAVAILABLE);
        }
    }

    private PageCache() {
    }

    /** Whether ranges are tested at all; when not, {@link #holds} is always true (and said once in the log). */
    public static boolean available() {
        return UNAVAILABLE == null;
    }

    /**
     * Whether the page cache holds every page of bytes {@code [offset, offset + length)} of {@code file}: one
     * cachestat, no I/O. True where it cannot tell (see the class comment), so that the caller behaves as it
     * did before.
     */
    public static boolean holds(OpenFile file, long offset, long length) {
        long pages = (offset + length - 1) / PAGE - offset / PAGE + 1;
        return length <= 0 || residentPages(file, offset, length) >= pages;
    }

    /**
     * How many pages of bytes {@code [offset, offset + length)} of {@code file} the page cache holds: one cachestat,
     * no I/O. {@link Long#MAX_VALUE} where it cannot tell (as if all were held).
     */
    public static long residentPages(OpenFile file, long offset, long length) {
        int fd = file.descriptor();
        if (UNAVAILABLE != null || fd < 0 || length <= 0) {
            return Long.MAX_VALUE;
        }
        Scratch call = SCRATCH.get();
        call.range().set(JAVA_LONG, 0, offset);
        call.range().set(JAVA_LONG, 8, length);
        long rc;
        try {
            rc = (long) CACHESTAT.invokeExact(SYS_CACHESTAT, (long) fd, call.range(), call.answer(), 0L);
        } catch (Throwable t) {
            return Long.MAX_VALUE;
        }
        if (rc != 0) {
            refused(file);
            return Long.MAX_VALUE;
        }
        return call.answer().get(JAVA_LONG, 0);
    }

    /**
     * Reads bytes {@code [offset, offset + length)} of {@code file} into the page cache and returns when they
     * are there. Blocks for as long as the disk takes: a file-system thread's work, never an event loop's.
     */
    public static void warm(OpenFile file, long offset, long length) throws IOException {
        int fd = file.descriptor();
        if (NULL_DEVICE < 0 || fd < 0) {
            return;
        }
        try {
            int ignored = (int) FADVISE.invokeExact(fd, 0L, 0L, POSIX_FADV_RANDOM);
            // The whole range asked of the disk at once, so the sendfile below waits for reads in flight rather
            // than reading a pipe's 64 KiB at a time, one after the other.
            ignored = (int) FADVISE.invokeExact(fd, offset, length, POSIX_FADV_WILLNEED);
        } catch (Throwable t) {
            throw new IOException("cannot read " + file.path() + " into the page cache", t);
        }
        readIn(file, offset, length);
    }

    /**
     * Reads bytes {@code [offset, offset + length)} of {@code file} into the page cache as {@link #warm} does, with
     * the descriptor's readahead as it is (no advice), and returns when they are there: pages whose read is in
     * flight are waited for. A file-system thread's work, never an event loop's.
     */
    public static void readIn(OpenFile file, long offset, long length) throws IOException {
        int fd = file.descriptor();
        if (NULL_DEVICE < 0 || fd < 0) {
            return;
        }
        MemorySegment position = SENDFILE_OFFSET.get();
        position.set(JAVA_LONG, 0, offset);
        long end = offset + length;
        try {
            while (position.get(JAVA_LONG, 0) < end) {
                long sent = (long) SENDFILE.invokeExact(NULL_DEVICE, fd, position, end - position.get(JAVA_LONG, 0));
                if (sent <= 0) {
                    // End of file (truncated since it was opened) or an error: the sender that follows meets it
                    // and reports it; warming has nothing to add.
                    return;
                }
            }
        } catch (Throwable t) {
            throw new IOException("cannot read " + file.path() + " into the page cache", t);
        }
    }

    /**
     * Tells the kernel that this descriptor of {@code file} is read front to back ({@code POSIX_FADV_SEQUENTIAL}: the
     * readahead window doubled, and {@link #warm}'s {@code POSIX_FADV_RANDOM} undone): a file-system thread that
     * sends a cold body itself ({@code PoolSendfile}) wants each disk read as large as the kernel makes them, and the
     * next ones under way while the socket takes the last. No I/O; nothing where it cannot be called.
     */
    public static void sequential(OpenFile file) {
        int fd = file.descriptor();
        if (FADVISE == null || fd < 0) {
            return;
        }
        try {
            int ignored = (int) FADVISE.invokeExact(fd, 0L, 0L, POSIX_FADV_SEQUENTIAL);
        } catch (Throwable t) {
            // Advice only.
        }
    }

    /**
     * Turns readahead off for this descriptor of {@code file} ({@code POSIX_FADV_RANDOM}; other descriptors of
     * the file keep theirs): a reader that tests each range with {@link #holds} before it reads, and
     * {@link #drop}s what it read cold, must not have the kernel read the next range ahead, which would then
     * look hot and stay.
     */
    public static void noReadahead(OpenFile file) {
        int fd = file.descriptor();
        if (FADVISE == null || fd < 0) {
            return;
        }
        try {
            int ignored = (int) FADVISE.invokeExact(fd, 0L, 0L, POSIX_FADV_RANDOM);
        } catch (Throwable t) {
            // Advice only.
        }
    }

    /**
     * Asks the kernel to drop the clean pages of bytes {@code [offset, offset + length)} of {@code file} from the
     * page cache ({@code POSIX_FADV_DONTNEED}): a reader that went through a cold range for itself alone (the
     * cache's scrubber) leaves the memory to the pages clients use. Nothing where it cannot be called.
     */
    public static void drop(OpenFile file, long offset, long length) {
        int fd = file.descriptor();
        if (FADVISE == null || fd < 0 || length <= 0) {
            return;
        }
        try {
            int ignored = (int) FADVISE.invokeExact(fd, offset, length, POSIX_FADV_DONTNEED);
        } catch (Throwable t) {
            // Advice only: the pages stay until the kernel needs the memory.
        }
    }

    /** Once: the server's user may not ask about this file's pages (EPERM), so its cold pages stall the loop. */
    private static void refused(OpenFile file) {
        if (REFUSAL_LOGGED.compareAndSet(false, true)) {
            log.warn("cachestat refused for {} (the kernel answers it only for files this user owns or may write):"
                    + " cold pages of such files are read on the event loops", file.path());
        }
    }

    /** Null when cachestat answers here: a call with no descriptor says EBADF, a kernel without it ENOSYS. */
    private static String probe() {
        if (CACHESTAT == null || CACHESTAT_ERRNO == null || SENDFILE == null || FADVISE == null || PAGE <= 0) {
            return "cachestat(2) cannot be called from Java here (not Linux, or native access refused)";
        }
        StructLayout state = Linker.Option.captureStateLayout();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(state);
            MemorySegment range = arena.allocate(RANGE_SIZE, 8);
            range.set(JAVA_LONG, 8, 1L);
            long rc = (long) CACHESTAT_ERRNO.invokeExact(errno, SYS_CACHESTAT, -1L, range,
                    arena.allocate(ANSWER_SIZE, 8), 0L);
            int error = (int) state.varHandle(MemoryLayout.PathElement.groupElement("errno")).get(errno, 0L);
            if (rc == -1 && error == EBADF) {
                return null;
            }
            return error == ENOSYS ? "the kernel has no cachestat(2), which Linux 6.5 added"
                    : "cachestat(2) answered " + rc + ", errno " + error + (error == EPERM ? " (EPERM)" : "");
        } catch (Throwable t) {
            return "cachestat(2) failed: " + t;
        }
    }

    private static FileChannel nullChannel() {
        try {
            return FileChannel.open(Path.of("/dev/null"), StandardOpenOption.WRITE);
        } catch (IOException e) {
            return null;
        }
    }

    private static long pageSize() {
        MethodHandle getpagesize = downcall("getpagesize", FunctionDescriptor.of(JAVA_INT));
        try {
            return getpagesize == null ? -1 : (int) getpagesize.invokeExact();
        } catch (Throwable t) {
            return -1;
        }
    }

    private static Linker linker() {
        try {
            return System.getProperty("os.name", "").equals("Linux") && ADDRESS.byteSize() == 8
                    ? Linker.nativeLinker() : null;
        } catch (RuntimeException notAllowed) {
            return null;
        }
    }

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        if (LINKER == null) {
            return null;
        }
        try {
            return LINKER.defaultLookup().find(name)
                    .map(symbol -> LINKER.downcallHandle(symbol, descriptor, options))
                    .orElse(null);
        } catch (RuntimeException notAllowed) {
            // Native access refused (IllegalCallerException): the ranges count as held.
            return null;
        }
    }
}
