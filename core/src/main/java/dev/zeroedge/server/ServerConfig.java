package dev.zeroedge.server;

import dev.zeroedge.files.OpenFileCache;
import dev.zeroedge.http.HttpLimits;
import dev.zeroedge.transport.FairFileSender;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything a server is started with, except its transport.
 *
 * @param eventLoops    event-loop threads; 0 means Netty's default (two per available processor)
 * @param maxSlice      the largest piece of a body handed to the transport at once (fairness)
 * @param gracePeriod   how long shutdown lets responses in flight finish
 * @param openFileCache how many resolved, open files are kept (0: none); see {@link OpenFileCache}
 * @param openFileCacheValid how long a cached file is trusted before its path is checked again
 */
public record ServerConfig(Path root, InetSocketAddress bind, boolean serveDotfiles, HttpLimits limits,
                           long maxSlice, int eventLoops, Duration gracePeriod, int openFileCache,
                           Duration openFileCacheValid) {

    public static ServerConfig of(Path root, InetSocketAddress bind) {
        return new ServerConfig(root, bind, false, HttpLimits.DEFAULTS, FairFileSender.DEFAULT_MAX_SLICE, 0,
                Duration.ofSeconds(10), OpenFileCache.DEFAULT_CAPACITY, OpenFileCache.DEFAULT_VALID);
    }

    public ServerConfig withLimits(HttpLimits newLimits) {
        return new ServerConfig(root, bind, serveDotfiles, newLimits, maxSlice, eventLoops,
                gracePeriod, openFileCache, openFileCacheValid);
    }

    public ServerConfig withMaxSlice(long newMaxSlice) {
        return new ServerConfig(root, bind, serveDotfiles, limits, newMaxSlice, eventLoops,
                gracePeriod, openFileCache, openFileCacheValid);
    }

    public ServerConfig withEventLoops(int newEventLoops) {
        return new ServerConfig(root, bind, serveDotfiles, limits, maxSlice, newEventLoops,
                gracePeriod, openFileCache, openFileCacheValid);
    }

    public ServerConfig withServeDotfiles(boolean serve) {
        return new ServerConfig(root, bind, serve, limits, maxSlice, eventLoops,
                gracePeriod, openFileCache, openFileCacheValid);
    }

    public ServerConfig withOpenFileCache(int capacity, Duration valid) {
        return new ServerConfig(root, bind, serveDotfiles, limits, maxSlice, eventLoops,
                gracePeriod, capacity, valid);
    }

    public ServerConfig withGracePeriod(Duration grace) {
        return new ServerConfig(root, bind, serveDotfiles, limits, maxSlice, eventLoops,
                grace, openFileCache, openFileCacheValid);
    }
}
