#!/usr/bin/env bash
# Benchmarks (not tests): our plugins against Debian's Go reference plugins, measured in
# the same run, interleaved, printing medians and our/reference ratios.
#
#   scripts/bench.sh [--runs N] [--only SECTION[,SECTION]]
#
# Needs root (namespaces) and `scripts/setup.sh` (release build + reference plugins).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN_DIR=$(swift build -c release --static-swift-stdlib --show-bin-path)
for p in loopback host-local; do
    if [ ! -x "$BIN_DIR/$p" ]; then
        echo "bench.sh: $BIN_DIR/$p missing: run scripts/setup.sh first" >&2
        exit 1
    fi
done
exec python3 scripts/bench/cnibench.py --ours "$BIN_DIR" --reference "${SWIFT_CNI_REFERENCE_DIR:-/usr/lib/cni}" "$@"
