package dev.zeroedge.transport;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/** The modes present on the class path, found with {@link ServiceLoader}. */
public final class Transports {

    /** Every mode zeroedge knows, in the order of the design table; a module that is absent simply has none. */
    public static final List<String> KNOWN_MODES =
            List.of("uring-splice", "epoll-sendfile", "nio-sendfile", "epoll-mmap", "epoll-copy");

    private final Map<String, Transport> byMode;

    private Transports(Map<String, Transport> byMode) {
        this.byMode = Collections.unmodifiableMap(byMode);
    }

    public static Transports load() {
        return load(Transports.class.getClassLoader());
    }

    public static Transports load(ClassLoader loader) {
        Map<String, Transport> found = new LinkedHashMap<>();
        for (Transport transport : ServiceLoader.load(Transport.class, loader)) {
            Transport previous = found.putIfAbsent(transport.mode(), transport);
            if (previous != null) {
                throw new IllegalStateException("two providers for mode " + transport.mode() + ": "
                        + previous.getClass().getName() + " and " + transport.getClass().getName());
            }
        }
        return new Transports(found);
    }

    public static Transports of(Transport... transports) {
        Map<String, Transport> found = new LinkedHashMap<>();
        for (Transport transport : transports) {
            found.put(transport.mode(), transport);
        }
        return new Transports(found);
    }

    /** The provider of a mode, or null when no module on the class path provides it. */
    public Transport find(String mode) {
        return byMode.get(mode);
    }

    /**
     * The provider of a mode that must run: throws {@link ModeUnavailableException} with the cause when
     * the module is absent or the transport cannot load here.
     */
    public Transport require(String mode) {
        Transport transport = byMode.get(mode);
        if (transport == null) {
            String why = KNOWN_MODES.contains(mode)
                    ? "no provider on the class path (its module is not part of this build)"
                    : "unknown mode (known: " + String.join(", ", KNOWN_MODES) + ")";
            throw new ModeUnavailableException(mode, new IllegalStateException(why));
        }
        transport.availability().ensureAvailable();
        return transport;
    }

    /** The availability of a mode, including "absent" for a mode whose module is not on the class path. */
    public Availability availability(String mode) {
        Transport transport = byMode.get(mode);
        if (transport == null) {
            return Availability.unavailable(mode, new IllegalStateException("no provider on the class path"));
        }
        return transport.availability();
    }

    public Map<String, Transport> all() {
        return byMode;
    }
}
