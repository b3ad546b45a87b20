#!/usr/bin/env bash
# Benchmarks (not tests). Sections:
#   loopback, host-local, bridge  ours against Debian's Go reference plugins, measured in the
#                                 same run, interleaved: medians and our/reference ratios
#                                 (scripts/bench/cnibench.py);
#   netpol                        NetworkPolicy: TCP throughput / RR / CRR with no table, an
#                                 empty one and 5000 policies, apply from scratch, add one pod
#                                 (scripts/bench/netpolbench.py, also scripts/bench-netpol.sh).
#
#   scripts/bench.sh [--only SECTION[,SECTION]] [cnibench options, e.g. --runs N]
#                    [--netpol-policies N] [--netpol-runs N] [--netpol-seconds S] [--netpol-json FILE]
#
# Without --only every section runs (netpol last). Options prefixed --netpol- go to
# netpolbench.py without the prefix; the others go to cnibench.py.
# Needs root (namespaces) and `scripts/setup.sh` (release build + reference plugins).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN_DIR=$(swift build -c release --static-swift-stdlib --show-bin-path)

ONLY=""
PY_ARGS=()
NETPOL_ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --only) ONLY=${2:?--only needs a value}; shift 2 ;;
        --only=*) ONLY=${1#--only=}; shift ;;
        --netpol-*=*) NETPOL_ARGS+=("--${1#--netpol-}"); shift ;;
        --netpol-*) NETPOL_ARGS+=("--${1#--netpol-}" "${2:?$1 needs a value}"); shift 2 ;;
        *) PY_ARGS+=("$1"); shift ;;
    esac
done

PY_SECTIONS=()
RUN_NETPOL=0
if [ -z "$ONLY" ]; then
    RUN_PY_ALL=1
    RUN_NETPOL=1
else
    RUN_PY_ALL=0
    IFS=, read -r -a CHOSEN <<<"$ONLY"
    for section in "${CHOSEN[@]}"; do
        case "$section" in
            "") ;;
            netpol) RUN_NETPOL=1 ;;
            *) PY_SECTIONS+=("$section") ;;
        esac
    done
fi

need() {
    for p in "$@"; do
        if [ ! -x "$BIN_DIR/$p" ]; then
            echo "bench.sh: $BIN_DIR/$p missing: run scripts/setup.sh first" >&2
            exit 1
        fi
    done
}

if [ "$RUN_PY_ALL" = 1 ] || [ ${#PY_SECTIONS[@]} -gt 0 ]; then
    need loopback host-local
    ONLY_ARGS=()
    if [ "$RUN_PY_ALL" = 0 ]; then ONLY_ARGS=(--only "$(IFS=,; echo "${PY_SECTIONS[*]}")"); fi
    python3 scripts/bench/cnibench.py --ours "$BIN_DIR" --reference "${SWIFT_CNI_REFERENCE_DIR:-/usr/lib/cni}" \
        ${ONLY_ARGS[@]+"${ONLY_ARGS[@]}"} ${PY_ARGS[@]+"${PY_ARGS[@]}"}
fi
if [ "$RUN_NETPOL" = 1 ]; then
    need cnictl
    echo "== netpol"
    python3 scripts/bench/netpolbench.py --cnictl "$BIN_DIR/cnictl" ${NETPOL_ARGS[@]+"${NETPOL_ARGS[@]}"}
fi
