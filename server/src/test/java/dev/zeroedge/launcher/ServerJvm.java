package dev.zeroedge.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real server JVM under {@code ulimit -n LIMIT} (soft and hard), started the way the runnable jar starts
 * (native access, and the opens that let {@code uring-splice} use the JDK's file descriptors), with its log.
 */
record ServerJvm(Process process, int port, List<String> log) {

    private static final Pattern SERVING = Pattern.compile("serving .* on http://[^:/]+:(\\d+)/");
    private static final Pattern MAX_CONNECTIONS = Pattern.compile(" zeroedge - max connections (\\d+) ");

    /** Starts {@code serve --mode MODE FLAGS} on 127.0.0.1 and reads its log up to the "serving" line. */
    static ServerJvm start(Path root, int openFileLimit, String mode, String... flags) throws IOException {
        List<String> args = new ArrayList<>(List.of("--root", root.toString(), "--bind", "127.0.0.1", "--port", "0",
                "--mode", mode));
        args.addAll(List.of(flags));
        return serve(openFileLimit, args.toArray(String[]::new));
    }

    /** Starts {@code serve --origin ORIGIN --cache-dir DIR --mode MODE FLAGS}: an edge cache. */
    static ServerJvm startCache(String origin, Path cacheDir, int openFileLimit, String mode, String... flags)
            throws IOException {
        List<String> args = new ArrayList<>(List.of("--origin", origin, "--cache-dir", cacheDir.toString(), "--bind",
                "127.0.0.1", "--port", "0", "--mode", mode));
        args.addAll(List.of(flags));
        return serve(openFileLimit, args.toArray(String[]::new));
    }

    /** Starts {@code serve ARGS} as they are (e.g. {@code --config FILE}) and reads its log up to the "serving" line. */
    static ServerJvm serve(int openFileLimit, String... args) throws IOException {
        return serve(openFileLimit, List.of(), args);
    }

    /** With {@code jvmOptions} before the class path (e.g. a lighter JIT for tests that start many JVMs). */
    static ServerJvm serve(int openFileLimit, List<String> jvmOptions, String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of("sh", "-c", "ulimit -n " + openFileLimit + " && exec \"$@\"",
                "sh", java, "--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-opens", "java.base/java.io=ALL-UNNAMED"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            log.add(line);
            Matcher serving = SERVING.matcher(line);
            if (serving.find()) {
                // Keep reading the log, so the server never blocks on a full pipe and the test sees all of it.
                Thread.ofVirtual().start(() -> {
                    try {
                        lines.lines().forEach(log::add);
                    } catch (java.io.UncheckedIOException closed) {
                        // The process is gone and the JDK closed its stream: the log is complete.
                    }
                });
                return new ServerJvm(process, Integer.parseInt(serving.group(1)), log);
            }
        }
        process.destroyForcibly();
        throw new IOException("the server did not start: " + log);
    }

    /** The log's connection-limit lines, without their time stamp. */
    List<String> connectionLines() {
        return logged(" zeroedge - max connections ").stream().map(l -> l.substring(l.indexOf(' '))).toList();
    }

    /** The connection limit the server logged. */
    int maxConnections() {
        for (String line : logged(" zeroedge - max connections ")) {
            Matcher max = MAX_CONNECTIONS.matcher(line);
            if (max.find()) {
                return Integer.parseInt(max.group(1));
            }
        }
        throw new AssertionError("no max connections line in " + log);
    }

    /** The log lines so far that contain {@code text}. */
    List<String> logged(String text) {
        synchronized (log) {
            return log.stream().filter(l -> l.contains(text)).toList();
        }
    }

    /** The server process's open descriptors, from its /proc/PID/fd. */
    int openDescriptors() {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(process.pid()), "fd"))) {
            return (int) fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits up to 10 s for a log line that contains {@code text}, and answers it. */
    String awaitLogged(String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            List<String> found = logged(text);
            if (!found.isEmpty()) {
                return found.getFirst();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no log line with '" + text + "' in " + log);
    }

    /** Sends {@code signal} (HUP, TERM, ...) to the server process, as systemd or an operator would. */
    void signal(String signal) throws IOException, InterruptedException {
        int code = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start().waitFor();
        if (code != 0) {
            throw new IOException("kill -" + signal + " exited " + code);
        }
    }

    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
