package dev.zeroedge.launcher;

import dev.zeroedge.cache.Verifier;
import dev.zeroedge.cli.Flags;
import dev.zeroedge.cli.UsageException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * {@code cache verify --cache-dir DIR}: every object of an edge cache's directory checked offline against its
 * checksums ({@link Verifier}): one line per bad object and per orphan, then a summary; exit 0 when all is
 * well, 1 when anything is bad (an orphan too), 2 for a bad command line or a directory that cannot be read.
 */
final class CacheCommand {

    static final int EXIT_BAD = 1;

    private CacheCommand() {
    }

    static int run(String[] args, PrintStream out) throws UsageException {
        if (args.length < 2 || !args[1].equals("verify")) {
            throw new UsageException("cache needs a subcommand: cache verify --cache-dir DIR");
        }
        Flags flags = Flags.parse(args, 2, Set.of("cache-dir"), Set.of());
        if (!flags.positional().isEmpty()) {
            throw new UsageException("cache verify takes no arguments but --cache-dir DIR: " + flags.positional());
        }
        List<Path> directories = ServeSettings.directories(flags.required("cache-dir"));
        if (directories == null) {
            throw new UsageException("--cache-dir names a directory twice or an empty one: "
                    + flags.required("cache-dir"));
        }
        boolean clean = true;
        for (Path directory : directories) {
            try {
                clean &= Verifier.verify(directory, out).clean(); // one summary line per directory
            } catch (IOException e) {
                throw new UsageException("--cache-dir " + directory + " cannot be read: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UsageException("interrupted");
            }
        }
        return clean ? Main.EXIT_OK : EXIT_BAD;
    }
}
