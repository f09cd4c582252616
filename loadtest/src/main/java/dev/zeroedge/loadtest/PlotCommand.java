package dev.zeroedge.loadtest;

import dev.zeroedge.cli.Flags;
import dev.zeroedge.cli.UsageException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code plot A.hgrm B.hgrm ... --out chart.html [--title T]}: any {@code .hgrm} files on one chart. */
final class PlotCommand {

    private PlotCommand() {
    }

    static int run(String[] args, PrintStream out) throws UsageException, IOException {
        Flags flags = Flags.parse(args, 1, Set.of("out", "title"), Set.of(), Set.of(), Flags.Positional.ANY);
        if (flags.positional().isEmpty()) {
            throw new UsageException("plot needs at least one .hgrm file");
        }
        Path target = Path.of(flags.required("out"));
        List<PercentileCurve> curves = new ArrayList<>();
        for (String file : flags.positional()) {
            Path path = Path.of(file);
            String label = path.getFileName().toString().replaceFirst("\\.hgrm$", "");
            curves.add(PercentileCurve.readHgrm(label, path));
        }
        String title = flags.string("title", "latency by percentile");
        Map<String, List<PercentileCurve>> charts = new LinkedHashMap<>();
        charts.put(title, curves);
        HtmlReport.write(target, title, Map.of("files", String.join(" ", flags.positional())), List.of(), charts);
        out.println("wrote " + target.toAbsolutePath());
        return 0;
    }
}
