#!/bin/sh
# Pull benchmark: podrun pull vs skopeo copy + umoci unpack against a local docker-registry.
# Not part of `npm test`. Usage: bench/pull/run.sh   (RUNS=5 by default; needs root for umoci unpack)
set -eu
cd "$(dirname "$0")/../.."
missing=""
for t in docker-registry:docker-registry skopeo:skopeo umoci:umoci time:/usr/bin/time; do
  pkg=${t%%:*}; bin=${t#*:}
  command -v "$bin" >/dev/null 2>&1 || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  echo "installing:$missing" >&2
  apt-get install -y $missing >&2
fi
npx tsc -p . >/dev/null || true   # emits even when unrelated files have type errors
exec node dist/bench/pull/driver.js "$@"
