package dev.zeroedge.loadtest;

import dev.zeroedge.cli.Flags;
import dev.zeroedge.cli.UsageException;

import org.HdrHistogram.HistogramLogWriter;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code compare}: for each mode, a fresh server JVM ({@link ServerProcess}); then each {@code --external}
 * server; on each, each workload: warm up, read the server's cost, measure, read it again. Writes a
 * {@code .hgrm} and a {@code .hlog} per target × workload, then {@code summary.md}, {@code summary.json}
 * and {@code report.html}.
 */
final class CompareCommand {

    private static final Set<String> VALUED = Set.of("server-jar", "modes", "workloads", "root", "duration", "warmup",
            "server-cpus", "client-cpus", "rate", "out", "connections", "threads", "timeout", "check-every", "mix",
            "range-size", "port");
    private static final Set<String> REPEATABLE = Set.of("external");
    private static final Path PROC = Path.of("/proc");

    private final PrintStream out;
    private final Flags flags;
    private final String commandLine;
    private final Path outDir;
    private final Corpus corpus;
    private final List<Workload> workloads;
    private final long rate;
    private final int connections;
    private final Duration duration;
    private final Duration warmup;
    private final Duration timeout;
    private final int checkEvery;
    private final List<SummaryRow> rows = new ArrayList<>();
    private final Map<String, List<PercentileCurve>> curves = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();

    private CompareCommand(String[] args, PrintStream out) throws UsageException, IOException {
        this.out = out;
        this.flags = Flags.parse(args, 1, VALUED, Set.of(), REPEATABLE, Flags.Positional.NONE);
        this.commandLine = String.join(" ", args);
        this.outDir = Path.of(flags.required("out"));
        this.workloads = Workload.parseList(flags.string("workloads", "1k,1m,64m"),
                flags.string("mix", Workload.DEFAULT_MIX), rangeSize(flags));
        this.rate = RequestRate.of(flags, "rate");
        this.connections = flags.integer("connections", 32, 1, 100_000);
        this.duration = flags.duration("duration", Duration.ofSeconds(20));
        this.warmup = flags.durationOrZero("warmup", Duration.ofSeconds(5));
        this.timeout = flags.duration("timeout", Duration.ofSeconds(30));
        this.checkEvery = flags.integer("check-every", 100, 1, Integer.MAX_VALUE);
        Set<String> files = new LinkedHashSet<>();
        workloads.forEach(w -> files.addAll(w.files()));
        if (flags.has("root")) {
            corpus = new Corpus(Path.of(flags.string("root", null)));
            for (String file : files) {
                Path path = corpus.path(file);
                if (!Files.isRegularFile(path) || Files.size(path) != Corpus.size(file)) {
                    throw new UsageException(path + " is missing or not " + Corpus.size(file)
                            + " bytes (make the corpus with: make-corpus " + corpus.dir() + ")");
                }
            }
        } else {
            corpus = new Corpus(Files.createTempDirectory("zeroedge-corpus"));
            out.println("corpus " + corpus.dir() + " (" + String.join(", ", files) + ")");
            corpus.ensure(files);
        }
    }

    private static long rangeSize(Flags flags) throws UsageException {
        String value = flags.string("range-size", null);
        if (value == null) {
            return Workload.DEFAULT_RANGE_SIZE;
        }
        if (Corpus.SIZES.containsKey(value)) {
            return Corpus.SIZES.get(value);
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new UsageException("--range-size is a byte count or one of 1k, 64k, 1m: " + value);
        }
    }

    static int run(String[] args, PrintStream out) throws UsageException, IOException, InterruptedException {
        CompareCommand command = new CompareCommand(args, out);
        try {
            return command.compare();
        } finally {
            if (!command.flags.has("root")) {
                // A corpus made for this run only: up to 1 GiB per file, not to be left in /tmp.
                command.corpus.delete();
            }
        }
    }

