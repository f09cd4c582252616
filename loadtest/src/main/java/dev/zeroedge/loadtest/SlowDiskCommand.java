package dev.zeroedge.loadtest;

import dev.zeroedge.cli.Flags;
import dev.zeroedge.cli.UsageException;
import org.HdrHistogram.Histogram;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code slow-disk}: what a slow disk under part of the root does to the rest of it. {@code --cold-connections}
 * connections each fetch {@code <--url-cold-prefix>NN.bin} (connection {@code i} file {@code i}, so no two
 * share a file) again and again, while one keep-alive connection asks for {@code --url-hot} at a fixed
 * {@code --hot-rate}, after {@code --warmup} of hot requests alone (unrecorded). A hot request that the previous
 * response held up past its intended start counts from that start (open loop, as wrk2 does), so a loop that
 * stalls for a second shows every request it held up; one sent on time counts from its send, so the client's own
 * timer lateness (its sleep overshooting, reported apart) is not taken for the server's.
 * {@code --cold-nice N} runs the cold connections at nice N: on an edge they are other machines, and on a load
 * generator beside the server their reading (a copy of every byte) would take the CPU the server's loops need. The run does not wait for a stuck server: a hot request not answered within
 * {@code --hot-timeout} is lost and the hot client stops, and one that fell behind its schedule stops at
 * {@code --duration} plus {@code --hot-timeout}; the requests it did not get answered count in the
 * percentiles with the time they had waited by then (a lower bound). Prints the hot percentiles
 * (HdrHistogram: p50, p99, p99.9, max) and counts, and the cold fetches by status, on one line; exits 0 (it
 * is a figure, not a verdict).
 */
final class SlowDiskCommand {

    private static final Set<String> VALUED = Set.of("url-hot", "url-cold-prefix", "cold-connections", "duration",
            "hot-rate", "hot-timeout", "label", "warmup", "cold-nice");
    private static final int HEAD_MAX = 64 * 1024;

    private SlowDiskCommand() {
    }

