# Sourced by the benchmarks' run.sh: `prepare_bench FILE` moves to the checkout, refuses to run
# without root and builds the checkout when FILE (the compiled benchmark) or podrun-helper is
# missing.
prepare_bench() {
  cd "$(dirname "$0")/../.."
  # Pods without a CNI network (only lo), as the podman runs they are compared with; the network
  # benchmark (bench/network) makes its own sandbox namespace and asks for a network there.
  export PODRUN_NETWORK="${PODRUN_NETWORK:-none}"
  if [ "$(id -u)" != 0 ]; then
    echo "error: the benchmark creates pods and must run as root" >&2
    echo "  hint: sudo $0" >&2
    exit 1
  fi
  [ -f "$1" ] && [ -x build/Release/podrun-helper ] || npm run build --silent || true
}

# `ensure_podman`: podman (and runc, which podman needs on hybrid cgroups) from Debian when
# missing; without them a benchmark prints podrun's figures only.
ensure_podman() {
  if ! command -v podman >/dev/null 2>&1 || ! command -v runc >/dev/null 2>&1; then
    echo "bench: installing podman from Debian" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman catatonit runc >/dev/null ||
      echo "bench: could not install podman; podrun's figures only" >&2
  fi
}