    private int compare() throws UsageException, IOException, InterruptedException {
        List<String> modes = flags.string("modes", "").isBlank() ? List.of()
                : List.of(flags.string("modes", "").split(","));
        List<Target> externals = new ArrayList<>();
        for (String spec : flags.all("external")) {
            externals.add(Target.ofExternal(spec));
        }
        if (modes.isEmpty() && externals.isEmpty()) {
            throw new UsageException("nothing to compare: give --modes and/or --external");
        }
        Path serverJar = modes.isEmpty() ? null : Path.of(flags.required("server-jar"));
        if (serverJar != null && !Files.isRegularFile(serverJar)) {
            throw new UsageException("--server-jar " + serverJar + " does not exist (build it: mvn -pl server -am package)");
        }
        String serverCpus = flags.string("server-cpus", null);
        String clientCpus = flags.string("client-cpus", null);
        int threads = flags.integer("threads", clientCpus == null ? 1 : cpuCount(clientCpus), 1, 1024);
        int port = flags.integer("port", 0, 0, 65535);
        Files.createDirectories(outDir);
        if (clientCpus != null) {
            pinThisProcess(clientCpus);
        }
        Map<String, String> setup = setup(threads, serverCpus, clientCpus);

        try (LoadGenerator generator = new LoadGenerator(threads)) {
            for (String mode : modes) {
                Path log = outDir.resolve(mode + ".server.log");
                try (ServerProcess server = ServerProcess.start(serverJar, mode, corpus.dir(), port, serverCpus, log)) {
                    InetSocketAddress address;
                    try {
                        address = server.awaitReady(Duration.ofSeconds(30));
                    } catch (IOException e) {
                        out.println(e.getMessage());
                        notes.add("mode " + mode + " did not start; see " + log.getFileName());
                        continue;
                    }
                    out.println("mode " + mode + ": server PID " + server.pid() + " on " + address);
                    measureAll(generator, new Target(mode, address, "/", server.pid()));
                }
            }
            for (Target external : externals) {
                out.println("external " + external.name() + " on " + external.address()
                        + (external.hasPid() ? " PID " + external.pid() : " (no PID: no cost columns)"));
                measureAll(generator, external);
            }
        }

        SummaryReport report = new SummaryReport(setup, rows, notes);
        report.write(outDir);
        HtmlReport.write(outDir.resolve("report.html"), "zeroedge: modes compared", setup, report.rows(), curves);
        out.println();
        out.print(report.table());
        out.println("\nreports in " + outDir.toAbsolutePath());
        return rows.stream().anyMatch(r -> r.errors() > 0) || !notes.isEmpty() ? 1 : 0;
    }

    private void measureAll(LoadGenerator generator, Target target) throws IOException, InterruptedException {
        for (Workload workload : workloads) {
            Workload prepared = workload.prepare(corpus, target.hostHeader(), target.pathPrefix());
            String base = target.name() + "_" + workload.name();
            Measurement m;
            ServerCost cost = null;
            ServerCost client;
            try (LoadRun run = generator.start(target, prepared, rate, connections, timeout, checkEvery);
                 java.io.OutputStream hlog = Files.newOutputStream(outDir.resolve(base + ".hlog"));
                 PrintStream hlogText = new PrintStream(hlog, false, "US-ASCII")) {
                Thread.sleep(warmup.toMillis());
                ServerCost before = target.hasPid() ? ServerCost.read(PROC, target.pid()) : null;
                ServerCost clientBefore = ServerCost.read(PROC, ProcessHandle.current().pid());
                m = run.measure(duration, new HistogramLogWriter(hlogText));
                client = ServerCost.read(PROC, ProcessHandle.current().pid()).since(clientBefore);
                if (before != null) {
                    cost = ServerCost.read(PROC, target.pid()).since(before);
                }
            }
            PercentileCurve.writeHgrm(m.histogram(), outDir.resolve(base + ".hgrm"));
            SummaryRow row = SummaryRow.of(target.name(), workload.name(), m, cost, client);
            rows.add(row);
            curves.computeIfAbsent(workload.name(), w -> new ArrayList<>())
                    .add(PercentileCurve.of(target.name(), m.histogram()));
            out.printf(java.util.Locale.ROOT, "  %-9s %8s req/s %7s Gbit/s  p50 %s ms  p99 %s ms  max %s ms  errors %s  CPU-s/GB %s  client CPU %s%%%n",
                    workload.name(), SummaryReport.figure(row.requestsPerSecond()), SummaryReport.figure(row.gbitPerSecond()),
                    SummaryReport.figure(row.p50()), SummaryReport.figure(row.p99()), SummaryReport.figure(row.max()),
                    m.errorSummary(), SummaryReport.figure(row.cpuSecondsPerGb()), SummaryReport.figure(row.clientCpuPercent()));
        }
    }

