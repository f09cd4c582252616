package dev.zeroedge.probe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads scatter-gather from {@code ethtool -k IFACE}, whose line reads {@code scatter-gather: on} or
 * {@code scatter-gather: off [fixed]}. The command is injected so tests can put a script in its place.
 */
final class EthtoolCommand {

    private static final long TIMEOUT_SECONDS = 5;

    private final List<String> command;

    /** @param command the program and any leading arguments, e.g. {@code [ethtool]}; {@code -k IFACE} is appended */
    EthtoolCommand(List<String> command) {
        this.command = List.copyOf(command);
    }

    /** The feature, or unknown with the cause when the command cannot run, fails or prints no such line. */
    ScatterGather scatterGather(String nic) {
        List<String> argv = new ArrayList<>(command);
        argv.add("-k");
        argv.add(nic);
        String shown = String.join(" ", argv);
        Process process;
        try {
            process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        } catch (IOException | RuntimeException e) {
            return ScatterGather.unknown("cannot run '" + shown + "': " + String.valueOf(e.getMessage()).strip());
        }
        try {
            process.getOutputStream().close();
            // Read on another thread so a command that never closes its output cannot hold startup.
            CompletableFuture<byte[]> output = CompletableFuture.supplyAsync(() -> readAll(process),
                    task -> Thread.ofVirtual().start(task));
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                return ScatterGather.unknown("'" + shown + "' gave no answer within " + TIMEOUT_SECONDS + " s");
            }
            String text = new String(output.get(TIMEOUT_SECONDS, TimeUnit.SECONDS), StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                return ScatterGather.unknown("'" + shown + "' exited " + process.exitValue() + firstLine(text));
            }
            return parse(text, shown);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ScatterGather.unknown("interrupted while running '" + shown + "'");
        } catch (ExecutionException | TimeoutException | IOException e) {
            return ScatterGather.unknown("cannot read the output of '" + shown + "': " + e);
        } finally {
            process.destroyForcibly();
        }
    }

    /** The {@code scatter-gather:} line of an {@code ethtool -k} output (not the indented tx-scatter-gather). */
    static ScatterGather parse(String output, String shown) {
        for (String line : output.split("\n")) {
            if (!line.startsWith("scatter-gather:")) {
                continue;
            }
            String value = line.substring("scatter-gather:".length()).strip();
            int space = value.indexOf(' ');
            String word = space < 0 ? value : value.substring(0, space);
            String flags = space < 0 ? "" : value.substring(space + 1).strip();
            return switch (word) {
                case "on" -> ScatterGather.known(true, flags, ScatterGather.Source.ETHTOOL);
                case "off" -> ScatterGather.known(false, flags, ScatterGather.Source.ETHTOOL);
                default -> ScatterGather.unknown("'" + shown + "' printed an unexpected value: " + line.strip());
            };
        }
        return ScatterGather.unknown("'" + shown + "' printed no scatter-gather line");
    }

    private static byte[] readAll(Process process) {
        try {
            return process.getInputStream().readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String firstLine(String text) {
        String line = text.strip().lines().findFirst().orElse("");
        return line.isEmpty() ? "" : ": " + line;
    }
}
