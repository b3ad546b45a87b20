#!/usr/bin/env bash
# Churn soak (a benchmark, not a test; not part of scripts/test.sh): on one node network
# namespace, concurrent workers ADD and DEL pods with cnictl through bridge + host-local and
# through bridge + host-local + vxlan; 5 % of ADDs are killed mid-way (SIGKILL to the process
# group) and followed by DEL. Per minute: ADD/DEL latency p50/p99 and the node's counts
# (host-local reservations, veths, bridge ports, FDB, nftables, eBPF map entries, result
# cache) against the live pods. Fails on a duplicate address at any sample, on any count
# that differs from the live pods after GC, or that is not zero after the final DEL.
#
#   scripts/soak.sh [--minutes N] [--workers N] [--bin-dir DIR] [--interval SECONDS]
#                   [--kill-fraction F] [--pods-per-worker N]
#
# Defaults: 10 minutes, 64 workers, binaries from .build/x86_64-unknown-linux-gnu/release
# (copied to a private directory at start, so a rebuild during the soak does not disturb it),
# samples every 60 s. Needs root. Everything it creates (namespaces named sk<id>-*, a
# directory under /tmp) is removed at the end, also on failure or Ctrl-C. See docs/soak.md.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN_DIR=$ROOT/.build/x86_64-unknown-linux-gnu/release
PY_ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --bin-dir) BIN_DIR=${2:?--bin-dir needs a directory}; shift 2 ;;
        --minutes|--workers|--interval|--kill-fraction|--pods-per-worker)
            PY_ARGS+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "soak.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "soak.sh: needs root (network namespaces)" >&2; exit 1; }
for tool in ip bridge nft tc bpftool python3; do
    command -v "$tool" >/dev/null || { echo "soak.sh: $tool not found" >&2; exit 1; }
done
for bin in cnictl bridge host-local vxlan; do
    [ -x "$BIN_DIR/$bin" ] || { echo "soak.sh: $BIN_DIR/$bin not found (build with swift build -c release --static-swift-stdlib, or pass --bin-dir)" >&2; exit 1; }
done

RUN_ID=sk$(printf '%06x' $((($$ * 7919 + RANDOM) % 16777216)))
WORK=$(mktemp -d /tmp/swcni-soak.XXXXXX)

cleanup() {
    set +e
    # The Python driver removes what it made; this catches what a crash or a signal left.
    for ns in $(ip netns list 2>/dev/null | awk -v p="$RUN_ID-" 'index($1, p) == 1 {print $1}'); do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
        ip netns del "$ns" 2>/dev/null
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

# A private copy: a rebuild of BIN_DIR during the soak must not change what runs.
mkdir "$WORK/bin"
for bin in cnictl bridge host-local vxlan loopback; do
    [ -e "$BIN_DIR/$bin" ] && cp "$BIN_DIR/$bin" "$WORK/bin/"
done

# In the background so that Ctrl-C and SIGTERM reach the driver (which then stops its workers
# and removes its namespaces) before the cleanup above runs.
python3 "$ROOT/scripts/soak/soak.py" --bin-dir "$WORK/bin" --work "$WORK" --run-id "$RUN_ID" ${PY_ARGS[@]+"${PY_ARGS[@]}"} &
DRIVER=$!
stop() { kill -TERM "$DRIVER" 2>/dev/null; wait "$DRIVER"; exit "$1"; }
trap 'stop 130' INT
trap 'stop 143' TERM
wait "$DRIVER"
