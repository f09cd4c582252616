package dev.zeroedge.loadtest;

import dev.zeroedge.cli.UsageException;

import java.net.InetSocketAddress;
import java.net.URI;

/**
 * A server under load: where it listens, the path its corpus is served under, and its PID when known
 * (then its CPU, context switches and memory are read from {@code /proc}).
 *
 * @param name       the mode (e.g. {@code nio-sendfile}) or the external server's name (e.g. {@code nginx})
 * @param address    where to connect
 * @param pathPrefix prepended to {@code 1k.bin} etc.; starts and ends with {@code /}
 * @param pid        the server's PID, or -1 when unknown
 */
record Target(String name, InetSocketAddress address, String pathPrefix, long pid) {

    boolean hasPid() {
        return pid > 0;
    }

    String hostHeader() {
        return address.getHostString() + ":" + address.getPort();
    }

    /** {@code http://HOST:PORT[/path]}. */
    static Target ofUrl(String name, String url, long pid) throws UsageException {
        URI uri;
        try {
            uri = new URI(url);
        } catch (java.net.URISyntaxException e) {
            throw new UsageException("not a URL: " + url);
        }
        if (!"http".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
            throw new UsageException("want http://HOST:PORT[/path], got " + url);
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (!path.endsWith("/")) {
            path += "/";
        }
        return new Target(name, new InetSocketAddress(uri.getHost(), uri.getPort()), path, pid);
    }

    /** {@code NAME=URL[,pid=PID]}, the value of {@code --external}. */
    static Target ofExternal(String spec) throws UsageException {
        int eq = spec.indexOf('=');
        if (eq <= 0) {
            throw new UsageException("--external wants NAME=URL[,pid=PID], got " + spec);
        }
        String name = spec.substring(0, eq);
        String rest = spec.substring(eq + 1);
        long pid = -1;
        int comma = rest.indexOf(",pid=");
        if (comma >= 0) {
            try {
                pid = Long.parseLong(rest.substring(comma + ",pid=".length()));
            } catch (NumberFormatException e) {
                throw new UsageException("--external pid is not a number: " + spec);
            }
            rest = rest.substring(0, comma);
        }
        return ofUrl(name, rest, pid);
    }
}
