# Sourced by the benchmarks' run.sh: `prepare_bench FILE` moves to the checkout, refuses to run
# without root and builds the checkout when FILE (the compiled benchmark) or podrun-helper is
# missing.
prepare_bench() {
  cd "$(dirname "$0")/../.."
  if [ "$(id -u)" != 0 ]; then
    echo "error: the benchmark creates pods and must run as root" >&2
    echo "  hint: sudo $0" >&2
    exit 1
  fi
  [ -f "$1" ] && [ -x build/Release/podrun-helper ] || npm run build --silent || true
}
