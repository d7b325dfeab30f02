#!/bin/sh
# The re-apply benchmark (issue 13): re-apply of a 3-container pod after an env change in one
# container, podrun (that container restarted in place) vs `podman kube play --replace` of the
# same change, and vs that container's own stop plus start in podman.
# Run as root on Debian 12 from a built checkout:  sudo bench/reapply/run.sh
# Environment: RUNS (default 7), BENCH_NO_DOCS=1 (print only). Installs podman when missing.
# Writes its figures into docs/performance.md ("Re-apply"). Uses a private PODRUN_ROOT.
set -eu
. "$(dirname "$0")/../lib/prepare.sh"
prepare_bench dist/bench/reapply/bench.js
ensure_podman
exec node dist/bench/reapply/bench.js
