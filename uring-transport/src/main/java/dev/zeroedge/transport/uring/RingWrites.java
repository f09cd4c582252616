package dev.zeroedge.transport.uring;

import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.uring.IoUringIoEvent;
import io.netty.channel.uring.IoUringIoOps;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The file writes of one io_uring event loop: one handle on the loop's ring, through which each write is an
 * {@code IORING_OP_WRITEV} tagged with its slot. A short write (the kernel may stop early, for instance at a
 * signal) is continued from where it stopped until every byte is in the file. Only ever used on its loop's
 * thread.
 *
 * <p>When the loop shuts down ({@link #close}) the writes in flight are cancelled and fail; each slot is given
 * back only when its completion has come, since until then the kernel may still read the iovecs it names. A
 * write whose completion never comes (the ring was destroyed first) keeps its iovecs for ever
 * ({@link #STILL_IN_KERNEL}).
 */
final class RingWrites implements RingHandles.Handle {

    /** Writes in flight per loop; one more goes to the file-system pool. */
    static final int SLOTS = 1024;
    /** Buffers in one write: a fill writes what one read of its origin brought, a few buffers at most. */
    static final int MAX_BUFFERS = 64;

    private static final byte IORING_OP_WRITEV = 2;
    private static final byte IORING_OP_ASYNC_CANCEL = 14;
    private static final short UNTRACKED = -1;
    private static final long IOVEC = 16;

    private static final int EINTR = 4;
    private static final int EAGAIN = 11;
    private static final int ECANCELED = 125;

    private static final Set<Write> STILL_IN_KERNEL = ConcurrentHashMap.newKeySet();

    private final IoEventLoop loop;
    private final Consumer<RingWrites> onClosed;
    private IoRegistration registration;
    private final Slots<Write> slots = new Slots<>(SLOTS);
    private boolean closing;

    RingWrites(IoEventLoop loop, Consumer<RingWrites> onClosed) {
        this.loop = loop;
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

    /** Writes {@code buffers} (direct) at {@code position} of {@code fd}; null when no slot is free. */
    Future<Void> write(int fd, ByteBuffer[] buffers, long position) {
        if (closing || slots.full()) {
            return null;
        }
        Write write = new Write(fd, buffers, position, loop.newPromise());
        short slot = slots.take(write);
        write.slot = slot;
        if (!write.submit()) {
            giveBack(slot);
            return null;
        }
        return write.promise;
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        IoUringIoEvent completion = (IoUringIoEvent) event;
        short slot = completion.data();
        Write write = slots.get(slot);
        if (write == null) {
            return;
        }
        STILL_IN_KERNEL.remove(write);
        write.completed(completion.res());
    }

    private void giveBack(short slot) {
        slots.giveBack(slot);
        if (closing && slots.empty() && registration.isValid()) {
            registration.cancel();
        }
    }

    /** The loop shuts down: what is in flight is cancelled, and fails when its completion comes. */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        onClosed.accept(this);
        for (Write write : slots.inUse()) {
            STILL_IN_KERNEL.add(write);
            registration.submit(new IoUringIoOps(IORING_OP_ASYNC_CANCEL, (byte) 0, (short) 0, -1, 0L,
                    write.inFlight, 0, 0, UNTRACKED, (short) 0, (short) 0, 0, 0L));
        }
        if (slots.empty()) {
            registration.cancel();
        }
    }

    /** The loop and its ring have ended: whoever still waits for a write hears that it failed. */
    private void afterTheLoop() {
        closing = true;
        onClosed.accept(this);
        for (Write write : slots.inUse()) {
            STILL_IN_KERNEL.add(write);
            write.promise.tryFailure(new IOException("write abandoned: the event loop ended"));
        }
    }

    private static IOException failure(int errno) {
        String what = switch (errno) {
            case 5 -> "Input/output error";
            case 9 -> "Bad file descriptor";
            case 27 -> "File too large";
            case 28 -> "No space left on device";
            case 30 -> "Read-only file system";
            case 122 -> "Disk quota exceeded";
            case ECANCELED -> "write cancelled: the server is shutting down";
            default -> "write failed: errno " + errno;
        };
        return new IOException(what);
    }

    /** One write: its iovecs in native memory, rewritten past what the kernel took when a write is short. */
    private final class Write {
        short slot;
        final int fd;
        final ByteBuffer[] buffers;
        final Promise<Void> promise;
        final MemorySegment iovecs;
        long position;
        long inFlight;

        Write(int fd, ByteBuffer[] buffers, long position, Promise<Void> promise) {
            this.fd = fd;
            this.buffers = buffers;
            this.position = position;
            this.promise = promise;
            this.iovecs = Arena.ofAuto().allocate(IOVEC * buffers.length, 8);
        }

        /** Submits what is left of the buffers; false when the ring no longer takes it. */
        boolean submit() {
            int count = 0;
            for (ByteBuffer buffer : buffers) {
                if (buffer.hasRemaining()) {
                    long address = MemorySegment.ofBuffer(buffer).address();
                    iovecs.set(ValueLayout.JAVA_LONG, count * IOVEC, address);
                    iovecs.set(ValueLayout.JAVA_LONG, count * IOVEC + 8, buffer.remaining());
                    count++;
                }
            }
            if (count == 0) {
                finish(null);
                return true;
            }
            inFlight = registration.isValid() ? registration.submit(new IoUringIoOps(IORING_OP_WRITEV, (byte) 0,
                    (short) 0, fd, position, iovecs.address(), count, 0, slot, (short) 0, (short) 0, 0, 0L)) : 0;
            return inFlight != 0;
        }

        void completed(int res) {
            inFlight = 0;
            if (res == -EINTR || res == -EAGAIN) {
                resubmit();
            } else if (res < 0) {
                finish(failure(-res));
            } else if (res == 0) {
                finish(new IOException("write made no progress at " + position));
            } else {
                position += res;
                long left = res;
                for (ByteBuffer buffer : buffers) {
                    int taken = (int) Math.min(left, buffer.remaining());
                    buffer.position(buffer.position() + taken);
                    left -= taken;
                }
                resubmit();
            }
        }

        private void resubmit() {
            if (closing) {
                finish(failure(ECANCELED));
            } else if (!submit()) {
                finish(new IOException("write abandoned: the ring takes no more operations"));
            }
        }

        /** Done, well (null) or not: the slot is free again, then the writer hears of it. */
        private void finish(IOException failure) {
            if (slots.get(slot) == this) {
                giveBack(slot);
            }
            if (failure == null) {
                promise.trySuccess(null);
            } else {
                promise.tryFailure(failure);
            }
        }
    }
}
