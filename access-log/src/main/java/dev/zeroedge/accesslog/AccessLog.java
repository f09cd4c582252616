package dev.zeroedge.accesslog;

import dev.zeroedge.http.Exchange;
import dev.zeroedge.http.SiteObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The access log ({@code --access-log PATH}): one line per response, written by one thread of its own so that
 * no event loop ever waits for the disk. Each response ended on a loop becomes a small {@link LogEntry} offered
 * to a bounded queue; when the queue is full (the disk is slower than the traffic) the line is dropped and
 * counted ({@link #dropped}, {@code zeroedge_access_log_dropped_total}), never waited for. The writer takes
 * what has queued, formats it ({@link LogFormat}) and appends it in one write; with nothing queued it sleeps
 * 10 ms rather than wait to be woken (see {@link #SLEEP_NANOS}). So a busy log costs one system call per
 * batch and no wake-up per line, and every line is in the file within about 10 ms of its response.
 *
 * <p>{@link #reopen} (SIGUSR1, logrotate's {@code postrotate}, as for nginx) closes the file and opens
 * {@code path} again before the next line: a line written before it is in the renamed file, one after it in
 * the new one, none is lost. Errors and lifecycle go to the slf4j log, never here.
 */
public final class AccessLog implements SiteObserver, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AccessLog.class);

    /** Lines formatted and written at once, at most (the text of a batch is built in memory). */
    private static final int MAX_BATCH = 4096;

    public static final int DEFAULT_QUEUE = 65_536;

    /**
     * How long the writer sleeps when the queue is empty. It is never woken per line: a loop's offer finds no
     * thread waiting on the queue, so it costs no futex wake and no context switch, which on a server pinned
     * to one CPU would preempt the loop once per response. A line is in the file within this time.
     */
    private static final long SLEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final Path path;
    private final LogFormat format;
    private final String mode;
    private final BlockingQueue<LogEntry> queue;
    private final LongAdder dropped = new LongAdder();
    private final LongAdder written = new LongAdder();
    private final Thread writer;
    private volatile boolean reopen;
    private volatile boolean closing;
    private FileChannel file;

    /**
     * Opens {@code path} for appending (created when missing) and starts the writer.
     *
     * @param mode  the serving mode, written on every line
     * @param queue the lines that may wait for the writer before new ones are dropped
     * @throws IOException when the file cannot be opened
     */
    public AccessLog(Path path, LogFormat format, String mode, int queue) throws IOException {
        if (queue < 1) {
            throw new IllegalArgumentException("queue must be positive: " + queue);
        }
        this.path = path;
        this.format = format;
        this.mode = mode;
        this.queue = new ArrayBlockingQueue<>(queue);
        this.file = open(path);
        this.writer = Thread.ofPlatform().name("access-log").daemon(true).unstarted(this::write);
        writer.start();
    }

    private static FileChannel open(Path path) throws IOException {
        return FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    /** On the event loop: one allocation and one offer; a full queue drops the line. */
    @Override
    public void responded(Exchange exchange) {
        if (!queue.offer(LogEntry.of(exchange))) {
            dropped.increment();
        }
    }

    public Path path() {
        return path;
    }

    public LogFormat format() {
        return format;
    }

    /** Lines dropped because the queue was full. */
    public long dropped() {
        return dropped.sum();
    }

    /** Lines in the file (or handed to the kernel for it). */
    public long written() {
        return written.sum();
    }

    /** Closes and opens the file again before the next line (the file was renamed by a log rotation). */
    public void reopen() {
        reopen = true;
        LockSupport.unpark(writer);
    }

    private void write() {
        List<LogEntry> batch = new ArrayList<>();
        StringBuilder text = new StringBuilder(4096);
        TimeStamps times = new TimeStamps();
        while (true) {
            // Read before draining: a close asked for before it finds every line queued before it drained.
            boolean last = closing;
            queue.drainTo(batch, MAX_BATCH);
            if (reopen) {
                reopen = false;
                reopenFile();
            }
            if (!batch.isEmpty()) {
                append(batch, text, times);
                batch.clear();
            } else if (last) {
                return;
            } else {
                LockSupport.parkNanos(this, SLEEP_NANOS);
            }
        }
    }

    private void reopenFile() {
        try {
            FileChannel next = open(path);
            file.close();
            file = next;
            log.info("access log {} reopened", path);
        } catch (IOException e) {
            log.warn("access log {} not reopened, still writing to the file it had: {}", path, e.toString());
        }
    }

    private void append(List<LogEntry> batch, StringBuilder text, TimeStamps times) {
        text.setLength(0);
        for (LogEntry entry : batch) {
            format.append(text, entry, mode, times);
            text.append('\n');
        }
        // String.getBytes takes the JDK's fast path for a Latin-1 string (a line is ASCII but for what JSON
        // quotes): a copy, where Charset.encode ran a char-by-char encoder loop, a third of the writer's time.
        ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
        try {
            while (bytes.hasRemaining()) {
                file.write(bytes);
            }
            written.add(batch.size());
        } catch (IOException e) {
            log.warn("access log {}: {} lines not written: {}", path, batch.size(), e.toString());
        }
    }

    /** Writes what is queued, then closes the file. */
    @Override
    public void close() {
        closing = true;
        LockSupport.unpark(writer);
        try {
            writer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            file.close();
        } catch (IOException e) {
            log.warn("access log {} not closed cleanly: {}", path, e.toString());
        }
    }
}
