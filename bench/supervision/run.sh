#!/bin/sh
# The supervision benchmark (issue 9): restart latency vs a fresh apply.
# Run as root on Debian 12 from a built checkout:  sudo bench/supervision/run.sh
# Environment: RUNS (default 7), RESTARTS (default 21), BENCH_NO_DOCS=1 (print only).
# Writes the "Supervision" section of docs/performance.md. Uses a private PODRUN_ROOT under
# /var/tmp and removes it (and every pod it started) at the end.
set -eu
cd "$(dirname "$0")/../.."
if [ "$(id -u)" != 0 ]; then
  echo "error: the benchmark creates pods and must run as root" >&2
  echo "  hint: sudo $0" >&2
  exit 1
fi
[ -f dist/bench/supervision/bench.js ] && [ -x build/Release/podrun-helper ] || npm run build --silent || true
exec node dist/bench/supervision/bench.js
