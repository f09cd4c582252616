#!/usr/bin/env bash
# What a slow disk under part of the document root does to the rest of it, per mode: a root with a hot 1 KiB
# file on the normal disk and slow/ on slowfs (the tests' FUSE passthrough, core/src/test/resources/.../slowfs.py:
# every open, getattr and read sleeps DELAY_MS), holding COLD distinct 2 MiB files. For each mode a fresh
# server (its defaults: one event loop per CPU), the hot file fetched once, then `loadtest slow-disk` (WARMUP of
# hot requests alone, unrecorded, then the measurement): COLD
# connections fetch the cold files again and again while one connection asks for the hot file at HOT_RATE;
# one line per mode with the hot latency percentiles and the cold fetches by status.
#
#   bash scripts/bench-slow-disk.sh                  # every mode, 32 cold connections, 10 s each
#   MODES="uring-splice epoll-sendfile" DURATION=5s COLD=16 bash scripts/bench-slow-disk.sh
#   EVENT_LOOPS=1 bash scripts/bench-slow-disk.sh    # force the loops (default: the server's own)
#   SERVER_FLAGS="--fs-threads 32" bash scripts/bench-slow-disk.sh   # more flags for every server
#   EVICT_MS=500 bash scripts/bench-slow-disk.sh     # drop the cold files' pages every 500 ms (default 0: they stay cached)
#   COLD_NICE=19 bash scripts/bench-slow-disk.sh     # the cold connections' client threads at nice 19 (default 0): on
#                                                    # an edge they are other machines, here they share the 2 CPUs
#   SPLIT=1 bash scripts/bench-slow-disk.sh          # the cold connections from a second loadtest process: beside
#                                                    # cold clients in its own JVM the hot client itself stalls
# Needs root (FUSE), /usr/bin/python3 with python3-fusepy, and fuse3 (scripts/test.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk25.sh
MODES=${MODES:-"uring-splice epoll-sendfile nio-sendfile epoll-mmap epoll-copy"}
COLD=${COLD:-32}
DURATION=${DURATION:-10s}
DELAY_MS=${DELAY_MS:-200}
HOT_RATE=${HOT_RATE:-100}
WARMUP=${WARMUP:-5s}
EVICT_MS=${EVICT_MS:-0}
COLD_NICE=${COLD_NICE:-0}
SPLIT=${SPLIT:-0}
PORT=${PORT:-18090}
EVENT_LOOPS=${EVENT_LOOPS:-}
if [ ! -f server/target/zeroedge.jar ] || [ ! -f loadtest/target/zeroedge-loadtest.jar ]; then
  mvn -B -q -DskipTests package
fi

work=$(mktemp -d /tmp/bench-slow-disk.XXXXXX)
root=$work/root
source=$work/slow-source
mkdir -p "$root/slow" "$source"
head -c 1024 /dev/urandom > "$root/hot-1k.bin"
for i in $(seq 0 $((COLD - 1))); do
  head -c $((2 * 1024 * 1024)) /dev/urandom > "$source/$(printf 'cold-%02d.bin' "$i")"
done

