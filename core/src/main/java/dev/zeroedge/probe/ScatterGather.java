package dev.zeroedge.probe;

import java.util.Locale;
import java.util.Objects;

/**
 * A NIC's scatter-gather feature: whether it can send a packet gathered from several memory pages. Without
 * it the kernel linearises every sendfile/splice skb into one buffer, a CPU copy that zero-copy exists to avoid.
 *
 * @param setting on, off or unknown
 * @param flags   what ethtool printed after the value, e.g. {@code [fixed]}; empty when none or from the ioctl
 * @param source  where the value came from
 * @param cause   why it is unknown (null when known)
 */
public record ScatterGather(Setting setting, String flags, Source source, String cause) {

    public enum Setting {
        ON, OFF, UNKNOWN;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public enum Source {
        ETHTOOL, IOCTL, NONE;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public ScatterGather {
        Objects.requireNonNull(setting, "setting");
        Objects.requireNonNull(flags, "flags");
        Objects.requireNonNull(source, "source");
        if ((setting == Setting.UNKNOWN) != (cause != null)) {
            throw new IllegalArgumentException("a cause exactly when unknown: " + setting + ", " + cause);
        }
    }

    public static ScatterGather known(boolean on, String flags, Source source) {
        return new ScatterGather(on ? Setting.ON : Setting.OFF, flags, source, null);
    }

    public static ScatterGather unknown(String cause) {
        return new ScatterGather(Setting.UNKNOWN, "", Source.NONE, cause);
    }

    /** As ethtool prints it: {@code on}, {@code off [fixed]}, {@code unknown}. */
    public String describe() {
        return flags.isEmpty() ? setting.toString() : setting + " " + flags;
    }
}
