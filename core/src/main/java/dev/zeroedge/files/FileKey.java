package dev.zeroedge.files;

import java.nio.file.Path;

/**
 * Which file, whatever its names: the device and inode. Every symlink and spelling of one file shares one
 * open-file cache entry, one descriptor and one held body by it. Where no inode is known (a JDK without
 * Unix file keys) the real path stands in.
 */
record FileKey(long device, long inode, Path path) {

    static FileKey of(FileInfo info) {
        return info.inode() < 0 ? new FileKey(-1, -1, info.path()) : new FileKey(info.device(), info.inode(), null);
    }
}
