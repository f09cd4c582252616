package dev.zeroedge.loadtest;

import dev.zeroedge.cli.Flags;
import dev.zeroedge.cli.UsageException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** {@code java -jar zeroedge-loadtest.jar compare|idle|slow-readers|slow-disk|plot|make-corpus|--help ...}. */
public final class Main {

    static final int EXIT_USAGE = 2;

    static final String HELP = """
            zeroedge-loadtest: compare zeroedge's modes (and other servers) under load, with HDR latency reports.

              compare --out DIR [--server-jar server/target/zeroedge.jar --modes nio-sendfile,epoll-sendfile,...]
                      [--external NAME=URL[,pid=PID]]...  [--workloads 1k,1m,64m,mix,range:1g] [--root DIR]
                      [--duration 20s] [--warmup 5s] [--rate max|R] [--connections 32] [--threads N]
                      [--server-cpus 0] [--client-cpus 1] [--timeout 30s] [--check-every 100]
                      [--mix 1k:70,64k:20,1m:9,64m:1] [--range-size 1m] [--port 0]
                  A fresh server JVM per mode (taskset-pinned with --server-cpus), warm-up, measurement, stop;
                  each workload's .hgrm and .hlog, then summary.md, summary.json and report.html in --out.
                  --rate max is a closed loop (peak throughput); --rate R an open loop of R requests/s whose
                  latency counts from each request's intended start. Without --modes, only --external
                  servers are measured (one server: a plain load test).
              idle --server-jar server/target/zeroedge.jar [--modes auto,epoll-sendfile] [--reps 3] [--idle 10000]
                   [--rate 5000] [--connections 32] [--duration 10s] [--warmup 3s] [--root DIR]
                   [--server-cpus 0] [--client-cpus 1] [--parallel 64] [--jvm-flags "-Xmn24m ..."] [--out DIR]
                  Per mode and repetition (interleaved), a fresh server: warm-up, then --idle keep-alive connections
                  that each fetch 1k once and stay open, then an open-loop 1k load at --rate; prints the server's
                  VmRSS/VmHWM and descriptors before, with the idle connections, after the load and after they
                  closed, and the load's p50/p99/p99.9/max; a summary table with median (min–max) per mode.
              slow-readers --url http://HOST:PORT/PATH [--clients 16] [--kib-per-s 20] [--rcvbuf-kib 16] [--timeout 1h]
                  Slow mobile clients: each connection reads the body at a steady rate through a small receive
                  buffer; prints each download (complete with its crc32c, or where it was cut) and a summary;
                  exits 1 when any was cut or the bodies differ.
              slow-disk --url-hot http://HOST:PORT/hot-1k.bin --url-cold-prefix http://HOST:PORT/slow/cold-
                        [--cold-connections 32] [--duration 10s] [--hot-rate 100] [--hot-timeout 10s] [--warmup 0s] [--label L]
                        [--cold-nice 0]
                  A slow disk under part of the root: connection i fetches <prefix>NN.bin (NN = i, two digits)
                  again and again while one keep-alive connection asks for the hot URL at --hot-rate; prints
                  the hot latency (p50/p99/p99.9/max, count, requests lost after --hot-timeout; from each
                  request's send, or from its intended start when the previous response held it back) and the
                  cold fetches by status, on one line. --warmup: hot requests alone first, not recorded.
                  --cold-nice N: the cold connections at nice N (they stand for other machines).
              plot A.hgrm B.hgrm ... --out chart.html [--title T]
                  Percentile curves of any .hgrm files (ours, wrk2's, ...) on one chart.
              make-corpus DIR [--files 1k,64k,1m,64m,1g]    (also: --make-corpus DIR)
                  Random-byte files 1k.bin 64k.bin 1m.bin 64m.bin 1g.bin (kept if already the right size).
            """;

    private Main() {
    }

    public static void main(String[] args) {
        // The generator releases every buffer it reads (the tests run it under the PARANOID detector);
        // here the detector's sampling would only cost the client CPU it is measuring with.
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            System.setProperty("io.netty.leakDetection.level", "disabled");
        }
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || List.of("--help", "-h", "help").contains(args[0])) {
            out.print(HELP);
            return args.length == 0 ? EXIT_USAGE : 0;
        }
        try {
            return switch (args[0]) {
                case "compare" -> CompareCommand.run(args, out);
                case "plot" -> PlotCommand.run(args, out);
                case "idle" -> IdleCommand.run(args, out);
                case "slow-readers" -> SlowReadersCommand.run(args, out);
                case "slow-disk" -> SlowDiskCommand.run(args, out);
                case "make-corpus", "--make-corpus" -> makeCorpus(args, out);
                default -> throw new UsageException("unknown command '" + args[0] + "' (see --help)");
            };
        } catch (UsageException e) {
            err.println("zeroedge-loadtest: " + e.getMessage());
            return EXIT_USAGE;
        } catch (IOException e) {
            err.println("zeroedge-loadtest: " + e);
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    private static int makeCorpus(String[] args, PrintStream out) throws UsageException, IOException {
        Flags flags = Flags.parse(args, 1, java.util.Set.of("files"), java.util.Set.of(), java.util.Set.of(),
                Flags.Positional.ANY);
        if (flags.positional().size() != 1) {
            throw new UsageException("make-corpus DIR");
        }
        Corpus corpus = new Corpus(Path.of(flags.positional().getFirst()));
        List<String> files = Arrays.asList(flags.string("files", String.join(",", Corpus.ORDER)).split(","));
        for (String file : files) {
            Corpus.size(file);
        }
        corpus.ensure(files);
        out.println("corpus " + corpus.dir().toAbsolutePath() + ": " + String.join(", ", files));
        return 0;
    }
}
