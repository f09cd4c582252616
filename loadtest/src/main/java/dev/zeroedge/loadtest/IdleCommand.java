package dev.zeroedge.loadtest;

import dev.zeroedge.cli.Flags;
import dev.zeroedge.cli.UsageException;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code idle}: what idle keep-alive connections cost a server, and whether a small request is still answered
 * quickly while they are open. For each mode and repetition (modes interleaved, so machine noise falls on
 * all of them): a fresh server; a warm-up load; the server's memory and descriptors; {@code --idle}
 * connections that each fetch the 1 KiB file once and then stay open ({@link IdleConnections}); memory
 * and descriptors again; an open-loop 1 KiB load at {@code --rate} measured from each request's intended
 * start; memory again; then the idle connections close and the server's descriptors must come back to
 * where they were before.
 */
final class IdleCommand {

    private static final Set<String> VALUED = Set.of("server-jar", "modes", "reps", "idle", "rate", "connections",
            "duration", "warmup", "root", "server-cpus", "client-cpus", "threads", "parallel", "out", "timeout", "jvm-flags");
    private static final Pattern MODE_LINE = Pattern.compile(" zeroedge - mode (\\S+) \\(");
    /** A stop-the-world pause as {@code -Xlog:gc} writes it: {@code [9.349s][info][gc] GC(3) Pause Young ... 81.264ms}. */
    private static final Pattern GC_PAUSE = Pattern.compile("\\[gc\\] GC\\(\\d+\\) Pause .* (\\d+\\.\\d+)ms$", Pattern.MULTILINE);
    private static final Path PROC = Path.of("/proc");
    /** Longer than uring-splice's linger of the socket's dup (1 s), so what is measured is the idle state. */
    private static final Duration SETTLE = Duration.ofMillis(1500);

    private final PrintStream out;

    private IdleCommand(PrintStream out) {
        this.out = out;
    }

    /**
     * A server's memory and descriptors at one moment, from {@code /proc/PID}: sockets, pipes (uring-splice
     * pools up to 64 idle pipes per event loop, so their count may stay higher after a burst) and the rest.
     */
    record Footprint(long rssKib, long hwmKib, long sockets, long pipes, long others) {

        static Footprint read(long pid) throws IOException {
            Path dir = PROC.resolve(Long.toString(pid));
            String status = Files.readString(dir.resolve("status"));
            long sockets = 0;
            long pipes = 0;
            long others = 0;
            try (Stream<Path> fds = Files.list(dir.resolve("fd"))) {
                for (Path fd : fds.toList()) {
                    String target;
                    try {
                        target = Files.readSymbolicLink(fd).toString();
                    } catch (IOException closedMeanwhile) {
                        continue;
                    }
                    if (target.startsWith("socket:")) {
                        sockets++;
                    } else if (target.startsWith("pipe:")) {
                        pipes++;
                    } else {
                        others++;
                    }
                }
            }
            return new Footprint(ServerCost.statusField(status, "VmRSS"), ServerCost.statusField(status, "VmHWM"),
                    sockets, pipes, others);
        }

        long descriptors() {
            return sockets + pipes + others;
        }

        double rssMib() {
            return rssKib / 1024.0;
        }

        double hwmMib() {
            return hwmKib / 1024.0;
        }
    }

    /** One repetition of one mode. */
    record Run(String asked, String mode, int rep, int idle, long idleOpen, long idleErrors, long closedByServer,
               double openSeconds, Footprint before, Footprint withIdle, Footprint afterLoad, Footprint afterClose,
               Measurement load, List<Double> gcPausesInLoad) {

        double gcPauseMaxMs() {
            return gcPausesInLoad.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        }

        double kibPerIdleConnection() {
            return (double) (withIdle.rssKib - before.rssKib) / idle;
        }

        double ms(double percentile) {
            return load.histogram().getValueAtPercentile(percentile) / 1e6;
        }

        double maxMs() {
            return load.histogram().getMaxValue() / 1e6;
        }

        /** Failed load requests, idle connections that failed to get their answer, and ones the server closed. */
        long errors() {
            return load.errorCount() + idleErrors + closedByServer;
        }

        /** Whether the server's sockets and files came back to where they were before the idle connections. */
        boolean descriptorsBack() {
            return afterClose.sockets <= before.sockets && afterClose.others <= before.others;
        }
    }

