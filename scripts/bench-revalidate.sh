#!/usr/bin/env bash
# What a revalidation writes (issue 15): a stale 64 MiB object validated with a 304 must rewrite only its
# metadata, never its body. One cache JVM in front of a zeroedge static origin, its cache directory on this
# machine's disk (not tmpfs, so the kernel counts the bytes); for each repetition it reads the cache process's
# /proc/PID/io (write_bytes: bytes it caused to go to storage; wchar: bytes passed to write calls, sockets
# included) around one request:
#   unchanged  GET with Cache-Control: max-age=0 of the stored object, the origin's file unchanged: the origin
#              answers the conditional request 304 (Cache-Status fwd=stale; fwd-status=304)
#   rewritten  the origin's file rewritten first (new bytes, new validator): the origin answers with the new object
#              (206 for its first slice, at the default --cache-slice), which replaces the stored one: the
#              yardstick of what a body costs
# Written as Markdown to docs/bench/revalidate-<stamp>.md.
#
#   bash scripts/bench-revalidate.sh [--size-mib 64] [--reps 3] [--mode epoll-sendfile] [--out docs/bench] [--no-build]
#
# Every process it starts is stopped by its PID. Needs: curl, taskset. Only loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk25.sh

SIZE_MIB=64
REPS=3
MODE=epoll-sendfile
OUT=docs/bench
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --size-mib) SIZE_MIB=$2; shift 2;;
    --reps) REPS=$2; shift 2;;
    --mode) MODE=$2; shift 2;;
    --out) OUT=$2; shift 2;;
    --no-build) BUILD=0; shift;;
    -h|--help) sed -n '2,15p' "$0"; exit 0;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done

JAR=server/target/zeroedge.jar
if [ "$BUILD" = 1 ] || [ ! -f "$JAR" ]; then
  mvn -B -q -o -DskipTests package -pl server -am
fi
WORK=/var/tmp/bench-revalidate   # a disk file system: on tmpfs write_bytes stays 0 whatever is written
rm -rf "$WORK"
mkdir -p "$WORK/corpus" "$WORK/cache" "$OUT"
STAMP=$(date +%F-%H%M%S)
REPORT="$OUT/revalidate-$STAMP.md"
ORIGIN_PORT=19501
CACHE_PORT=19502
. scripts/bench-lib.sh

# io PID FIELD: one counter of /proc/PID/io.
io() { awk -v f="$2:" '$1==f{print $2}' "/proc/$1/io"; }

# fetch: one GET of the object through the cache, asking it validated; prints status and Cache-Status.
fetch() {
  curl -s -o "$WORK/got" -D "$WORK/head" -H 'Cache-Control: max-age=0' "http://127.0.0.1:$CACHE_PORT/object.bin"
  cmp -s "$WORK/got" "$WORK/corpus/object.bin" || { echo "the body differs from the origin's file" >&2; exit 1; }
  printf '%s | %s' "$(head -1 "$WORK/head" | tr -d '\r' | cut -d' ' -f2)" \
      "$(grep -i '^cache-status:' "$WORK/head" | tr -d '\r' | cut -d' ' -f2-)"
}

head -c "$((SIZE_MIB << 20))" /dev/urandom >"$WORK/corpus/object.bin"
zeroedge origin 1 "$ORIGIN_PORT" --root "$WORK/corpus"
zeroedge cache 0 "$CACHE_PORT" --origin "http://127.0.0.1:$ORIGIN_PORT" --cache-dir "$WORK/cache" \
    --cache-max-size 4g --scrub-rate 0
CACHE_PID=$LAST_PID
log "filling the cache with one $SIZE_MIB MiB object"
curl -s -o /dev/null "http://127.0.0.1:$CACHE_PORT/object.bin"
until curl -s -D - -o /dev/null "http://127.0.0.1:$CACHE_PORT/object.bin" | grep -qi '^cache-status: zeroedge; hit'; do
  sleep 0.1
done
sync
sleep 1

{
  echo "# What a revalidation writes, $STAMP"
  echo
  echo "One $SIZE_MIB MiB object ($MODE, \`--cache-slice\` at its default), a zeroedge static origin; the cache"
  echo "directory on $(df -T "$WORK" | awk 'NR==2{print $2}'). Each row is one GET with \`Cache-Control: max-age=0\`,"
  echo "the cache process's \`/proc/PID/io\` read just before and 1 s after it (the metadata's fsync and directory"
  echo "sync included). write_bytes counts whole pages, so a metadata file of a few hundred bytes shows as 4096 or"
  echo "8192; the log file the server writes to is on the same disk and counted too. wchar counts the bytes of"
  echo "every write call, the body sent to the client by sendfile included (so a 304 still shows the $SIZE_MIB MiB"
  echo "that went to the client); write_bytes is what reached the disk."
  echo
  echo "| origin's file | status | Cache-Status | write_bytes | wchar | write calls |"
  echo "|---|---|---|---|---|---|"
} >"$REPORT"

measure() {  # measure LABEL
  local wb wc sc line
  wb=$(io "$CACHE_PID" write_bytes); wc=$(io "$CACHE_PID" wchar); sc=$(io "$CACHE_PID" syscw)
  line=$(fetch)
  sleep 1
  echo "| $1 | $line | $(( $(io "$CACHE_PID" write_bytes) - wb )) | $(( $(io "$CACHE_PID" wchar) - wc )) | $(( $(io "$CACHE_PID" syscw) - sc )) |" >>"$REPORT"
  log "$1: $line"
}

for rep in $(seq 1 "$REPS"); do
  measure unchanged
done
for rep in $(seq 1 "$REPS"); do
  head -c "$((SIZE_MIB << 20))" /dev/urandom >"$WORK/corpus/object.bin.new"
  touch -d "@$(( $(date +%s) - 3600 * rep ))" "$WORK/corpus/object.bin.new"
  mv "$WORK/corpus/object.bin.new" "$WORK/corpus/object.bin"
  sleep 1.2  # past the origin's --open-file-cache-valid (1 s): it sees the new file
  measure rewritten
done
cat "$REPORT"
