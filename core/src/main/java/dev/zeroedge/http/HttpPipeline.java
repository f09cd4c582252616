package dev.zeroedge.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;

/** The handlers of one client connection, in order: clock (sees raw bytes), decoder, request queue. */
public final class HttpPipeline {

    private HttpPipeline() {
    }

    public static void install(Channel channel, Site site) {
        // One read of the limits for the connection's life: a reload that swaps them mid-way cannot give its
        // decoder one set and its clock another (see Site#changeLimits).
        HttpLimits limits = site.limits();
        RequestDecoder decoder = new RequestDecoder(limits, site.source());
        // Only an observed connection has an exchange to fill: the default path measures nothing.
        Exchange exchange = site.observer() == null ? null : new Exchange(channel.remoteAddress());
        ConnectionClock clock = new ConnectionClock(site, limits, decoder, exchange);
        ChannelPipeline pipeline = channel.pipeline();
        pipeline.addLast("clock", clock);
        pipeline.addLast("decoder", decoder);
        pipeline.addLast("requests", new ConnectionQueue(site, clock, decoder, exchange));
    }
}
