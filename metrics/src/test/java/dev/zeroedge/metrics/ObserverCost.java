package dev.zeroedge.metrics;

import dev.zeroedge.http.SiteObserver;
import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.transport.Transport;
import dev.zeroedge.transport.Transports;
import dev.zeroedge.mode.Mode;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Not a test (no assertion, never run by {@code mvn verify}): what one 1 KiB response costs the event loop with
 * no observer and with the metrics, measured inside one JVM from the loop thread's own counters, which other
 * processes on the machine do not disturb: bytes allocated per response (exact) and CPU nanoseconds per
 * response (the loop's thread CPU time). Variants are interleaved, {@code rounds} times.
 *
 * <pre>java -cp ... dev.zeroedge.metrics.ObserverCost MODE REQUESTS ROUNDS</pre>
 */
public final class ObserverCost {

    private ObserverCost() {
    }

    public static void main(String[] args) throws Exception {
        Mode mode = Mode.parse(args.length > 0 ? args[0] : "epoll-sendfile");
        int requests = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Transport transport = Transports.load().require(mode);
        Path root = Files.createTempDirectory("zeroedge-cost");
        Files.write(root.resolve("1k.bin"), new byte[1024]);
        for (int round = 1; round <= rounds; round++) {
            measure(round, "off", transport, root, requests, () -> null);
            measure(round, "metrics", transport, root, requests, () -> new ServerMetrics().observer());
            measure(round, "access-log", transport, root, requests, () -> accessLog(root));
        }
    }

    private static void measure(int round, String name, Transport transport, Path root, int requests,
                                Supplier<SiteObserver> observer) throws Exception {
        ServerConfig config = ServerConfig.of(root, new InetSocketAddress("127.0.0.1", 0)).withEventLoops(1);
        SiteObserver observed = observer.get();
        ZeroedgeServer server = ZeroedgeServer.start(config, transport, ZeroedgeServer::documentRoot, observed);
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            byte[] request = "GET /1k.bin HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            int responseLength = exchange(out, in, request, -1);
            for (int i = 0; i < requests; i++) {
                exchange(out, in, request, responseLength);
            }
            Thread loop = loopThread();
            Thread writer = named("access-log");
            var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long allocated = threads.getThreadAllocatedBytes(loop.threadId());
            long cpu = threads.getThreadCpuTime(loop.threadId());
            long writerCpu = writer == null ? 0 : threads.getThreadCpuTime(writer.threadId());
            for (int i = 0; i < requests; i++) {
                exchange(out, in, request, responseLength);
            }
            long allocatedPer = (threads.getThreadAllocatedBytes(loop.threadId()) - allocated) / requests;
            long cpuPer = (threads.getThreadCpuTime(loop.threadId()) - cpu) / requests;
            long writerPer = writer == null ? 0 : (threads.getThreadCpuTime(writer.threadId()) - writerCpu) / requests;
            System.out.printf("%d %s %s bytes_allocated_per_response=%d loop_cpu_ns_per_response=%d"
                    + " log_writer_cpu_ns_per_response=%d%n", round, transport.mode(), name, allocatedPer, cpuPer,
                    writerPer);
        } finally {
            server.shutdown(Duration.ofSeconds(1));
            if (observed instanceof AutoCloseable closeable) {
                closeable.close();
            }
        }
    }

    /** The access log to a file beside the root (its writer thread's CPU is reported apart). */
    private static SiteObserver accessLog(Path root) {
        try {
            return new dev.zeroedge.accesslog.AccessLog(root.resolveSibling(root.getFileName() + ".log"),
                    dev.zeroedge.accesslog.LogFormat.COMBINED, "bench", dev.zeroedge.accesslog.AccessLog.DEFAULT_QUEUE);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Thread loopThread() {
        Thread loop = named("multiThreadIoEventLoopGroup");
        if (loop == null) {
            throw new IllegalStateException("no event loop thread");
        }
        return loop;
    }

    private static Thread named(String prefix) {
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().startsWith(prefix) && thread.isAlive()) {
                return thread;
            }
        }
        return null;
    }

    /** One request, one response read whole; returns the response's length. */
    private static int exchange(OutputStream out, InputStream in, byte[] request, int length) throws Exception {
        out.write(request);
        if (length > 0) {
            if (in.readNBytes(length).length != length) {
                throw new IllegalStateException("short response");
            }
            return length;
        }
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            head.append((char) in.read());
        }
        in.readNBytes(1024);
        return head.length() + 1024;
    }
}
