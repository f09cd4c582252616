#!/usr/bin/env bash
# The scrubber's figures (issue 16), in one run, written as Markdown to docs/bench/scrub-<stamp>.md:
#   detect     a byte flipped on disk (own descriptor, fsync, its pages dropped) in one of --cold objects of 1 MiB,
#              at --rate bytes/s: time until zeroedge_cache_corrupt_objects_total moves, against the bound the rate
#              gives (one pass over every object, plus the second read that confirms, plus the interval's pause)
#   throughput the scrubber unlimited (--scrub-rate 10g, passes back to back) over the cold set, its pages dropped:
#              scrubbed bytes a second, from zeroedge_cache_scrubbed_bytes_total over --duration
#   hit        1 KiB hits, closed loop (req/s) and open loop at --hit-rate (p50/p99), the loadtest module's generator,
#              scrubber off, at the default 20m a second, and unlimited, over the cold set (interleaved, --reps
#              each); target: p99 within 10 %
#   residency  a hot set (--hot objects of 1 MiB, hit, resident) and the cold set (pages dropped): fincore of both
#              before and after one whole scrub pass over all of them: the hot set stays resident, the cold one cold
#
#   bash scripts/bench-scrub.sh [--parts "detect throughput hit residency"] [--mode epoll-sendfile] [--cold 256]
#        [--hot 32] [--rate 16m] [--reps 2] [--duration 10] [--hit-rate 1000] [--out docs/bench] [--no-build]
#
# Every process it starts is stopped by its PID. Needs: python3, curl, taskset, fincore (util-linux). Only loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk25.sh

PARTS="detect throughput hit residency"
MODE=epoll-sendfile
COLD=256
HOT=32
RATE=16m
REPS=2
DURATION=10
HIT_RATE=1000
OUT=docs/bench
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --parts) PARTS=$2; shift 2;;
    --mode) MODE=$2; shift 2;;
    --cold) COLD=$2; shift 2;;
    --hot) HOT=$2; shift 2;;
    --rate) RATE=$2; shift 2;;
    --reps) REPS=$2; shift 2;;
    --duration) DURATION=$2; shift 2;;
    --hit-rate) HIT_RATE=$2; shift 2;;
    --out) OUT=$2; shift 2;;
    --no-build) BUILD=0; shift;;
    -h|--help) sed -n '2,19p' "$0"; exit 0;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done

JAR=server/target/zeroedge.jar
LOADTEST=loadtest/target/zeroedge-loadtest.jar
if [ "$BUILD" = 1 ] || [ ! -f "$JAR" ] || [ ! -f "$LOADTEST" ]; then
  mvn -B -q -o -DskipTests package -pl server,loadtest -am
fi
WORK=/tmp/bench-scrub
rm -rf "$WORK"
mkdir -p "$WORK" "$OUT"
STAMP=$(date +%F-%H%M%S)
REPORT="$OUT/scrub-$STAMP.md"
CORPUS=$WORK/corpus
CACHE=$WORK/cache
ORIGIN_PORT=19401
CACHE_PORT=19402
ADMIN_PORT=19403
. scripts/bench-lib.sh

# metric SERIES: one value of the cache's /metrics.
metric() {
  { curl -s "http://127.0.0.1:$ADMIN_PORT/metrics" || true; } | awk -v s="$1" '$1==s{printf "%.0f\n", $2 + 0}'
}

# cache SCRUB-RATE SCRUB-INTERVAL: the cache JVM on CPU 0, its admin listener on ADMIN_PORT; waits for its index.
cache() {
  zeroedge cache 0 "$CACHE_PORT" --origin "http://127.0.0.1:$ORIGIN_PORT" --cache-dir "$CACHE" \
      --cache-max-size 4g --cache-slice off --inline-body-max 0 --admin "127.0.0.1:$ADMIN_PORT" \
      --scrub-rate "$1" --scrub-interval "$2"
  CACHE_PID=$LAST_PID
  for _ in $(seq 1 600); do
    grep -q "cache index complete" "$WORK/cache.log" && return 0
    sleep 0.1
  done
  echo "the cache's index never completed: $(tail -5 "$WORK/cache.log")" >&2
  exit 1
}

