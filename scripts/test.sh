#!/usr/bin/env bash
# Runs every test of every module (real sockets, real epoll and io_uring) with JDK 25. On a fresh machine it
# first installs, as root, the programs the tests run for real; without root it names what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each program the build or a test runs, and the Debian package that brings it. `type -P` looks at PATH
# only (kill is also a shell builtin, but the tests start /usr/bin/kill as a process).
need=()
while read -r program package why; do
  type -P "$program" >/dev/null 2>&1 || need+=("$package")
done <<'PROGRAMS'
mvn      maven       the build itself
ethtool  ethtool     MachineProbeTest reads scatter-gather both through ethtool and the ioctl
ip       iproute2    MachineProbeTest compares the default route with ip route
ss       iproute2    SenderContractSuite counts segments with ss -ti
taskset  util-linux  loadtest pins server and client to CPUs
kill     procps      ShutdownTest sends SIGTERM to a server JVM
umount   mount       SlowFileSystem unmounts its FUSE file system, EdgeCacheSuite its tmpfs
mount    mount       EdgeCacheSuite mounts a small tmpfs as a full disk
mkfifo   coreutils   AccessLogTest writes its log into a FIFO that nobody reads, to fill the queue
nginx    nginx       NginxOriginTest fills the edge cache from a real nginx
PROGRAMS
# SlowFileSystem (a FUSE file system with delays) runs slowfs.py on Debian's python3 with its fusepy (which
# brings libfuse2; as root it mounts without a fusermount helper).
/usr/bin/python3 -c 'import fusepy' >/dev/null 2>&1 || need+=(python3-fusepy)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "zeroedge: the tests need ${need[*]} (Debian packages); run this as root to install them, or install them" >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q $(printf "%s\n" "${need[@]}" | sort -u)
fi

. scripts/jdk25.sh
exec mvn -B verify "$@"
