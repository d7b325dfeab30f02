#!/bin/sh
# The commit race of escape 2 (docs/security.md): PODRUN_RACE_TRIALS (default 100) racing commits
# with --pause=false and with the default --pause, counting the layers that got a host file (must
# be 0 for both). Run as root from a built checkout:  sudo bench/escapes/commit-race.sh
# (bench/escapes/run.sh runs it after the escape tests).
set -eu
. "$(dirname "$0")/lib.sh"
prepare_trials dist/bench/escapes/commit-race.js
exec node dist/bench/escapes/commit-race.js
