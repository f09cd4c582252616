package dev.zeroedge.loadtest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A zeroedge server started for one mode: {@code [taskset -c CPUS] JAVA -jar SERVER_JAR serve --root DIR
 * --port P --bind 127.0.0.1 --mode M}, with the java binary of this JVM. Its log goes to a file; the port is
 * read from the log's "serving ... on http://127.0.0.1:PORT/" line (so {@code --port 0} works), then the
 * server counts as ready once it answers an HTTP request. It is stopped by its PID (SIGTERM, then SIGKILL).
 * taskset execs java, so the PID is the JVM's.
 */
final class ServerProcess implements AutoCloseable {

    private static final Pattern SERVING = Pattern.compile("serving .* on http://[^:/]+:(\\d+)/");

    private final String mode;
    private final Process process;
    private final Path log;

    private ServerProcess(String mode, Process process, Path log) {
        this.mode = mode;
        this.process = process;
        this.log = log;
    }

    static ServerProcess start(Path serverJar, String mode, Path root, int port, String cpus, Path log)
            throws IOException {
        return start(serverJar, List.of(), mode, root, port, cpus, log);
    }

    /** As {@link #start(Path, String, Path, int, String, Path)}, with flags for the server's JVM (e.g. {@code -Xmn24m}). */
    static ServerProcess start(Path serverJar, List<String> jvmFlags, String mode, Path root, int port, String cpus,
                               Path log) throws IOException {
        List<String> command = new ArrayList<>();
        if (cpus != null) {
            command.addAll(List.of("taskset", "-c", cpus));
        }
        command.add(javaBinary());
        command.addAll(jvmFlags);
        command.addAll(List.of("-jar", serverJar.toString(), "serve", "--root", root.toString(),
                "--port", Integer.toString(port), "--bind", "127.0.0.1", "--mode", mode));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        return new ServerProcess(mode, process, log);
    }

    /**
     * {@code JAVA -jar SERVER_JAR serve ARGS} as they are (a {@code --config FILE} that names the root, port and
     * mode), called {@code name} in messages.
     */
    static ServerProcess serve(Path serverJar, List<String> args, String name, Path log) throws IOException {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-jar", serverJar.toString(), "serve"));
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new ServerProcess(name, process, log);
    }

    static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    long pid() {
        return process.pid();
    }

    /** Waits for the port in the log and an HTTP answer on it; on failure says why, with the log. */
    InetSocketAddress awaitReady(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int port = -1;
        while (System.nanoTime() < deadline) {
            if (port < 0) {
                Matcher serving = SERVING.matcher(Files.readString(log));
                if (serving.find()) {
                    port = Integer.parseInt(serving.group(1));
                }
            }
            if (port > 0 && answers(port)) {
                return new InetSocketAddress("127.0.0.1", port);
            }
            if (!process.isAlive()) {
                throw new IOException("mode " + mode + ": server exited with " + process.exitValue() + ":\n"
                        + Files.readString(log).strip());
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        throw new IOException("mode " + mode + ": server did not answer within " + timeout.toSeconds() + " s:\n"
                + Files.readString(log).strip());
    }

    private static boolean answers(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            byte[] start = in.readNBytes(9);
            return new String(start, StandardCharsets.US_ASCII).startsWith("HTTP/1.");
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGTERM (the server drains gracefully), SIGKILL if it takes longer than 15 s. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
