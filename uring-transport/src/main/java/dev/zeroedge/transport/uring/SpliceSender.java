package dev.zeroedge.transport.uring;

import dev.zeroedge.files.OpenFile;
import dev.zeroedge.transport.FileSender;
import dev.zeroedge.transport.NothingSentException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;

import java.io.IOException;

/**
 * {@code uring-splice}'s {@link FileSender}: a connection that sends a body gets a {@link SpliceStream},
 * which splices the slice file → pipe → socket with its own io_uring operations and retires about a
 * second after its last slice, so idle connections hold none.
 *
 * <p>io_uring needs the file's descriptor number: {@link OpenFile#descriptor} reads it from the JDK when
 * the JVM opens {@code sun.nio.ch} and {@code java.io} to zeroedge (the jar's manifest does), otherwise
 * the stream opens the path a second time and checks its length.
 */
final class SpliceSender implements FileSender {

    private final SpliceTuning tuning;

    SpliceSender(SpliceTuning tuning) {
        this.tuning = tuning;
    }

    @Override
    public ChannelFuture send(ChannelHandlerContext ctx, ByteBuf head, OpenFile file, long offset, long length,
                              Runnable progress) {
        SpliceStream stream;
        try {
            stream = SpliceStream.of(ctx.channel(), tuning);
        } catch (IOException | RuntimeException e) {
            head.release();
            return ctx.newFailedFuture(new NothingSentException(e));
        }
        return stream.send(ctx, head, file, offset, length, progress);
    }
}
