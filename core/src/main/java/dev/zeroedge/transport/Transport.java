package dev.zeroedge.transport;

import dev.zeroedge.files.FileOpener;
import dev.zeroedge.files.FileWriter;
import dev.zeroedge.files.FileSystemPool;
import dev.zeroedge.mode.Mode;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;

/**
 * What a transport module provides: one zeroedge mode. Implementations are found with
 * {@link java.util.ServiceLoader} (see {@link Transports}); {@code core} never names a transport module.
 *
 * <p>A provider must be cheap to construct and must not touch native code in its constructor:
 * {@link #availability()} is where it finds out, and that never throws.
 */
public interface Transport {

    /** The mode this provider runs. */
    Mode mode();

    /**
     * Whether this mode can run here; when it cannot, the {@link Feature} that is missing and the cause. The
     * probe reads it too, so it names the finer feature when it knows (io_uring runs, splice does not).
     * Never throws.
     */
    Availability availability();

    /** The event loop's I/O handler. Only called when {@link #availability()} is available. */
    IoHandlerFactory ioHandlerFactory();

    /** The listening channel class that belongs to {@link #ioHandlerFactory()}. */
    Class<? extends ServerChannel> serverChannelClass();

    /**
     * The client channel class that belongs to {@link #ioHandlerFactory()}: connections a content source
     * opens itself (the edge cache's to its origin) run on the server's own event loops and transport.
     */
    Class<? extends io.netty.channel.socket.SocketChannel> socketChannelClass();

    /**
     * The one place that knows how a byte range of an open file goes out on this transport's channels.
     * {@code pool}: the file-system threads, for a sender that reads cold ranges off the loop itself
     * ({@link FileSender#sendCold}: epoll-copy preads them there, epoll-mmap maps and faults them in there).
     */
    FileSender fileSender(FileSystemPool pool);

    /**
     * Whether {@link #fileSender} reads the file's pages on the event loop (sendfile(2), the page faults of a
     * write from a mapping, a pread), so that a range not in the page cache would make the loop wait for the
     * disk: then the HTTP layer has such a range read on a file-system thread, in one pass, by what sends it
     * (see {@link dev.zeroedge.http.FairFileSender}). False for a sender whose reads the kernel does elsewhere
     * (io_uring's splice runs on io-wq workers).
     */
    default boolean readsFileOnEventLoop() {
        return true;
    }

    /**
     * The descriptors this transport holds per busy connection and per event loop, beyond a connection's
     * socket and its response's file: the server sizes its default connection limit from it.
     */
    DescriptorUse descriptors();

    /**
     * Milliseconds since the kernel last sent data of {@code channel}'s response on the wire (TCP_INFO
     * {@code tcpi_last_data_sent}), or -1 when this transport cannot tell or the kernel is retransmitting
     * after a timeout ({@code tcpi_retransmits}: a peer that is gone makes no progress, however often its
     * data is sent again). Not the backoff: that also counts the zero-window probes sent to a slow reader
     * whose window opens only when it has read half its buffer.
     *
     * <p>The send timeout asks it before closing, on the event loop. The kernel takes new bytes from a
     * writer only when a third of the socket's send buffer has drained, and on loopback that buffer grows to
     * 4 MiB: a client reading 20 KiB/s drains the 1.2 MB between two writes in about 60 s while it reads all
     * the time. What reaches the wire tells such a reader from one that stopped.
     */
    default long millisSinceDataSent(io.netty.channel.Channel channel) {
        return -1;
    }

    /**
     * How this mode opens and stats the document root's files without blocking an event loop. By default the
     * server's file-system threads do it; a transport with a ring of its own may do it there (and hand the
     * pool what it cannot do itself).
     */
    default FileOpener fileOpener(FileSystemPool pool) {
        return pool;
    }

    /**
     * How this mode writes bytes from the network into files (the edge cache's fills) without blocking an event
     * loop. By default the file's disk threads do it; a transport with a ring of its own may write there.
     */
    default FileWriter fileWriter(FileSystemPool pool) {
        return FileWriter.byThePool(pool);
    }

    /** Called once per accepted connection before the pipeline is built (socket options of this transport). */
    default void configureChild(io.netty.channel.Channel channel) {
    }
}
