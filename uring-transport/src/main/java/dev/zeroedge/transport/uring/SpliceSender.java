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
 * <p>Why the file is opened a second time: io_uring needs the descriptor number, and a
 * {@link java.nio.channels.FileChannel} does not give it out. Reading it from the JDK's private fields
 * would need {@code --add-opens java.base/sun.nio.ch} and {@code java.base/java.io} on every command
 * line that starts a server (tests, jar, loadtest) and breaks when the JDK moves them; Netty reads it
 * through JNI only inside its own package. A native {@code open(2)} of the same path costs one syscall
 * per body (the descriptor is kept for the following slices of that body) and uses only public API. The
 * price is a window between the two opens: the stream checks that the second descriptor has the length
 * the response head announced and fails the response otherwise, so a file replaced by one of another
 * length is never sent under the old head.
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
