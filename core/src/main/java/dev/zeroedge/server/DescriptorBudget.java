package dev.zeroedge.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * How many connections the process's open-file limit can hold. Every connection is a socket descriptor;
 * besides them the server holds up to {@code --open-file-cache} open files and a spare for everything
 * else: the JVM's own files, the listening socket, each event loop's ring or epoll descriptors, pooled
 * pipes ({@code uring-splice} keeps up to 64 idle pipes, 128 descriptors, per loop) and what responses
 * in flight hold for a moment (a pipe and a dup of the socket on {@code uring-splice}). A connection past
 * the limit gets a 503 from {@link ConnectionLimit}; a descriptor past the open-file limit would instead
 * fail an accept or a response with EMFILE, so the default keeps connections within the budget.
 *
 * @param openFileLimit the soft RLIMIT_NOFILE of this process (the JVM raises it to the hard limit at
 *                      startup, so it is read from the running process, not from the shell's {@code ulimit})
 * @param openFileCache the open-file cache's capacity
 * @param eventLoops    event-loop threads of the server
 */
public record DescriptorBudget(long openFileLimit, int openFileCache, int eventLoops) {

    static final int SPARE = 512;
    static final int SPARE_PER_EVENT_LOOP = 256;
    /** The default never goes past this, however high the limit (nr_open allows a billion). */
    static final int MOST_CONNECTIONS = 1_000_000;

    public DescriptorBudget {
        if (openFileLimit < 1 || openFileCache < 0 || eventLoops < 1) {
            throw new IllegalArgumentException("limit " + openFileLimit + ", cache " + openFileCache
                    + ", loops " + eventLoops);
        }
    }

    /** Descriptors kept for what is not a connection or a cached file. */
    public long spare() {
        return SPARE + (long) SPARE_PER_EVENT_LOOP * eventLoops;
    }

    /**
     * The default {@code --max-connections}: what is left of the limit after the cache and the spare. When
     * that is less than a quarter of the limit (a small limit, a large cache), a quarter of the limit: the
     * server still runs, and {@link #fits} is false, which the launcher warns about.
     */
    public int connections() {
        long left = openFileLimit - openFileCache - spare();
        return (int) Math.min(MOST_CONNECTIONS, Math.max(left, Math.max(1, openFileLimit / 4)));
    }

    /** Whether {@code connections}, the full cache and the spare fit the limit together. */
    public boolean fits(long connections) {
        return connections + openFileCache + spare() <= openFileLimit;
    }

    /** {@code open-file limit 20000 - open-file cache 4096 - 1024 spare (2 event loops)}: the default's arithmetic. */
    public String arithmetic() {
        return "open-file limit " + openFileLimit + " - open-file cache " + openFileCache + " - " + spare()
                + " spare (" + eventLoops + " event loop" + (eventLoops == 1 ? "" : "s") + ")";
    }

    /** This process's soft open-file limit, from {@code /proc/self/limits}; empty where it cannot be read. */
    public static OptionalLong openFileLimitOfThisProcess() {
        try {
            return openFileLimit(Files.readString(Path.of("/proc/self/limits")));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * The soft limit of the {@code Max open files} line of a {@code /proc/PID/limits} text, e.g.
     * {@code Max open files            20000                20000                files}; empty when the
     * line is missing or says {@code unlimited}.
     */
    static OptionalLong openFileLimit(String limits) {
        for (String line : limits.split("\n")) {
            if (line.startsWith("Max open files")) {
                String[] fields = line.substring("Max open files".length()).trim().split("\\s+");
                try {
                    long soft = Long.parseLong(fields[0]);
                    return soft > 0 ? OptionalLong.of(soft) : OptionalLong.empty();
                } catch (NumberFormatException unlimited) {
                    return OptionalLong.empty();
                }
            }
        }
        return OptionalLong.empty();
    }
}
