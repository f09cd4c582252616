package dev.zeroedge.cli;

/** A command line that cannot be run: the program prints it as one line and exits with code 2. */
public final class UsageException extends Exception {

    public UsageException(String message) {
        super(message);
    }
}
