package dev.zeroedge.transport;

import dev.zeroedge.mode.Mode;

/** A mode was asked for by name and cannot run here; the cause says why. */
public final class ModeUnavailableException extends RuntimeException {

    private final Mode mode;

    public ModeUnavailableException(Mode mode, Throwable cause) {
        super("mode " + mode + " is unavailable: " + describe(cause), cause);
        this.mode = mode;
    }

    public Mode mode() {
        return mode;
    }

    private static String describe(Throwable cause) {
        String message = cause.getMessage();
        return message == null ? cause.getClass().getName() : message;
    }
}
