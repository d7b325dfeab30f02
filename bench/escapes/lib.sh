# Sourced by the containment trials in this directory: `prepare_trials FILE` moves to the
# checkout, refuses to run without root, defaults PODRUN_RACE_TRIALS to 100 and builds the
# checkout when FILE (the trial's compiled script) or podrun-helper is missing.
prepare_trials() {
  cd "$(dirname "$0")/../.."
  if [ "$(id -u)" != 0 ]; then
    echo "error: the trials create pods and must run as root" >&2
    echo "  hint: sudo $0" >&2
    exit 1
  fi
  export PODRUN_RACE_TRIALS="${PODRUN_RACE_TRIALS:-100}"
  export PODRUN_NETWORK="${PODRUN_NETWORK:-none}" # no pod networks in the host namespace
  [ -f "$1" ] && [ -x build/Release/podrun-helper ] || npm run build --silent
}
