package dev.zeroedge.cache;

import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Where a miss of a key is asked: its parent in the tier when there is one ({@link ParentTier}), else the origin
 * its Host maps to ({@link Origins}), with that origin's authority as {@code Host}. One {@link OriginClient}
 * (one pool of kept-alive connections per event loop) per origin and per parent, all made at startup.
 */
final class Upstream implements AutoCloseable {

    private final Routing routing;
    private final Map<OriginRoute, OriginClient> origins;
    private final ParentTier tier;

    private Upstream(Routing routing, Map<OriginRoute, OriginClient> origins, ParentTier tier) {
        this.routing = routing;
        this.origins = origins;
        this.tier = tier;
    }

    /** Resolves every origin and parent (blocking: at startup). */
    static Upstream open(Routing routing, int maxConnections, Class<? extends SocketChannel> channelClass,
                         CacheCounters counters) throws IOException {
        Map<OriginRoute, OriginClient> origins = new LinkedHashMap<>();
        List<OriginRoute> routes = new ArrayList<>(routing.origins().byHost().values());
        routes.addFirst(routing.origins().fallback());
        for (OriginRoute route : routes) {
            if (!origins.containsKey(route)) {
                origins.put(route, new OriginClient(route, maxConnections, channelClass, counters));
            }
        }
        List<ParentTier.Parent> parents = new ArrayList<>();
        Duration probe = routing.probeEvery();
        for (OriginRoute parent : routing.parents()) {
            OriginRoute probing = parent.withTimeouts(probe, probe, probe);
            parents.add(new ParentTier.Parent(parent,
                    new OriginClient(parent, maxConnections, channelClass, counters),
                    new ParentHealth(parent, new OriginClient(probing, 1, channelClass, new CacheCounters()),
                            routing.loop(), probe)));
        }
        return new Upstream(routing, Map.copyOf(origins), new ParentTier(parents));
    }

    /** Sends what {@code request} makes (one per attempt) for {@code key} to its parent or its origin. */
    void fetch(EventLoop loop, CacheKey key, Supplier<HttpRequest> request, OriginClient.Exchange exchange) {
        Runnable direct = () -> {
            OriginClient origin = origins.get(routing.origins().route(key.host()));
            origin.fetch(loop, () -> {
                HttpRequest built = request.get();
                built.headers().set(HttpHeaderNames.HOST, origin.route().authority());
                return built;
            }, exchange);
        };
        if (tier.isEmpty()) {
            direct.run();
        } else {
            tier.fetch(loop, key, request, exchange, direct);
        }
    }

    /** Each parent of the tier now (none without {@code --parents}). */
    List<ParentState> parents() {
        return tier.states();
    }

    /** The origin of {@code key}'s Host, for its limits. */
    OriginRoute origin(CacheKey key) {
        return routing.origins().route(key.host());
    }

    CdnLoop loop() {
        return routing.loop();
    }

    @Override
    public void close() {
        tier.close();
        for (OriginClient client : origins.values()) {
            client.close();
        }
    }
}
