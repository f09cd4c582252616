package dev.zeroedge.transport.uring;

import dev.zeroedge.files.DocumentRoot;
import dev.zeroedge.files.FileInfo;
import dev.zeroedge.files.FileOpener;
import dev.zeroedge.files.FileSystemPool;
import dev.zeroedge.files.HeldBodies;
import dev.zeroedge.files.Lookup;
import io.netty.channel.IoEventLoop;
import io.netty.channel.uring.IoUringIoHandle;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;


/**
 * uring-splice's way to the disk: a name the open-file cache does not know is opened, stat'ed and (when
 * small) read through the asking event loop's own io_uring ring, and its answer completes on that loop
 * with no thread in between ({@link RingLookup} walks through one). Each loop gets one {@link RingLookups}
 * registered on its ring, lazily, the first time it asks.
 *
 * <p>What the ring does not do goes to the {@link FileSystemPool}, which answers the same question the same
 * way: a name whose path the kernel's {@code RESOLVE_BENEATH} refuses (an absolute symlink, one that climbs
 * out: the pool follows a link whose real target is inside the root, and refuses the rest), a loop that is
 * not an io_uring loop (a test's), and a loop that has {@link RingLookups#SLOTS} lookups in flight already.
 */
final class RingFileOpener implements FileOpener {

    private final FileSystemPool pool;
    private final RingHandles<RingLookups> rings;

    RingFileOpener(FileSystemPool pool) {
        this.pool = pool;
        this.rings = new RingHandles<>((loop, onClosed) -> new RingLookups(loop, pool, onClosed));
    }

    @Override
    public Future<Lookup> open(DocumentRoot root, String name, HeldBodies held, EventExecutor loop) {
        return lookUp(root, name, held, null, loop);
    }

    @Override
    public Future<Lookup> recheck(DocumentRoot root, String name, HeldBodies held, FileInfo known,
                                  EventExecutor loop) {
        return lookUp(root, name, held, known, loop);
    }

    private Future<Lookup> lookUp(DocumentRoot root, String name, HeldBodies held, FileInfo known,
                                  EventExecutor loop) {
        if (!(loop instanceof IoEventLoop ioLoop) || !ioLoop.isCompatible(IoUringIoHandle.class)) {
            return byThePool(root, name, held, known, loop);
        }
        if (!loop.inEventLoop()) {
            Promise<Lookup> answer = loop.newPromise();
            loop.execute(() -> RingLookup.relay(lookUp(root, name, held, known, loop), answer));
            return answer;
        }
        RingLookups ring = rings.of(ioLoop);
        return ring != null ? ring.lookUp(root, name, held, known) : byThePool(root, name, held, known, loop);
    }

    private Future<Lookup> byThePool(DocumentRoot root, String name, HeldBodies held, FileInfo known,
                                     EventExecutor loop) {
        return known == null ? pool.open(root, name, held, loop) : pool.recheck(root, name, held, known, loop);
    }
}
