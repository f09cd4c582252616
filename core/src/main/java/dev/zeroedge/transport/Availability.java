package dev.zeroedge.transport;

import dev.zeroedge.mode.Mode;

import java.util.Objects;

/**
 * Whether a mode can run on this machine. Available means "no cause": one source of truth, so the flag and
 * the reason can never disagree. An unavailable mode names the {@link Feature} it is missing and carries
 * the cause the native side gave.
 */
public record Availability(Mode mode, Feature missing, Throwable cause) {

    public Availability {
        Objects.requireNonNull(mode, "mode");
        if ((missing == null) != (cause == null)) {
            throw new IllegalArgumentException("a missing feature exactly when there is a cause: " + missing
                    + ", " + cause);
        }
    }

    public static Availability available(Mode mode) {
        return new Availability(mode, null, null);
    }

    public static Availability unavailable(Mode mode, Feature missing, Throwable cause) {
        return new Availability(mode, Objects.requireNonNull(missing, "missing"), Objects.requireNonNull(cause, "cause"));
    }

    public boolean isAvailable() {
        return cause == null;
    }

    /** Throws {@link ModeUnavailableException} carrying the cause when this mode cannot run. */
    public void ensureAvailable() {
        if (cause != null) {
            throw new ModeUnavailableException(mode, cause);
        }
    }

    /** One line for logs and the probe: "available" or the cause's message. */
    public String describe() {
        if (cause == null) {
            return "available";
        }
        String message = cause.getMessage();
        return message == null ? cause.getClass().getSimpleName() : message;
    }
}
