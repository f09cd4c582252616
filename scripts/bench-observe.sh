#!/usr/bin/env bash
# What metrics and the access log cost per 1 KiB response, side by side in one run: three servers of one build
# (nothing observed, --admin, --access-log) pinned to CPU 0, wrk -t1 -c32 pinned to CPU 1, and many short
# rounds in a rotating order, so that the slow drifts of a shared virtual machine (the spread of one 5 s
# repetition against another is +-20 % here) fall on every variant alike. Per round, each variant's server CPU
# per request (utime + stime of /proc/PID/stat, the access log's writer thread included) is divided by the
# unobserved server's of the same round; the summary is the median of those ratios with its quartiles, and
# user time apart (the observers' own work is user time; the kernel's TCP work, which moves between CPUs on
# loopback, is most of the noise).
#
#   bash scripts/bench-observe.sh [--rounds 30] [--duration 2] [--mode epoll-sendfile] [--together] [--control] [--out docs/bench/...]
# --control: a fourth server, unobserved like the first: the spread between two identical servers in this run.
# --together: the three variants loaded at the same time in each round (three wrk on CPU 1), so that the
# machine's drift within a round falls on all of them; each server then has a third of CPU 0.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk25.sh
rounds=30 duration=2 mode=epoll-sendfile out="" together=0 control=0
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2;;
    --duration) duration=$2; shift 2;;
    --mode) mode=$2; shift 2;;
    --out) out=$2; shift 2;;
    --together) together=1; shift;;
    --control) control=1; shift;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
[ -f server/target/zeroedge.jar ] || mvn -B -q -DskipTests package
root=$(mktemp -d /tmp/bench-observe.XXXXXX)
head -c 1024 /dev/urandom >"$root/1k.bin"
names=(off metrics alog)
flags=("" "--admin=19302" "--access-log=$root.access.log")
if [ "$control" = 1 ]; then
  # A second unobserved server of the same build: how far two identical servers differ in this run (their JIT,
  # their heaps), the yardstick for the other two.
  names+=(off-again)
  flags+=("")
fi
n=${#names[@]}
pids=()
trap 'for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; rm -rf "$root" "$root.access.log"' EXIT
for i in $(seq 0 $((n - 1))); do
  port=$((19301 + i * 10))
  taskset -c 0 "$JAVA_HOME/bin/java" -Xmn24m -jar server/target/zeroedge.jar serve --root "$root" \
      --bind 127.0.0.1 --port "$port" --mode "$mode" ${flags[$i]} >"/tmp/bench-observe-${names[$i]}.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/1k.bin" && break; sleep 0.1; done
  taskset -c 1 wrk -t1 -c32 -d10s "http://127.0.0.1:$port/1k.bin" >/dev/null   # warm-up: JIT, pools
done

# utime and stime (fields 14 and 15) of a process, counted after the command name's closing parenthesis.
ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12, $13}'; }

csv=$(mktemp)
echo "round,variant,requests,utime_ticks,stime_ticks" >"$csv"
for r in $(seq 1 "$rounds"); do
  if [ "$together" = 1 ]; then
    # All three at once: whatever the machine does in this round, it does to every variant.
    declare -a before=()
    for i in $(seq 0 $((n - 1))); do before[$i]=$(ticks "${pids[$i]}"); done
    for i in $(seq 0 $((n - 1))); do
      taskset -c 1 wrk -t1 -c32 -d"${duration}s" "http://127.0.0.1:$((19301 + i * 10))/1k.bin" >"$csv.wrk$i" &
    done
    wait $(jobs -p | tail -"$n")
    for i in $(seq 0 $((n - 1))); do
      read -r u0 s0 <<<"${before[$i]}"
      read -r u1 s1 < <(ticks "${pids[$i]}")
      answered=$(awk '/requests in/ {print $1}' "$csv.wrk$i")
      echo "$r,${names[$i]},$answered,$((u1 - u0)),$((s1 - s0))" >>"$csv"
    done
    continue
  fi
  for k in $(seq 0 $((n - 1))); do
    i=$(( (k + r) % n ))
    port=$((19301 + i * 10))
    read -r u0 s0 < <(ticks "${pids[$i]}")
    answered=$(taskset -c 1 wrk -t1 -c32 -d"${duration}s" "http://127.0.0.1:$port/1k.bin" | awk '/requests in/ {print $1}')
    read -r u1 s1 < <(ticks "${pids[$i]}")
    echo "$r,${names[$i]},$answered,$((u1 - u0)),$((s1 - s0))" >>"$csv"
  done
done

python3 - "$csv" "$mode" "$rounds" "$duration" "$(uptime)" <<'EOF' | tee ${out:+"$out"}
import csv, statistics, sys
path, mode, rounds, duration, load = sys.argv[1:]
hz = 100
rows = list(csv.DictReader(open(path)))
by = {}
for row in rows:
    by.setdefault(row['round'], {})[row['variant']] = row
def per(row, field):  # microseconds of CPU per request
    ticks = sum(int(row[f]) for f in field)
    return ticks / hz * 1e6 / int(row['requests'])
def q(values):
    values = sorted(values)
    qs = statistics.quantiles(values, n=4)
    return f"{statistics.median(values):.3f} ({qs[0]:.3f}-{qs[2]:.3f})"
print(f"# 1 KiB responses, {mode}: metrics and access log against nothing observed\n")
print(f"{rounds} rounds of {duration} s per variant; wrk -t1 -c32 on CPU 1, servers on CPU 0; {load.strip()}\n")
print("| variant | req/s median (quartiles) | CPU µs/req median (quartiles) | user µs/req | ratio to off, CPU (quartiles) | ratio to off, user |")
print("|---|---|---|---|---|---|")
for v in [v for v in ['off', 'metrics', 'alog', 'off-again'] if v in next(iter(by.values()))]:
    rs = [int(b[v]['requests']) / float(duration) for b in by.values()]
    cpu = [per(b[v], ['utime_ticks', 'stime_ticks']) for b in by.values()]
    user = [per(b[v], ['utime_ticks']) for b in by.values()]
    rc = [per(b[v], ['utime_ticks', 'stime_ticks']) / per(b['off'], ['utime_ticks', 'stime_ticks']) for b in by.values()]
    ru = [per(b[v], ['utime_ticks']) / per(b['off'], ['utime_ticks']) for b in by.values()]
    print(f"| {v} | {q(rs).replace('.000', '')} | {q(cpu)} | {q(user)} | {'-' if v == 'off' else q(rc)} | {'-' if v == 'off' else q(ru)} |")
EOF
cp "$csv" "${out:+${out%.md}.csv}" 2>/dev/null || true
