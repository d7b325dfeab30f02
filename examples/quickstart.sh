#!/bin/sh
# podrun's quick start on a fresh Debian 12 machine, as root, offline apart from Debian's and
# npm's package registries:  sudo ./examples/quickstart.sh
# It installs and builds podrun (scripts/setup.sh), makes a busybox image from the host's
# busybox-static, brings up the two-container pod in examples/pod.yaml, and shows it.
set -eu
cd "$(dirname "$0")/.."
here=$(pwd)

if [ "$(id -u)" != 0 ]; then
  echo "error: podrun creates namespaces and mounts, so the quick start runs as root" >&2
  echo "  hint: sudo $0" >&2
  exit 1
fi

# bold commands on a terminal only: a pipe or a log file gets plain text (and NO_COLOR is honoured)
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-}" != dumb ]; then bold=$(printf '\033[1m') plain=$(printf '\033[0m'); else bold='' plain=''; fi
step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; }
podrun() { "$here/bin/podrun" "$@"; }

./scripts/setup.sh

# The image: a one-layer busybox made offline (`podrun import` of a directory).
if podrun images 2>/dev/null | grep -Eq '(^|/)busybox +latest '; then
  echo "busybox:latest is already in podrun's store"
else
  rootfs=$(mktemp -d /tmp/podrun-busybox.XXXXXX)
  trap 'rm -rf "$rootfs"' EXIT
  ./examples/busybox-rootfs.sh "$rootfs"
  step podrun import "$rootfs" busybox:latest
  podrun import "$rootfs" busybox:latest
fi

step podrun apply -f examples/pod.yaml
podrun apply -f examples/pod.yaml

step podrun get pods
podrun get pods

# the client fetches every 2 s; give it time for a few lines
sleep 5
step podrun logs hello/client --tail 3
podrun logs hello/client --tail 3

step podrun exec hello/web -- hostname
podrun exec hello/web -- hostname

cat <<MSG

The pod keeps running after this script. Try:
  $here/bin/podrun get pods -o wide
  $here/bin/podrun logs -f hello/client        # Ctrl-C to stop following
  $here/bin/podrun exec -it hello/web -- sh     # a shell in the web container
  $here/bin/podrun describe pod hello
Remove it with:
  $here/bin/podrun delete pod hello
MSG
