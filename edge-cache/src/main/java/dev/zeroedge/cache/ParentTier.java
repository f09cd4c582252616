package dev.zeroedge.cache;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The tier of parents a node asks instead of its origin ({@code --parents}). A key's parent is its
 * {@link Rendezvous} home among the parents that are up ({@link ParentHealth}), so each object has one home in
 * the tier and two children never fill it twice. A request that cannot reach its parent (refused, reset before a
 * head) marks that parent down and goes on to the key's next choice at once, so clients see no error when a
 * parent dies; keys whose home is up never move. With every parent down the request goes to the origin itself.
 * A parent is asked with the client's Host (the parent maps it to its own origin) and the node's CDN-Loop.
 */
final class ParentTier implements AutoCloseable {

    /**
     * One parent: the way to it, whether it is up, and what it was asked (its requests, and the requests that moved
     * on from it to their next choice: the metrics').
     */
    record Parent(OriginRoute route, OriginClient client, ParentHealth health, LongAdder requests,
                  LongAdder failovers) {

        Parent(OriginRoute route, OriginClient client, ParentHealth health) {
            this(route, client, health, new LongAdder(), new LongAdder());
        }

        ParentState state() {
            return new ParentState(route.url(), health.up(), requests.sum(), failovers.sum());
        }
    }

    private final List<Parent> parents;
    private final List<String> names;

    ParentTier(List<Parent> parents) {
        this.parents = List.copyOf(parents);
        List<String> named = new ArrayList<>();
        for (Parent parent : parents) {
            named.add(parent.route().url());
        }
        this.names = List.copyOf(named);
    }

    boolean isEmpty() {
        return parents.isEmpty();
    }

    /** Each parent now, in the order of {@code --parents}. */
    List<ParentState> states() {
        List<ParentState> states = new ArrayList<>(parents.size());
        for (Parent parent : parents) {
            states.add(parent.state());
        }
        return states;
    }

    /** The parents in the order {@code key} tries them (its home first), up or not. */
    List<Parent> ranked(CacheKey key) {
        List<Parent> order = new ArrayList<>(parents.size());
        for (int i : Rendezvous.ranked(Rendezvous.keyHash(key.hash()), names)) {
            order.add(parents.get(i));
        }
        return order;
    }

    /**
     * Sends {@code request} to the first parent of {@code key} that is up, and on to the next when it cannot be
     * reached; {@code direct} when none is left.
     */
    void fetch(EventLoop loop, CacheKey key, Supplier<HttpRequest> request, OriginClient.Exchange exchange,
               Runnable direct) {
        new Trying(loop, key, request, exchange, direct, ranked(key)).next();
    }

    /** One request's way through the key's parents. */
    private static final class Trying implements OriginClient.Exchange {
        private final EventLoop loop;
        private final CacheKey key;
        private final Supplier<HttpRequest> request;
        private final OriginClient.Exchange exchange;
        private final Runnable direct;
        private final List<Parent> order;
        private int tried;
        private Parent asking;

        Trying(EventLoop loop, CacheKey key, Supplier<HttpRequest> request, OriginClient.Exchange exchange,
               Runnable direct, List<Parent> order) {
            this.loop = loop;
            this.key = key;
            this.request = request;
            this.exchange = exchange;
            this.direct = direct;
            this.order = order;
        }

        void next() {
            while (tried < order.size()) {
                Parent parent = order.get(tried++);
                parent.health().probeFrom(loop);
                if (parent.health().up()) {
                    asking = parent;
                    parent.requests().increment();
                    parent.client().fetch(loop, () -> {
                        HttpRequest built = request.get();
                        built.headers().set(HttpHeaderNames.HOST, key.host().isEmpty()
                                ? parent.route().authority() : key.host());
                        return built;
                    }, this);
                    return;
                }
                parent.failovers().increment(); // its turn, and it is down: on to the next choice
            }
            direct.run();
        }

        @Override
        public void head(HttpResponse head, OriginClient.Reads reads) {
            exchange.head(head, reads);
        }

        @Override
        public void body(ByteBuf content) {
            exchange.body(content);
        }

        @Override
        public void endOfBatch() {
            exchange.endOfBatch();
        }

        @Override
        public void end() {
            exchange.end();
        }

        @Override
        public OriginClient.Upload upload() {
            return exchange.upload();
        }

        @Override
        public void failed(OriginClient.Fault fault, Throwable cause) {
            if (fault == OriginClient.Fault.UNREACHABLE && OriginClient.repeatable(exchange)) {
                // Nothing was answered: the parent is skipped and the key's next choice asked.
                asking.health().unreachable(cause);
                asking.failovers().increment();
                next();
                return;
            }
            exchange.failed(fault, cause);
        }
    }

    @Override
    public void close() {
        for (Parent parent : parents) {
            parent.health().close();
            parent.client().close();
        }
    }
}
