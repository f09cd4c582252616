#!/usr/bin/python3
"""A passthrough FUSE file system that sleeps before chosen operations: a slow disk, NFS mount or
overloaded volume that the tests can mount for real (SlowFileSystem.java starts and stops it).

    slowfs.py SOURCE MOUNTPOINT --delay-ms 200 --ops open,getattr,read

Every operation is forwarded to SOURCE as it is; the ones named in --ops first sleep --delay-ms. The
kernel is told to cache neither attributes nor directory entries (attr_timeout=0, entry_timeout=0), so
every stat of a path reaches this process and is delayed. Operations run on libfuse's threads, so two
slow requests overlap as they would on a real slow disk. Runs in the foreground until unmounted.
"""
import argparse
import errno
import os
import sys
import time

from fusepy import FUSE, FuseOSError, Operations

FORWARDED = ("getattr", "readdir", "open", "read", "release", "readlink", "statfs", "access")


class Slow(Operations):
    def __init__(self, source, delay, slow_ops):
        self.source = source
        self.delay = delay
        self.slow_ops = slow_ops

    def _path(self, path):
        return os.path.join(self.source, path.lstrip("/"))

    def _wait(self, op):
        if op in self.slow_ops:
            time.sleep(self.delay)

    def getattr(self, path, fh=None):
        self._wait("getattr")
        try:
            st = os.lstat(self._path(path))
        except OSError as e:
            raise FuseOSError(e.errno)
        return {key: getattr(st, key) for key in (
            "st_mode", "st_nlink", "st_uid", "st_gid", "st_size", "st_ino",
            "st_atime", "st_mtime", "st_ctime")}

    def access(self, path, mode):
        self._wait("access")
        if not os.access(self._path(path), mode):
            raise FuseOSError(errno.EACCES)

    def readdir(self, path, fh):
        self._wait("readdir")
        return [".", ".."] + os.listdir(self._path(path))

    def readlink(self, path):
        self._wait("readlink")
        return os.readlink(self._path(path))

    def open(self, path, flags):
        self._wait("open")
        try:
            return os.open(self._path(path), flags)
        except OSError as e:
            raise FuseOSError(e.errno)

    def read(self, path, size, offset, fh):
        self._wait("read")
        return os.pread(fh, size, offset)

    def release(self, path, fh):
        os.close(fh)
        return 0

    def statfs(self, path):
        st = os.statvfs(self._path(path))
        return {key: getattr(st, key) for key in (
            "f_bavail", "f_bfree", "f_blocks", "f_bsize", "f_favail", "f_ffree",
            "f_files", "f_flag", "f_frsize", "f_namemax")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source")
    parser.add_argument("mountpoint")
    parser.add_argument("--delay-ms", type=int, default=200)
    parser.add_argument("--ops", default="open,getattr,read",
                        help="comma-separated, of: " + ", ".join(FORWARDED))
    args = parser.parse_args()
    slow_ops = {op for op in args.ops.split(",") if op}
    unknown = slow_ops - set(FORWARDED)
    if unknown:
        parser.error("unknown operations: " + ", ".join(sorted(unknown)))
    FUSE(Slow(os.path.realpath(args.source), args.delay_ms / 1000.0, slow_ops), args.mountpoint,
         foreground=True, nothreads=False, ro=True, attr_timeout=0, entry_timeout=0,
         negative_timeout=0, fsname="slowfs")


if __name__ == "__main__":
    sys.exit(main())
