package dev.zeroedge.cache;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The addresses a {@code PURGE} is taken from ({@code --purge-allow CIDR,CIDR}; loopback by default): a list of
 * networks, an address matching one when its first {@code bits} bits are the network's. IPv4 and IPv6 never match
 * each other, except that an IPv4-mapped IPv6 peer ({@code ::ffff:127.0.0.1}, as a dual-stack socket reports it)
 * is taken as its IPv4 address.
 */
public record PurgeAllow(List<Network> networks) {

    /** One network: its address's bytes and how many leading bits count. */
    public record Network(byte[] address, int bits) {

        boolean contains(byte[] peer) {
            if (peer.length != address.length) {
                return false;
            }
            int whole = bits / 8;
            for (int i = 0; i < whole; i++) {
                if (peer[i] != address[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (peer[whole] & mask) == (address[whole] & mask);
        }

        // By content: two readings of one configuration are equal (a reload tells what changed by equality).
        @Override
        public boolean equals(Object other) {
            return other instanceof Network network && bits == network.bits
                    && java.util.Arrays.equals(address, network.address);
        }

        @Override
        public int hashCode() {
            return 31 * java.util.Arrays.hashCode(address) + bits;
        }

        @Override
        public String toString() {
            try {
                return InetAddress.getByAddress(address).getHostAddress() + "/" + bits;
            } catch (UnknownHostException e) {
                throw new IllegalStateException("4 or 16 bytes", e);
            }
        }
    }

    public static final String DEFAULT = "127.0.0.0/8,::1/128";

    public PurgeAllow {
        networks = List.copyOf(networks);
    }

    /** {@code 127.0.0.0/8,::1,10.1.2.0/24}: literal addresses only (no name is resolved), a bare one a /32 or /128. */
    public static PurgeAllow parse(String text) {
        List<Network> networks = new ArrayList<>();
        for (String part : text.split(",")) {
            String cidr = part.trim();
            if (cidr.isEmpty()) {
                continue;
            }
            int slash = cidr.indexOf('/');
            String host = slash < 0 ? cidr : cidr.substring(0, slash);
            if (!host.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
                throw new IllegalArgumentException("not an address: " + cidr);
            }
            byte[] address;
            try {
                address = InetAddress.getByName(host).getAddress(); // a literal: no lookup
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("not an address: " + cidr);
            }
            int bits = address.length * 8;
            if (slash >= 0) {
                try {
                    bits = Integer.parseInt(cidr.substring(slash + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("not a prefix length: " + cidr);
                }
                if (bits < 0 || bits > address.length * 8) {
                    throw new IllegalArgumentException("prefix length out of range: " + cidr);
                }
            }
            networks.add(new Network(address, bits));
        }
        if (networks.isEmpty()) {
            throw new IllegalArgumentException("no network in " + text);
        }
        return new PurgeAllow(networks);
    }

    public static PurgeAllow loopback() {
        return parse(DEFAULT);
    }

    public boolean allows(InetAddress peer) {
        if (peer == null) {
            return false;
        }
        byte[] bytes = peer.getAddress();
        if (bytes.length == 16 && mappedIpv4(bytes)) {
            bytes = new byte[] {bytes[12], bytes[13], bytes[14], bytes[15]};
        }
        for (Network network : networks) {
            if (network.contains(bytes)) {
                return true;
            }
        }
        return false;
    }

    private static boolean mappedIpv4(byte[] bytes) {
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
    }

    @Override
    public String toString() {
        return String.join(",", networks.stream().map(Network::toString).toList());
    }
}
