#!/usr/bin/env bash
# What idle keep-alive connections cost zeroedge, and whether a 1 KiB request is still answered quickly while
# they are open: per mode and repetition (interleaved) a fresh server pinned to CPU 0, N connections that each
# fetch 1k once and stay open, then an open-loop 1 KiB load from CPU 1; prints VmRSS/VmHWM, descriptors and
# p50/p99/p99.9/max per run, and a median (min-max) table per mode.
#
#   bash scripts/bench-idle.sh [loadtest idle options]
#   default: --modes auto,epoll-sendfile --reps 3 --idle 10000 --rate 5000 --duration 10s --connections 32
#   e.g. bash scripts/bench-idle.sh --reps 1 --idle 2000 --jvm-flags "-Xmn24m" --out /tmp/idle
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk25.sh
if [ ! -f server/target/zeroedge.jar ] || [ ! -f loadtest/target/zeroedge-loadtest.jar ]; then
  mvn -B -q -DskipTests package
fi
# The client holds N idle connections plus the load's: the JVM raises its soft limit to the hard one.
echo "open-file limit: soft $(ulimit -Sn), hard $(ulimit -Hn); $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
busy=$(pgrep -fa 'surefire|plexus-classworlds|wrk ' | grep -v pgrep || true)
[ -z "$busy" ] || echo "warning: other work is running and will add noise:"$'\n'"$busy" >&2
exec taskset -c 1 "$JAVA_HOME/bin/java" -jar loadtest/target/zeroedge-loadtest.jar idle \
    --server-jar server/target/zeroedge.jar --server-cpus 0 --client-cpus 1 "$@"
