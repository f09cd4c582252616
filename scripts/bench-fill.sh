#!/usr/bin/env bash
# What a cache fill burns per byte: a zeroedge static origin (epoll-sendfile) holds COUNT files of SIZE; a
# zeroedge cache in MODE with an empty cache directory pulls every one of them once (misses, CONCURRENCY at a
# time, by curl, after WARM others that are not measured) and the cache server's CPU time (user + system, /proc/PID/stat) and context switches (all its
# threads, /proc/PID/task/*/status) are read before and after. Each variant is a set of extra JVM options for
# the cache (the default pair: uring-splice writing on its ring, and on the file-system threads with
# -Dzeroedge.uring.writer=pool); the variants take turns, REPS times, and one line per run is printed, then
# the minimum, median and maximum per variant.
#
#   bash scripts/bench-fill.sh
#   COUNT=64 SIZE=16m REPS=5 bash scripts/bench-fill.sh
#   VARIANTS="ring: pool:-Dzeroedge.uring.writer=pool" MODE=uring-splice bash scripts/bench-fill.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk25.sh
COUNT=${COUNT:-128}
SIZE=${SIZE:-8m}
REPS=${REPS:-5}
CONCURRENCY=${CONCURRENCY:-8}
MODE=${MODE:-uring-splice}
VARIANTS=${VARIANTS:-"ring: pool:-Dzeroedge.uring.writer=pool"}
ORIGIN_PORT=${ORIGIN_PORT:-18190}
CACHE_PORT=${CACHE_PORT:-18191}
if [ ! -f server/target/zeroedge.jar ]; then
  mvn -B -q -DskipTests package
fi
command -v curl >/dev/null || { echo "bench-fill: needs curl" >&2; exit 2; }

work=$(mktemp -d /tmp/bench-fill.XXXXXX)
origin=""
cache=""
stop() {
  local pid=$1
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
}
cleanup() {
  stop "$cache"
  stop "$origin"
  rm -rf "$work"
}
trap cleanup EXIT

bytes=$(numfmt --from=iec "${SIZE^^}")
mkdir -p "$work/origin"
for i in $(seq 1 "$COUNT"); do
  head -c "$bytes" /dev/urandom > "$work/origin/object-$i.bin"
done
# Filled first and not measured: a fresh JVM's first fills are its JIT's.
WARM=${WARM:-$(( COUNT / 4 > 4 ? COUNT / 4 : 4 ))}
for i in $(seq 1 "$WARM"); do
  head -c "$bytes" /dev/urandom > "$work/origin/warm-$i.bin"
done
await() {
  for _ in $(seq 1 300); do
    curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
    sleep 0.1
  done
  echo "bench-fill: nothing answers on port $1" >&2
  exit 1
}
java -Xmn24m -jar server/target/zeroedge.jar serve --root "$work/origin" --bind 127.0.0.1 --port "$ORIGIN_PORT" \
  --mode epoll-sendfile > "$work/origin.log" 2>&1 &
origin=$!
await "$ORIGIN_PORT"

# CPU seconds (utime + stime, clock ticks) and context switches (voluntary + involuntary, every thread).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {s += $2} END {print s}'; }
ticks=$(getconf CLK_TCK)

results="$work/results"
: > "$results"
echo "# bench-fill: $COUNT objects of $SIZE, $CONCURRENCY at a time, cache in $MODE, $REPS reps; $(date -u +%FT%TZ)"
echo "# $(nproc) CPUs, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %4s %10s %12s %14s %10s\n' variant rep seconds cpu-s/GB switches/GB MB/s
for rep in $(seq 1 "$REPS"); do
  for variant in $VARIANTS; do
    name=${variant%%:*}
    opts=${variant#*:}
    rm -rf "$work/cache"
    # shellcheck disable=SC2086
    java -Xmn24m $opts -jar server/target/zeroedge.jar serve --origin "http://127.0.0.1:$ORIGIN_PORT" \
      --cache-dir "$work/cache" --bind 127.0.0.1 --port "$CACHE_PORT" --mode "$MODE" > "$work/cache.log" 2>&1 &
    cache=$!
    await "$CACHE_PORT"
    seq 1 "$WARM" | xargs -P "$CONCURRENCY" -I{} curl -s -f -o /dev/null "http://127.0.0.1:$CACHE_PORT/warm-{}.bin"
    cpu0=$(cpu_ticks "$cache")
    sw0=$(switches "$cache")
    t0=$(date +%s.%N)
    seq 1 "$COUNT" | xargs -P "$CONCURRENCY" -I{} curl -s -f -o /dev/null "http://127.0.0.1:$CACHE_PORT/object-{}.bin"
    t1=$(date +%s.%N)
    cpu1=$(cpu_ticks "$cache")
    sw1=$(switches "$cache")
    stored=$(find "$work/cache" -path "$work/cache/tmp" -prune -o -type f ! -name '*.meta' -print | wc -l)
    stored=$((stored - WARM))
    stop "$cache"
    cache=""
    if [ "$stored" -lt "$COUNT" ]; then
      # A commit may end a moment after its client had every byte; fewer than asked is reported, not hidden.
      echo "# $name rep $rep: $stored of $COUNT objects committed when measured" >&2
    fi
    awk -v n="$name" -v r="$rep" -v t0="$t0" -v t1="$t1" -v c0="$cpu0" -v c1="$cpu1" -v s0="$sw0" -v s1="$sw1" \
        -v tk="$ticks" -v b="$bytes" -v k="$COUNT" 'BEGIN {
      gb = b * k / 1e9; secs = t1 - t0
      printf "%-8s %4d %10.2f %12.3f %14.0f %10.0f\n", n, r, secs, (c1 - c0) / tk / gb, (s1 - s0) / gb, b * k / 1e6 / secs
    }' | tee -a "$results"
  done
done
echo "# per variant: min / median / max"
for variant in $VARIANTS; do
  name=${variant%%:*}
  for column in 4 5 6; do
    awk -v n="$name" -v c="$column" '$1 == n {print $c}' "$results" | sort -g | awk -v n="$name" -v c="$column" '
      {v[NR] = $1} END {
        label = (c == 4 ? "cpu-s/GB" : c == 5 ? "switches/GB" : "MB/s")
        printf "%-8s %-12s %10.3f %10.3f %10.3f\n", n, label, v[1], v[int((NR + 1) / 2)], v[NR]
      }'
  done
done
