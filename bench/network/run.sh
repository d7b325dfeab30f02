#!/bin/sh
# The pod network benchmark (issue 12): podrun on its default CNI network vs podman on its default
# bridge network, the CNI calls alone, and traffic over the bridge, loopback and port-forward.
# Run as root on Debian 12 from a built checkout:  sudo bench/network/run.sh
# Environment: RUNS (default 7), BENCH_NO_DOCS=1 (print only).
# Everything runs inside a network namespace this script makes (podrun-netbench-PID) with one veth
# to a second, empty one standing for the outside (TEST-NET-1 addresses): both tools' bridges,
# addresses and NAT rules exist only there, and both namespaces are deleted at the end.
set -eu
. "$(dirname "$0")/../lib/prepare.sh"
prepare_bench dist/bench/network/bench.js
ensure_podman
sb="podrun-netbench-$$"
out="$sb-o"
cleanup() {
  ip netns del "$out" 2>/dev/null || true
  ip netns del "$sb" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
ip netns add "$sb"
ip netns add "$out"
ip -n "$sb" link set lo up
ip -n "$out" link set lo up
ip -n "$sb" link add up0 type veth peer name out0 netns "$out"
ip -n "$sb" addr add 192.0.2.2/24 dev up0
ip -n "$out" addr add 192.0.2.1/24 dev out0
ip -n "$sb" link set up0 up
ip -n "$out" link set out0 up
ip -n "$sb" route add default via 192.0.2.1
# the pods of this benchmark get podrun's default network (prepare.sh defaults it to none)
PODRUN_NETWORK=podrun PODRUN_BENCH_SANDBOX="$sb" nsenter --net="/run/netns/$sb" -- node dist/bench/network/bench.js
