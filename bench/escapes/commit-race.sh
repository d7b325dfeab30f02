#!/bin/sh
# The commit race of escape 2 (docs/security.md): PODRUN_RACE_TRIALS (default 100) racing commits
# with --pause=false and with the default --pause, counting the layers that got a host file (must
# be 0 for both). Run as root from a built checkout:  sudo bench/escapes/commit-race.sh
# (bench/escapes/run.sh runs it after the escape tests).
set -eu
cd "$(dirname "$0")/../.."
if [ "$(id -u)" != 0 ]; then
  echo "error: the trials create pods and must run as root" >&2
  echo "  hint: sudo $0" >&2
  exit 1
fi
[ -f dist/bench/escapes/commit-race.js ] && [ -x build/Release/podrun-helper ] || npm run build --silent
exec node dist/bench/escapes/commit-race.js
