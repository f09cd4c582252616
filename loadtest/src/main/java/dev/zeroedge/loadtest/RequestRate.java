package dev.zeroedge.loadtest;

import dev.zeroedge.cli.Flags;
import dev.zeroedge.cli.UsageException;

/** The {@code --rate} of a load: {@code max} (a closed loop, 0 here) or a positive number of requests per second. */
final class RequestRate {

    private RequestRate() {
    }

    static long of(Flags flags, String name) throws UsageException {
        String value = flags.string(name, "max");
        if (value.equals("max")) {
            return 0;
        }
        try {
            long parsed = Long.parseLong(value);
            if (parsed < 1) {
                throw new UsageException("--" + name + " must be max or a positive number of requests/s: " + value);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be max or a number of requests/s: " + value);
        }
    }
}
