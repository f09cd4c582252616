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
        List<String> serve = new ArrayList<>(List.of("--root", root.toString()));
        serve.addAll(List.of(flags));
        return launch(openFileLimit, mode, serve);
    }

    /** Starts {@code serve --origin ORIGIN --cache-dir DIR --mode MODE FLAGS}: an edge cache. */
    static ServerJvm startCache(String origin, Path cacheDir, int openFileLimit, String mode, String... flags)
            throws IOException {
        List<String> serve = new ArrayList<>(List.of("--origin", origin, "--cache-dir", cacheDir.toString()));
        serve.addAll(List.of(flags));
        return launch(openFileLimit, mode, serve);
    }

    private static ServerJvm launch(int openFileLimit, String mode, List<String> serve) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of("sh", "-c", "ulimit -n " + openFileLimit + " && exec \"$@\"",
                "sh", java, "--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-opens", "java.base/java.io=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "serve", "--bind", "127.0.0.1", "--port", "0", "--mode", mode));
        command.addAll(serve);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            log.add(line);
            Matcher serving = SERVING.matcher(line);
            if (serving.find()) {
                // Keep reading the log, so the server never blocks on a full pipe and the test sees all of it.
                Thread.ofVirtual().start(() -> lines.lines().forEach(log::add));
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

    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
