package dev.zeroedge.transport;

import dev.zeroedge.files.OpenFile;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;

/**
 * How a transport puts file bytes on a socket. The HTTP layer never writes file bytes any other way:
 * it goes through {@link FairFileSender}, which cuts a body into bounded slices and calls this once
 * per slice.
 *
 * <p>Contract of {@link #send}: called on the channel's event loop; writes {@code head} (never null,
 * maybe empty: the response head or a multipart boundary, owned by the sender from now on) and then
 * bytes {@code [offset, offset + length)} of {@code file}, after everything written on the channel
 * before; flushes; and returns a future that completes when the last byte has been handed to the
 * kernel, or fails: with {@link NothingSentException} when it wrote nothing of this call (the head is
 * released unsent), so that a response of which nothing is out yet can still be refused cleanly. The
 * sender retains {@code file} for as long as it needs it and releases it
 * itself, also on failure. {@code length} is at least 1.
 */
@FunctionalInterface
public interface FileSender {

    ChannelFuture send(ChannelHandlerContext ctx, ByteBuf head, OpenFile file, long offset, long length);
}
