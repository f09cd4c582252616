#!/usr/bin/env bash
# The edge cache's figures (issue 14), in one run, written as Markdown to docs/bench/cache-<stamp>.md:
#   hit       the hit path: 1 KiB req/s and server CPU per request, 1 MiB and 64 MiB CPU-s/GB, for zeroedge cache
#             hits, zeroedge serving the same files statically, and nginx proxy_cache hits, side by side with
#             interleaved repetitions (the shared peers harness ../shared/bench/peers/run.sh measures all three:
#             each server pinned to CPU 0, wrk on CPU 1), then the same at a fixed rate (--rate-1m, --rate-64m:
#             an open loop of loadtest compare), which compares the CPU per byte at equal load
#   coalesce  N concurrent misses (N = 1, 100, 1000) of an object whose origin waits before its first byte:
#             origin requests, and time to first byte per client (p50/p99/max) beside the origin's own
#   recovery  kill -9 of a cache holding --objects (100,000) objects, restart: time until the first hit and until
#             the index is complete, and that the origin was not asked meanwhile
#
#   bash scripts/bench-cache.sh [--parts "hit coalesce recovery"] [--mode epoll-sendfile] [--reps 3]
#        [--duration 5] [--warmup 3] [--objects 100000] [--delay-ms 500] [--out docs/bench] [--quiet]
#        [--rate-1m 1000] [--rate-64m 12]
#
# --quiet says in the report that nothing else ran on the machine (the script cannot tell a build's tail in the load
# average from a build still running); without it the report says the machine was shared.
#
# Every process it starts is stopped by its PID. Needs: wrk, nginx, curl, python3, taskset (scripts/test.sh and
# the peers harness install them). Only loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk25.sh

PARTS="hit coalesce recovery"
MODE=epoll-sendfile
REPS=3
DURATION=5
WARMUP=3
OBJECTS=100000
DELAY_MS=500
RATE_1M=1000
RATE_64M=12
OUT=docs/bench
QUIET=0
while [ $# -gt 0 ]; do
  case "$1" in
    --parts) PARTS=$2; shift 2;;
    --mode) MODE=$2; shift 2;;
    --reps) REPS=$2; shift 2;;
    --duration) DURATION=$2; shift 2;;
    --warmup) WARMUP=$2; shift 2;;
    --objects) OBJECTS=$2; shift 2;;
    --delay-ms) DELAY_MS=$2; shift 2;;
    --rate-1m) RATE_1M=$2; shift 2;;
    --rate-64m) RATE_64M=$2; shift 2;;
    --out) OUT=$2; shift 2;;
    --quiet) QUIET=1; shift;;
    -h|--help) sed -n '2,20p' "$0"; exit 0;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done

JAR=server/target/zeroedge.jar
[ -f "$JAR" ] || mvn -B -q -DskipTests package -pl server -am
WORK=/tmp/bench-cache
rm -rf "$WORK"
mkdir -p "$WORK" "$OUT"
STAMP=$(date +%F-%H%M%S)
REPORT="$OUT/cache-$STAMP.md"
CORPUS=/tmp/bench-corpus
. scripts/bench-lib.sh

# metric ADMIN-PORT SERIES: one value of the cache's /metrics.
metric() {
  { curl -s "http://127.0.0.1:$1/metrics" || true; } | awk -v s="$2" '$1==s{printf "%d\n", $2 + 0}'
}

{
  echo "# Edge cache figures, $STAMP"
  echo
  if [ "$QUIET" = 1 ]; then
    echo "**A quiet machine**: nothing else ran (load average at the start: $(cut -d' ' -f1-3 /proc/loadavg), the"
    echo "tail of what ran before). Rerun with \`bash scripts/bench-cache.sh --quiet\`."
  else
    echo "**A busy machine**: this run shared its 2 CPUs with other builds and test runs (load average at the start:"
    echo "$(cut -d' ' -f1-3 /proc/loadavg)). Its absolute numbers are not the machine's; the ratios within one part"
    echo "(measured interleaved) are what it can tell, and a rerun on a quiet machine is due:"
    echo "\`bash scripts/bench-cache.sh --quiet\`."
  fi
  echo "Mode $MODE, kernel $(cat /proc/sys/kernel/osrelease), $(nproc) CPUs,"
  echo "commit $(git rev-parse --short HEAD)."
  echo
} >"$REPORT"

