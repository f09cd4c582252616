package dev.zeroedge.transport;

import java.util.Objects;

/**
 * Whether a mode can run on this machine. Available means "no cause": one source of truth, so the
 * flag and the reason can never disagree.
 */
public record Availability(String mode, Throwable cause) {

    public Availability {
        Objects.requireNonNull(mode, "mode");
    }

    public static Availability available(String mode) {
        return new Availability(mode, null);
    }

    public static Availability unavailable(String mode, Throwable cause) {
        return new Availability(mode, Objects.requireNonNull(cause, "cause"));
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