    static int run(String[] args, PrintStream out) throws UsageException, IOException, InterruptedException {
        return new IdleCommand(out).measure(Flags.parse(args, 1, VALUED, Set.of()));
    }

    private int measure(Flags flags) throws UsageException, IOException, InterruptedException {
        Path serverJar = Path.of(flags.required("server-jar"));
        if (!Files.isRegularFile(serverJar)) {
            throw new UsageException("--server-jar " + serverJar + " does not exist (build it: mvn -pl server -am package)");
        }
        List<String> modes = Arrays.asList(flags.string("modes", "auto,epoll-sendfile").split(","));
        int reps = flags.integer("reps", 3, 1, 100);
        int idle = flags.integer("idle", 10_000, 1, 1_000_000);
        long rate = flags.has("rate") ? RequestRate.of(flags, "rate") : 5000;
        if (rate == 0) {
            throw new UsageException("--rate must be a number of requests per second: the load is an open loop");
        }
        int connections = flags.integer("connections", 32, 1, 10_000);
        Duration duration = flags.duration("duration", Duration.ofSeconds(10));
        Duration warmup = flags.durationOrZero("warmup", Duration.ofSeconds(3));
        Duration timeout = flags.duration("timeout", Duration.ofSeconds(10));
        int parallel = flags.integer("parallel", 64, 1, 10_000);
        String serverCpus = flags.string("server-cpus", null);
        String clientCpus = flags.string("client-cpus", null);
        int threads = flags.integer("threads", clientCpus == null ? 1 : CompareCommand.cpuCount(clientCpus), 1, 1024);
        Path outDir = flags.has("out") ? Path.of(flags.string("out", null)) : null;
        List<String> jvmFlags = flags.string("jvm-flags", "").isBlank() ? List.of()
                : List.of(flags.string("jvm-flags", "").trim().split("\\s+"));
        boolean ownCorpus = !flags.has("root");
        Corpus corpus = new Corpus(ownCorpus ? Files.createTempDirectory("zeroedge-idle") : Path.of(flags.string("root", null)));
        if (outDir != null) {
            Files.createDirectories(outDir);
        }
        List<Run> runs = new ArrayList<>();
        try {
            corpus.ensure(List.of("1k"));
            if (clientCpus != null) {
                CompareCommand.pinThisProcess(clientCpus);
            }
            out.printf(Locale.ROOT, "idle: %d idle connections, then %d req/s of 1k for %d s over %d connections; "
                            + "server CPU %s, client CPU %s; server JVM flags: %s; %s%n", idle, rate, duration.toSeconds(),
                    connections, serverCpus == null ? "unpinned" : serverCpus, clientCpus == null ? "unpinned" : clientCpus,
                    jvmFlags.isEmpty() ? "none" : String.join(" ", jvmFlags), Instant.now());
            try (LoadGenerator generator = new LoadGenerator(threads)) {
                for (int rep = 1; rep <= reps; rep++) {
                    for (String mode : modes) {
                        Path log = outDir != null ? outDir.resolve(mode + "_" + rep + ".server.log")
                                : Files.createTempFile("zeroedge-idle-" + mode, ".log");
                        try {
                            Run run = once(generator, serverJar, jvmFlags, corpus, mode, rep, idle, rate, connections, duration,
                                    warmup, timeout, parallel, serverCpus, log);
                            runs.add(run);
                            print(run);
                            if (outDir != null) {
                                PercentileCurve.writeHgrm(run.load().histogram(),
                                        outDir.resolve(mode + "_" + rep + "_idle" + idle + ".hgrm"));
                            }
                        } finally {
                            if (outDir == null) {
                                Files.deleteIfExists(log);
                            }
                        }
                    }
                }
            }
        } finally {
            if (ownCorpus) {
                corpus.delete();
            }
        }
        String table = summary(runs, modes);
        out.println();
        out.print(table);
        if (outDir != null) {
            Files.writeString(outDir.resolve("summary.md"), table);
        }
        return runs.stream().anyMatch(r -> r.errors() > 0 || !r.descriptorsBack()) ? 1 : 0;
    }

    /** {@code -Xlog:gc} to the server's log first, so pauses during the load can be told apart from the rest. */
    private static List<String> withGcLog(List<String> jvmFlags) {
        List<String> flags = new ArrayList<>();
        flags.add("-Xlog:gc:stdout");
        flags.addAll(jvmFlags);
        return flags;
    }