ORIGIN_PORT=19301
part_hit() {
  bash ../shared/bench/peers/gen-corpus.sh "$CORPUS" >/dev/null 2>&1
  # The origin of both caches: zeroedge serving the corpus, on CPU 1 (it is asked once per object, while priming).
  zeroedge origin 1 "$ORIGIN_PORT" --root "$CORPUS"
  zeroedge static 0 19303 --root "$CORPUS"
  local static_pid=$LAST_PID
  zeroedge cache 0 19302 --origin "http://127.0.0.1:$ORIGIN_PORT" --cache-dir "$WORK/cache-hit"
  local cache_pid=$LAST_PID
  mkdir -p "$WORK/nginx/proxy_cache"
  cat >"$WORK/nginx/nginx.conf" <<EOF
# As the peers harness's nginx (one worker, sendfile, tcp_nopush, no access log), with proxy_cache in front of the
# same origin; every timed request is a hit (X-Cache says so while priming).
daemon off;
master_process on;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; use epoll; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    sendfile_max_chunk 2m;
    keepalive_timeout 120s;
    keepalive_requests 1000000;
    client_body_temp_path $WORK/nginx/client_body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    proxy_cache_path $WORK/nginx/proxy_cache levels=1:2 keys_zone=edge:16m max_size=10g inactive=1d use_temp_path=off;
    upstream origin { server 127.0.0.1:$ORIGIN_PORT; keepalive 16; }
    server {
        listen 127.0.0.1:19304 backlog=4096;
        location / {
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache edge;
            proxy_cache_valid 200 1d;
            proxy_cache_lock on;
            add_header X-Cache \$upstream_cache_status;
        }
    }
}
EOF
  setsid taskset -c 0 nginx -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" \
      >"$WORK/nginx/stdout.log" 2>&1 &
  local nginx_pid=$!
  PIDS+=("$nginx_pid")
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:19304/1k.bin" && break; sleep 0.1; done
  # Prime: each object fetched once, then it must be a hit in both caches.
  local size
  for size in 1k 1m 64m; do
    curl -s -o /dev/null "http://127.0.0.1:19302/$size.bin"
    curl -s -o /dev/null "http://127.0.0.1:19304/$size.bin"
  done
  sleep 1
  for size in 1k 1m 64m; do
    curl -s -D - -o /dev/null "http://127.0.0.1:19302/$size.bin" | grep -qi "^cache-status: zeroedge; hit" \
      || { echo "zeroedge cache: $size.bin is not a hit" >&2; exit 1; }
    curl -s -D - -o /dev/null "http://127.0.0.1:19304/$size.bin" | grep -qi "^x-cache: hit" \
      || { echo "nginx proxy_cache: $size.bin is not a hit" >&2; exit 1; }
  done
  log "primed: every object a hit in both caches"
  BENCH_OUT="$WORK/peers" bash ../shared/bench/peers/run.sh --servers none --no-iperf --no-syscalls \
      --sizes "1k 1m 64m" --reps "$REPS" --duration "$DURATION" --warmup "$WARMUP" \
      --extra "zeroedge-cache-hit=http://127.0.0.1:19302@$cache_pid" \
      --extra "zeroedge-static=http://127.0.0.1:19303@$static_pid" \
      --extra "nginx-proxy_cache-hit=http://127.0.0.1:19304@$nginx_pid" >"$WORK/peers.log" 2>&1 \
      || { cat "$WORK/peers.log" >&2; exit 1; }
  local md
  md=$(ls -t "$WORK"/peers/results-*.md | head -1)
  cp "${md%.md}.csv" "$OUT/cache-$STAMP-hit.csv"
  {
    echo "## Hit path"
    echo
    echo "The peers harness (\`../shared/bench/peers/run.sh\`: wrk -t1 -c32 on CPU 1, the server pinned to CPU 0,"
    echo "$REPS interleaved repetitions of ${DURATION} s after ${WARMUP} s of warm-up, every body checked"
    echo "byte-exact first). zeroedge-cache-hit and nginx-proxy_cache-hit were primed so that every timed request"
    echo "is a hit; the origin (a zeroedge on CPU 1) is not asked during the runs. Raw rows:"
    echo "\`cache-$STAMP-hit.csv\`."
    echo
    sed -n '/^|/,$p' "$md"
    echo
  } >>"$REPORT"
  hit_at_fixed_rate "$cache_pid" "$static_pid" "$(pgrep -P "$nginx_pid" | head -1)"
  stop "$nginx_pid"; stop "$cache_pid"; stop "$static_pid"
}

