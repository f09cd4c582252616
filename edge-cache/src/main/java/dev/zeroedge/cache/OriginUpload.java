package dev.zeroedge.cache;

import dev.zeroedge.content.RelayedBody;
import dev.zeroedge.content.RequestBody;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;

import java.util.function.Consumer;

/**
 * A client's request body on its way to the origin ({@link Invalidation}): one part of it is asked from the client
 * ({@link RequestBody#more}), written to the origin connection, and the next asked only when that write is done,
 * so the client is read no faster than the origin takes it and memory holds one socket read of the upload. Netty's
 * client codec frames it as the request head says: chunked when the client sent it chunked, else by its
 * Content-Length. A body the client cut short (closed, stalled past the send timeout, malformed, over
 * {@code --max-request-body}) closes the origin connection before the body's end, so the origin never takes a
 * half upload for a whole one; {@code cutShort} hears why.
 */
final class OriginUpload implements OriginClient.Upload, RelayedBody.Receiver {

    private final RequestBody body;
    private final Consumer<Throwable> cutShort;
    private Channel origin;
    private Runnable written;
    private boolean started;
    private boolean over;
    private boolean cutByClient;

    OriginUpload(RequestBody body, Consumer<Throwable> cutShort) {
        this.body = body;
        this.cutShort = cutShort;
    }

    @Override
    public void send(Channel channel, Runnable whenWritten) {
        if (started) {
            channel.close(); // never twice (OriginClient.repeatable keeps this from happening)
            return;
        }
        started = true;
        origin = channel;
        written = whenWritten;
        body.open(this);
        body.more();
    }

    @Override
    public boolean started() {
        return started;
    }

    @Override
    public boolean cutByClient() {
        return cutByClient;
    }

    @Override
    public void bytes(ByteBuf bytes) {
        if (over || !origin.isActive()) {
            bytes.release();
            if (!over) {
                stop(); // the origin went (its failure is the exchange's to tell): the client's body is not wanted
            }
            return;
        }
        origin.writeAndFlush(new DefaultHttpContent(bytes)).addListener((ChannelFutureListener) done -> {
            if (done.isSuccess()) {
                body.more();
            } else if (!over) {
                stop();
            }
        });
    }

    @Override
    public void end() {
        if (over) {
            return;
        }
        over = true;
        origin.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener((ChannelFutureListener) done -> {
            if (done.isSuccess()) {
                written.run();
            }
        });
    }

    @Override
    public void failed(Throwable cause) {
        if (over) {
            return;
        }
        over = true;
        cutByClient = true;
        origin.close(); // before the body's end: a short body and a close, or a chunked one without its last chunk
        cutShort.accept(cause);
    }

    /** The origin cannot take the rest: the client's body is let go (its connection closes after the response). */
    private void stop() {
        over = true;
        body.cancel();
    }
}