    private Map<String, String> setup(int threads, String serverCpus, String clientCpus) {
        Map<String, String> setup = new LinkedHashMap<>();
        setup.put("command", "compare " + commandLine.substring(commandLine.indexOf(' ') + 1));
        setup.put("date", Instant.now().toString());
        setup.put("kernel", firstLine(Path.of("/proc/sys/kernel/osrelease")));
        setup.put("cpu", cpuModel());
        setup.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
        setup.put("load", (rate == 0 ? "closed loop (--rate max)" : "open loop " + rate + " req/s") + ", "
                + connections + " connections, " + threads + " client thread(s)");
        setup.put("phases", "warm-up " + warmup.toMillis() / 1000.0 + " s, measured " + duration.toMillis() / 1000.0 + " s");
        setup.put("pinning", "server " + (serverCpus == null ? "unpinned" : "CPU " + serverCpus)
                + ", client " + (clientCpus == null ? "unpinned" : "CPU " + clientCpus));
        setup.put("corpus", corpus.dir().toString());
        return setup;
    }

    private static String firstLine(Path file) {
        try {
            return Files.readAllLines(file).getFirst().trim();
        } catch (IOException | java.util.NoSuchElementException e) {
            return "?";
        }
    }

    /**
     * {@code MODEL x N} with N the machine's CPUs from /proc/cpuinfo: under {@code taskset -c 1} the JVM
     * itself sees one.
     */
    private static String cpuModel() {
        String model = "?";
        int count = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    model = line.substring(line.indexOf(':') + 1).trim();
                } else if (line.startsWith("processor")) {
                    count++;
                }
            }
        } catch (IOException e) {
            // Only a label in the report.
        }
        return model + " x" + count;
    }

    /** The number of CPUs in a taskset list such as {@code 1}, {@code 0-3} or {@code 2,5}. */
    static int cpuCount(String list) throws UsageException {
        int count = 0;
        try {
            for (String part : list.split(",")) {
                int dash = part.indexOf('-');
                count += dash < 0 ? 1 : Integer.parseInt(part.substring(dash + 1)) - Integer.parseInt(part.substring(0, dash)) + 1;
            }
        } catch (NumberFormatException e) {
            throw new UsageException("not a CPU list (e.g. 1, 0-3, 2,5): " + list);
        }
        return Math.max(1, count);
    }

    /**
     * Pins every thread of this JVM (and so every thread it starts later, which inherits the mask). Pinning
     * at launch ({@code taskset -c 1 java -jar ...}) is better still: the JVM then sizes its GC and JIT
     * thread pools for one CPU.
     */
    static void pinThisProcess(String cpus) throws IOException, InterruptedException {
        Process taskset = new ProcessBuilder("taskset", "-a", "-p", "-c", cpus, Long.toString(ProcessHandle.current().pid()))
                .redirectErrorStream(true).start();
        String output = new String(taskset.getInputStream().readAllBytes());
        if (taskset.waitFor() != 0) {
            throw new IOException("taskset failed: " + output.strip());
        }
    }
}
