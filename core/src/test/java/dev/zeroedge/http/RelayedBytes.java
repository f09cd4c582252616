package dev.zeroedge.http;

import dev.zeroedge.content.RelayedBody;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A relayed body for tests: bytes held in memory, handed out 16 KiB per {@link #more} from a thread of their own
 * (as an origin connection on another loop would), and failed after {@code until} bytes when that is fewer than
 * all of them. Counts the bodies not yet ended or cancelled, so a test can see that none is left behind.
 */
final class RelayedBytes implements RelayedBody {

    static final AtomicInteger OPEN = new AtomicInteger();
    private static final int PIECE = 16 * 1024;

    private final byte[] bytes;
    private final int until;
    private final EventExecutor source = GlobalEventExecutor.INSTANCE;
    private Receiver receiver;
    private int at;
    private boolean over;

    RelayedBytes(byte[] bytes, int until) {
        this.bytes = bytes;
        this.until = until;
        OPEN.incrementAndGet();
    }

    @Override
    public void open(Receiver to) {
        source.execute(() -> receiver = to);
    }

    @Override
    public void more() {
        source.execute(() -> {
            if (over) {
                return;
            }
            if (at == until && until < bytes.length) {
                finish();
                receiver.failed(new IOException("the source broke off at " + at));
            } else if (at == bytes.length) {
                finish();
                receiver.end();
            } else {
                int n = Math.min(PIECE, until - at);
                receiver.bytes(Unpooled.wrappedBuffer(bytes, at, n));
                at += n;
            }
        });
    }

    @Override
    public void cancel() {
        source.execute(() -> {
            if (!over) {
                finish();
            }
        });
    }

    private void finish() {
        over = true;
        OPEN.decrementAndGet();
    }
}
