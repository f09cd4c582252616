package dev.zeroedge.loadtest;

import dev.zeroedge.cli.Flags;
import dev.zeroedge.cli.UsageException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32C;

/**
 * {@code slow-readers}: phones on a weak cell. {@code --clients} connections each ask for one URL and read
 * its body at a steady {@code --kib-per-s} through a small receive buffer ({@code --rcvbuf-kib}, set before the
 * connect so the window is small from the handshake on), the way a slow mobile client drains a download.
 * Each one either receives the whole body ({@code Content-Length} bytes, then a checksum that must be the
 * same for all) or is cut off by the server part-way; the command prints each outcome and a summary line,
 * and exits 1 when any download was cut. Reading is paced by time, not by how much has arrived, so a stall
 * of the server shows as a lower effective rate.
 */
final class SlowReadersCommand {

    private static final Set<String> VALUED = Set.of("url", "clients", "kib-per-s", "rcvbuf-kib", "timeout");
    private static final int HEAD_MAX = 64 * 1024;

    private SlowReadersCommand() {
    }

    /** One client's download: how many body bytes of how many it got, in how long, and their checksum. */
    record Download(int client, int status, long expected, long received, long millis, long crc, String cut) {

        boolean complete() {
            return cut == null && received == expected;
        }
    }

    static int run(String[] args, PrintStream out) throws UsageException, InterruptedException {
        Flags flags = Flags.parse(args, 1, VALUED, Set.of());
        URI url = url(flags.required("url"));
        int clients = flags.integer("clients", 16, 1, 10_000);
        long rate = flags.integer("kib-per-s", 20, 1, 10_000_000) * 1024L;
        int rcvbuf = flags.integer("rcvbuf-kib", 16, 1, 1024 * 1024) * 1024;
        Duration timeout = flags.duration("timeout", Duration.ofHours(1));
        InetSocketAddress address = new InetSocketAddress(url.getHost(), url.getPort());
        String request = "GET " + (url.getRawPath().isEmpty() ? "/" : url.getRawPath()) + " HTTP/1.1\r\nHost: "
                + url.getHost() + ":" + url.getPort() + "\r\nConnection: close\r\n\r\n";
        out.printf(Locale.ROOT, "slow-readers: %d clients, %.1f KiB/s each, receive buffer %d bytes, %s%n",
                clients, rate / 1024.0, rcvbuf, url);
        List<Download> downloads = new ArrayList<>();
        try (ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Download>> running = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int client = i + 1;
                running.add(readers.submit(() -> download(client, address, request, rate, rcvbuf, timeout)));
            }
            for (Future<Download> future : running) {
                try {
                    downloads.add(future.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException(e.getCause());
                }
            }
        }
        Set<Long> checksums = new TreeSet<>();
        int complete = 0;
        for (Download d : downloads) {
            out.printf(Locale.ROOT, "client %d: status %d, %d of %d bytes in %.1f s%s%n", d.client(), d.status(),
                    d.received(), d.expected(), d.millis() / 1000.0,
                    d.complete() ? String.format(Locale.ROOT, ", crc32c %08x", d.crc()) : ", cut: " + d.cut());
            if (d.complete()) {
                complete++;
                checksums.add(d.crc());
            }
        }
        int cut = clients - complete;
        out.printf(Locale.ROOT, "%d complete, %d cut%s%n", complete, cut,
                complete > 0 ? (checksums.size() == 1 ? ", every complete body the same" : ", BODIES DIFFER") : "");
        return cut == 0 && checksums.size() <= 1 ? 0 : 1;
    }

    private static Download download(int client, InetSocketAddress address, String request, long rate, int rcvbuf,
                                     Duration timeout) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        int status = 0;
        long expected = -1;
        long received = 0;
        CRC32C crc = new CRC32C();
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(rcvbuf);
            socket.connect(address, 10_000);
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())));
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            byte[] buffer = new byte[Math.max(1024, (int) Math.min(rcvbuf, rate / 10))];
            // The head, byte by byte until its blank line, so that no body byte is read before its time.
            for (int last4 = 0; last4 != 0x0d0a0d0a; ) {
                int b = in.read();
                if (b < 0) {
                    return new Download(client, status, expected, 0, elapsed(start), 0, "closed before the head");
                }
                head.write(b);
                last4 = last4 << 8 | b;
                if (head.size() > HEAD_MAX) {
                    return new Download(client, status, expected, 0, elapsed(start), 0, "head over 64 KiB");
                }
            }
            String text = head.toString(StandardCharsets.ISO_8859_1);
            status = Integer.parseInt(text.substring(9, 12));
            expected = contentLength(text);
            if (expected < 0) {
                return new Download(client, status, expected, 0, elapsed(start), 0, "no Content-Length");
            }
            while (received < expected) {
                // Paced: by now, rate * elapsed bytes may have been read; wait for that, then read at most the gap.
                long allowed = (long) ((System.nanoTime() - start) / 1e9 * rate);
                if (received >= allowed) {
                    Thread.sleep(Math.max(1, (received - allowed + buffer.length / 2) * 1000 / rate));
                    continue;
                }
                if (System.nanoTime() > deadline) {
                    return new Download(client, status, expected, received, elapsed(start), 0, "our --timeout");
                }
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, Math.min(expected - received, allowed - received)));
                if (n < 0) {
                    return new Download(client, status, expected, received, elapsed(start), 0, "closed by the server");
                }
                crc.update(buffer, 0, n);
                received += n;
            }
            return new Download(client, status, expected, received, elapsed(start), crc.getValue(), null);
        } catch (IOException e) {
            return new Download(client, status, expected, received, elapsed(start), 0, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Download(client, status, expected, received, elapsed(start), 0, "interrupted");
        } catch (RuntimeException e) {
            return new Download(client, status, expected, received, elapsed(start), 0, "bad head: " + e);
        }
    }

    private static long elapsed(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static long contentLength(String head) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).equalsIgnoreCase("Content-Length")) {
                return Long.parseLong(line.substring(colon + 1).trim());
            }
        }
        return -1;
    }

    private static URI url(String value) throws UsageException {
        try {
            URI uri = new URI(value);
            if (!"http".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
                throw new UsageException("--url wants http://HOST:PORT/PATH, got " + value);
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new UsageException("--url is not a URL: " + value);
        }
    }
}
