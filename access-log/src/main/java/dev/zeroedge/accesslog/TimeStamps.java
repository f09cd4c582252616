package dev.zeroedge.accesslog;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The times of the writer thread's lines, formatted once per second (nginx caches its time strings the same
 * way): a busy log has thousands of lines a second, and a formatter run per line costs more than the rest of
 * the line. Not thread-safe: one per writer.
 */
final class TimeStamps {

    private static final DateTimeFormatter LOCAL =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.US).withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter ISO_SECOND =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss", Locale.ROOT).withZone(ZoneId.of("UTC"));

    private long localSecond = Long.MIN_VALUE;
    private String local;
    private long isoSecond = Long.MIN_VALUE;
    private String iso;

    /** nginx's {@code $time_local}: {@code 01/Dec/2026:14:03:07 +0000}. */
    String local(long millis) {
        long second = Math.floorDiv(millis, 1000);
        if (second != localSecond) {
            local = LOCAL.format(Instant.ofEpochSecond(second));
            localSecond = second;
        }
        return local;
    }

    /** ISO-8601 in UTC with milliseconds: {@code 2026-12-01T14:03:07.512Z}. */
    void appendIso(StringBuilder line, long millis) {
        long second = Math.floorDiv(millis, 1000);
        if (second != isoSecond) {
            iso = ISO_SECOND.format(Instant.ofEpochSecond(second));
            isoSecond = second;
        }
        int milli = (int) Math.floorMod(millis, 1000);
        line.append(iso).append('.').append((char) ('0' + milli / 100)).append((char) ('0' + milli / 10 % 10))
                .append((char) ('0' + milli % 10)).append('Z');
    }
}
