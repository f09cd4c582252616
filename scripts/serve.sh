#!/usr/bin/env bash
# Builds the runnable jar and serves a directory (default: the sample site/ of this repo).
#   bash scripts/serve.sh [--root DIR] [--port 8080] [--mode auto|...]   (any `serve` flag)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk25.sh
mvn -B -q -DskipTests package
args=("$@")
case " ${args[*]-} " in *" --root "*|*" --root="*) ;; *) args+=(--root site) ;; esac
# -Xmn24m: a young generation small enough that connection state is promoted in small steps; with the
# default (~100 MiB of eden when pinned to one CPU) the first collection after 10,000 connections arrive
# copies all their state at once, a pause of 60-250 ms (README, "Idle connections").
exec "$JAVA_HOME/bin/java" -Xmn24m -jar server/target/zeroedge.jar serve "${args[@]}"