    private Run once(LoadGenerator generator, Path serverJar, List<String> jvmFlags, Corpus corpus, String asked, int rep, int idle, long rate,
                     int connections, Duration duration, Duration warmup, Duration timeout, int parallel,
                     String serverCpus, Path log) throws IOException, InterruptedException {
        try (ServerProcess server = ServerProcess.start(serverJar, withGcLog(jvmFlags), asked, corpus.dir(), 0, serverCpus, log)) {
            InetSocketAddress address = server.awaitReady(Duration.ofSeconds(30));
            Matcher modeLine = MODE_LINE.matcher(Files.readString(log));
            String mode = modeLine.find() ? modeLine.group(1) : asked;
            Target target = new Target(asked, address, "/", server.pid());
            Workload oneK = new Workload.WholeFile("1k", null).prepare(corpus, target.hostHeader(), "/");

            try (LoadRun warm = generator.start(target, oneK, rate, connections, timeout, Integer.MAX_VALUE)) {
                Thread.sleep(warmup.toMillis());
            }
            // However slow the machine made the warm-up, the server has answered for 1k.bin once before the
            // baseline is counted: its open-file cache holds it, so "back to the baseline" compares like with like.
            fetchOnce(address, "/1k.bin");
            Footprint before = settled(server.pid());

            long opening = System.nanoTime();
            try (IdleConnections idling = generator.idle(target, oneK.next(null), idle, parallel)) {
                if (!idling.awaitIdle(Duration.ofMinutes(2))) {
                    out.println("  " + idle + " idle connections not all answered within 2 minutes");
                }
                double openSeconds = (System.nanoTime() - opening) / 1e9;
                if (idling.firstError() != null) {
                    out.println("  first idle connection error: " + idling.firstError());
                }
                Thread.sleep(SETTLE.toMillis());
                Footprint withIdle = Footprint.read(server.pid());

                Measurement load;
                List<Double> gcPauses;
                try (LoadRun measured = generator.start(target, oneK, rate, connections, timeout, 100)) {
                    Thread.sleep(500); // its connections are made before the measured phase
                    int pausesBefore = gcPauses(log).size();
                    load = measured.measure(duration, null);
                    List<Double> all = gcPauses(log);
                    gcPauses = List.copyOf(all.subList(pausesBefore, all.size()));
                }
                Footprint afterLoad = Footprint.read(server.pid());
                long idleOpen = idling.idle();
                long idleErrors = idling.errors();
                long closedByServer = idling.closedByServer();
                idling.close();
                Footprint afterClose = awaitDescriptors(server.pid(), before, Duration.ofSeconds(10));
                return new Run(asked, mode, rep, idle, idleOpen, idleErrors, closedByServer, openSeconds, before,
                        withIdle, afterLoad, afterClose, load, gcPauses);
            }
        }
    }

