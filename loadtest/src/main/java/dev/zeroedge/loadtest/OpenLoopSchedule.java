package dev.zeroedge.loadtest;

/**
 * When each request of an open-loop run should start (wrk2's idea): requests are due at a fixed rate no
 * matter how slowly the server answers, and latency is measured from the due time, so a stall delays
 * every request behind it and shows in the percentiles instead of pausing the clock (coordinated
 * omission).
 *
 * <p>The {@code k}-th request of connection {@code c} is request number {@code n = k * connections + c}
 * overall, due at {@code start + n * 1e9 / rate} ns: each connection carries {@code rate / connections}
 * requests/s and the connections are staggered so that the whole run is evenly spaced. The product
 * {@code n * 1e9} stays within a long for 9.2e9 requests (hours at a million requests/s).
 */
record OpenLoopSchedule(long startNanos, long ratePerSecond, int connections) {

    OpenLoopSchedule {
        if (ratePerSecond < 1 || connections < 1) {
            throw new IllegalArgumentException("rate and connections must be positive");
        }
    }

    long intendedStart(int connection, long k) {
        long n = k * connections + connection;
        return startNanos + n * 1_000_000_000L / ratePerSecond;
    }
}
