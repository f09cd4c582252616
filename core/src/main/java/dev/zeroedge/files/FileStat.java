package dev.zeroedge.files;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * What {@code statx} says about an open descriptor's file: its type, length, mtime, identity (device and
 * inode) and link count. Read from a {@code struct statx}, which has one layout on every architecture, so
 * that a statx made through the JDK's linker ({@link Statx}) and one made by io_uring ({@code IORING_OP_STATX})
 * read alike.
 */
public record FileStat(int mode, long length, long mtimeNanos, long device, long inode, int links) {

    /** The size of {@code struct statx} (<linux/stat.h>). */
    public static final long STRUCT_SIZE = 256;

    /** The fields a lookup needs: type, link count, inode, size, mtime. */
    public static final int WANTED = 0x1 | 0x4 | 0x40 | 0x100 | 0x200;

    private static final int S_IFMT = 0xf000;
    private static final int S_IFREG = 0x8000;
    private static final int S_IFDIR = 0x4000;

    /**
     * Reads a filled {@code struct statx}: stx_mask at 0, stx_nlink at 16, stx_mode (u16) at 28, stx_ino at 32,
     * stx_size at 40, stx_mtime {tv_sec s64, tv_nsec u32} at 112, stx_dev_major/minor (u32) at 136/140. Null
     * when the kernel did not fill what a lookup needs.
     */
    public static FileStat read(MemorySegment statx) {
        if ((statx.get(JAVA_INT, 0) & WANTED) != WANTED) {
            return null;
        }
        long mtime = statx.get(JAVA_LONG, 112) * 1_000_000_000L + Integer.toUnsignedLong(statx.get(JAVA_INT, 120));
        long device = Integer.toUnsignedLong(statx.get(JAVA_INT, 136)) << 32
                | Integer.toUnsignedLong(statx.get(JAVA_INT, 140));
        return new FileStat(Short.toUnsignedInt(statx.get(JAVA_SHORT, 28)), statx.get(JAVA_LONG, 40), mtime, device,
                statx.get(JAVA_LONG, 32), statx.get(JAVA_INT, 16));
    }

    public boolean regular() {
        return (mode & S_IFMT) == S_IFREG;
    }

    public boolean directory() {
        return (mode & S_IFMT) == S_IFDIR;
    }
}
