package dev.zeroedge.launcher;

import dev.zeroedge.cli.Flags;
import dev.zeroedge.cli.UsageException;
import dev.zeroedge.probe.ModeSelector;
import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.transport.ModeUnavailableException;
import dev.zeroedge.transport.Transports;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code check-config --config FILE [serve's flags]}, like {@code nginx -t}: reads the file and the flags
 * exactly as {@code serve} would ({@link ServeSettings}) and checks, without serving:
 * <ul>
 *   <li>the YAML, and every key and value: an unknown key, a key given twice, a bad number, size or
 *       duration, one out of its range, each with the file, the line and the key;</li>
 *   <li>that the root is a readable directory and the bind address resolves;</li>
 *   <li>that the mode can run on this machine: a mode named is probed, {@code auto} is resolved to the
 *       mode it picks here, which the OK line names.</li>
 * </ul>
 * Not checked: that the port is free (the server being checked usually holds it) and what the open-file
 * limit holds (systemd's {@code LimitNOFILE} is not the limit of the shell that runs this).
 * Prints one OK line and exits 0, or one line per problem on stderr and exits 2.
 */
final class CheckConfigCommand {

    private CheckConfigCommand() {
    }

    static int run(String[] args, PrintStream out) throws UsageException {
        Flags commandLine = Flags.parse(args, 1, ServeFlags.VALUED, ServeFlags.SWITCHES);
        Path file = ServeSettings.configFile(commandLine);
        if (file == null) {
            throw new UsageException("check-config needs --config FILE");
        }
        ServeSettings settings = ServeSettings.read(commandLine);
        Observability.check(settings.flags());
        Transports transports = Transports.load();
        ModeSelector.Choice choice = settings.choose(transports);
        try {
            transports.require(choice.mode());
        } catch (ModeUnavailableException e) {
            throw new UsageException(settings.flags().where("mode") + " " + e.getMessage());
        }
        ServerConfig config = settings.config();
        out.println(file + ": OK (serve " + config.root().toAbsolutePath().normalize() + " on "
                + config.bind().getHostString() + ":" + config.bind().getPort() + " in mode " + choice.mode()
                + ")");
        return Main.EXIT_OK;
    }
}
