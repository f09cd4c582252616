# The process plumbing the cache benchmarks share (sourced by bench-cache.sh, bench-scrub.sh,
# bench-revalidate.sh): a log line, zeroedge JVMs started pinned to a CPU, and every process a script started
# stopped by its PID when the script ends, however it ends. The sourcing script sets JAR, MODE and WORK.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

PIDS=()
stop() {  # a process this script started, by its PID
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
trap 'for p in "${PIDS[@]:-}"; do [ -n "$p" ] && stop "$p"; done' EXIT

# zeroedge NAME CPU PORT ARGS...: a zeroedge JVM pinned to CPU at launch (so it sizes its pools for one CPU),
# its output in $WORK/NAME.log, its PID in LAST_PID; returns once it serves.
zeroedge() {
  local name=$1 cpu=$2 port=$3; shift 3
  taskset -c "$cpu" "$JAVA_HOME/bin/java" -Xmn24m -jar "$JAR" serve --bind 127.0.0.1 --port "$port" \
      --mode "$MODE" "$@" >"$WORK/$name.log" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
  for _ in $(seq 1 300); do
    grep -q "INFO zeroedge - serving" "$WORK/$name.log" && return 0
    kill -0 "$LAST_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "$name did not start: $(cat "$WORK/$name.log")" >&2
  exit 1
}
