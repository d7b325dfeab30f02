#!/bin/sh
# Installs what podrun and its tests need on Debian 12 and builds podrun. Run as root from the
# podrun folder (or anywhere: it finds its folder). Safe to run again: apt-get and npm skip what
# is already there, and the build only redoes what changed.
set -eu
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
  echo "error: setup.sh installs system packages and must run as root" >&2
  echo "  hint: sudo $0" >&2
  exit 1
fi

# build-essential + python3: the native addon and podrun-helper (node-gyp); libseccomp-dev: the addon compiles seccomp
# profiles with libseccomp; libbearssl-dev: the HTTPS probes' TLS client (addon/src/tls_client.c, linked from its
# static libbearssl.a); openssl: the TLS tests make their certificates with its CLI; clang-format: npm test checks the C style
# busybox-static: the offline busybox image for the example pod and the tests
# docker-registry, skopeo, umoci, apache2-utils: the registry tests (a local registry with htpasswd auth)
# iproute2, util-linux: tests observe namespaces with ip/nsenter/unshare and run `exec -t` under script(1)
PACKAGES="build-essential python3 libseccomp-dev libbearssl-dev openssl clang-format busybox-static docker-registry skopeo umoci apache2-utils iproute2 util-linux ca-certificates"
# containernetworking-plugins, iptables, nftables: pod networks (the CNI plugins bridge, host-local, portmap, firewall,
# tuning; iptables for their NAT and filter rules; nft for the Services' table and the loopback guard); curl: the network tests fetch through hostPorts and port-forward
PACKAGES="$PACKAGES containernetworking-plugins iptables nftables curl"
# apparmor (apparmor_parser): loads podrun's AppArmor profile where the kernel has AppArmor; the
# tests compile the profile with it on every host (harmless where the kernel has none)
PACKAGES="$PACKAGES apparmor"
# bash-completion, zsh, fish: the completion tests load `podrun completion SHELL` in each shell; man-db: the man pages
PACKAGES="$PACKAGES bash-completion zsh fish man-db"

export DEBIAN_FRONTEND=noninteractive
echo "setup: apt-get update" >&2
apt-get update -qq
echo "setup: apt-get install $PACKAGES" >&2
apt-get install -y -qq $PACKAGES >/dev/null

node_major() {
  node -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null || echo 0
}
if [ "$(node_major)" -lt 20 ]; then
  echo "setup: node 20 or newer not found; trying Debian's nodejs" >&2
  apt-get install -y -qq nodejs npm >/dev/null
  if [ "$(node_major)" -lt 20 ]; then
    echo "error: podrun needs Node.js 20 or newer; this machine has $(node --version 2>/dev/null || echo none)" >&2
    echo "  hint: Debian 12 ships Node 18; install Node 20 from https://nodejs.org (or NodeSource's Debian packages) and run this again" >&2
    exit 1
  fi
fi
command -v npm >/dev/null || apt-get install -y -qq npm >/dev/null

# npm ci wipes node_modules; only redo it when the lock file changed since the last install
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] \
   || [ ! -x build/Release/podrun-helper ]; then
  echo "setup: npm ci (builds the native addon and podrun-helper)" >&2
  npm ci --no-audit --no-fund
fi
echo "setup: npm run build" >&2
npm run build --silent
# the man pages the build generated from the commands' help (scripts/man.js): `man podrun-logs`
mkdir -p /usr/local/share/man/man1
cp dist/man/man1/*.1 /usr/local/share/man/man1/
command -v mandb >/dev/null && mandb -q 2>/dev/null || true
echo "setup: done; podrun is $(pwd)/bin/podrun (man podrun; source <(bin/podrun completion bash))" >&2
