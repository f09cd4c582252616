package dev.zeroedge.launcher;

import dev.zeroedge.cli.UsageException;

import java.io.PrintStream;

/** {@code java -jar zeroedge.jar serve|check-config|probe|cache verify|--help ...}: dispatches to a command, maps failures to exit codes. */
public final class Main {

    static final int EXIT_OK = 0;
    static final int EXIT_USAGE = 2;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            out.print(Help.TEXT);
            return args.length == 0 ? EXIT_USAGE : EXIT_OK;
        }
        try {
            return switch (args[0]) {
                case "serve" -> ServeCommand.run(args, out);
                case "probe" -> ProbeCommand.run(args, out);
                case "check-config" -> CheckConfigCommand.run(args, out);
                case "cache" -> CacheCommand.run(args, out);
                default -> throw new UsageException("unknown command '" + args[0]
                        + "' (commands: serve, check-config, probe, cache verify; see --help)");
            };
        } catch (UsageException e) {
            // One line per problem: a config file can have several, and check-config reports them all.
            e.getMessage().lines().forEach(line -> err.println("zeroedge: " + line));
            return EXIT_USAGE;
        }
    }
}
