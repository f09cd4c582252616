package dev.zeroedge.launcher;

import com.sun.net.httpserver.HttpServer;
import dev.zeroedge.cache.Rendezvous;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tier on loopback, every node its own server JVM: three parents (p0, p1, p2) caching one origin, two children
 * (c0, c1) with {@code --parents} of the three, and a node that is its own parent. Each object has one home: the
 * origin is asked for each key once, by one parent, whichever child asked first; when p1 is killed only p1's
 * keys are asked again (by their next parent) and the others stay hits at their homes; when p1 comes back (empty)
 * its keys return to it and no other. A node that asks itself answers 508 through CDN-Loop. The origin tells the
 * parents apart by the last id of the {@code CDN-Loop} each request brings ({@code c0, p1}).
 */
class CacheTierTest {

    private static final int KEYS = 60;
    private static final String MODE = "epoll-sendfile";

    private final List<AutoCloseable> open = new ArrayList<>();
    /** What the origin was asked: path to the CDN-Loop of each request, in order. */
    private final Map<String, List<String>> asked = new TreeMap<>();
    @TempDir
    Path work;

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    private static byte[] body(String path) {
        byte[] b = new byte[1000 + Math.floorMod(path.hashCode(), 500)];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 7 + path.hashCode());
        }
        return b;
    }

    private int origin() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            synchronized (asked) {
                asked.computeIfAbsent(path, p -> new ArrayList<>())
                        .add(String.valueOf(exchange.getRequestHeaders().getFirst("CDN-Loop")));
            }
            byte[] body = body(path);
            exchange.getResponseHeaders().set("Cache-Control", "max-age=3600");
            exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        open.add(() -> server.stop(0));
        return server.getAddress().getPort();
    }

    /** The id of the parent that asked the origin: the last of the request's CDN-Loop. */
    private static String lastId(String cdnLoop) {
        String[] ids = cdnLoop.split(",");
        return ids[ids.length - 1].trim();
    }

    /** Path to the parent that asked the origin, of the requests from index {@code from} of each path's list on. */
    private Map<String, List<String>> askedSince(Map<String, Integer> from) {
        Map<String, List<String>> since = new TreeMap<>();
        synchronized (asked) {
            asked.forEach((path, loops) -> {
                List<String> later = loops.subList(from.getOrDefault(path, 0), loops.size());
                if (!later.isEmpty()) {
                    since.put(path, later.stream().map(CacheTierTest::lastId).toList());
                }
            });
        }
        return since;
    }

    private Map<String, Integer> mark() {
        Map<String, Integer> counts = new HashMap<>();
        synchronized (asked) {
            asked.forEach((path, loops) -> counts.put(path, loops.size()));
        }
        return counts;
    }

    /** A cache node named {@code name} ({@code --cdn-id}) on {@code port} (0: any). */
    private ServerJvm start(String name, String origin, int port, String... flags) throws IOException {
        List<String> args = new ArrayList<>(List.of("--origin", origin, "--cache-dir",
                work.resolve(name + "-" + System.nanoTime()).toString(), "--bind", "127.0.0.1", "--port",
                Integer.toString(port), "--mode", MODE, "--cdn-id", name));
        args.addAll(List.of(flags));
        // Six short-lived JVMs on a small machine: the client compiler alone and the serial collector start
        // them with less CPU; what is tested (routing, probes, loops) does not depend on the JIT.
        ServerJvm jvm = ServerJvm.serve(4096, List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"),
                args.toArray(String[]::new));
        open.add(jvm.process()::destroyForcibly);
        return jvm;
    }

    @Test
    void eachKeyHasOneHomeAndOnlyADeadParentsKeysMove() throws Exception {
        String origin = "http://127.0.0.1:" + origin();
        int selfPort;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            selfPort = free.getLocalPort();
        }
        ServerJvm[] parents = new ServerJvm[3];
        ServerJvm self;
        try (ExecutorService starting = Executors.newFixedThreadPool(4)) {
            List<Future<ServerJvm>> started = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String name = "p" + i;
                started.add(starting.submit(() -> start(name, origin, 0)));
            }
            String me = "http://127.0.0.1:" + selfPort;
            Future<ServerJvm> selfStarted = starting.submit(() -> start("self", origin, selfPort, "--parents", me));
            for (int i = 0; i < 3; i++) {
                parents[i] = started.get(i).get();
            }
            self = selfStarted.get();
        }
        phase("parents started");
        List<String> urls = Arrays.stream(parents).map(p -> "http://127.0.0.1:" + p.port()).toList();
        String list = String.join(",", urls);
        ServerJvm[] children = new ServerJvm[2];
        try (ExecutorService starting = Executors.newFixedThreadPool(2)) {
            Future<ServerJvm> c0 = starting.submit(() -> start("c0", origin, 0, "--parents", list));
            // The other child lists them in another order: a key's home is the same.
            Future<ServerJvm> c1 = starting.submit(() -> start("c1", origin, 0, "--parents",
                    String.join(",", urls.reversed())));
            children[0] = c0.get();
            children[1] = c1.get();
        }

        phase("children started");
        // Round 1: every key through both children, in parallel.
        everyKeyThrough(children, true);
        Map<String, List<String>> first = askedSince(Map.of());
        assertEquals(KEYS, first.size(), "every key asked of the origin: " + first);
        Map<String, String> home = new TreeMap<>();
        int[] share = new int[3];
        for (Map.Entry<String, List<String>> key : first.entrySet()) {
            assertEquals(1, key.getValue().size(), key.getKey() + " asked of the origin once: " + key.getValue());
            String parent = key.getValue().getFirst();
            assertTrue(parent.matches("p[012]"), key.getKey() + " asked by a parent: " + parent);
            home.put(key.getKey(), parent);
            share[parent.charAt(1) - '0']++;
        }
        for (int i = 0; i < 3; i++) {
            assertTrue(share[i] > 0, "p" + i + " is home to some keys: " + Arrays.toString(share));
        }
        // The homes are the rendezvous function's of the key (its text as the metadata keeps it, hashed as the
        // cache names its files) over the parents' URLs.
        for (Map.Entry<String, String> key : home.entrySet()) {
            assertEquals(key.getValue(), "p" + Rendezvous.home(Rendezvous.keyHash(sha256Hex("tier.test " + key.getKey())),
                    urls), key.getKey());
        }
        System.out.printf("tier: %d keys over 3 parents: p0 %d, p1 %d, p2 %d%n", KEYS, share[0], share[1], share[2]);

        phase("round 1");
        // p1 dies; the children forget their copies, so every request goes to the tier again.
        parents[1].process().destroyForcibly().waitFor();
        Map<String, Integer> before = mark();
        purgeEveryKey(children);
        everyKeyThrough(children, false);
        Map<String, List<String>> second = askedSince(before);
        List<String> p1Keys = home.entrySet().stream().filter(e -> e.getValue().equals("p1")).map(Map.Entry::getKey)
                .toList();
        assertEquals(p1Keys, List.copyOf(second.keySet()), "only p1's keys asked again");
        for (Map.Entry<String, List<String>> moved : second.entrySet()) {
            assertEquals(1, moved.getValue().size(), moved.getKey() + " asked once: " + moved.getValue());
            assertTrue(moved.getValue().getFirst().matches("p[02]"), moved.getKey() + " by its next parent: "
                    + moved.getValue());
        }
        System.out.printf("tier: p1 killed: %d of %d keys moved (%.3f; ideal 1/3)%n", second.size(), KEYS,
                second.size() / (double) KEYS);

        phase("round 2");
        // p1 comes back, empty, on its port: once the children's probes see it, its keys go to it again.
        ServerJvm back = start("p1", origin, parents[1].port());
        String url = "http://127.0.0.1:" + back.port();
        for (ServerJvm child : children) {
            child.awaitLogged("parent " + url + " is back");
        }
        phase("p1 back and probed");
        before = mark();
        purgeEveryKey(children);
        everyKeyThrough(children, false);
        Map<String, List<String>> third = askedSince(before);
        assertEquals(p1Keys, List.copyOf(third.keySet()), "p1's keys back at p1, no other");
        for (Map.Entry<String, List<String>> returned : third.entrySet()) {
            assertEquals(List.of("p1"), returned.getValue(), returned.getKey());
        }

        phase("round 3");
        // A node that is its own parent: its request comes back with its own id in CDN-Loop.
        before = mark();
        Response looped = get(self.port(), "/k-0");
        // Refused by its inner self (Cache-Status: detail=loop), relayed uncached by the outer one.
        assertEquals(508, looped.status(), looped.head());
        assertTrue(looped.head().contains("Cache-Status: zeroedge; fwd=miss\r\n"), looped.head());
        assertTrue(self.logged("parent http://127.0.0.1:" + selfPort + " skipped").isEmpty(),
                "a 508 is an answer, not a parent down: " + self.log());
        assertEquals(Map.of(), askedSince(before), "a loop never reaches the origin");
        // A request that names a parent's id is refused by that parent.
        Response named = get(parents[0].port(), "/k-1", "CDN-Loop: c0, p0");
        assertEquals(508, named.status(), named.head());
        assertTrue(named.head().contains("Cache-Status: zeroedge; fwd=miss; detail=loop"), named.head());
    }

    private static String sha256Hex(String text) throws java.security.NoSuchAlgorithmException {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(StandardCharsets.UTF_8)), 0, 16);
    }

    private long phaseStarted = System.nanoTime();

    /** How long each part took, for whoever reads the test's output (nothing is asserted on it). */
    private void phase(String done) {
        long now = System.nanoTime();
        System.out.printf("tier: %s in %d ms%n", done, (now - phaseStarted) / 1_000_000);
        phaseStarted = now;
    }

    private static String key(int i) {
        return "/k-" + i;
    }

    /** GET of every key through each child (in parallel): byte-exact 200s. */
    private void everyKeyThrough(ServerJvm[] children, boolean bothAtOnce) throws Exception {
        try (ExecutorService clients = Executors.newFixedThreadPool(8)) {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < KEYS; i++) {
                String path = key(i);
                for (ServerJvm child : children) {
                    done.add(clients.submit((Callable<Void>) () -> {
                        Response response = get(child.port(), path);
                        assertEquals(200, response.status(), path + ": " + response.head());
                        assertArrayEquals(body(path), response.body(), path);
                        return null;
                    }));
                }
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
    }

    private void purgeEveryKey(ServerJvm[] children) throws IOException {
        for (ServerJvm child : children) {
            for (int i = 0; i < KEYS; i++) {
                Response purged = request(child.port(), "PURGE " + key(i), "");
                assertEquals(200, purged.status(), key(i) + ": " + purged.head());
            }
        }
    }

    record Response(int status, String head, byte[] body) {
    }

    private static Response get(int port, String path, String... fields) throws IOException {
        return request(port, "GET " + path, fields.length == 0 ? "" : String.join("\r\n", fields) + "\r\n");
    }

    /** One request on its own connection, {@code Host: tier.test} (one key in every node), read to the close. */
    private static Response request(int port, String line, String fields) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write((line + " HTTP/1.1\r\nHost: tier.test\r\n" + fields
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            byte[] bytes = all.toByteArray();
            String text = new String(bytes, StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            String head = text.substring(0, end);
            int status = Integer.parseInt(head.substring(9, 12));
            return new Response(status, head, Arrays.copyOfRange(bytes, end + 4, bytes.length));
        }
    }
}
