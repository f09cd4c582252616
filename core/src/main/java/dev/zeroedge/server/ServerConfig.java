package dev.zeroedge.server;

import dev.zeroedge.files.FileSystemPool;
import dev.zeroedge.files.OpenFileCache;
import dev.zeroedge.http.HttpLimits;
import dev.zeroedge.http.FairFileSender;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything a server is started with, except its transport.
 *
 * @param eventLoops    event-loop threads; 0 means one per available processor
 * @param maxSlice      the largest piece of a body handed to the transport at once (fairness)
 * @param inlineBodyMax the largest body read into the head's buffer and sent with it in one write
 *                      (0: every body goes through the transport's sender); see {@link FairFileSender}
 * @param gracePeriod   how long shutdown lets responses in flight finish
 * @param openFileCache how many resolved, open files are kept (0: none); see {@link OpenFileCache}
 * @param openFileCacheValid how long a cached file is trusted before its path is checked again
 * @param openFileCacheInactive how long a cached file may go unused before it is closed
 * @param sendBuffer    SO_SNDBUF of each connection in bytes; 0 leaves it to the kernel's autotuning
 * @param fileSystemThreads the threads per disk that wait for it instead of the event loops; see {@link FileSystemPool}
 * @param fileSystemQueue   how much work may wait per disk before requests for that disk get 503
 */
public record ServerConfig(Path root, InetSocketAddress bind, boolean serveDotfiles, HttpLimits limits,
                           long maxSlice, int inlineBodyMax, int eventLoops, Duration gracePeriod, int openFileCache,
                           Duration openFileCacheValid, Duration openFileCacheInactive, int sendBuffer,
                           int fileSystemThreads, int fileSystemQueue) {

    public static ServerConfig of(Path root, InetSocketAddress bind) {
        return new ServerConfig(root, bind, false, HttpLimits.DEFAULTS, FairFileSender.DEFAULT_MAX_SLICE,
                FairFileSender.DEFAULT_INLINE_BODY_MAX, 0,
                Duration.ofSeconds(10), OpenFileCache.DEFAULT_CAPACITY, OpenFileCache.DEFAULT_VALID,
                OpenFileCache.DEFAULT_INACTIVE, 0, FileSystemPool.DEFAULT_THREADS, FileSystemPool.DEFAULT_QUEUE);
    }

    /**
     * The event loops a server started with {@code eventLoops} runs: 0 means one per processor the process
     * may run on, like nginx's {@code worker_processes auto}. (Netty's own default is two per processor: on
     * a server pinned to one CPU, two loops take turns on it.)
     */
    public static int eventLoopsFor(int eventLoops) {
        return eventLoops > 0 ? eventLoops : Runtime.getRuntime().availableProcessors();
    }

    /**
     * This configuration with what a running server can take from {@code next} without a restart (see
     * {@link ZeroedgeServer#reconfigure}): the HTTP limits, the connection limit among them, the open-file
     * cache's validity and inactivity, and the grace period. The rest (socket, loops, mode, root, pool, cache
     * size, the sender's slicing) was built into the running server at its start and stays this one's.
     */
    public ServerConfig withLiveSettingsOf(ServerConfig next) {
        return withLimits(next.limits)
                .withOpenFileCache(openFileCache, next.openFileCacheValid)
                .withOpenFileCacheInactive(next.openFileCacheInactive)
                .withGracePeriod(next.gracePeriod);
    }

    public ServerConfig withLimits(HttpLimits newLimits) {
        return new ServerConfig(root, bind, serveDotfiles, newLimits, maxSlice, inlineBodyMax, eventLoops,
                gracePeriod, openFileCache, openFileCacheValid, openFileCacheInactive, sendBuffer,
                fileSystemThreads, fileSystemQueue);
    }

    public ServerConfig withMaxSlice(long newMaxSlice) {
        return new ServerConfig(root, bind, serveDotfiles, limits, newMaxSlice, inlineBodyMax, eventLoops,
                gracePeriod, openFileCache, openFileCacheValid, openFileCacheInactive, sendBuffer,
                fileSystemThreads, fileSystemQueue);
    }

    public ServerConfig withInlineBodyMax(int newInlineBodyMax) {
        return new ServerConfig(root, bind, serveDotfiles, limits, maxSlice, newInlineBodyMax, eventLoops,
                gracePeriod, openFileCache, openFileCacheValid, openFileCacheInactive, sendBuffer,
                fileSystemThreads, fileSystemQueue);
    }

    public ServerConfig withEventLoops(int newEventLoops) {
        return new ServerConfig(root, bind, serveDotfiles, limits, maxSlice, inlineBodyMax, newEventLoops,
                gracePeriod, openFileCache, openFileCacheValid, openFileCacheInactive, sendBuffer,
                fileSystemThreads, fileSystemQueue);
    }

    public ServerConfig withServeDotfiles(boolean serve) {
        return new ServerConfig(root, bind, serve, limits, maxSlice, inlineBodyMax, eventLoops,
                gracePeriod, openFileCache, openFileCacheValid, openFileCacheInactive, sendBuffer,
                fileSystemThreads, fileSystemQueue);
    }

    public ServerConfig withOpenFileCache(int capacity, Duration valid) {
        return new ServerConfig(root, bind, serveDotfiles, limits, maxSlice, inlineBodyMax, eventLoops,
                gracePeriod, capacity, valid, openFileCacheInactive, sendBuffer,
                fileSystemThreads, fileSystemQueue);
    }

    public ServerConfig withOpenFileCacheInactive(Duration inactive) {
        return new ServerConfig(root, bind, serveDotfiles, limits, maxSlice, inlineBodyMax, eventLoops,
                gracePeriod, openFileCache, openFileCacheValid, inactive, sendBuffer, fileSystemThreads, fileSystemQueue);
    }

    public ServerConfig withGracePeriod(Duration grace) {
        return new ServerConfig(root, bind, serveDotfiles, limits, maxSlice, inlineBodyMax, eventLoops,
                grace, openFileCache, openFileCacheValid, openFileCacheInactive, sendBuffer,
                fileSystemThreads, fileSystemQueue);
    }

    public ServerConfig withSendBuffer(int bytes) {
        return new ServerConfig(root, bind, serveDotfiles, limits, maxSlice, inlineBodyMax, eventLoops,
                gracePeriod, openFileCache, openFileCacheValid, openFileCacheInactive, bytes,
                fileSystemThreads, fileSystemQueue);
    }

    public ServerConfig withFileSystemPool(int threads, int queue) {
        return new ServerConfig(root, bind, serveDotfiles, limits, maxSlice, inlineBodyMax, eventLoops,
                gracePeriod, openFileCache, openFileCacheValid, openFileCacheInactive, sendBuffer, threads, queue);
    }
}
