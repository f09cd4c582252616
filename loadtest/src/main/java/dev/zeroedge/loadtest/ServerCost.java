package dev.zeroedge.loadtest;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * What a server process has spent so far, read from {@code /proc/PID}; the difference of two readings
 * is the cost of the phase between them.
 *
 * <ul>
 *   <li>CPU: utime + stime of {@code /proc/PID/stat}. The kernel sums there every thread of the process,
 *       living or exited, io_uring workers ({@code iou-wrk-*}, which belong to the thread group) included;
 *       a sum over {@code /proc/PID/task/*} alone would lose threads that exited during the phase. The
 *       per-task sum is kept too, as a cross-check ({@link #taskTicks}).</li>
 *   <li>Context switches: {@code voluntary_ctxt_switches} and {@code nonvoluntary_ctxt_switches} are per
 *       thread, so they are summed over {@code /proc/PID/task/*}/status (threads that exited during the
 *       phase are lost; the event loops live for the whole run).</li>
 *   <li>Peak RSS: {@code VmHWM} of {@code /proc/PID/status}, in KiB.</li>
 * </ul>
 *
 * @param ticks              utime + stime of the process, in clock ticks
 * @param taskTicks          utime + stime summed over the live tasks
 * @param voluntarySwitches  summed over tasks
 * @param involuntarySwitches summed over tasks
 * @param peakRssKib         VmHWM
 */
record ServerCost(long ticks, long taskTicks, long voluntarySwitches, long involuntarySwitches, long peakRssKib) {

    /** USER_HZ: 100 on every Linux architecture that matters; getconf says for sure. */
    static final long TICKS_PER_SECOND = ticksPerSecond();

    static ServerCost read(Path proc, long pid) throws IOException {
        Path dir = proc.resolve(Long.toString(pid));
        long ticks = cpuTicks(Files.readString(dir.resolve("stat")));
        long peak = statusField(Files.readString(dir.resolve("status")), "VmHWM");
        long taskTicks = 0;
        long voluntary = 0;
        long involuntary = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(dir.resolve("task"))) {
            for (Path task : tasks) {
                try {
                    taskTicks += cpuTicks(Files.readString(task.resolve("stat")));
                    String status = Files.readString(task.resolve("status"));
                    voluntary += statusField(status, "voluntary_ctxt_switches");
                    involuntary += statusField(status, "nonvoluntary_ctxt_switches");
                } catch (NoSuchFileException exited) {
                    // The thread ended between listing and reading: its CPU is in the process's stat.
                }
            }
        }
        return new ServerCost(ticks, taskTicks, voluntary, involuntary, peak);
    }

    /** The cost of the phase from {@code before} to this reading; peak RSS is this reading's. */
    ServerCost since(ServerCost before) {
        return new ServerCost(ticks - before.ticks, taskTicks - before.taskTicks,
                voluntarySwitches - before.voluntarySwitches, involuntarySwitches - before.involuntarySwitches,
                peakRssKib);
    }

    double cpuSeconds() {
        return (double) ticks / TICKS_PER_SECOND;
    }

    long contextSwitches() {
        return voluntarySwitches + involuntarySwitches;
    }

    /**
     * utime + stime (fields 14 and 15) of a {@code stat} line. The command name (field 2) is in
     * parentheses and may itself hold spaces and parentheses, so fields are counted after the last ')'.
     */
    static long cpuTicks(String stat) throws IOException {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IOException("not a /proc stat line: " + stat);
        }
        String[] fields = stat.substring(close + 2).trim().split(" ");
        // fields[0] is field 3 (state), so field n is fields[n - 3].
        if (fields.length < 13) {
            throw new IOException("stat line has too few fields: " + stat);
        }
        return Long.parseLong(fields[14 - 3]) + Long.parseLong(fields[15 - 3]);
    }

    /** The number of a {@code Name:\tvalue [kB]} line of a {@code status} file. */
    static long statusField(String status, String name) throws IOException {
        for (String line : status.split("\n")) {
            if (line.startsWith(name + ":")) {
                String value = line.substring(name.length() + 1).trim();
                int space = value.indexOf(' ');
                return Long.parseLong(space < 0 ? value : value.substring(0, space));
            }
        }
        throw new IOException("no " + name + " in status");
    }

    private static long ticksPerSecond() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(getconf.getInputStream().readAllBytes()).trim();
            return getconf.waitFor() == 0 ? Long.parseLong(out) : 100;
        } catch (IOException | NumberFormatException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
