package dev.zeroedge.cache;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code zeroedge cache verify}: every object of a cache directory checked offline ({@link ObjectCheck}), as
 * fast as the disk goes, changing nothing. Meant for the directory of a stopped server; on a running one, a
 * fill or an eviction during the walk may show as an orphan or a missing body.
 */
public final class Verifier {

    /**
     * What a check found.
     *
     * @param objects objects with metadata
     * @param bytes   body bytes read and compared with their checksums
     * @param bad     objects with anything wrong
     * @param orphans body files without metadata, and what {@code tmp/} holds
     */
    public record Summary(long objects, long bytes, long bad, long orphans) {

        public boolean clean() {
            return bad == 0 && orphans == 0;
        }
    }

    private Verifier() {
    }

    /**
     * Checks every object of {@code directory}, printing one line per bad object (key, slice, what) and per
     * orphan to {@code out}, then the summary. IOException when the directory cannot be read at all.
     */
    public static Summary verify(Path directory, PrintStream out) throws IOException, InterruptedException {
        Store store = Store.existing(directory);
        Store.Survey survey = store.survey();
        Pace pace = Pace.unlimited();
        ObjectCheck check = new ObjectCheck(store, pace);
        long bad = 0;
        for (String hash : survey.objects()) {
            Fault fault = check.check(hash, null);
            if (fault != null) {
                bad++;
                out.println("bad: " + fault.describe());
            }
        }
        for (Path orphan : survey.orphans()) {
            out.println("orphan: " + store.directory().relativize(orphan));
        }
        Summary summary = new Summary(survey.objects().size(), pace.taken(), bad, survey.orphans().size());
        out.println(store.directory() + ": " + summary.objects() + " objects, " + summary.bytes() + " bytes checked, "
                + summary.bad() + " bad, " + summary.orphans() + " orphans");
        return summary;
    }
}
