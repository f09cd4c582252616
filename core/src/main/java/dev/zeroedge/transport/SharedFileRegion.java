package dev.zeroedge.transport;

import dev.zeroedge.files.OpenFile;
import io.netty.channel.DefaultFileRegion;

/**
 * A {@link DefaultFileRegion} over an {@link OpenFile} that several regions share (the slices of one
 * body, the parts of a multipart response). It must stay a {@code DefaultFileRegion}: that is the type
 * Netty's epoll channel sends with sendfile(2) and its NIO channel with {@code FileChannel.transferTo}.
 * Releasing the region releases its reference to the file instead of closing the channel.
 */
public final class SharedFileRegion extends DefaultFileRegion {

    private final OpenFile file;

    public SharedFileRegion(OpenFile file, long position, long count) {
        super(file.channel(), position, count);
        this.file = file.retain();
    }

    @Override
    protected void deallocate() {
        file.release();
    }
}
