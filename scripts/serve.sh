#!/usr/bin/env bash
# Builds the runnable jar and serves a directory (default: the sample site/ of this repo).
#   bash scripts/serve.sh [--root DIR] [--port 8080] [--mode auto|...]   (any `serve` flag)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk25.sh
mvn -B -q -DskipTests package
args=("$@")
case " ${args[*]-} " in *" --root "*|*" --root="*) ;; *) args+=(--root site) ;; esac
exec "$JAVA_HOME/bin/java" -jar server/target/zeroedge.jar serve "${args[@]}"
