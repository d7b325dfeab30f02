#!/bin/sh
# The pod runtime benchmark (issue 3): podrun vs podman on the same 2-container pod YAML.
# Run as root on Debian 12 from a built checkout:  sudo bench/pod/run.sh
# Environment: RUNS (default 7), POD_COUNTS (default 1,10,50), BENCH_NO_DOCS=1 (print only).
# Installs podman from Debian when it is missing. Prints every figure and ratio and writes them
# into docs/performance.md ("Pods" section). Uses a private PODRUN_ROOT under /var/tmp and
# removes it (and every pod it started) at the end.
set -eu
. "$(dirname "$0")/../lib/prepare.sh"
prepare_bench dist/bench/pod/bench.js
ensure_podman
command -v nsenter >/dev/null || { echo "error: nsenter (util-linux) is needed for the exec floor" >&2; exit 1; }
exec node dist/bench/pod/bench.js