server=""
slowfs=""
evictor=""
stop_server() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
    # A loop stuck in the slow file system may not stop within the grace: then it is killed.
    kill -KILL "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  server=""
}
cleanup() {
  stop_server
  if [ -n "$evictor" ]; then kill "$evictor" 2>/dev/null || true; wait "$evictor" 2>/dev/null || true; fi
  if grep -q " $root/slow fuse" /proc/mounts; then umount -l "$root/slow" || true; fi
  if [ -n "$slowfs" ]; then kill "$slowfs" 2>/dev/null || true; wait "$slowfs" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

/usr/bin/python3 core/src/test/resources/dev/zeroedge/testing/slowfs.py "$source" "$root/slow" \
    --delay-ms "$DELAY_MS" --ops open,getattr,read > "$work/slowfs.log" 2>&1 &
slowfs=$!
for _ in $(seq 1 100); do grep -q " $root/slow fuse" /proc/mounts && break; sleep 0.1; done
grep -q " $root/slow fuse" /proc/mounts || { echo "slowfs did not mount: $(cat "$work/slowfs.log")" >&2; exit 1; }
if [ "$EVICT_MS" -gt 0 ]; then
  # Cold files stay cold: without this, the page cache keeps every cold file after its first fetch and the
  # "cold" connections re-fetch from memory at full speed, which measures two saturated CPUs rather than a
  # slow disk. Every EVICT_MS the pages of slow/ are dropped (POSIX_FADV_DONTNEED on descriptors held open
  # through the mount), as memory pressure does on an edge node whose working set is larger than its RAM.
  /usr/bin/python3 -c '
import os, sys, time
fds = [os.open(os.path.join(sys.argv[1], n), os.O_RDONLY) for n in sorted(os.listdir(sys.argv[1]))]
while True:
    for fd in fds:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    time.sleep(int(sys.argv[2]) / 1000)
' "$root/slow" "$EVICT_MS" > "$work/evictor.log" 2>&1 &
  evictor=$!
fi

echo "slow-disk: $COLD connections on distinct 2 MiB files under slow/ ($DELAY_MS ms per open/getattr/read;" \
     "$( [ "$EVICT_MS" -gt 0 ] && echo "their pages dropped every $EVICT_MS ms" || echo "their pages left cached"))," \
     "hot 1 KiB at $HOT_RATE/s, $DURATION per mode, event loops ${EVENT_LOOPS:-default ($(nproc) CPUs)}," \
     "cold clients at nice $COLD_NICE$( [ "$SPLIT" = 1 ] && echo ", in a process of their own");" \
     "load average $(cut -d' ' -f1-3 /proc/loadavg)"
for mode in $MODES; do
  "$JAVA_HOME/bin/java" -Xmn24m -jar server/target/zeroedge.jar serve --root "$root" --bind 127.0.0.1 \
      --port "$PORT" --mode "$mode" --grace 1s ${EVENT_LOOPS:+--event-loops "$EVENT_LOOPS"} ${SERVER_FLAGS:-} \
      > "$work/server-$mode.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do
    curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/hot-1k.bin" && break
    sleep 0.1
  done
  if [ "$SPLIT" = 1 ]; then
    # The cold connections from a process of their own (its own hot client at 1/s, not reported), started with
    # the measured hot client's warm-up, so that they run through its whole measurement; the hot client alone
    # in another process.
    "$JAVA_HOME/bin/java" -jar loadtest/target/zeroedge-loadtest.jar slow-disk --label "$mode cold clients" \
        --url-hot "http://127.0.0.1:$PORT/hot-1k.bin" --url-cold-prefix "http://127.0.0.1:$PORT/slow/cold-" \
        --cold-connections "$COLD" --duration "$(( ${DURATION%s} + ${WARMUP%s} ))s" --hot-rate 1 \
        --cold-nice "$COLD_NICE" > "$work/cold-$mode.txt" 2>&1 &
    cold=$!
    "$JAVA_HOME/bin/java" -jar loadtest/target/zeroedge-loadtest.jar slow-disk --label "$mode" \
        --url-hot "http://127.0.0.1:$PORT/hot-1k.bin" --url-cold-prefix "http://127.0.0.1:$PORT/none-" \
        --cold-connections 0 --duration "$DURATION" --hot-rate "$HOT_RATE" --warmup "$WARMUP" \
        | sed 's/; cold x0: 0 fetches, 0.0 MiB in [0-9.]* s//'
    wait "$cold" || true
    sed 's/^.*; cold x/  its cold connections (another process, over warm-up and measurement): cold x/' "$work/cold-$mode.txt"
  else
    "$JAVA_HOME/bin/java" -jar loadtest/target/zeroedge-loadtest.jar slow-disk --label "$mode" \
        --url-hot "http://127.0.0.1:$PORT/hot-1k.bin" --url-cold-prefix "http://127.0.0.1:$PORT/slow/cold-" \
        --cold-connections "$COLD" --duration "$DURATION" --hot-rate "$HOT_RATE" --warmup "$WARMUP" \
        --cold-nice "$COLD_NICE"
  fi
  stop_server
done
