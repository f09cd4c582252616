package dev.zeroedge.loadtest;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoopGroup;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;
import org.HdrHistogram.Recorder;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Load on one target with one workload, from {@link #start} to {@link #close}: warm up by letting it run,
 * then {@link #measure} a phase. Latencies go into a wait-free {@link Recorder}; the measuring thread takes
 * an interval histogram every second, writes it to the {@code .hlog} and adds it to the phase's total.
 */
final class LoadRun implements AutoCloseable {

    private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final InetSocketAddress address;
    private final Workload workload;
    private final OpenLoopSchedule schedule;
    private final long timeoutNanos;
    private final int checkEvery;
    private final List<Connection> connections = new ArrayList<>();
    private final Recorder recorder = new Recorder(3);
    private final LongAdder responses = new LongAdder();
    private final LongAdder bodyBytes = new LongAdder();
    private final Map<ErrorKind, LongAdder> errors = new EnumMap<>(ErrorKind.class);
    private volatile boolean stopping;

    /**
     * @param rate        requests per second for an open loop, 0 for a closed loop (each connection sends
     *                    its next request when the previous answer is complete)
     * @param checkEvery  compare the body of every n-th response of a connection with the file
     */
    LoadRun(EventLoopGroup group, Bootstrap bootstrap, Target target, Workload workload, long rate,
            int connectionCount, Duration timeout, int checkEvery) {
        this.address = target.address();
        this.workload = workload;
        this.timeoutNanos = timeout.toNanos();
        this.checkEvery = checkEvery;
        this.schedule = rate > 0 ? new OpenLoopSchedule(System.nanoTime(), rate, connectionCount) : null;
        for (ErrorKind kind : ErrorKind.values()) {
            errors.put(kind, new LongAdder());
        }
        for (int i = 0; i < connectionCount; i++) {
            connections.add(new Connection(this, i, group.next(), bootstrap, 0x5eed_0000L + i));
        }
        connections.forEach(Connection::start);
    }

    InetSocketAddress address() {
        return address;
    }

    Workload workload() {
        return workload;
    }

    OpenLoopSchedule schedule() {
        return schedule;
    }

    long timeoutNanos() {
        return timeoutNanos;
    }

    int checkEvery() {
        return checkEvery;
    }

    boolean stopping() {
        return stopping;
    }

    void record(long latencyNanos, long bytes) {
        recorder.recordValue(Math.max(0, latencyNanos));
        responses.increment();
        bodyBytes.add(bytes);
    }

    void error(ErrorKind kind) {
        errors.get(kind).increment();
    }

    /**
     * Forgets what happened so far (the warm-up), then measures for {@code duration}.
     *
     * @param log where the interval histograms go, or null
     */
    Measurement measure(Duration duration, HistogramLogWriter log) throws InterruptedException {
        long start = System.nanoTime();
        long startMillis = System.currentTimeMillis();
        recorder.getIntervalHistogram();
        responses.reset();
        bodyBytes.reset();
        errors.values().forEach(LongAdder::reset);
        if (log != null) {
            log.outputLogFormatVersion();
            log.outputStartTime(startMillis);
            log.setBaseTime(startMillis);
            log.outputLegend();
        }
        Histogram total = new Histogram(3);
        Histogram interval = null;
        long end = start + duration.toNanos();
        for (long now = start; now < end; now = System.nanoTime()) {
            TimeUnit.NANOSECONDS.sleep(Math.min(INTERVAL_NANOS, end - now));
            interval = recorder.getIntervalHistogram(interval);
            total.add(interval);
            if (log != null) {
                log.outputIntervalHistogram(interval);
            }
        }
        long elapsed = System.nanoTime() - start;
        Map<ErrorKind, Long> errorCounts = new EnumMap<>(ErrorKind.class);
        errors.forEach((kind, count) -> errorCounts.put(kind, count.sum()));
        total.setStartTimeStamp(startMillis);
        total.setEndTimeStamp(startMillis + TimeUnit.NANOSECONDS.toMillis(elapsed));
        return new Measurement(total, responses.sum(), bodyBytes.sum(), errorCounts, elapsed);
    }

    /** Stops sending; requests still in flight are abandoned (they belong to no measured phase). */
    @Override
    public void close() {
        stopping = true;
        for (Connection connection : connections) {
            connection.stop().syncUninterruptibly();
        }
    }
}
