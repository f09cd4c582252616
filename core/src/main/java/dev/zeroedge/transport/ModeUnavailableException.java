package dev.zeroedge.transport;

/** A mode was asked for by name and cannot run here; the cause says why. */
public final class ModeUnavailableException extends RuntimeException {

    private final String mode;

    public ModeUnavailableException(String mode, Throwable cause) {
        super("mode " + mode + " is unavailable: " + describe(cause), cause);
        this.mode = mode;
    }

    public String mode() {
        return mode;
    }

    private static String describe(Throwable cause) {
        String message = cause.getMessage();
        return message == null ? cause.getClass().getName() : message;
    }
}
