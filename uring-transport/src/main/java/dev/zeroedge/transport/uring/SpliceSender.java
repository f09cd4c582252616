package dev.zeroedge.transport.uring;

import dev.zeroedge.files.OpenFile;
import dev.zeroedge.transport.FileSender;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.AttributeKey;

import java.io.IOException;

/**
 * {@code uring-splice}'s {@link FileSender}: each connection gets a {@link SpliceStream} on first use,
 * which splices the slice file → pipe → socket with its own io_uring operations.
 *
 * <p>io_uring needs the file's descriptor number: {@link ChannelDescriptor} reads it from the JDK when
 * the JVM opens {@code sun.nio.ch} and {@code java.io} to zeroedge (the jar's manifest does), otherwise
 * the stream opens the path a second time and checks its length.
 */
final class SpliceSender implements FileSender {

    private static final AttributeKey<SpliceStream> STREAM = AttributeKey.valueOf(SpliceStream.class, "stream");

    private final SpliceTuning tuning;

    SpliceSender(SpliceTuning tuning) {
        this.tuning = tuning;
    }

    @Override
    public ChannelFuture send(ChannelHandlerContext ctx, ByteBuf head, OpenFile file, long offset, long length) {
        Channel channel = ctx.channel();
        SpliceStream stream = channel.attr(STREAM).get();
        if (stream == null) {
            try {
                stream = SpliceStream.open(channel, tuning);
            } catch (IOException | RuntimeException e) {
                head.release();
                return ctx.newFailedFuture(e);
            }
            channel.attr(STREAM).set(stream);
        }
        return stream.send(ctx, head, file, offset, length);
    }
}
