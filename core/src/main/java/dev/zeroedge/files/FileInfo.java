package dev.zeroedge.files;

import io.netty.handler.codec.DateFormatter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Date;
import java.util.concurrent.TimeUnit;

/**
 * What the HTTP layer needs to know about a regular file: its length, its modification time and a
 * strong entity tag.
 *
 * <p>The ETag is {@code "<length>-<mtime ns>-<inode>"} in hex. A strong validator must change whenever
 * the bytes can differ: a rewrite changes the modification time (nanoseconds here), an atomic replace
 * (write elsewhere, rename over) changes the inode even when the writer restores the time.
 *
 * <p>{@code lastModifiedNanos} is the mtime the ETag carries; an open descriptor's stat is compared with it
 * and the length (see {@link OpenFile#describedBy}).
 */
public record FileInfo(Path path, long length, long lastModifiedMillis, long lastModifiedNanos, long device,
                       long inode, String etag, String lastModified) {

    /**
     * {@code lastModified} is the HTTP-date of the Last-Modified field, formatted here, once per look at the
     * file, rather than once per response.
     */
    public static FileInfo of(Path path, BasicFileAttributes attributes) {
        String key = attributes.fileKey() == null ? "" : attributes.fileKey().toString();
        return of(path, attributes.size(), attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS),
                number(key, "dev=", 16), number(key, "ino=", 10));
    }

    /** The same validators from a statx of the open descriptor (see {@link FileStat}). */
    public static FileInfo of(Path path, FileStat stat) {
        return of(path, stat.length(), stat.mtimeNanos(), stat.device(), stat.inode());
    }

    /** {@code inode} -1: unknown, and the ETag goes without it. */
    private static FileInfo of(Path path, long length, long mtimeNanos, long device, long inode) {
        String etag = '"' + Long.toHexString(length) + '-' + Long.toHexString(mtimeNanos)
                + (inode < 0 ? "" : "-" + Long.toHexString(inode)) + '"';
        long millis = Math.floorDiv(mtimeNanos, 1_000_000L);
        return new FileInfo(path, length, millis, mtimeNanos, device, inode, etag,
                DateFormatter.format(new Date(Math.floorDiv(millis, 1000) * 1000)));
    }

    /**
     * Whether {@code now}, a stat of a name, shows this very file at this version: a regular file with the same
     * device, inode, length and mtime. A recheck that finds it needs to open nothing.
     */
    public boolean sameFileAs(FileStat now) {
        return now != null && now.regular() && now.inode() == inode && now.device() == device
                && now.length() == length && now.mtimeNanos() == lastModifiedNanos;
    }

    /** Same bytes as far as validators can tell: same length, mtime and ETag (inode), whatever the path. */
    public boolean sameVersion(FileInfo other) {
        return length == other.length && lastModifiedNanos == other.lastModifiedNanos && etag.equals(other.etag);
    }

    public static FileInfo read(Path path) throws IOException {
        return of(path, Files.readAttributes(path, BasicFileAttributes.class));
    }

    /** Last-Modified has one-second resolution; comparisons with HTTP dates use this. */
    public long lastModifiedSeconds() {
        return Math.floorDiv(lastModifiedMillis, 1000);
    }

    /** The JDK's Unix file key prints as "(dev=803,ino=1234)" (the device in hex); -1 where it says nothing. */
    private static long number(String fileKey, String field, int radix) {
        int at = fileKey.indexOf(field);
        if (at < 0) {
            return -1;
        }
        int end = at + field.length();
        while (end < fileKey.length() && Character.digit(fileKey.charAt(end), radix) >= 0) {
            end++;
        }
        return end == at + field.length() ? -1 : Long.parseLong(fileKey.substring(at + field.length(), end), radix);
    }
}
