package dev.zeroedge.probe;

import java.util.Optional;

/**
 * The IPv4 routing table as the kernel prints it in {@code /proc/net/route}: a header line, then one route
 * per line with hexadecimal fields {@code Iface Destination Gateway Flags RefCnt Use Metric Mask ...}.
 */
final class RouteTable {

    private static final int RTF_UP = 0x1;

    private RouteTable() {
    }

    /** The interface of the default route (destination and mask 0, up) with the lowest metric. */
    static Optional<String> defaultRouteInterface(String table) {
        String best = null;
        long bestMetric = Long.MAX_VALUE;
        for (String line : table.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length < 8 || f[0].equals("Iface")) {
                continue;
            }
            try {
                boolean isDefault = Long.parseLong(f[1], 16) == 0 && Long.parseLong(f[7], 16) == 0;
                boolean up = (Integer.parseInt(f[3], 16) & RTF_UP) != 0;
                long metric = Long.parseLong(f[6]);
                if (isDefault && up && metric < bestMetric) {
                    best = f[0];
                    bestMetric = metric;
                }
            } catch (NumberFormatException e) {
                // a line we do not understand names no route
            }
        }
        return Optional.ofNullable(best);
    }
}
