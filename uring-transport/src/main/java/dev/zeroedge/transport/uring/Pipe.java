package dev.zeroedge.transport.uring;

import io.netty.util.concurrent.FastThreadLocal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;

/**
 * The kernel pipe a splice goes through: file → pipe → socket. Its capacity bounds how many bytes one
 * splice pair can move, so it is enlarged with {@code fcntl(F_SETPIPE_SZ)}, up to
 * {@code /proc/sys/fs/pipe-max-size} (root could go past it; an edge node should not hoard pipe memory).
 *
 * <p>Pipes are pooled per event loop, not kept per connection: a connection holds one only while a
 * slice is on its way, so ten thousand idle keep-alive connections cost no pipe, and the per-user pipe
 * budget ({@code pipe-user-pages-soft}) goes to the connections that are sending. A pipe goes back to
 * the pool only when it is empty; one that may hold bytes (a failed or aborted send) is closed, never
 * reused.
 */
final class Pipe {

    /**
     * Pipes kept ready per event loop; more are opened on demand and closed when returned. With 8, 32
     * busy connections opened and closed a pipe every tenth response (pipe2 + fcntl + 2 close); an empty
     * pipe holds no pages, only its two descriptors and its slot array.
     */
    static final int IDLE_PER_LOOP = 64;

    /** The largest pipe an unprivileged process may ask for, read once. */
    static final int MAX_SIZE = readMaxSize();

    private static final FastThreadLocal<ArrayDeque<Pipe>> IDLE = new FastThreadLocal<>() {
        @Override
        protected ArrayDeque<Pipe> initialValue() {
            return new ArrayDeque<>();
        }

        @Override
        protected void onRemoval(ArrayDeque<Pipe> idle) {
            // The event loop thread is ending: its idle pipes go with it.
            for (Pipe pipe : idle) {
                pipe.close();
            }
            idle.clear();
        }
    };

    final int readFd;
    final int writeFd;
    final int capacity;

    private Pipe(int readFd, int writeFd, int capacity) {
        this.readFd = readFd;
        this.writeFd = writeFd;
        this.capacity = capacity;
    }

    /** An empty pipe of about {@code wantedSize} bytes (capped by pipe-max-size), from this loop's pool. */
    static Pipe borrow(int wantedSize) throws IOException {
        ArrayDeque<Pipe> idle = IDLE.get();
        Pipe pipe = idle.pollFirst();
        return pipe != null ? pipe : open(wantedSize);
    }

    /**
     * Gives back a pipe the sender believes empty. The kernel is asked too (FIONREAD, one cheap ioctl): a
     * pipe that still holds bytes would put them in front of another connection's response, so it is
     * closed instead, whatever the sender's count says.
     */
    void giveBack() {
        ArrayDeque<Pipe> idle = IDLE.get();
        if (Libc.unread(readFd) != 0) {
            close();
        } else if (idle.size() < IDLE_PER_LOOP) {
            idle.addFirst(this);
        } else {
            close();
        }
    }

    static Pipe open(int wantedSize) throws IOException {
        int[] fds = Libc.pipe();
        try {
            return new Pipe(fds[0], fds[1], enlarge(fds[1], Math.min(wantedSize, MAX_SIZE)));
        } catch (IOException | RuntimeException e) {
            Libc.close(fds[0]);
            Libc.close(fds[1]);
            throw e;
        }
    }

    /**
     * Asks for {@code size} bytes; the kernel rounds up to a power of two pages and says what it gave.
     * Past the per-user soft limit an unprivileged process is refused (EPERM): then the pipe keeps its
     * default size rather than failing the response.
     */
    private static int enlarge(int fd, int size) throws IOException {
        try {
            return Libc.fcntl(fd, Libc.F_SETPIPE_SZ, size);
        } catch (IOException refused) {
            return Libc.fcntl(fd, Libc.F_GETPIPE_SZ, 0);
        }
    }

    void close() {
        Libc.close(readFd);
        Libc.close(writeFd);
    }

    private static int readMaxSize() {
        try {
            // Not Files.readString: it reads a size-0 file one byte first, and an integer sysctl answers
            // a read at offset 1 with EOF, so "1048576" came back as "1".
            return Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/fs/pipe-max-size")).getFirst().trim());
        } catch (IOException | RuntimeException e) {
            return 1024 * 1024; // the kernel's default
        }
    }

    @Override
    public String toString() {
        return "Pipe(write " + writeFd + ", read " + readFd + ", " + capacity + " bytes)";
    }
}
