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
