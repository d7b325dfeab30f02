#!/bin/sh
# The supervision benchmark (issue 9): restart latency vs a fresh apply.
# Run as root on Debian 12 from a built checkout:  sudo bench/supervision/run.sh
# Environment: RUNS (default 7), RESTARTS (default 21), BENCH_NO_DOCS=1 (print only).
# Writes the "Supervision" section of docs/performance.md. Uses a private PODRUN_ROOT under
# /var/tmp and removes it (and every pod it started) at the end.
set -eu
. "$(dirname "$0")/../lib/prepare.sh"
prepare_bench dist/bench/supervision/bench.js
exec node dist/bench/supervision/bench.js
