#!/usr/bin/env bash
# NetworkPolicy benchmark (not a test): throughput, RR and CRR between two pods with no
# policy table vs POLICIES policies, time to apply them from scratch, time to add one pod.
#
#   scripts/bench-netpol.sh [--policies N] [--runs N] [--seconds S] [--json FILE]
#
# Needs root (namespaces), iperf3 and python3 (scripts/setup.sh), a loaded br_netfilter.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN_DIR=$(swift build -c release --static-swift-stdlib --show-bin-path)
if [ ! -x "$BIN_DIR/cnictl" ]; then
    echo "bench-netpol.sh: $BIN_DIR/cnictl missing: run scripts/setup.sh first" >&2
    exit 1
fi
exec python3 scripts/bench/netpolbench.py --cnictl "$BIN_DIR/cnictl" "$@"
