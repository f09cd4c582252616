package dev.zeroedge.accesslog;

import dev.zeroedge.cli.JsonText;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * How a line of the access log reads ({@code --access-log-format}).
 *
 * <p>{@code combined} is nginx's {@code combined} with three fields after it, the request time in seconds
 * (to the microsecond), the mode and the bytes sent (head and body, nginx's {@code $bytes_sent}):
 * <pre>
 * 127.0.0.1 - - [01/Dec/2026:14:03:07 +0000] "GET /a.txt HTTP/1.1" 200 1024 "-" "curl/8.5.0" 0.000087 uring-splice 1270
 * </pre>
 * that is {@code $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer"
 * "$http_user_agent" $request_time $mode $bytes_sent}. As nginx does, a {@code "} or {@code \} and every byte
 * outside printable ASCII in the request, Referer and User-Agent are written {@code \xHH}; a missing field
 * is {@code -}; a response to no request (a refused head, a 408) has the request {@code "-"}.
 *
 * <p>{@code json} is one object per line with the same facts and a few more, named plainly:
 * {@code time} (ISO-8601 UTC with milliseconds: {@code 2026-12-01T14:03:07.512Z}), {@code remote_addr}, {@code method}, {@code target},
 * {@code protocol}, {@code status}, {@code body_bytes_sent}, {@code bytes_sent}, {@code zero_copy_bytes},
 * {@code request_time}, {@code mode}, {@code complete} (false: the response failed and the connection
 * closed), {@code referer}, {@code user_agent}; a field without a value is {@code null}.
 */
public enum LogFormat {

    COMBINED {
        @Override
        void append(StringBuilder line, LogEntry entry, String mode, TimeStamps times) {
            line.append(address(entry.peer())).append(" - - [").append(times.local(entry.startMillis())).append("] \"");
            if (entry.request() == null) {
                line.append('-');
            } else {
                escaped(line, entry.request().method().name());
                line.append(' ');
                escaped(line, entry.request().target());
                line.append(' ');
                escaped(line, entry.request().version().text());
            }
            line.append("\" ").append(entry.status()).append(' ').append(entry.bodyBytes()).append(" \"");
            escaped(line, entry.referer());
            line.append("\" \"");
            escaped(line, entry.userAgent());
            line.append("\" ");
            seconds(line, entry.nanos());
            line.append(' ').append(mode).append(' ').append(entry.bytesSent());
        }
    },

    JSON {
        @Override
        void append(StringBuilder line, LogEntry entry, String mode, TimeStamps times) {
            line.append("{\"time\":\"");
            times.appendIso(line, entry.startMillis());
            line.append('"');
            line.append(",\"remote_addr\":").append(JsonText.quote(address(entry.peer())));
            boolean request = entry.request() != null;
            line.append(",\"method\":").append(JsonText.quote(request ? entry.request().method().name() : null));
            line.append(",\"target\":").append(JsonText.quote(request ? entry.request().target() : null));
            line.append(",\"protocol\":").append(JsonText.quote(request ? entry.request().version().text() : null));
            line.append(",\"status\":").append(entry.status());
            line.append(",\"body_bytes_sent\":").append(entry.bodyBytes());
            line.append(",\"bytes_sent\":").append(entry.bytesSent());
            line.append(",\"zero_copy_bytes\":").append(entry.zeroCopyBytes());
            line.append(",\"request_time\":");
            seconds(line, entry.nanos());
            line.append(",\"mode\":").append(JsonText.quote(mode));
            line.append(",\"complete\":").append(entry.complete());
            line.append(",\"referer\":").append(JsonText.quote(entry.referer()));
            line.append(",\"user_agent\":").append(JsonText.quote(entry.userAgent()));
            line.append('}');
        }
    };

    /** Appends the line of {@code entry}, without its newline; runs on the writer thread. */
    abstract void append(StringBuilder line, LogEntry entry, String mode, TimeStamps times);

    /** The name {@code --access-log-format} takes. */
    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** {@code combined} or {@code json}. */
    public static LogFormat parse(String name) {
        return switch (name) {
            case "combined" -> COMBINED;
            case "json" -> JSON;
            default -> throw new IllegalArgumentException("unknown access-log format " + name + " (known: combined, json)");
        };
    }

    private static String address(SocketAddress peer) {
        return peer instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : String.valueOf(peer);
    }

    /** Seconds with six decimals, without a floating-point detour. */
    private static void seconds(StringBuilder line, long nanos) {
        long micros = Math.max(0, nanos) / 1000;
        String fraction = Long.toString(micros % 1_000_000);
        line.append(micros / 1_000_000).append('.');
        for (int i = fraction.length(); i < 6; i++) {
            line.append('0');
        }
        line.append(fraction);
    }

    /** nginx's escaping of logged variables: {@code "}, {@code \} and bytes outside 0x20..0x7e as \xHH; null as -. */
    private static void escaped(StringBuilder line, String value) {
        if (value == null) {
            line.append('-');
            return;
        }
        int plain = 0; // the start of the run of characters that need no escape, appended in one go
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\' || c < 0x20 || c > 0x7e) {
                line.append(value, plain, i);
                plain = i + 1;
                // Fields are read as ISO-8859-1, so a char is one byte of the request.
                line.append("\\x").append(Character.forDigit((c >> 4) & 0xf, 16)).append(Character.forDigit(c & 0xf, 16));
            }
        }
        line.append(value, plain, value.length());
    }
}
