package dev.zeroedge.transport.uring;

import dev.zeroedge.files.DocumentRoot;
import dev.zeroedge.files.FileInfo;
import dev.zeroedge.files.FileSystemPool;
import dev.zeroedge.files.HeldBodies;
import dev.zeroedge.files.Lookup;
import dev.zeroedge.files.NonBlockingOpen;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.uring.IoUringIoEvent;
import io.netty.channel.uring.IoUringIoOps;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The document-root lookups of one io_uring event loop: one handle registered on the loop's ring, through
 * which every {@link RingLookup} of that loop submits its operations and gets its completions, each tagged
 * with the lookup's slot. Only ever used on its loop's thread.
 *
 * <p>It also holds, per document root, the root's directory descriptor ({@code O_PATH}) that every
 * {@code openat2(RESOLVE_BENEATH)} is relative to. The first lookup of a root opens it through the ring too;
 * lookups that come meanwhile wait for it. A descriptor is closed only when no operation in flight can
 * name it: a punted openat looks its directory descriptor up when it runs, and a closed number could by
 * then name another directory.
 *
 * <p>When the loop shuts down ({@link #close}) each lookup in flight answers busy at once and its operation is
 * cancelled; the lookup itself stays until its completion comes (Netty drains the ring before it destroys
 * it) and closes the descriptor the kernel opened for nobody. A lookup whose completion never comes (the ring was destroyed first)
 * keeps its native memory for ever ({@link #STILL_IN_KERNEL}), since the kernel may still write into it.
 */
final class RingLookups implements RingHandles.Handle {

    /** Lookups in flight per loop; one more is handed to the file-system pool. */
    static final int SLOTS = 4096;

    static final byte IORING_OP_OPENAT2 = 28;
    static final byte IORING_OP_STATX = 21;
    static final byte IORING_OP_READ = 22;
    private static final byte IORING_OP_CLOSE = 19;
    private static final byte IORING_OP_ASYNC_CANCEL = 14;

    /** Completions that belong to no lookup: a cancellation's own, a close's. */
    private static final short UNTRACKED = -1;

    /** Lookups the loop closed on while the kernel still had them: never freed, the kernel may write into them. */
    private static final Set<RingLookup> STILL_IN_KERNEL = ConcurrentHashMap.newKeySet();

    private final IoEventLoop loop;
    private final FileSystemPool pool;
    private final Consumer<RingLookups> onClosed;
    private IoRegistration registration;
    private final Slots<RingLookup> slots = new Slots<>(SLOTS);
    private final Map<DocumentRoot, RootDirectory> roots = new IdentityHashMap<>();
    private boolean closing;
    private boolean released;
    /** For the real path of each descriptor opened ({@link Libc#pathOf}); only used on the loop. */
    private final MemorySegment pathScratch = Arena.ofAuto().allocate(Libc.PATH_SCRATCH);

    RingLookups(IoEventLoop loop, FileSystemPool pool, Consumer<RingLookups> onClosed) {
        this.loop = loop;
        this.pool = pool;
        this.onClosed = onClosed;
    }

    @Override
    public void registered(IoRegistration registration) {
        this.registration = registration;
        loop.terminationFuture().addListener(terminated -> afterTheLoop());
    }

    IoEventLoop loop() {
        return loop;
    }

    /**
     * See {@link dev.zeroedge.files.FileOpener#open}, and {@link dev.zeroedge.files.FileOpener#recheck} when
     * {@code known} is not null; on the loop.
     */
    Future<Lookup> lookUp(DocumentRoot root, String name, HeldBodies held, FileInfo known) {
        if (closing || slots.full()) {
            return known == null ? pool.open(root, name, held, loop) : pool.recheck(root, name, held, known, loop);
        }
        Promise<Lookup> answer = loop.newPromise();
        RingLookup lookup = new RingLookup(this, root, name, held, known, answer);
        RootDirectory directory = roots.computeIfAbsent(root, unknown -> new RootDirectory());
        if (directory.fd >= 0) {
            lookup.start(directory.fd);
        } else if (directory.failed) {
            lookup.handOver();
        } else {
            directory.waiting.add(lookup);
            if (directory.waiting.size() == 1) {
                lookup.openRoot();
            }
        }
        return answer;
    }

    /** The root's directory descriptor is open ({@code fd}) or cannot be (-errno): the lookups waiting go on. */
    void rootOpened(DocumentRoot root, int fd) {
        RootDirectory directory = roots.get(root);
        if (fd >= 0 && closing) {
            NonBlockingOpen.close(fd);
            fd = -1;
        }
        if (fd >= 0) {
            directory.fd = fd;
        } else {
            directory.failed = !closing;
        }
        List<RingLookup> waiting = new ArrayList<>(directory.waiting);
        directory.waiting.clear();
        for (RingLookup lookup : waiting) {
            if (closing) {
                lookup.answer(new Lookup.Busy("server shutting down", true));
            } else if (fd >= 0) {
                lookup.start(fd);
            } else {
                lookup.handOver();
            }
        }
    }

    /** The real path of a descriptor this loop opened. */
    String pathOf(int fd) {
        return Libc.pathOf(fd, pathScratch);
    }

    FileSystemPool pool() {
        return pool;
    }

    boolean closing() {
        return closing;
    }

    /** Takes a slot for {@code lookup}; -1 when none is free (the caller hands over to the pool). */
    short take(RingLookup lookup) {
        return slots.take(lookup);
    }

    void giveBack(short slot) {
        STILL_IN_KERNEL.remove(slots.get(slot));
        slots.giveBack(slot);
        releaseIfIdle();
    }

    /** Submits {@code ops} for the lookup in {@code slot}; 0 when the ring no longer takes it. */
    long submit(IoUringIoOps ops) {
        return registration.isValid() ? registration.submit(ops) : 0;
    }

    /**
     * Closes a descriptor that no operation in flight names any more, through the ring ({@code IORING_OP_CLOSE}:
     * on a FUSE or network file system close(2) waits for the server's flush), or at once when the loop is
     * closing (the ring may be gone before a close in it runs).
     */
    void close(int fd) {
        if (closing || submit(new IoUringIoOps(IORING_OP_CLOSE, (byte) 0, (short) 0, fd, 0L, 0L, 0, 0, UNTRACKED, (short) 0,
                (short) 0, 0, 0L)) == 0) {
            NonBlockingOpen.close(fd);
        }
    }

    /** Asks the kernel to cancel the operation whose user data is {@code operation}. */
    void cancel(long operation) {
        submit(new IoUringIoOps(IORING_OP_ASYNC_CANCEL, (byte) 0, (short) 0, -1, 0L, operation, 0, 0, UNTRACKED,
                (short) 0, (short) 0, 0, 0L));
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        IoUringIoEvent completion = (IoUringIoEvent) event;
        short slot = completion.data();
        RingLookup lookup = slots.get(slot);
        if (lookup == null) {
            return;
        }
        STILL_IN_KERNEL.remove(lookup);
        lookup.completed(completion.opcode(), completion.res());
    }

    /**
     * The loop shuts down: cancel what is in flight (each lookup answers busy and closes what it opened when
     * its completion comes), and give back the roots' descriptors once nothing names them.
     */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        onClosed.accept(this);
        for (RingLookup lookup : slots.inUse()) {
            STILL_IN_KERNEL.add(lookup);
            lookup.cancel();
            lookup.cancelOperations();
        }
        releaseIfIdle();
    }

    private void releaseIfIdle() {
        if (!closing || released || !slots.empty()) {
            return;
        }
        released = true;
        for (RootDirectory directory : roots.values()) {
            if (directory.fd >= 0) {
                NonBlockingOpen.close(directory.fd);
                directory.fd = -1;
            }
        }
        roots.clear();
        registration.cancel();
    }

    /**
     * The loop has ended, and with it the ring. Normally {@link #close} came first and everything was given
     * back; but a loop told to stop with no quiet period can end without closing its handles, and a lookup
     * whose completion did not come in the ring's last 200 ms never gets one. Whoever waits for them hears
     * busy now, and the descriptors they and the roots hold are closed: the ring is gone, nothing of ours
     * will run in it again. (A descriptor that a punted open installs after this is beyond reach: one per
     * open still waiting in a stalled file system when the loop ended.) Not on the loop's thread, which has
     * ended: what happened there happened before this promise completed.
     */
    private void afterTheLoop() {
        closing = true;
        onClosed.accept(this);
        for (RingLookup lookup : slots.inUse()) {
            STILL_IN_KERNEL.add(lookup);
            lookup.afterTheLoop();
        }
        if (!released) {
            released = true;
            for (RootDirectory directory : roots.values()) {
                if (directory.fd >= 0) {
                    NonBlockingOpen.close(directory.fd);
                    directory.fd = -1;
                }
                for (RingLookup waiting : directory.waiting) {
                    waiting.cancel();
                }
            }
        }
    }

    /** A document root's directory descriptor on this loop: open, being opened (lookups wait), or not to be had. */
    private static final class RootDirectory {
        int fd = -1;
        boolean failed;
        final List<RingLookup> waiting = new ArrayList<>();
    }
}