# The same hits at a fixed rate below every server's peak (an open loop of loadtest compare, from CPU 1), $REPS
# interleaved repetitions: the server CPU per byte at equal load. Closed-loop CPU per byte depends on which side
# is the limit (with wrk the limit at 1 MiB and 64 MiB, a faster server's softirqs do more of the client's
# loopback receive work per byte, and it is woken for smaller writes), so this is the comparison at equal work.
hit_at_fixed_rate() {
  local cache_pid=$1 static_pid=$2 worker=$3 rep workload rate
  [ -f loadtest/target/zeroedge-loadtest.jar ] || mvn -B -q -DskipTests package -pl loadtest -am
  for rep in $(seq 1 "$REPS"); do
    for workload in "1m $RATE_1M" "64m $RATE_64M"; do
      set -- $workload
      taskset -c 1 "$JAVA_HOME/bin/java" -jar loadtest/target/zeroedge-loadtest.jar compare \
          --out "$WORK/rate-$1-$rep" --root "$CORPUS" --workloads "$1" --rate "$2" \
          --duration "${DURATION}s" --warmup "${WARMUP}s" \
          --external "zeroedge-cache-hit=http://127.0.0.1:19302,pid=$cache_pid" \
          --external "zeroedge-static=http://127.0.0.1:19303,pid=$static_pid" \
          --external "nginx-proxy_cache-hit=http://127.0.0.1:19304,pid=$worker" >"$WORK/rate-$1-$rep.log" 2>&1 \
        || { cat "$WORK/rate-$1-$rep.log" >&2; exit 1; }
      log "fixed rate $1 at $2/s, rep $rep: done"
    done
  done
  {
    echo "## Hit path at a fixed rate"
    echo
    echo "loadtest \`compare\` (open loop: 1 MiB at $RATE_1M req/s, 64 MiB at $RATE_64M req/s, 32 connections, every body"
    echo "checked, from CPU 1; the same three servers on CPU 0), $REPS interleaved repetitions of ${DURATION} s after"
    echo "${WARMUP} s of warm-up. Median (min–max) over the repetitions; nginx's CPU is its worker's."
    echo
    python3 - "$WORK" "$REPS" <<'PY'
import json, statistics, sys
work, reps = sys.argv[1], int(sys.argv[2])
rows = {}
for workload in ("1m", "64m"):
    for rep in range(1, reps + 1):
        for row in json.load(open(f"{work}/rate-{workload}-{rep}/summary.json"))["rows"]:
            rows.setdefault((workload, row["target"]), []).append(row)
def cell(values, fmt):
    return f"{fmt(statistics.median(values))} ({fmt(min(values))}–{fmt(max(values))})"
print("| size | server | n | req/s | p99 ms | srv CPU-s/GB | srv CPU µs/req | errors |")
print("|---|---|---|---|---|---|---|---|")
for (workload, target), runs in rows.items():
    print(f"| {workload} | {target} | {len(runs)} | {cell([r['requests_per_s'] for r in runs], lambda v: f'{v:.1f}')} | "
          f"{cell([r['latency_ms']['p99'] for r in runs], lambda v: f'{v:.3g}')} | "
          f"{cell([r['cpu_s_per_gb'] for r in runs], lambda v: f'{v:.3f}')} | "
          f"{cell([r['cpu_s_per_10k_requests'] * 100 for r in runs], lambda v: f'{v:.0f}')} | "
          f"{sum(r['errors'] for r in runs)} |")
PY
    echo
  } >>"$REPORT"
}

