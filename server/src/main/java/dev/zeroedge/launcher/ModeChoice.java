package dev.zeroedge.launcher;

import dev.zeroedge.transport.Transport;
import dev.zeroedge.transport.Transports;

/** The mode the server runs in and the reason, as logged in the startup line. */
record ModeChoice(Transport transport, String reason) {

    /** A named mode must run or fail with its cause; {@code auto} takes the first available in policy order. */
    static ModeChoice choose(String requested, Transports transports, Flags flags) {
        if (!requested.equals("auto")) {
            return new ModeChoice(transports.require(requested), "asked for by name");
        }
        // Interim policy until the probe lands: the design's order, first available wins.
        for (String mode : new String[] {"uring-splice", "epoll-sendfile", "nio-sendfile"}) {
            if (transports.availability(mode).isAvailable()) {
                return new ModeChoice(transports.find(mode), "auto: first available of uring-splice, epoll-sendfile, nio-sendfile");
            }
        }
        return new ModeChoice(transports.require("nio-sendfile"), "auto");
    }
}