# body NAME: the body file of /NAME in the cache directory (the key's hash: see CacheKey, Store).
body() {
  python3 - "$CACHE" "127.0.0.1:$CACHE_PORT /$1" <<'PY'
import hashlib, sys
h = hashlib.sha256(sys.argv[2].encode()).hexdigest()[:32]
print(f"{sys.argv[1]}/{h[0:2]}/{h[2:4]}/{h}")
PY
}

# drop FILE...: the files' pages out of the page cache (POSIX_FADV_DONTNEED), as a cold disk has them.
drop() {
  python3 - "$@" <<'PY'
import os, sys
for path in sys.argv[1:]:
    fd = os.open(path, os.O_RDONLY)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)
PY
}

# resident FILE...: pages of the files in the page cache, and pages in all.
resident() {
  fincore --bytes --noheadings --raw --output RES,SIZE "$@" | awk '{r += $1; s += $2} END {printf "%d %d\n", r / 4096, s / 4096}'
}

cold_bodies() { local i; for i in $(seq -w 1 "$COLD"); do body "cold-$i.bin"; done; }
hot_bodies() { local i; for i in $(seq -w 1 "$HOT"); do body "hot-$i.bin"; done; }

{
  echo "# Scrubber figures, $STAMP"
  echo
  echo "**A busy machine**: this run shared its $(nproc) CPUs with other helpers' builds and tests (load average at"
  echo "the start: $(cut -d' ' -f1-3 /proc/loadavg)); the absolute numbers are not the machine's. Mode $MODE,"
  echo "kernel $(cat /proc/sys/kernel/osrelease), commit $(git rev-parse --short HEAD). The cache JVM is pinned to"
  echo "CPU 0 (its scrubber thread too), the origin and the load generator to CPU 1. Objects of 1 MiB: --cold $COLD"
  echo "cold ones, --hot $HOT hot ones, and /1k.bin."
  echo
} >"$REPORT"

log "corpus: $COLD cold and $HOT hot objects of 1 MiB"
mkdir -p "$CORPUS"
"$JAVA_HOME/bin/java" -jar "$LOADTEST" make-corpus "$CORPUS" --files 1k >/dev/null
python3 - "$CORPUS" "$COLD" "$HOT" <<'PY'
import os, sys
root, cold, hot = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for prefix, n in (("cold", cold), ("hot", hot)):
    width = len(str(n))
    for i in range(1, n + 1):
        with open(f"{root}/{prefix}-{i:0{width}d}.bin", "wb") as f:
            f.write(os.urandom(1 << 20))
# Ten days old: heuristically fresh for a day (10 % of the age since Last-Modified), so the cache stores them.
old = __import__("time").time() - 10 * 86400
for name in os.listdir(root):
    os.utime(f"{root}/{name}", (old, old))
PY
zeroedge origin 1 "$ORIGIN_PORT" --root "$CORPUS"

