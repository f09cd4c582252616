package dev.zeroedge.launcher;

/** A command line that cannot be run: printed as one line, exit code 2. */
final class UsageException extends Exception {

    UsageException(String message) {
        super(message);
    }
}
