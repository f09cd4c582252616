package dev.zeroedge.transport.epoll;

import dev.zeroedge.files.OpenFile;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.channels.FileChannel.MapMode;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A read-only mapping of a range of an open file, unmapped when its arena closes: mmap(2) of the file's
 * descriptor through the FFM linker where its number is readable, else {@code FileChannel.map}.
 *
 * <p>Why not always {@code FileChannel.map}: it asks the file's size first, an fstat, which on a network or
 * FUSE file system whose attributes have expired waits for the server, on the event loop. The range is
 * inside the length the descriptor had when it was opened; were the file cut short since, the socket write
 * from the mapping fails (EFAULT) and the response ends with an error, as a short body must. The JVM itself
 * never reads the mapped bytes, so no access can fault in Java code.
 */
final class Mapping {

    private static final int PROT_READ = 1;
    private static final int MAP_SHARED = 1;
    private static final long PAGE = 4096;

    /** {@code <asm-generic/mman-common.h>}: fault in every page of the range, reading what the cache lacks (5.14). */
    private static final int MADV_POPULATE_READ = 22;
    /** The mapping is read front to back: faults read ahead as a sequential read(2) would, and the next reads go on. */
    private static final int MADV_SEQUENTIAL = 2;

    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle MADVISE;

    static {
        MethodHandle mmap = null;
        MethodHandle munmap = null;
        MethodHandle madvise = null;
        try {
            if (System.getProperty("os.name", "").equals("Linux") && ADDRESS.byteSize() == 8) {
                Linker linker = Linker.nativeLinker();
                mmap = linker.downcallHandle(linker.defaultLookup().find("mmap").orElseThrow(),
                        FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
                munmap = linker.downcallHandle(linker.defaultLookup().find("munmap").orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
                madvise = linker.downcallHandle(linker.defaultLookup().find("madvise").orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
            }
        } catch (RuntimeException notAllowed) {
            mmap = null;
        }
        MMAP = mmap;
        MUNMAP = mmap != null ? munmap : null;
        MADVISE = mmap != null ? madvise : null;
    }

    private Mapping() {
    }

    /** Bytes {@code [start, start + size)} of {@code file}, mapped until {@code arena} closes. */
    static MemorySegment of(OpenFile file, long start, long size, Arena arena) throws IOException {
        if (MMAP == null || file.descriptor() < 0) {
            return file.channel().map(MapMode.READ_ONLY, start, size, arena);
        }
        long aligned = start - start % PAGE;
        long length = size + (start - aligned);
        MemorySegment at;
        try {
            at = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, length, PROT_READ, MAP_SHARED,
                    file.descriptor(), aligned);
        } catch (Throwable t) {
            throw new IOException("mmap(2) through the linker failed", t);
        }
        if (at.address() == -1L) {
            throw new IOException("cannot map " + size + " bytes of " + file.path() + " at " + start);
        }
        MemorySegment whole = at.reinterpret(length, arena, mapped -> unmap(mapped, length));
        return whole.asSlice(start - aligned, size);
    }

    /**
     * Faults in every page of {@code mapped} ({@code MADV_POPULATE_READ}) on the calling thread, a file-system
     * thread: the disk reads a write from the mapping would make on the loop are made here, with the readahead of a
     * sequential reader ({@code MADV_SEQUENTIAL}; a fault's own read-around asked 64 KiB at a time from the slow-disk
     * bench's FUSE mount, one after the other), and the pages, mapped, stay until the mapping goes ({@code POSIX_FADV_DONTNEED} skips a mapped
     * page; memory pressure unmaps it only after the unmapped ones). False when it failed (a file cut short meanwhile,
     * whose write then fails as the class comment says; a kernel before 5.14, which has no cachestat either, so no
     * range is found cold there).
     */
    static boolean populate(MemorySegment mapped) {
        if (MADVISE == null) {
            return false;
        }
        long aligned = mapped.address() - mapped.address() % PAGE;
        long length = mapped.byteSize() + (mapped.address() - aligned);
        try {
            int ignored = (int) MADVISE.invokeExact(aligned, length, MADV_SEQUENTIAL);
            return (int) MADVISE.invokeExact(aligned, length, MADV_POPULATE_READ) == 0;
        } catch (Throwable t) {
            return false;
        }
    }

    private static void unmap(MemorySegment mapped, long length) {
        try {
            int ignored = (int) MUNMAP.invokeExact(mapped, length);
        } catch (Throwable t) {
            throw new IllegalStateException("munmap(2) through the linker failed", t);
        }
    }
}