    /** One GET on a connection of its own, read to its close: the server has answered it when this returns. */
    private static void fetchOnce(InetSocketAddress address, String path) throws IOException {
        try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + address.getHostString()
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String head = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            if (!head.startsWith("HTTP/1.1 200 ")) {
                throw new IOException("GET " + path + " after the warm-up: " + head.lines().findFirst().orElse("no answer"));
            }
        }
    }

    /** The GC pauses the server has logged so far, in ms (the server runs with {@code -Xlog:gc}). */
    private static List<Double> gcPauses(Path log) throws IOException {
        List<Double> pauses = new ArrayList<>();
        Matcher pause = GC_PAUSE.matcher(Files.readString(log));
        while (pause.find()) {
            pauses.add(Double.parseDouble(pause.group(1)));
        }
        return pauses;
    }

    /**
     * The footprint once the server has closed what the warm-up's clients closed: its descriptors have not
     * changed for {@link #SETTLE} (on a loaded machine a loop may take a while to see the last closes), or
     * after ten seconds whatever it is.
     */
    private static Footprint settled(long pid) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        Footprint last = Footprint.read(pid);
        long stableSince = System.nanoTime();
        while (System.nanoTime() - stableSince < SETTLE.toNanos() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            Footprint now = Footprint.read(pid);
            if (now.sockets() != last.sockets() || now.others() != last.others()) {
                stableSince = System.nanoTime();
            }
            last = now;
        }
        return last;
    }

    /** Waits for the server's sockets and files to come back to {@code baseline}'s; returns the last footprint. */
    private static Footprint awaitDescriptors(long pid, Footprint baseline, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Footprint now = Footprint.read(pid);
        while ((now.sockets() > baseline.sockets() || now.others() > baseline.others()) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            now = Footprint.read(pid);
        }
        return now;
    }

    private void print(Run r) {
        out.printf(Locale.ROOT, "%s%s rep %d: %d idle (%d open, %d errors, %d closed by server; opened in %.1f s)"
                        + "  RSS MiB %s -> %s idle -> %s after load (HWM %s)  %.2f KiB/idle conn"
                        + "  sockets %d -> %d idle -> %d closed, pipes %d -> %d -> %d, other fds %d -> %d -> %d  1k p50 %s p99 %s p99.9 %s max %s ms  %s req/s  errors %s"
                        + "  GC pauses in the load: %d, longest %s ms%n",
                r.asked(), r.asked().equals(r.mode()) ? "" : " (" + r.mode() + ")", r.rep(), r.idle(), r.idleOpen(),
                r.idleErrors(), r.closedByServer(), r.openSeconds(),
                figure(r.before().rssMib()), figure(r.withIdle().rssMib()), figure(r.afterLoad().rssMib()),
                figure(r.afterLoad().hwmMib()), r.kibPerIdleConnection(),
                r.before().sockets(), r.withIdle().sockets(), r.afterClose().sockets(),
                r.before().pipes(), r.withIdle().pipes(), r.afterClose().pipes(),
                r.before().others(), r.withIdle().others(), r.afterClose().others(),
                figure(r.ms(50)), figure(r.ms(99)), figure(r.ms(99.9)), figure(r.maxMs()),
                figure(r.load().requestsPerSecond()), r.load().errorSummary(), r.gcPausesInLoad().size(),
                figure(r.gcPauseMaxMs()));
    }

    /** One row per mode: the median of the repetitions and, in parentheses, their min–max. */
    static String summary(List<Run> runs, List<String> modes) {
        Map<String, ToDoubleFunction<Run>> columns = new LinkedHashMap<>();
        columns.put("RSS before MiB", r -> r.before().rssMib());
        columns.put("RSS idle MiB", r -> r.withIdle().rssMib());
        columns.put("RSS after load MiB", r -> r.afterLoad().rssMib());
        columns.put("HWM MiB", r -> r.afterLoad().hwmMib());
        columns.put("KiB/idle conn", Run::kibPerIdleConnection);
        columns.put("fds idle - before", r -> r.withIdle().descriptors() - r.before().descriptors());
        columns.put("sockets+files closed - before", r -> r.afterClose().sockets() + r.afterClose().others()
                - r.before().sockets() - r.before().others());
        columns.put("pipes idle", r -> r.withIdle().pipes());
        columns.put("p50 ms", r -> r.ms(50));
        columns.put("p99 ms", r -> r.ms(99));
        columns.put("p99.9 ms", r -> r.ms(99.9));
        columns.put("max ms", Run::maxMs);
        columns.put("req/s", r -> r.load().requestsPerSecond());
        columns.put("errors", r -> r.errors());
        columns.put("GC pauses in load", r -> r.gcPausesInLoad().size());
        columns.put("longest GC pause ms", Run::gcPauseMaxMs);
        StringBuilder table = new StringBuilder("| mode | runs | idle |");
        columns.keySet().forEach(name -> table.append(' ').append(name).append(" |"));
        table.append("\n|---|---:|---:|").append("---:|".repeat(columns.size())).append('\n');
        for (String asked : modes) {
            List<Run> ofMode = runs.stream().filter(r -> r.asked().equals(asked)).toList();
            if (ofMode.isEmpty()) {
                continue;
            }
            Run first = ofMode.getFirst();
            table.append("| ").append(asked.equals(first.mode()) ? asked : asked + " (" + first.mode() + ")")
                    .append(" | ").append(ofMode.size()).append(" | ").append(first.idle()).append(" |");
            for (ToDoubleFunction<Run> column : columns.values()) {
                double[] values = ofMode.stream().mapToDouble(column).sorted().toArray();
                table.append(' ').append(figure(values[values.length / 2]));
                if (values.length > 1) {
                    table.append(" (").append(figure(values[0])).append('–').append(figure(values[values.length - 1])).append(')');
                }
                table.append(" |");
            }
            table.append('\n');
        }
        return table.toString();
    }

    private static String figure(double value) {
        return SummaryReport.figure(value);
    }
}
