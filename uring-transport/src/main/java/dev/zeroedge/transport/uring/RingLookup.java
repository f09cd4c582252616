package dev.zeroedge.transport.uring;

import dev.zeroedge.files.DocumentRoot;
import dev.zeroedge.files.FileInfo;
import dev.zeroedge.files.FileStat;
import dev.zeroedge.files.HeldBodies;
import dev.zeroedge.files.Lookup;
import dev.zeroedge.files.NonBlockingOpen;
import dev.zeroedge.files.OpenFile;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.uring.IoUringIoOps;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * One name looked up through the loop's ring, as CM4all beng-proxy's {@code UringOpenStat} does it, and with
 * the answers of {@link DocumentRoot#openName}. Walk-through of {@code GET /docs/a.css}, a miss of the
 * open-file cache, canonical name {@code /docs/a.css}:
 * <ol>
 * <li>{@code IORING_OP_OPENAT2} of {@code docs/a.css} relative to the root's directory descriptor, {@code
 * O_RDONLY|O_NONBLOCK|O_NOCTTY|O_CLOEXEC} with {@code RESOLVE_BENEATH|RESOLVE_NO_MAGICLINKS}: the kernel
 * itself refuses any step out of the root (a {@code ..} symlink, an absolute one, a symlink swapped in while
 * we look), so there is no check-then-open race; {@code O_NONBLOCK} makes a FIFO open at once. A refusal
 * ({@code EXDEV}, {@code ELOOP}) goes to the file-system pool, whose rule is the JDK's real path: a symlink
 * whose real target is inside the root is followed.</li>
 * <li>{@code IORING_OP_STATX} of the new descriptor ({@code AT_EMPTY_PATH}): what was really opened. A
 * directory is closed again and is a redirect to its slash; anything but a regular file is 404.</li>
 * <li>The real path, for the media type and the cache's file key: {@code readlink} of
 * {@code /proc/self/fd/N}, which the kernel answers from memory (the same spelling as the pool's
 * {@code toRealPath}).</li>
 * <li>A small body that {@link HeldBodies} takes: {@code IORING_OP_READ} into a direct buffer until it is
 * whole, and linked behind each read a second statx ({@code AT_STATX_DONT_SYNC}) that must show the length
 * and mtime the validators were made from: the bytes held are those the ETag describes.</li>
 * </ol>
 * A name in directory form ({@code /docs/}) opens its {@code index.html} at once.
 *
 * <p>The operation's memory (the path, {@code struct open_how}, the statx buffer) lives in one confined arena
 * until the last completion has come; the descriptor it opened is closed by the lookup itself unless it
 * becomes the {@link OpenFile} of the answer. Everything runs on the loop; nothing here waits for the disk.
 */
final class RingLookup {

    private static final int EINTR = 4;
    private static final int EAGAIN = 11;
    private static final int EXDEV = 18;
    private static final int ELOOP = 40;

    private static final long RESOLVE_NO_MAGICLINKS = 0x02;
    private static final long RESOLVE_NO_SYMLINKS = 0x04;
    private static final long RESOLVE_BENEATH = 0x08;
    /** O_PATH | O_DIRECTORY | O_CLOEXEC: the root, as a directory to resolve beneath and nothing else. */
    private static final long ROOT_FLAGS = 010000000 | 0200000 | 02000000;
    private static final int AT_FDCWD = -100;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int AT_STATX_DONT_SYNC = 0x4000;

    /** struct open_how { u64 flags; u64 mode; u64 resolve; } at 0, struct statx at 24 (8-aligned), the path after. */
    private static final long HOW = 0;
    private static final long HOW_SIZE = 24;
    private static final long STATX = HOW_SIZE;
    private static final long PATH = STATX + FileStat.STRUCT_SIZE;
    private static final MemorySegment EMPTY_PATH = Arena.global().allocate(1);

    private static final byte IOSQE_IO_LINK = 1 << 2;

    private enum Stage { ROOT, CHECK, OPEN, STAT, READ }

    private final RingLookups ring;
    private final DocumentRoot root;
    private final String name;
    private final HeldBodies held;
    private final Promise<Lookup> answer;
    /** For a recheck: the version the asker has open, else null. */
    private FileInfo known;
    private int rootFd = -1;