    static int run(String[] args, PrintStream out) throws UsageException, InterruptedException {
        Flags flags = Flags.parse(args, 1, VALUED, Set.of());
        URI hot = url("url-hot", flags.required("url-hot"));
        URI coldPrefix = url("url-cold-prefix", flags.required("url-cold-prefix"));
        int coldConnections = flags.integer("cold-connections", 32, 0, 10_000);
        Duration duration = flags.duration("duration", Duration.ofSeconds(10));
        int hotRate = flags.integer("hot-rate", 100, 1, 1_000_000);
        Duration hotTimeout = flags.duration("hot-timeout", Duration.ofSeconds(10));
        String label = flags.string("label", "");
        Duration warmup = flags.duration("warmup", Duration.ofSeconds(0));
        int coldNice = flags.integer("cold-nice", 0, 0, 19);

        if (!warmup.isZero()) {
            // Hot requests only, not recorded: both JVMs compile the hot path before anything is measured.
            long warmStart = System.nanoTime();
            askHot(hot, hotRate, warmStart, warmStart + warmup.toNanos(), hotTimeout,
                    new Histogram(TimeUnit.HOURS.toNanos(1), 3), new Histogram(TimeUnit.HOURS.toNanos(1), 3));
        }
        Histogram hotLatency = new Histogram(TimeUnit.HOURS.toNanos(1), 3);
        Histogram lateness = new Histogram(TimeUnit.HOURS.toNanos(1), 3);
        Map<String, AtomicLong> coldOutcomes = new ConcurrentHashMap<>();
        AtomicLong coldBytes = new AtomicLong();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        HotResult hotResult;
        // With --cold-nice, a platform thread per cold connection at that nice value (a virtual thread's carrier
        // is shared, so it cannot be niced alone); the hot client stays at the process's.
        try (ExecutorService clients = coldNice == 0 ? Executors.newVirtualThreadPerTaskExecutor()
                : Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon().factory())) {
            for (int i = 0; i < coldConnections; i++) {
                String path = coldPrefix.getRawPath() + String.format(Locale.ROOT, "%02d.bin", i);
                clients.submit(() -> {
                    if (coldNice > 0 && !ThreadNice.set(coldNice)) {
                        coldOutcomes.computeIfAbsent("not niced", o -> new AtomicLong()).incrementAndGet();
                    }
                    fetchColdUntil(coldPrefix, path, end, hotTimeout, coldOutcomes, coldBytes);
                });
            }
            hotResult = askHot(hot, hotRate, start, end, hotTimeout, hotLatency, lateness);
            // The cold fetches end at --duration (a fetch then in flight may finish within --hot-timeout).
            clients.shutdown();
            if (!clients.awaitTermination(hotTimeout.toMillis() + 1_000, TimeUnit.MILLISECONDS)) {
                clients.shutdownNow();
            }
        }
        String prefix = label.isEmpty() ? "" : label + ": ";
        out.println(prefix + hotLine(hotLatency, hotResult, hotRate) + "; " + coldLine(coldOutcomes, coldBytes,
                coldConnections, duration) + String.format(Locale.ROOT, "; the hot client's own sleep overshot by p50 %s ms,"
                + " p99 %s ms (not counted)", ms(lateness.getValueAtPercentile(50)), ms(lateness.getValueAtPercentile(99))));
        return 0;
    }

    /** What happened to the hot requests besides their latencies. */
    record HotResult(long answered, long lost, String lostWhy, long notSent) {
    }

    /**
     * One connection, requests at {@code rate} from {@code start}; each latency from its intended start. A
     * response not there within {@code timeout} ends the hot client: the server is stuck. That request (lost)
     * and those that would have followed it (not sent) go into the histogram with the time they had waited
     * when the client gave up, a lower bound, so that the percentiles show the stall instead of leaving it out.
     */
    private static HotResult askHot(URI url, int rate, long start, long end, Duration timeout, Histogram latency,
                                    Histogram lateness) {
        String request = "GET " + url.getRawPath() + " HTTP/1.1\r\nHost: " + url.getHost() + ":" + url.getPort()
                + "\r\n\r\n";
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        long intendedTotal = Math.max(1, (end - start) / interval);
        long k = 0;
        try (Socket socket = connect(url, timeout)) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            for (; k < intendedTotal; k++) {
                long intended = start + k * interval;
                if (System.nanoTime() > end + timeout.toNanos()) {
                    // Far behind its schedule (a server that stalled and came back): the rest are not sent.
                    return giveUp(latency, start, interval, k, intendedTotal, 0, null);
                }
                // The previous response ended after this request was due: the server held it back, and its latency
                // counts from when it was due (wrk2's correction for coordinated omission). Otherwise the client
                // sleeps until then and the latency counts from the send: a sleep that overslept (by a millisecond
                // and more on this VM) is the client's own lateness, not the server's, and is reported apart.
                long now = System.nanoTime();
                boolean heldBack = now >= intended;
                if (!heldBack) {
                    TimeUnit.NANOSECONDS.sleep(intended - now);
                }
                long from = heldBack ? intended : System.nanoTime();
                if (!heldBack) {
                    lateness.recordValue(from - intended);
                }
                out.write(request.getBytes(StandardCharsets.US_ASCII));
                out.flush();
                int status;
                try {
                    status = readResponse(in, null);
                } catch (SocketTimeoutException e) {
                    return giveUp(latency, start, interval, k, intendedTotal, 1,
                            "not answered within " + timeout.toMillis() / 1000.0 + " s");
                }
                if (status != 200) {
                    return giveUp(latency, start, interval, k, intendedTotal, 1, "status " + status);
                }
                latency.recordValue(System.nanoTime() - from);
            }
            return new HotResult(k, 0, null, 0);
        } catch (IOException e) {
            return giveUp(latency, start, interval, k, intendedTotal, 1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return giveUp(latency, start, interval, k, intendedTotal, 1, "interrupted");
        }
    }

    /** Requests {@code from} .. {@code total - 1} unanswered: each recorded with how long it had waited by now. */
    private static HotResult giveUp(Histogram latency, long start, long interval, long from, long total, long lost,
                                    String why) {
        long now = System.nanoTime();
        for (long k = from; k < total; k++) {
            latency.recordValue(Math.max(0, now - (start + k * interval)));
        }
        return new HotResult(from, lost, why, total - from - lost);
    }

    /** Fetches {@code path} on fresh connections until {@code end}; counts each outcome by status. */
    private static void fetchColdUntil(URI url, String path, long end, Duration timeout,
                                       Map<String, AtomicLong> outcomes, AtomicLong bytes) {
        String request = "GET " + path + " HTTP/1.1\r\nHost: " + url.getHost() + ":" + url.getPort()
                + "\r\nConnection: close\r\n\r\n";
        while (System.nanoTime() < end) {
            String outcome;
            try (Socket socket = connect(url, timeout)) {
                socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                outcome = Integer.toString(readResponse(socket.getInputStream(), bytes));
            } catch (SocketTimeoutException e) {
                outcome = "timeout";
            } catch (IOException e) {
                outcome = "error";
            }
            outcomes.computeIfAbsent(outcome, o -> new AtomicLong()).incrementAndGet();
        }
    }

    private static Socket connect(URI url, Duration timeout) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(url.getHost(), url.getPort()), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            socket.setTcpNoDelay(true);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * Reads one response framed by Content-Length and returns its status; the body is read and dropped,
     * counted into {@code bytes} when given. Short bodies are an {@link EOFException}.
     */
    private static int readResponse(InputStream in, AtomicLong bytes) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        for (int last4 = 0; last4 != 0x0d0a0d0a; ) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("closed before the end of the head");
            }
            head.write(b);
            last4 = last4 << 8 | b;
            if (head.size() > HEAD_MAX) {
                throw new IOException("head over 64 KiB");
            }
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int status = Integer.parseInt(text.substring(9, 12));
        long length = contentLength(text);
        byte[] buffer = new byte[64 * 1024];
        long left = length;
        while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new EOFException("body ended " + left + " bytes short");
            }
            left -= n;
        }
        if (bytes != null && status == 200) {
            bytes.addAndGet(length);
        }
        return status;
    }

    private static long contentLength(String head) throws IOException {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).equalsIgnoreCase("Content-Length")) {
                return Long.parseLong(line.substring(colon + 1).trim());
            }
        }
        throw new IOException("no Content-Length");
    }

    private static String hotLine(Histogram latency, HotResult result, int rate) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "hot %d/s: %d answered", rate,
                result.answered()));
        if (result.lost() > 0) {
            sb.append(", ").append(result.lost()).append(" lost (").append(result.lostWhy()).append(")");
        }
        if (result.notSent() > 0) {
            sb.append(", ").append(result.notSent()).append(" not sent (behind schedule)");
        }
        if (latency.getTotalCount() > 0) {
            sb.append(result.answered() == latency.getTotalCount() ? ": "
                    : "; all " + latency.getTotalCount() + ", unanswered ones as waited so far: ");
            sb.append(String.format(Locale.ROOT, "p50 %s ms, p99 %s ms, p99.9 %s ms, max %s ms",
                    ms(latency.getValueAtPercentile(50)), ms(latency.getValueAtPercentile(99)),
                    ms(latency.getValueAtPercentile(99.9)), ms(latency.getMaxValue())));
        }
        return sb.toString();
    }

    private static String coldLine(Map<String, AtomicLong> outcomes, AtomicLong bytes, int connections,
                                   Duration duration) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "cold x%d: ", connections));
        long total = 0;
        Map<String, AtomicLong> sorted = new TreeMap<>(outcomes);
        StringBuilder byStatus = new StringBuilder();
        for (Map.Entry<String, AtomicLong> e : sorted.entrySet()) {
            total += e.getValue().get();
            byStatus.append(byStatus.isEmpty() ? "" : ", ").append(e.getValue().get()).append(' ').append(e.getKey());
        }
        sb.append(total).append(" fetches");
        if (total > 0) {
            sb.append(" (").append(byStatus).append(")");
        }
        String seconds = duration.toMillis() % 1000 == 0 ? Long.toString(duration.toSeconds())
                : String.format(Locale.ROOT, "%.1f", duration.toMillis() / 1000.0);
        return sb.append(String.format(Locale.ROOT, ", %.1f MiB in %s s", bytes.get() / 1048576.0, seconds))
                .toString();
    }

    private static String ms(long nanos) {
        double ms = nanos / 1e6;
        return ms >= 100 ? String.format(Locale.ROOT, "%.0f", ms) : String.format(Locale.ROOT, "%.2f", ms);
    }

    private static URI url(String flag, String value) throws UsageException {
        try {
            URI uri = new URI(value);
            if (!"http".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0
                    || uri.getRawPath() == null || uri.getRawPath().isEmpty()) {
                throw new UsageException("--" + flag + " wants http://HOST:PORT/PATH, got " + value);
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new UsageException("--" + flag + " is not a URL: " + value);
        }
    }
}
