#!/bin/sh
# The containment trials (issue 8, docs/security.md): every escape test of
# test/integration/pod-escapes.test.ts with its races run PODRUN_RACE_TRIALS times (default 100;
# npm test runs fewer), then each other script in this directory (the commit race, the monitor
# kills), which read the same variable. Each prints how many trials got out (must be 0) and fails
# when one did. Run as root from a built checkout:  sudo bench/escapes/run.sh
set -eu
. "$(dirname "$0")/lib.sh"
prepare_trials dist/test/integration/pod-escapes.test.js
echo "escapes: $PODRUN_RACE_TRIALS trials per race" >&2
npx mocha --no-config --require dist/test/helpers/network-default.js --exit --timeout 3600000 dist/test/integration/pod-escapes.test.js
for script in bench/escapes/*.sh; do
  case "$script" in bench/escapes/run.sh | bench/escapes/lib.sh) continue ;; esac
  sh "$script"
done
