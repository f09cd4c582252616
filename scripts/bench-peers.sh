#!/usr/bin/env bash
# Measures zeroedge modes side by side with the peers (nginx, lighttpd, ...) in ONE run of the shared
# harness ../shared/bench/peers/run.sh: each mode is started pinned to CPU 0 on its own port, handed to
# the harness as --extra NAME=URL@PID, and stopped afterwards.
#
#   bash scripts/bench-peers.sh [--zeroedge NAME:MODE[:JVM-FLAG[:JAR[:SERVE-FLAGS]]]]... [run.sh options]
#   e.g. bash scripts/bench-peers.sh --zeroedge uring:uring-splice --zeroedge sendfile:epoll-sendfile \
#          --servers "nginx-sendfile lighttpd" --sizes "1k 1m 1g" --reps 2 --duration 5 --no-iperf
# JAR (default server/target/zeroedge.jar) puts two builds side by side, e.g. before and after a change:
#   --zeroedge before:uring-splice:-Xmn24m:/tmp/before.jar --zeroedge after:uring-splice:-Xmn24m
# SERVE-FLAGS (space-separated, the rest of the spec) go to serve, e.g. one build with and without metrics:
#   --zeroedge off:uring-splice:-Xmn24m --zeroedge metrics:uring-splice:-Xmn24m::--admin=19200
# Default: every mode, peers as the harness defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk25.sh
harness=../shared/bench/peers/run.sh
[ -x "$harness" ] || [ -f "$harness" ] || { echo "no $harness" >&2; exit 2; }

specs=()
rest=()
while [ $# -gt 0 ]; do
  case "$1" in
    --zeroedge) specs+=("$2"); shift 2;;
    *) rest+=("$1"); shift;;
  esac
done
if [ ${#specs[@]} -eq 0 ]; then
  # -Xmn24m: the JVM flag of the README's run command.
  specs=(zeroedge-uring:uring-splice:-Xmn24m zeroedge-sendfile:epoll-sendfile:-Xmn24m
         zeroedge-nio:nio-sendfile:-Xmn24m zeroedge-mmap:epoll-mmap:-Xmn24m zeroedge-copy:epoll-copy:-Xmn24m)
fi

[ -f server/target/zeroedge.jar ] || mvn -B -q -DskipTests package
bash ../shared/bench/peers/gen-corpus.sh >/dev/null

pids=()
extras=()
trap 'for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done' EXIT
port=19100
for spec in "${specs[@]}"; do
  IFS=: read -r name mode flag jar serve <<<"$spec"
  jar=${jar:-server/target/zeroedge.jar}
  port=$((port + 1))
  log=/tmp/bench-zeroedge-$name.log
  # Pinned at launch so the JVM and Netty size their thread pools for one CPU.
  taskset -c 0 "$JAVA_HOME/bin/java" ${flag:+"$flag"} -jar "$jar" serve \
      --root /tmp/bench-corpus --bind 127.0.0.1 --port "$port" --mode "$mode" ${serve:-} >"$log" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 1 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/1k.bin" && break
    sleep 0.1
  done
  grep -m1 " mode " "$log" || { echo "$name did not start: $(cat "$log")" >&2; exit 1; }
  extras+=(--extra "$name=http://127.0.0.1:$port@$pid")
done

bash "$harness" "${extras[@]}" "${rest[@]}"
