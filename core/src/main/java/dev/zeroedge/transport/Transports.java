package dev.zeroedge.transport;

import dev.zeroedge.mode.Mode;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.ServiceLoader;

/** The modes present on the class path, found with {@link ServiceLoader}. */
public final class Transports {

    private final Map<Mode, Transport> byMode;

    private Transports(Map<Mode, Transport> byMode) {
        this.byMode = Collections.unmodifiableMap(byMode);
    }

    public static Transports load() {
        return load(Transports.class.getClassLoader());
    }

    public static Transports load(ClassLoader loader) {
        Map<Mode, Transport> found = new EnumMap<>(Mode.class);
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
        Map<Mode, Transport> found = new EnumMap<>(Mode.class);
        for (Transport transport : transports) {
            found.put(transport.mode(), transport);
        }
        return new Transports(found);
    }

    /** The provider of a mode, or null when no module on the class path provides it. */
    public Transport find(Mode mode) {
        return byMode.get(mode);
    }

    /**
     * The provider of a mode that must run: throws {@link ModeUnavailableException} with the cause when
     * the module is absent or the transport cannot load here.
     */
    public Transport require(Mode mode) {
        Transport transport = byMode.get(mode);
        if (transport == null) {
            throw new ModeUnavailableException(mode,
                    new IllegalStateException("no provider on the class path (its module is not part of this build)"));
        }
        transport.availability().ensureAvailable();
        return transport;
    }

    public Map<Mode, Transport> all() {
        return byMode;
    }
}
