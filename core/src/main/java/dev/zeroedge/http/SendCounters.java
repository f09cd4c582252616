package dev.zeroedge.http;

import java.util.concurrent.atomic.LongAdder;

/** What a server has sent: file bytes handed to the kernel and responses completed. */
public final class SendCounters {

    private final LongAdder fileBytes = new LongAdder();
    private final LongAdder responses = new LongAdder();

    public void addFileBytes(long bytes) {
        fileBytes.add(bytes);
    }

    public void addResponse() {
        responses.increment();
    }

    public long fileBytes() {
        return fileBytes.sum();
    }

    public long responses() {
        return responses.sum();
    }
}
