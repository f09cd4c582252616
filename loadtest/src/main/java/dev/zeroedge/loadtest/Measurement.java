package dev.zeroedge.loadtest;

import org.HdrHistogram.Histogram;

import java.util.EnumMap;
import java.util.Map;

/**
 * What one measured phase of a load run saw.
 *
 * @param histogram    latency in nanoseconds of every completed response (from the intended start in an
 *                     open loop, from the send in a closed loop)
 * @param responses    complete, correct responses
 * @param bodyBytes    body bytes of those responses
 * @param errors       failed requests by kind
 * @param elapsedNanos how long the phase lasted
 */
record Measurement(Histogram histogram, long responses, long bodyBytes, Map<ErrorKind, Long> errors,
                   long elapsedNanos) {

    Measurement {
        errors = new EnumMap<>(errors);
    }

    double seconds() {
        return elapsedNanos / 1e9;
    }

    double requestsPerSecond() {
        return responses / seconds();
    }

    double gbitPerSecond() {
        return bodyBytes * 8 / seconds() / 1e9;
    }

    long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    /** {@code 3 timeout, 1 short body}, or {@code 0}. */
    String errorSummary() {
        StringBuilder text = new StringBuilder();
        errors.forEach((kind, count) -> {
            if (count > 0) {
                text.append(text.isEmpty() ? "" : ", ").append(count).append(' ').append(kind.label);
            }
        });
        return text.isEmpty() ? "0" : text.toString();
    }
}
