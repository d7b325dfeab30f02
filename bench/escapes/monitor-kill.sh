#!/bin/sh
# The monitor-death trials (issue 8, docs/runtime.md "When the monitor dies"): the pod's monitor
# SIGKILLed at random points in the first milliseconds of apply, the apply CLI SIGKILLed between
# starting the monitor and the end of its handshake (or anywhere in the apply), and running pods'
# monitors SIGKILLed; PODRUN_RACE_TRIALS times each (default 100; npm test runs 15). Prints the
# orphans (processes left after delete) and invisible pods or processes (running, but not in
# `get pods`), which must be 0, and fails otherwise. Run as root from a built checkout:
#   sudo bench/escapes/monitor-kill.sh
set -eu
. "$(dirname "$0")/lib.sh"
prepare_trials dist/test/integration/pod-monitor-death.test.js
echo "monitor kills: $PODRUN_RACE_TRIALS trials per scenario" >&2
npx mocha --no-config --exit --timeout 3600000 dist/test/integration/pod-monitor-death.test.js
