#!/bin/sh
# The probe-cost benchmark (issue 9): 50 pods with a 1 s exec and a 1 s httpGet probe each.
# Run as root from a built checkout:  sudo bench/probe/run.sh
# Environment: PODS (default 50), WINDOW (seconds measured, default 20). Prints the figures.
set -eu
cd "$(dirname "$0")/../.."
if [ "$(id -u)" != 0 ]; then
  echo "error: the benchmark creates pods and must run as root" >&2
  echo "  hint: sudo $0" >&2
  exit 1
fi
[ -f dist/bench/probe/bench.js ] && [ -x build/Release/podrun-helper ] || npm run build --silent
exec node dist/bench/probe/bench.js
