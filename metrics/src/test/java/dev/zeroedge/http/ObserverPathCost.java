package dev.zeroedge.http;

import dev.zeroedge.accesslog.AccessLog;
import dev.zeroedge.accesslog.LogFormat;
import dev.zeroedge.metrics.ServerMetrics;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.FastThreadLocalThread;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Not a test (no assertion, never run by {@code mvn verify}): the per-response work an observer adds to an event
 * loop, without the sockets around it, in CPU nanoseconds of the calling thread: what the connection's
 * {@link Exchange} records of a 1 KiB response (two clock reads at its start, one at its end, a few stores), then
 * the observer's {@code responded}: nothing, the metrics' per-loop counters, the access log's entry and queue
 * offer. For the access log the writer thread's CPU per line (format and write, on a thread of its own) is
 * printed apart. End to end, a 1 KiB response costs the server about 12 µs of CPU on this machine
 * ({@code scripts/bench-observe.sh}); this says how much of that the observer can be at most.
 *
 * <pre>java -cp ... dev.zeroedge.http.ObserverPathCost [RESPONSES [ROUNDS]]</pre>
 */
public final class ObserverPathCost {

    private ObserverPathCost() {
    }

    public static void main(String[] args) throws Exception {
        int responses = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        Path log = Files.createTempFile("zeroedge-observer-cost", ".log");
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        // An event loop's thread, so that the counters' FastThreadLocal takes its indexed path as on a loop.
        Thread loop = new FastThreadLocalThread(() -> {
            try {
                SiteObserver nothing = exchange -> { };
                SiteObserver metrics = new ServerMetrics().observer();
                try (AccessLog accessLog = new AccessLog(log, LogFormat.COMBINED, "bench", AccessLog.DEFAULT_QUEUE)) {
                    Thread writer = named("access-log");
                    for (int round = 0; round <= rounds; round++) {
                        // Round 0 warms the code up (the JIT) and is not printed.
                        long none = measure(nothing, responses);
                        long counted = measure(metrics, responses);
                        long writerBefore = threads.getThreadCpuTime(writer.threadId());
                        long logged = measure(accessLog, responses);
                        while (accessLog.written() + accessLog.dropped() < (long) (round + 1) * responses) {
                            Thread.sleep(5);
                        }
                        long writerNanos = threads.getThreadCpuTime(writer.threadId()) - writerBefore;
                        if (round > 0) {
                            System.out.printf("round %d: loop CPU ns per response: nothing observed %.1f, metrics %.1f,"
                                            + " access log %.1f (dropped so far %d); access-log writer CPU ns per line %.1f%n",
                                    round, (double) none / responses, (double) counted / responses,
                                    (double) logged / responses, accessLog.dropped(), (double) writerNanos / responses);
                        }
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "bench-loop");
        loop.start();
        loop.join();
        Files.deleteIfExists(log);
    }

    /** The calling thread's CPU nanoseconds for {@code responses} observed responses of 1 KiB. */
    private static long measure(SiteObserver observer, int responses) throws InterruptedException {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        DefaultHttpHeaders headers = new DefaultHttpHeaders();
        headers.add("Host", "bench").add("User-Agent", "wrk");
        InetSocketAddress peer = new InetSocketAddress("127.0.0.1", 40000);
        Request request = new Request(HttpMethod.GET, "/1k.bin", "/1k.bin", null, HttpVersion.HTTP_1_1, headers, true,
                false, false, peer, null);
        Exchange exchange = new Exchange(peer);
        long logged = observer instanceof AccessLog accessLog ? accessLog.written() + accessLog.dropped() : 0;
        long start = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < responses; i++) {
            exchange.begin(request);
            exchange.sending(200, 230, 1024);
            exchange.fileBytesSent(1024, true);
            exchange.end(true);
            observer.responded(exchange);
            if (i % 50_000 == 49_999 && observer instanceof AccessLog accessLog) {
                // Paced, as a loop is by its sockets: the writer catches up before the queue (65,536 lines) can
                // fill, because a full queue drops lines, which is cheaper than logging them and would flatter it.
                while (accessLog.written() + accessLog.dropped() < logged + i + 1) {
                    Thread.sleep(1);
                }
            }
        }
        return threads.getCurrentThreadCpuTime() - start;
    }

    private static Thread named(String prefix) {
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().startsWith(prefix) && thread.isAlive()) {
                return thread;
            }
        }
        throw new IllegalStateException("no thread named " + prefix + "*");
    }
}
