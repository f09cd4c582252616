package dev.zeroedge.http;

import dev.zeroedge.files.OpenFile;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A {@code multipart/byteranges} body (RFC 9110 §14.6): each range preceded by its part header, then the
 * closing delimiter. Its exact length is known before anything is sent, so the response carries a
 * Content-Length; each range still leaves through the transport's sender, one part after the other.
 */
final class MultipartBody {

    private final List<ByteRange> ranges;
    private final byte[][] partHeaders;
    private final byte[] closing;
    private final String boundary;
    private final long contentLength;

    MultipartBody(List<ByteRange> ranges, String type, long completeLength) {
        this.ranges = ranges;
        // Random per response: file bytes can never be crafted to contain a boundary they cannot know.
        this.boundary = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE)
                + Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
        this.partHeaders = new byte[ranges.size()][];
        long total = 0;
        for (int i = 0; i < ranges.size(); i++) {
            ByteRange range = ranges.get(i);
            partHeaders[i] = ("\r\n--" + boundary + "\r\nContent-Type: " + type + "\r\nContent-Range: "
                    + range.contentRange(completeLength) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            total += partHeaders[i].length + range.length();
        }
        this.closing = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        this.contentLength = total + closing.length;
    }

    String contentType() {
        return "multipart/byteranges; boundary=" + boundary;
    }

    long contentLength() {
        return contentLength;
    }

    /** Sends the parts after {@code responseHead}; the future completes when the closing delimiter is out. */
    ChannelFuture send(ChannelHandlerContext ctx, ByteBuf responseHead, OpenFile file, FairFileSender sender,
                       Runnable progress, Exchange exchange) {
        ChannelPromise done = ctx.newPromise();
        file.retain();
        new ChannelFutureListener() {
            private int part;

            void sendPart(ByteBuf before) {
                before.writeBytes(partHeaders[part]);
                ByteRange range = ranges.get(part);
                ChannelFuture sent;
                try {
                    sent = sender.send(ctx, before, file, range.first(), range.length(), progress, part == 0, exchange);
                } catch (RuntimeException e) {
                    file.release();
                    done.tryFailure(e);
                    return;
                }
                sent.addListener(this);
            }

            @Override
            public void operationComplete(ChannelFuture sent) {
                if (!sent.isSuccess()) {
                    file.release();
                    done.tryFailure(sent.cause());
                    return;
                }
                if (++part < ranges.size()) {
                    sendPart(ctx.alloc().directBuffer(partHeaders[part].length));
                    return;
                }
                file.release();
                ByteBuf end = ctx.alloc().directBuffer(closing.length).writeBytes(closing);
                ctx.writeAndFlush(end).addListener((ChannelFutureListener) closed -> {
                    if (closed.isSuccess()) {
                        done.trySuccess();
                    } else {
                        done.tryFailure(closed.cause());
                    }
                });
            }
        }.sendPart(responseHead);
        return done;
    }
}
