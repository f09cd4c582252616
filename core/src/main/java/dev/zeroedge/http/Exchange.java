package dev.zeroedge.http;

import dev.zeroedge.content.Description;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;

import java.net.SocketAddress;

/**
 * One request and its response as a {@link SiteObserver} sees them: who asked, what, when, and what went back
 * and how. There is one per observed connection, filled on its event loop as the response goes out and handed
 * to the observer when it ended; the next request of the connection reuses it, so the metrics cost no
 * allocation per response.
 *
 * <p>Body bytes are counted as they reach the kernel: <em>zero-copy</em> when the mode's sender moved them
 * from the page cache to the socket (splice, sendfile), <em>copied</em> when they passed through user space
 * (an inline body behind its head, an error text, multipart delimiters, every body of the epoll-mmap and
 * epoll-copy baselines). A response that completed sent its whole body; one that failed, what the kernel took
 * of its file bytes.
 */
public final class Exchange {

    private final SocketAddress peer;
    private Request request;
    private long startMillis;
    private long startNanos;
    private long nanos;
    private int status;
    private long headBytes;
    private long bodyLength;
    private long zeroCopyBytes;
    private long copiedBytes;
    private boolean complete;
    private Description description;

    Exchange(SocketAddress peer) {
        this.peer = peer;
    }

    /** A request (or, with null, a refusal or a timeout) takes its turn: the clocks start. */
    void begin(Request next) {
        request = next;
        startMillis = System.currentTimeMillis();
        startNanos = System.nanoTime();
        status = 0;
        headBytes = 0;
        bodyLength = 0;
        zeroCopyBytes = 0;
        copiedBytes = 0;
        complete = false;
        description = null;
    }

    /** The source answered with a representation that {@code answered} describes (a status answer leaves none). */
    void described(Description answered) {
        description = answered;
    }

    /** The response about to be written: its status, head size and the body length it announces (-1: none yet). */
    void sending(int code, long head, long body) {
        status = code;
        headBytes = head;
        bodyLength = body;
    }

    /** {@code bytes} of file body are in the kernel, {@code copied} through user space or not. */
    void fileBytesSent(long bytes, boolean copied) {
        if (copied) {
            copiedBytes += bytes;
        } else {
            zeroCopyBytes += bytes;
        }
    }

    /** The response ended; {@code whole}: all of it is in the kernel, so whatever was not zero-copy was copied. */
    void end(boolean whole) {
        nanos = System.nanoTime() - startNanos;
        complete = whole;
        if (whole && bodyLength >= 0) {
            copiedBytes = Math.max(0, bodyLength - zeroCopyBytes);
        }
    }

    /**
     * What the source's representation said of itself (its fields: a cache's Cache-Status), or null when the
     * response was a status of its own (an error, a refusal).
     */
    public Description description() {
        return description;
    }

    /** The client's address (an {@link java.net.InetSocketAddress} for TCP). */
    public SocketAddress peer() {
        return peer;
    }

    /**
     * The request (its fields too: Referer, User-Agent; immutable once decoded, so another thread may read it),
     * or null for a response to no request (a refused head, a 408).
     */
    public Request request() {
        return request;
    }

    /** Wall-clock milliseconds when the request took its turn (at once after its head, unless pipelined). */
    public long startMillis() {
        return startMillis;
    }

    /** Nanoseconds from then to the last byte in the kernel (or to the failure). */
    public long nanos() {
        return nanos;
    }

    /** The method, or null without a request. */
    public HttpMethod method() {
        return request == null ? null : request.method();
    }

    /** The request target as sent, or null without a request. */
    public String target() {
        return request == null ? null : request.target();
    }

    public HttpVersion version() {
        return request == null ? null : request.version();
    }

    public int status() {
        return status;
    }

    /** Bytes of the response head (status line and fields). */
    public long headBytes() {
        return headBytes;
    }

    /** Body bytes in the kernel: all of them for a complete response. */
    public long bodyBytes() {
        return zeroCopyBytes + copiedBytes;
    }

    public long zeroCopyBytes() {
        return zeroCopyBytes;
    }

    public long copiedBytes() {
        return copiedBytes;
    }

    /** Head and body bytes in the kernel (a failed response counts its head once any body byte went). */
    public long bytesSent() {
        long body = bodyBytes();
        return complete || body > 0 ? headBytes + body : 0;
    }

    /** All of the response is in the kernel; false: it failed and the connection closed. */
    public boolean complete() {
        return complete;
    }
}
