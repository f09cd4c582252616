package dev.zeroedge.server;

import dev.zeroedge.mode.Mode;
import dev.zeroedge.transport.DescriptorUse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * How many connections the process's open-file limit can hold when every one of them is busy. A busy
 * connection holds its socket, the file its response sends from (its own descriptor when the file is not
 * one the open-file cache keeps open), and what the transport of the chosen mode adds while a slice is on
 * its way ({@link DescriptorUse}: a dup of the socket and a pipe on {@code uring-splice}, nothing on the
 * sendfile, mmap and copy modes). Besides them the server holds up to {@code --open-file-cache} open files,
 * what each event loop keeps (its epoll or ring, pooled pipes) and a spare for everything else: the JVM's
 * own files, the listening socket, refused connections on their way out.
 *
 * <p>Within the budget the server degrades by refusing connection N+1 with a 503 ({@link ConnectionLimit});
 * past it a descriptor runs out instead, and an accept stalls or a response fails with EMFILE. So the
 * default keeps the worst case, every connection busy with a file outside the cache, inside the limit.
 *
 * @param openFileLimit the soft RLIMIT_NOFILE of this process (the JVM raises it to the hard limit at
 *                      startup, so it is read from the running process, not from the shell's {@code ulimit})
 * @param openFileCache the open-file cache's capacity
 * @param eventLoops    event-loop threads of the server
 * @param mode          the mode chosen, for the startup line
 * @param transport     what that mode's transport holds
 */
public record DescriptorBudget(long openFileLimit, int openFileCache, int eventLoops, Mode mode,
                               DescriptorUse transport) {

    /** The JVM's own files, the listening socket, the log, refused connections on their way out. */
    static final int SPARE = 512;
    /** A busy connection's own: its socket and its response's file. */
    static final int PER_CONNECTION = 2;
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
        return SPARE + (long) transport.perEventLoop() * eventLoops;
    }

    /** Descriptors one busy connection may hold. */
    public int perConnection() {
        return PER_CONNECTION + transport.perBusyConnection();
    }

    /**
     * The default {@code --max-connections}: what is left of the limit after the cache and the spare, divided
     * among busy connections. When that is less than a quarter of the limit's worth (a small limit, a large
     * cache), a quarter: the server still runs, and {@link #fits} is false, which the launcher warns about.
     */
    public int connections() {
        long left = (openFileLimit - openFileCache - spare()) / perConnection();
        long quarter = Math.max(1, openFileLimit / 4 / perConnection());
        return (int) Math.min(MOST_CONNECTIONS, Math.max(left, quarter));
    }

    /** The most descriptors {@code connections}, all busy, the full cache and the spare hold together. */
    public long descriptors(long connections) {
        return connections * perConnection() + openFileCache + spare();
    }

    /** Whether {@code connections}, all busy, the full cache and the spare fit the limit together. */
    public boolean fits(long connections) {
        return descriptors(connections) <= openFileLimit;
    }

    /**
     * The default's arithmetic, e.g. {@code uring-splice: (open-file limit 20000 - open-file cache 4096 - 772
     * spare (2 event loops)) / 5 per busy connection (socket, file, a dup of the socket, a pipe)}.
     */
    public String arithmetic() {
        return mode + ": (open-file limit " + openFileLimit + " - open-file cache " + openFileCache + " - " + spare()
                + " spare (" + eventLoops + " event loop" + (eventLoops == 1 ? "" : "s") + ")) / " + perConnection()
                + " per busy connection (" + holdings() + ")";
    }

    /** {@code socket, file} and what the transport adds. */
    public String holdings() {
        return transport.what().isEmpty() ? "socket, file" : "socket, file, " + transport.what();
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
