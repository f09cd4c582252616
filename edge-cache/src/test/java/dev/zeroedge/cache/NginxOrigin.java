package dev.zeroedge.cache;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real nginx serving {@code root} on a loopback port, as an origin for tests: its own configuration in its own
 * directory, in the foreground ({@code daemon off}, one process), stopped by the test. Every request it answers is
 * a line of its access log: the request line, the Host, Via, X-Forwarded-For and Range it was sent, and the
 * status.
 * Objects are sent with {@code Cache-Control: max-age=3600} ({@code expires 1h}).
 */
final class NginxOrigin implements AutoCloseable {

    private static final String NGINX = "/usr/sbin/nginx";

    private final Process process;
    private final Path dir;
    private final int port;

    private NginxOrigin(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    static NginxOrigin start(Path root, Path dir) throws IOException, InterruptedException {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort(); // free a moment ago; nginx fails loudly below if another took it
        }
        Files.createDirectories(dir.resolve("temp"));
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, """
                daemon off;
                master_process off;
                user root;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log info;
                events { worker_connections 64; }
                http {
                    log_format origin '$request|$http_host|$http_via|$http_x_forwarded_for|$http_range|$status';
                    access_log %1$s/access.log origin;
                    client_body_temp_path %1$s/temp/body;
                    proxy_temp_path %1$s/temp/proxy;
                    fastcgi_temp_path %1$s/temp/fastcgi;
                    uwsgi_temp_path %1$s/temp/uwsgi;
                    scgi_temp_path %1$s/temp/scgi;
                    default_type application/octet-stream;
                    server {
                        listen 127.0.0.1:%2$d;
                        root %3$s;
                        expires 1h;
                    }
                }
                """.formatted(dir, port, root));
        Process process = new ProcessBuilder(NGINX, "-p", dir.toString(), "-e", dir.resolve("error.log").toString(),
                "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        NginxOrigin nginx = new NginxOrigin(process, dir, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!nginx.listening()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                nginx.close();
                throw new IOException("nginx did not start on port " + port + ": "
                        + Files.readString(dir.resolve("stdout.log")) + Files.readString(dir.resolve("error.log")));
            }
            Thread.sleep(20);
        }
        return nginx;
    }

    private boolean listening() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    int port() {
        return port;
    }

    /** The requests nginx answered so far, one line each. */
    List<String> requests() throws IOException {
        Path log = dir.resolve("access.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy(); // SIGTERM: nginx's fast shutdown
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
