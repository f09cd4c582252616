package dev.zeroedge.transport.uring;

import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.uring.IoUringIoHandle;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * One handle of a kind on each io_uring loop's ring ({@link RingLookups}, {@link RingWrites}), made and
 * registered the first time the loop asks for it on its own thread, and forgotten when it closes with its loop.
 */
final class RingHandles<H extends RingHandles.Handle> {

    /** A handle that learns its registration once it has one. */
    interface Handle extends IoUringIoHandle {
        void registered(IoRegistration registration);
    }

    private final ConcurrentMap<EventExecutor, H> handles = new ConcurrentHashMap<>();
    /** Makes a loop's handle, given what it calls when it closes. */
    private final BiFunction<IoEventLoop, Consumer<H>, H> make;

    RingHandles(BiFunction<IoEventLoop, Consumer<H>, H> make) {
        this.make = make;
    }

    /** The loop's handle, registered on its ring the first time; null when the loop no longer takes handles. */
    H of(IoEventLoop loop) {
        H handle = handles.get(loop);
        if (handle != null || loop.isShuttingDown()) {
            return handle;
        }
        handle = make.apply(loop, closed -> handles.remove(loop, closed));
        Future<IoRegistration> registered = loop.register(handle);
        if (!registered.isDone() || !registered.isSuccess()) {
            registered.cancel(false);
            return null;
        }
        handle.registered(registered.getNow());
        handles.put(loop, handle);
        return handle;
    }
}
