package dev.zeroedge.cache;

import java.time.Duration;

/**
 * What {@code --scrub-rate} and {@code --scrub-interval} ask of the {@link Scrubber}.
 *
 * @param bytesPerSecond the most body bytes it reads a second; 0: no scrubber
 * @param interval       every object is checked at least once per interval
 */
public record Scrubbing(long bytesPerSecond, Duration interval) {

    public static final long DEFAULT_RATE = 20L * 1024 * 1024;
    public static final Duration DEFAULT_INTERVAL = Duration.ofHours(24);
    public static final Scrubbing DEFAULT = new Scrubbing(DEFAULT_RATE, DEFAULT_INTERVAL);
    public static final Scrubbing OFF = new Scrubbing(0, DEFAULT_INTERVAL);

    public Scrubbing {
        if (bytesPerSecond < 0 || interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("scrub rate 0 (off) or positive, interval positive: " + bytesPerSecond
                    + ", " + interval);
        }
    }
}
