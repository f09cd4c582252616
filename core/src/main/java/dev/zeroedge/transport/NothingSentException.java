package dev.zeroedge.transport;

import java.io.IOException;

/**
 * A {@link FileSender} could not start a send and wrote nothing of it, neither its head nor a byte of its
 * range: e.g. no descriptor was left for the pipe or the dup of the socket a splice needs. When nothing of
 * the response went out before, the response can still be a clean 503 instead of a connection closed with
 * nothing or half a response on it.
 */
public final class NothingSentException extends IOException {

    public NothingSentException(Throwable cause) {
        super("nothing sent: " + cause.getMessage(), cause);
    }
}