    private Arena arena;
    private MemorySegment memory;
    private short slot = -1;
    private Stage stage;
    /** The user data of the operation in flight (of the read, while a body is read), 0 when none. */
    private long inFlight;
    /** While a body is read: the statx linked behind the read, 0 once it has completed. */
    private long checkInFlight;
    private int readRes;
    private int checkRes;

    private int fd = -1;
    private FileInfo info;
    private ByteBuf body;

    RingLookup(RingLookups ring, DocumentRoot root, String name, HeldBodies held, FileInfo known,
               Promise<Lookup> answer) {
        this.ring = ring;
        this.known = known;
        this.root = root;
        this.name = name;
        this.held = held;
        this.answer = answer;
    }

    /** Hands what {@code from} answers on to {@code to}; a file nobody takes any more is released. */
    static void relay(Future<Lookup> from, Promise<Lookup> to) {
        from.addListener(done -> {
            Lookup lookup = from.isSuccess() ? from.getNow()
                    : new Lookup.Busy("lookup failed: " + from.cause(), false);
            if (!to.trySuccess(lookup) && lookup instanceof Lookup.Found found) {
                found.open().release();
            }
        });
    }

    /**
     * Opens the root's directory descriptor for this loop ({@link RingLookups#rootOpened} is told): its real
     * path as found at startup, refused (and left to the pool) if a symlink has been put in its way since.
     */
    void openRoot() {
        if (!claim()) {
            ring.rootOpened(root, -EAGAIN);
            return;
        }
        stage = Stage.ROOT;
        place(root.path().toString());
        memory.set(JAVA_LONG, HOW, ROOT_FLAGS);
        memory.set(JAVA_LONG, HOW + 16, RESOLVE_NO_SYMLINKS);
        submit(openat2(AT_FDCWD));
    }

