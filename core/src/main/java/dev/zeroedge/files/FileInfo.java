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
public record FileInfo(Path path, long length, long lastModifiedMillis, long lastModifiedNanos, String etag,
                       String lastModified) {

    /**
     * {@code lastModified} is the HTTP-date of the Last-Modified field, formatted here, once per look at the
     * file, rather than once per response.
     */
    public static FileInfo of(Path path, BasicFileAttributes attributes) {
        long mtimeNanos = attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS);
        String inode = inodeOf(attributes.fileKey());
        String etag = '"' + Long.toHexString(attributes.size()) + '-' + Long.toHexString(mtimeNanos)
                + (inode.isEmpty() ? "" : '-' + inode) + '"';
        long millis = attributes.lastModifiedTime().toMillis();
        return new FileInfo(path, attributes.size(), millis, mtimeNanos, etag,
                DateFormatter.format(new Date(Math.floorDiv(millis, 1000) * 1000)));
    }

    public static FileInfo read(Path path) throws IOException {
        return of(path, Files.readAttributes(path, BasicFileAttributes.class));
    }

    /** Last-Modified has one-second resolution; comparisons with HTTP dates use this. */
    public long lastModifiedSeconds() {
        return Math.floorDiv(lastModifiedMillis, 1000);
    }

    /** The JDK's Unix file key prints as "(dev=..,ino=..)"; the inode is the part that tells a replaced file. */
    private static String inodeOf(Object fileKey) {
        if (fileKey == null) {
            return "";
        }
        String key = fileKey.toString();
        int at = key.indexOf("ino=");
        if (at < 0) {
            return Integer.toHexString(key.hashCode());
        }
        int end = at + 4;
        while (end < key.length() && Character.isDigit(key.charAt(end))) {
            end++;
        }
        return end == at + 4 ? "" : Long.toHexString(Long.parseLong(key.substring(at + 4, end)));
    }
}
