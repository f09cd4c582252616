package dev.zeroedge.loadtest;

/** A command line the loadtest cannot act on; Main prints the message and exits with 2. */
final class UsageException extends Exception {

    UsageException(String message) {
        super(message);
    }
}
