package dev.zeroedge.loadtest;

import dev.zeroedge.cli.JsonText;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.Map;

/**
 * JSON text of maps (in their iteration order), lists, strings, numbers, booleans and null: all the
 * reports need, without a JSON library in the jar. Doubles keep six significant digits; NaN (a value that
 * could not be measured, such as the CPU of a server without a PID) becomes null.
 */
final class Json {

    private Json() {
    }

    static String text(Object value, boolean pretty) {
        StringBuilder out = new StringBuilder();
        write(out, value, pretty ? 0 : -1);
        return out.toString();
    }

    private static void write(StringBuilder out, Object value, int indent) {
        switch (value) {
            case null -> out.append("null");
            case String s -> JsonText.quote(out, s);
            case Double d -> out.append(number(d));
            case Float f -> out.append(number(f.doubleValue()));
            case Number n -> out.append(n.longValue());
            case Boolean b -> out.append(b);
            case Map<?, ?> map -> {
                int inner = indent < 0 ? -1 : indent + 1;
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    out.append(first ? "" : ",");
                    first = false;
                    newline(out, inner);
                    JsonText.quote(out, entry.getKey().toString());
                    out.append(indent >= 0 ? ": " : ":");
                    write(out, entry.getValue(), inner);
                }
                if (!map.isEmpty()) {
                    newline(out, indent);
                }
                out.append('}');
            }
            case List<?> list -> {
                int inner = indent < 0 ? -1 : indent + 1;
                out.append('[');
                boolean first = true;
                for (Object item : list) {
                    out.append(first ? "" : ",");
                    first = false;
                    if (item instanceof Map || item instanceof List) {
                        newline(out, inner);
                    }
                    write(out, item, inner);
                }
                if (!list.isEmpty() && (list.getFirst() instanceof Map || list.getFirst() instanceof List)) {
                    newline(out, indent);
                }
                out.append(']');
            }
            default -> throw new IllegalArgumentException("no JSON for " + value.getClass());
        }
    }

    private static void newline(StringBuilder out, int indent) {
        if (indent >= 0) {
            out.append('\n').append("  ".repeat(indent));
        }
    }

    static String number(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return "null";
        }
        if (d == 0) {
            return "0";
        }
        return new BigDecimal(d).round(new MathContext(6)).stripTrailingZeros().toPlainString();
    }
}