    /**
     * Opens the name beneath {@code rootFd}; for a recheck, first a statx of the name (relative to the root's
     * descriptor, following symlinks, as the pool's recheck does): when it still shows the version the asker
     * has open, the answer is {@link Lookup.Unchanged} and no descriptor is taken.
     */
    void start(int rootFd) {
        if (slot < 0 && !claim()) {
            handOver();
            return;
        }
        this.rootFd = rootFd;
        if (known != null) {
            stage = Stage.CHECK;
            place(relativeName());
            submit(new IoUringIoOps(RingLookups.IORING_OP_STATX, (byte) 0, (short) 0, rootFd,
                    memory.address() + STATX, memory.address() + PATH, FileStat.WANTED, 0, slot, (short) 0,
                    (short) 0, 0, 0L));
            return;
        }
        stage = Stage.OPEN;
        place(relativeName());
        memory.set(JAVA_LONG, HOW, NonBlockingOpen.FLAGS);
        memory.set(JAVA_LONG, HOW + 16, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
        submit(openat2(rootFd));
    }

    /** What the kernel answered for the operation {@code opcode} in flight. */
    void completed(byte opcode, int res) {
        if (stage == Stage.READ) {
            if (opcode == RingLookups.IORING_OP_READ) {
                inFlight = 0;
                readRes = res;
            } else {
                checkInFlight = 0;
                checkRes = res;
            }
            if (inFlight != 0 || checkInFlight != 0) {
                // The other half of the chain is still the kernel's, and so is the memory it names.
                return;
            }
        } else {
            inFlight = 0;
        }
        if (ring.closing()) {
            abandon(res);
            return;
        }
        switch (stage) {
            case ROOT -> ring.rootOpened(root, res);
            case CHECK -> rechecked(res);
            case OPEN -> opened(res);
            case STAT -> described(res);
            case READ -> read(readRes, checkRes);
        }
    }

    /** Asks the kernel to cancel what this lookup has in flight (the loop is closing). */
    void cancelOperations() {
        for (long operation : new long[] {inFlight, checkInFlight}) {
            if (operation != 0) {
                ring.cancel(operation);
            }
        }
    }

    /** What a name in directory form serves is its index.html; the path is relative to the root. */
    private String relativeName() {
        return name.endsWith("/") ? name.substring(1) + DocumentRoot.INDEX : name.substring(1);
    }

    private void rechecked(int res) {
        FileStat now = res == 0 ? FileStat.read(memory.asSlice(STATX, FileStat.STRUCT_SIZE)) : null;
        if (known.sameFileAs(now)) {
            answer(new Lookup.Unchanged());
        } else {
            known = null;
            start(rootFd);
        }
    }

    private void opened(int res) {
        if (res == -EXDEV || res == -ELOOP) {
            handOver();
        } else if (res < 0) {
            answer(NonBlockingOpen.refusal(-res));
        } else {
            fd = res;
            stage = Stage.STAT;
            submit(statx(AT_EMPTY_PATH));
        }
    }

    private void described(int res) {
        FileStat stat = res == 0 ? FileStat.read(memory.asSlice(STATX, FileStat.STRUCT_SIZE)) : null;
        if (stat == null) {
            answer(new Lookup.NotFound("cannot stat"));
        } else if (stat.directory()) {
            answer(name.endsWith("/") ? new Lookup.NotFound("index is a directory")
                    : new Lookup.MissingSlash(DocumentRoot.directoryLocation(name)));
        } else if (!stat.regular()) {
            answer(new Lookup.NotFound("not a regular file"));
        } else {
            Path real = realPath(stat);
            if (real == null) {
                handOver();
                return;
            }
            if (!real.startsWith(root.path())) {
                answer(new Lookup.NotFound("resolves outside the document root"));
                return;
            }
            info = FileInfo.of(real, stat);
            if (stat.length() > 0 && stat.length() <= Integer.MAX_VALUE && held.reserve(stat.length())) {
                body = Unpooled.directBuffer((int) stat.length());
                stage = Stage.READ;
                submitRead();
            } else {
                found();
            }
        }
    }

    /** The open descriptor's real path, as the kernel has it; a file deleted since the open has its old name. */
    private Path realPath(FileStat stat) {
        String real = ring.pathOf(fd);
        if (real == null) {
            return null;
        }
        if (stat.links() == 0 && real.endsWith(" (deleted)")) {
            real = real.substring(0, real.length() - " (deleted)".length());
        }
        return Path.of(real);
    }

    /** The read and the statx linked behind it have both completed. */
    private void read(int res, int check) {
        if (res > 0) {
            body.writerIndex(body.writerIndex() + res);
            if (body.writerIndex() < info.length()) {
                // A short read breaks the chain: the statx behind it was cancelled. The rest, and a check again.
                submitRead();
            } else {
                checked(check);
            }
        } else if (res == -EINTR || res == -EAGAIN) {
            submitRead();
        } else if (res == 0) {
            answer(new Lookup.Busy("file is being modified", false));
        } else {
            answer(new Lookup.NotFound("cannot read: errno " + -res));
        }
    }

    /**
     * The held bytes are those of the validators when the file, after the read, still has their length and
     * mtime, and a name.
     */
    private void checked(int res) {
        FileStat now = res == 0 ? FileStat.read(memory.asSlice(STATX, FileStat.STRUCT_SIZE)) : null;
        if (now != null && now.length() == info.length() && now.mtimeNanos() == info.lastModifiedNanos()
                && now.links() != 0) {
            found();
        } else {
            answer(new Lookup.Busy("file is being modified", false));
        }
    }

    private void found() {
        OpenFile file = OpenFile.adopt(info.path(), fd, info.length());
        fd = -1;
        if (body != null) {
            file.hold(body, held);
            body = null;
        }
        answer(new Lookup.Found(info, file));
    }

    /** What the ring cannot answer the same way: the pool looks the name up, with the JDK's real-path rule. */
    void handOver() {
        free();
        relay(known == null ? ring.pool().open(root, name, held, ring.loop())
                : ring.pool().recheck(root, name, held, known, ring.loop()), answer);
    }

    /** The lookup's answer: everything it holds that the answer does not carry is given back first. */
    void answer(Lookup lookup) {
        free();
        if (!answer.trySuccess(lookup) && lookup instanceof Lookup.Found found) {
            found.open().release();
        }
    }

    /**
     * The loop shuts down: the lookup answers busy at once, and lingers until the kernel is done with its
     * memory; what the kernel opened for it meanwhile is closed then ({@link #abandon}), as beng-proxy's
     * cancelled {@code OpenStat} does.
     */
    void cancel() {
        answer.trySuccess(new Lookup.Busy("server shutting down", true));
    }

    /** The loop ended before this lookup's completion came: see {@link RingLookups}. Its memory stays. */
    void afterTheLoop() {
        cancel();
        if (fd >= 0) {
            NonBlockingOpen.close(fd);
            fd = -1;
        }
    }

    /** The completion of a cancelled lookup: whatever the kernel opened for it is closed, the rest given back. */
    private void abandon(int res) {
        if (stage == Stage.ROOT) {
            ring.rootOpened(root, res);
            return;
        }
        if (stage == Stage.OPEN && res >= 0) {
            fd = res;
        }
        answer(new Lookup.Busy("server shutting down", true));
    }

    private void free() {
        if (fd >= 0) {
            ring.close(fd);
            fd = -1;
        }
        if (body != null) {
            body.release();
            held.giveBack(info.length());
            body = null;
        }
        if (slot >= 0) {
            ring.giveBack(slot);
            slot = -1;
        }
        if (arena != null) {
            arena.close();
            arena = null;
            memory = null;
        }
    }

    /** A slot on the ring and an arena for the operation's memory; false when no slot is free. */
    private boolean claim() {
        slot = ring.take(this);
        if (slot < 0) {
            return false;
        }
        arena = Arena.ofConfined();
        return true;
    }

    /**
     * The memory of the next operation: open_how and the statx buffer zeroed, {@code path} NUL-terminated after
     * them. Only between operations: the one before it has completed, the kernel no longer reads the old one.
     */
    private void place(String path) {
        byte[] bytes = Libc.pathBytes(path);
        memory = arena.allocate(PATH + bytes.length + 1, 8);
        MemorySegment.copy(bytes, 0, memory, JAVA_BYTE, PATH, bytes.length);
    }

    private void submit(IoUringIoOps ops) {
        inFlight = ring.submit(ops);
        if (inFlight == 0) {
            // The ring no longer takes work: the loop is closing.
            abandon(-1);
        }
    }

    /** openat2(dirfd, path, how, sizeof how): fd, addr = path, len = size of open_how, off = open_how. */
    private IoUringIoOps openat2(int directory) {
        return new IoUringIoOps(RingLookups.IORING_OP_OPENAT2, (byte) 0, (short) 0, directory,
                memory.address() + HOW, memory.address() + PATH, (int) HOW_SIZE, 0, slot, (short) 0, (short) 0, 0, 0L);
    }

    /** statx(fd, "", flags, mask, buffer): addr = path, len = mask, off = buffer, statx_flags. */
    private IoUringIoOps statx(int flags) {
        return new IoUringIoOps(RingLookups.IORING_OP_STATX, (byte) 0, (short) 0, fd, memory.address() + STATX,
                EMPTY_PATH.address(), FileStat.WANTED, flags, slot, (short) 0, (short) 0, 0, 0L);
    }

    /**
     * read(fd, buffer, count, offset) of the rest of the body, into the direct buffer it will be held in, and
     * linked behind it ({@code IOSQE_IO_LINK}: the kernel starts it when the read is done, with no trip
     * through the loop) the statx ({@code AT_STATX_DONT_SYNC}) that checks the bytes are those of the
     * validators. The two are submitted together from the loop's thread, so nothing comes between them.
     */
    private void submitRead() {
        int at = body.writerIndex();
        int count = (int) info.length() - at;
        long address = MemorySegment.ofBuffer(body.nioBuffer(at, count)).address();
        inFlight = ring.submit(new IoUringIoOps(RingLookups.IORING_OP_READ, IOSQE_IO_LINK, (short) 0, fd, at, address,
                count, 0, slot, (short) 0, (short) 0, 0, 0L));
        if (inFlight == 0) {
            abandon(-1);
            return;
        }
        // The registration that took the read takes the statx: it only becomes invalid when this loop's
        // lookups have all come back (RingLookups.releaseIfIdle).
        checkInFlight = ring.submit(statx(AT_EMPTY_PATH | AT_STATX_DONT_SYNC));
    }
}