log "priming the cache"
cache 0 24h
for f in "$CORPUS"/*.bin; do curl -s -o /dev/null "http://127.0.0.1:$CACHE_PORT/$(basename "$f")"; done
for _ in $(seq 1 100); do
  [ "$(metric zeroedge_cache_objects)" -ge $((COLD + HOT + 1)) ] && break
  sleep 0.1
done
stop "$CACHE_PID"
mapfile -t COLD_FILES < <(cold_bodies)
mapfile -t HOT_FILES < <(hot_bodies)
ls "${COLD_FILES[@]}" "${HOT_FILES[@]}" >/dev/null  # every body where its key says

part_detect() {
  local bytes=$(( (COLD + HOT) * 1048576 + 1024 )) rate_bytes n
  rate_bytes=$(python3 -c "import sys; s=sys.argv[1].lower(); m={'k':1<<10,'m':1<<20,'g':1<<30}; print(int(s[:-1])*m[s[-1]] if s[-1] in m else int(s))" "$RATE")
  local bound
  bound=$(python3 -c "print(f'{($bytes + 1048576) / $rate_bytes + 1:.1f}')")
  {
    echo "## Detection time of a flipped byte"
    echo
    echo "--scrub-rate $RATE ($rate_bytes bytes/s), --scrub-interval 1s, $(( bytes / 1048576 )) MiB cached: a pass takes"
    echo "bytes/rate, so a flip anywhere is found within one pass, plus the confirming second read of its object,"
    echo "plus the interval's pause: **bound ${bound} s**. Each row: a fresh cache JVM, a byte flipped in a random"
    echo "cold object at a random time (its own descriptor, fsync, its pages dropped), then the corruption counter"
    echo "polled every 20 ms."
    echo
    echo "| flip | object | detected after (s) | bound (s) |"
    echo "|---|---|---|---|"
  } >>"$REPORT"
  for n in 1 2 3; do
    cache "$RATE" 1s
    sleep "$(python3 -c "import random; print(random.uniform(1, 4))")"
    local victim=$(( (RANDOM % COLD) + 1 ))
    local file=${COLD_FILES[$((victim - 1))]}
    local t0 t1
    t0=$(date +%s.%N)
    python3 - "$file" <<'PY'
import os, random, sys
fd = os.open(sys.argv[1], os.O_RDWR)
at = random.randrange(os.fstat(fd).st_size)
b = os.pread(fd, 1, at)
os.pwrite(fd, bytes([b[0] ^ 0xff]), at)
os.fsync(fd)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
os.close(fd)
PY
    local found=""
    for _ in $(seq 1 $(( ${bound%.*} * 50 + 500 ))); do
      if [ "$(metric zeroedge_cache_corrupt_objects_total)" -ge 1 ]; then found=1; break; fi
      sleep 0.02
    done
    t1=$(date +%s.%N)
    local took
    took=$(python3 -c "print(f'{$t1 - $t0:.2f}')")
    [ -n "$found" ] || took="not found ($took)"
    echo "| $n | cold-$victim | $took | $bound |" >>"$REPORT"
    log "flip $n: detected after $took s (bound $bound s)"
    stop "$CACHE_PID"
    # The corrupt object was quarantined and is fetched again (and committed) on the next run's priming.
    cache 0 24h
    curl -s -o /dev/null "http://127.0.0.1:$CACHE_PORT/cold-$(printf "%0${#COLD}d" "$victim").bin"
    sleep 1
    stop "$CACHE_PID"
  done
  echo >>"$REPORT"
}

part_throughput() {
  drop "${COLD_FILES[@]}" "${HOT_FILES[@]}"
  cache 10g 10ms
  sleep 1
  local b0 b1
  b0=$(metric zeroedge_cache_scrubbed_bytes_total)
  sleep "$DURATION"
  b1=$(metric zeroedge_cache_scrubbed_bytes_total)
  stop "$CACHE_PID"
  local mibs
  mibs=$(python3 -c "print(f'{($b1 - $b0) / $DURATION / 1048576:.0f}')")
  {
    echo "## Scrub throughput"
    echo
    echo "--scrub-rate 10g (no limit in effect), --scrub-interval 10ms (passes back to back) over the"
    echo "$(( COLD + HOT )) MiB, their pages dropped first (and each range the scrubber reads that was not resident"
    echo "is dropped again after it, so every pass reads from the disk): **$mibs MiB/s** over $DURATION s"
    echo "($(( (b1 - b0) / 1048576 )) MiB; readahead off, 256 KiB reads, CRC32C, one thread)."
    echo
  } >>"$REPORT"
  log "scrub throughput: $mibs MiB/s"
}

part_hit() {
  local rows=() rep scrub
  {
    echo "## 1 KiB hits with the scrubber off, at its default rate and unlimited"
    echo
    echo "The loadtest module's generator (\`compare --external\`, 32 connections, on CPU 1) against the cache on"
    echo "CPU 0: closed loop for req/s, then an open loop at $HIT_RATE req/s for the latency (from each request's"
    echo "intended start), ${DURATION} s each after 3 s of warm-up. \"20m\": the default --scrub-rate, \"10g\":"
    echo "no limit in effect, both with --scrub-interval 10ms (passes back to back) over the cold set, whose pages"
    echo "were dropped first (the scrubber thread shares CPU 0 with the event loop; the 1 KiB hit is held in"
    echo "memory, so no file-system work makes the scrubber pause). Interleaved, $REPS repetitions each."
    echo
    echo "| scrubber | rep | req/s (closed) | p50 ms | p99 ms | p99.9 ms | errors |"
    echo "|---|---|---|---|---|---|---|"
  } >>"$REPORT"
  for rep in $(seq 1 "$REPS"); do
    for scrub in off 20m 10g; do
      drop "${COLD_FILES[@]}"
      if [ "$scrub" = off ]; then cache 0 24h; else cache "$scrub" 10ms; fi
      curl -s -o /dev/null "http://127.0.0.1:$CACHE_PORT/1k.bin"
      curl -s -o /dev/null "http://127.0.0.1:$CACHE_PORT/1k.bin"
      local dir=$WORK/hit-$scrub-$rep
      taskset -c 1 "$JAVA_HOME/bin/java" -jar "$LOADTEST" compare --out "$dir-max" --root "$CORPUS" \
          --external "cache=http://127.0.0.1:$CACHE_PORT,pid=$CACHE_PID" --workloads 1k --rate max \
          --duration "${DURATION}s" --warmup 3s --connections 32 >"$dir-max.log" 2>&1
      taskset -c 1 "$JAVA_HOME/bin/java" -jar "$LOADTEST" compare --out "$dir-open" --root "$CORPUS" \
          --external "cache=http://127.0.0.1:$CACHE_PORT,pid=$CACHE_PID" --workloads 1k --rate "$HIT_RATE" \
          --duration "${DURATION}s" --warmup 3s --connections 32 >"$dir-open.log" 2>&1
      local scrubbed
      scrubbed=$(metric zeroedge_cache_scrubbed_bytes_total)
      stop "$CACHE_PID"
      python3 - "$dir-max/summary.json" "$dir-open/summary.json" "$scrub" "$rep" "$scrubbed" >>"$REPORT" <<'PY'
import json, sys
closed = json.load(open(sys.argv[1]))["rows"][0]
opened = json.load(open(sys.argv[2]))["rows"][0]
l = opened["latency_ms"]
print(f"| {sys.argv[3]} ({int(sys.argv[5]) // 1048576} MiB scrubbed) | {sys.argv[4]} | {closed['requests_per_s']:.0f} | "
      f"{l['p50']:.3f} | {l['p99']:.3f} | {l['p99_9']:.3f} | {closed['errors'] + opened['errors']} |")
PY
      log "hit, scrubber $scrub, rep $rep: $(tail -1 "$REPORT")"
    done
  done
  echo >>"$REPORT"
}

part_residency() {
  cache 0 24h
  local f i
  for i in 1 2 3; do
    for f in "$CORPUS"/hot-*.bin; do curl -s -o /dev/null "http://127.0.0.1:$CACHE_PORT/$(basename "$f")"; done
  done
  stop "$CACHE_PID"
  drop "${COLD_FILES[@]}"
  cat "${HOT_FILES[@]}" >/dev/null  # the hot set resident, as its hits keep it
  local hot_before cold_before hot_after cold_after
  hot_before=$(resident "${HOT_FILES[@]}")
  cold_before=$(resident "${COLD_FILES[@]}")
  cache 10g 1h  # one pass, then an hour's pause
  local want=$(( (COLD + HOT) * 1048576 ))
  for _ in $(seq 1 1200); do
    [ "$(metric zeroedge_cache_scrubbed_bytes_total)" -ge "$want" ] && break
    sleep 0.1
  done
  local scrubbed
  scrubbed=$(metric zeroedge_cache_scrubbed_bytes_total)
  hot_after=$(resident "${HOT_FILES[@]}")
  cold_after=$(resident "${COLD_FILES[@]}")
  stop "$CACHE_PID"
  {
    echo "## Page-cache residency of a hot set across a whole scrub pass"
    echo
    echo "fincore of the body files (pages resident of pages in all), before the pass and after it"
    echo "($(( scrubbed / 1048576 )) MiB scrubbed: every object once). The cold set's pages were dropped first."
    echo
    echo "| set | before | after |"
    echo "|---|---|---|"
    echo "| hot ($HOT × 1 MiB) | ${hot_before% *} of ${hot_before#* } | ${hot_after% *} of ${hot_after#* } |"
    echo "| cold ($COLD × 1 MiB) | ${cold_before% *} of ${cold_before#* } | ${cold_after% *} of ${cold_after#* } |"
    echo
  } >>"$REPORT"
  log "residency: hot $hot_before -> $hot_after, cold $cold_before -> $cold_after"
}

for part in $PARTS; do
  log "part $part"
  "part_$part"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$REPORT"
log "report: $REPORT"
cat "$REPORT"
