#!/usr/bin/env bash
# Runs every test of every module (real sockets, real epoll and io_uring) with JDK 25.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk25.sh
exec mvn -B verify "$@"