# The slow origin of the coalescing part: waits DELAY_MS before each response head, then sends 256 KiB; logs
# each request line, so the origin requests per object are counted from its log.
SLOW_ORIGIN=$(cat <<'PY'
import asyncio, sys
port, delay, log = int(sys.argv[1]), int(sys.argv[2]) / 1000, open(sys.argv[3], "a", buffering=1)
BODY = bytes((i * 7 + i // 251) % 256 for i in range(256 * 1024))
async def serve(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            log.write(head.split(b"\r\n", 1)[0].decode() + "\n")
            await asyncio.sleep(delay)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nCache-Control: max-age=3600\r\n"
                         b"Content-Length: %d\r\n\r\n" % len(BODY) + BODY)
            await writer.drain()
            if b"connection: close" in head.lower():
                break
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()
async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", port, backlog=4096)
    async with server:
        await server.serve_forever()
asyncio.run(main())
PY
)

# N clients connect, then all send their GET at once; each one's time to first byte is from its own send. Prints
# one JSON line: ttfb p50/p99/max in ms, statuses, Cache-Status values, and whether every body was byte-exact.
CLIENTS=$(cat <<'PY'
import asyncio, json, sys, time, resource
port, path, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
BODY = bytes((i * 7 + i // 251) % 256 for i in range(256 * 1024))
async def one(conn, go, out):
    reader, writer = conn
    await go.wait()
    sent = time.perf_counter()
    writer.write(("GET %s HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n" % path).encode())
    await writer.drain()
    first = await reader.read(1)
    ttfb = time.perf_counter() - sent
    rest = await reader.read()
    writer.close()
    head, _, body = (first + rest).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = lines[0].split(" ")[1] if lines and " " in lines[0] else "none"
    cs = next((l.split(":", 1)[1].strip() for l in lines if l.lower().startswith("cache-status:")), "-")
    out.append((ttfb, status, cs, body == BODY))
async def main():
    conns = await asyncio.gather(*[asyncio.open_connection("127.0.0.1", port) for _ in range(n)])
    go, out = asyncio.Event(), []
    tasks = [asyncio.create_task(asyncio.wait_for(one(c, go, out), 120)) for c in conns]
    await asyncio.sleep(0.2)
    go.set()
    await asyncio.gather(*tasks)
    t = sorted(x[0] * 1000 for x in out)
    pick = lambda q: t[min(len(t) - 1, int(q * len(t)))]
    statuses, kinds = {}, {}
    for _, s, c, _ in out:
        statuses[s] = statuses.get(s, 0) + 1
        kinds[c] = kinds.get(c, 0) + 1
    print(json.dumps({"n": n, "p50": pick(0.5), "p99": pick(0.99), "max": t[-1], "statuses": statuses,
                      "cache_status": kinds, "exact": all(x[3] for x in out)}))
asyncio.run(main())
PY
)

part_coalesce() {
  python3 -c "$SLOW_ORIGIN" 19310 "$DELAY_MS" "$WORK/slow-origin.log" &
  local origin_pid=$!
  PIDS+=("$origin_pid")
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:19310/ping" && break; sleep 0.1; done
  zeroedge coalesce 0 19311 --origin "http://127.0.0.1:19310" --cache-dir "$WORK/cache-coalesce" \
      --max-connections 5000
  local cache_pid=$LAST_PID
  {
    echo "## Coalescing"
    echo
    echo "N clients connect to the cache, then all send a GET of one uncached object at once; the origin (a Python"
    echo "asyncio server on CPU 1) waits $DELAY_MS ms before each response head, then sends 256 KiB. Each client's"
    echo "time to first byte is from its own send; each repetition asks for a new object. The origin's own time to"
    echo "first byte is that of 1 client asking the origin directly."
    echo
    echo "| N | rep | origin requests | TTFB p50 ms | p99 ms | max ms | origin's own TTFB ms | statuses | Cache-Status | bytes exact |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
  } >>"$REPORT"
  local n rep key out own asked
  # One miss first, unmeasured: the JVM's first origin fetch loads and compiles what every later one uses.
  taskset -c 1 python3 -c "$CLIENTS" 19311 "/warm-up" 1 >/dev/null
  for rep in $(seq 1 "$REPS"); do
    for n in 1 100 1000; do
      key="/slow.bin?n=$n&rep=$rep"
      own=$(taskset -c 1 python3 -c "$CLIENTS" 19310 "/direct?n=$n&rep=$rep" 1 | python3 -c 'import json,sys; print("%.1f" % json.load(sys.stdin)["p50"])')
      out=$(taskset -c 1 python3 -c "$CLIENTS" 19311 "$key" "$n")
      asked=$(grep -cF "GET $key " "$WORK/slow-origin.log" || true)
      python3 - "$out" "$n" "$rep" "$asked" "$own" >>"$REPORT" <<'PY'
import json, sys
j = json.loads(sys.argv[1]); n, rep, asked, own = sys.argv[2:6]
fmt = lambda d: ", ".join("%s x%d" % kv for kv in sorted(d.items()))
print("| %s | %s | %s | %.1f | %.1f | %.1f | %s | %s | %s | %s |" % (n, rep, asked, j["p50"], j["p99"], j["max"], own,
      fmt(j["statuses"]), fmt(j["cache_status"]), "yes" if j["exact"] else "NO"))
PY
      log "coalesce N=$n rep $rep: origin asked $asked, $out"
    done
  done
  echo >>"$REPORT"
  stop "$cache_pid"; stop "$origin_pid"
}

part_recovery() {
  bash ../shared/bench/peers/gen-corpus.sh "$CORPUS" >/dev/null 2>&1
  if ! curl -s -o /dev/null "http://127.0.0.1:$ORIGIN_PORT/1k.bin"; then
    zeroedge origin 1 "$ORIGIN_PORT" --root "$CORPUS"
  fi
  local dir="$WORK/cache-recovery" admin=19322
  zeroedge recovery-fill 0 19321 --origin "http://127.0.0.1:$ORIGIN_PORT" --cache-dir "$dir" --admin "$admin"
  local cache_pid=$LAST_PID
  # OBJECTS distinct keys (the query is part of the key; the origin ignores it), round and round until each is in.
  cat >"$WORK/fill.lua" <<EOF
local i = 0
request = function()
  i = i + 1
  if i > $OBJECTS then i = 1 end
  return wrk.format("GET", "/1k.bin?i=" .. i)
end
EOF
  local started=$SECONDS objects
  taskset -c 1 wrk -t1 -c16 -d3600s -s "$WORK/fill.lua" "http://127.0.0.1:19321/" >"$WORK/fill-wrk.log" 2>&1 &
  local wrk_pid=$!
  PIDS+=("$wrk_pid")
  while true; do
    objects=$(metric "$admin" zeroedge_cache_objects)
    [ "${objects:-0}" -ge "$OBJECTS" ] && break
    kill -0 "$wrk_pid" 2>/dev/null || { echo "wrk stopped: $(cat "$WORK/fill-wrk.log")" >&2; exit 1; }
    sleep 1
  done
  stop "$wrk_pid"
  local fill_seconds=$((SECONDS - started))
  log "filled $objects objects in $fill_seconds s"
  kill -KILL "$cache_pid"
  wait "$cache_pid" 2>/dev/null || true
  local probe="http://127.0.0.1:19321/1k.bin?i=$((OBJECTS / 2 + 7))"
  local t0 t_first
  t0=$(date +%s.%N)
  zeroedge recovery 0 19321 --origin "http://127.0.0.1:$ORIGIN_PORT" --cache-dir "$dir" --admin "$admin"
  cache_pid=$LAST_PID
  local t_serving
  t_serving=$(date +%s.%N) # within 0.1 s of the "serving" line
  until curl -s -D - -o /dev/null "$probe" | grep -qi "^cache-status: zeroedge; hit"; do sleep 0.01; done
  t_first=$(date +%s.%N)
  until [ "$(metric "$admin" zeroedge_cache_recovering)" = "0" ]; do sleep 0.05; done
  local t_done misses complete found
  t_done=$(date +%s.%N)
  misses=$(metric "$admin" zeroedge_cache_misses_total)
  complete=$(grep -o "cache index complete: [0-9]* objects in [0-9]* ms" "$WORK/recovery.log")
  found=$(metric "$admin" zeroedge_cache_objects)
  {
    echo "## Recovery after kill -9"
    echo
    echo "A cache filled with $objects objects of 1 KiB (distinct keys, in $fill_seconds s through wrk), killed with"
    echo "\`kill -9\`, started again on the same directory (page cache warm: the machine is shared, its caches were"
    echo "not dropped). Times from the launch of the JVM."
    echo
    echo "| objects | until serving (s) | until the first hit (s) | until the index is complete (s) | the scan as logged | objects indexed | misses meanwhile |"
    echo "|---|---|---|---|---|---|---|"
    python3 -c "import sys; t0,ts,t1,t2=map(float,sys.argv[1:5]); print('| %s | %.2f | %.2f | %.2f | %s | %s | %s |' % (sys.argv[5], ts-t0, t1-t0, t2-t0, sys.argv[6], sys.argv[7], sys.argv[8]))" \
        "$t0" "$t_serving" "$t_first" "$t_done" "$objects" "$complete" "$found" "$misses"
    echo
    echo "The first hit comes while the index is still coming back: a miss reads its key's metadata file first."
    echo
  } >>"$REPORT"
  stop "$cache_pid"
  rm -rf "$dir"
}

for part in $PARTS; do
  log "part $part"
  "part_$part"
done
log "wrote $REPORT"
cat "$REPORT"
