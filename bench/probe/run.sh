#!/bin/sh
# The probe-cost benchmark (issue 9): 50 pods with a 1 s exec and a 1 s httpGet probe each, then
# the same with seccomp Unconfined. Run as root from a built checkout:  sudo bench/probe/run.sh
# Environment: PODS (default 50), WINDOW (seconds measured, default 20). Prints the figures
# (docs/performance.md "Probes" quotes them). Uses a private PODRUN_ROOT under /var/tmp and
# removes it (and every pod it started) at the end.
set -eu
. "$(dirname "$0")/../lib/prepare.sh"
prepare_bench dist/bench/probe/bench.js
exec node dist/bench/probe/bench.js
