#!/usr/bin/env bash
# Benchmarks (not tests). Sections:
#   loopback, host-local, bridge, ours against Debian's Go reference plugins, measured in the
#   tuning, bandwidth, firewall   same run, interleaved: medians and our/reference ratios
#                                 (scripts/bench/cnibench.py); bridge: also the floor of the
#                                 ADD (bench/floor: the same kernel work in C), the ADD's CPU
#                                 time (user + system) and user-space instruction counts of one
#                                 ADD (callgrind, if valgrind is there), ours/reference/floor;
#   portmap                       same run, interleaved: medians and our/reference ratios
#                                 (scripts/bench/cnibench.py; portmap: the bridge + host-local
#                                 + portmap chain's ADD/DEL, hostPort DNAT throughput and
#                                 connection rate);
#   vxlan                         cross-node pod-to-pod iperf3 TCP throughput and TCP
#                                 request/response latency vs the same between the two node
#                                 namespaces over the underlay (scripts/demo.sh --bench), then
#                                 the same with directRouting (no encapsulation, for comparison);
#   netpol                        NetworkPolicy: TCP throughput / RR / CRR with no table, an
#                                 empty one and 5000 policies, apply from scratch, add one pod
#                                 (scripts/bench/netpolbench.py, also scripts/bench-netpol.sh).
#
#   scripts/bench.sh [--only SECTION[,SECTION]] [cnibench options, e.g. --runs N]
#                    [--netpol-policies N] [--netpol-runs N] [--netpol-seconds S] [--netpol-json FILE]
#                    [--baseline DIR | --baseline-rev REV]
#
# Without --only every section runs (vxlan, then netpol, last). Options prefixed --netpol- go to
# netpolbench.py without the prefix; the others go to cnibench.py.
#
# --baseline DIR: ours against another build of ours (its release binaries in DIR) instead of
# the reference: the plugin sections run the two interleaved in one run exactly as they run
# ours and the reference, with ratios ours/baseline (no issue target is evaluated); vxlan and
# netpol run for both, one after the other, each figure printed for both. --baseline-rev REV
# builds commit REV first (a temporary git worktree, scratch path .build-baseline, kept for
# the next run) and uses its binaries as the baseline.
# Needs root (namespaces) and `scripts/setup.sh` (release build + reference plugins).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN_DIR=$(swift build -c release --static-swift-stdlib --show-bin-path)

ONLY=""
PY_ARGS=()
NETPOL_ARGS=()
BASELINE_DIR=""
BASELINE_REV=""
while [ $# -gt 0 ]; do
    case "$1" in
        # Relative to the directory bench.sh was started from ($OLDPWD: before the cd above).
        --baseline) BASELINE_DIR=$(cd "${OLDPWD:-.}" && cd "${2:?--baseline needs a directory}" && pwd); shift 2 ;;
        --baseline-rev) BASELINE_REV=${2:?--baseline-rev needs a revision}; shift 2 ;;
        --only) ONLY=${2:?--only needs a value}; shift 2 ;;
        --only=*) ONLY=${1#--only=}; shift ;;
        --netpol-*=*) NETPOL_ARGS+=("--${1#--netpol-}"); shift ;;
        --netpol-*) NETPOL_ARGS+=("--${1#--netpol-}" "${2:?$1 needs a value}"); shift 2 ;;
        *) PY_ARGS+=("$1"); shift ;;
    esac
done

PY_SECTIONS=()
RUN_NETPOL=0
RUN_VXLAN=0
if [ -z "$ONLY" ]; then
    RUN_PY_ALL=1
    RUN_NETPOL=1
    RUN_VXLAN=1
else
    RUN_PY_ALL=0
    IFS=, read -r -a CHOSEN <<<"$ONLY"
    for section in "${CHOSEN[@]}"; do
        case "$section" in
            "") ;;
            netpol) RUN_NETPOL=1 ;;
            vxlan) RUN_VXLAN=1 ;;
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
        if [ -n "$BASELINE_DIR" ] && [ ! -x "$BASELINE_DIR/$p" ]; then
            echo "bench.sh: baseline $BASELINE_DIR/$p missing" >&2
            exit 1
        fi
    done
}

# The floor of the bridge + host-local ADD figure (bench/floor/bridge_add_floor.c: the same
# kernel requests from a small C program, libmnl), built with cc, and passed to cnibench.py.
# Without a C compiler or libmnl-dev the figures come without the floor column.
build_floor() {
    if make -s -C bench/floor O="$PWD/.build/floor" >&2; then
        PY_ARGS+=(--floor "$PWD/.build/floor/bridge_add_floor")
    else
        echo "bench.sh: could not build bench/floor (cc, libmnl-dev): no floor column" >&2
    fi
}

# Builds commit $1 in a temporary worktree (release, scratch path .build-baseline) and sets
# BASELINE_DIR to its binaries.
build_baseline_rev() {
    local rev commit tree
    rev=$1
    commit=$(git rev-parse --verify "$rev^{commit}") || { echo "bench.sh: unknown revision $rev" >&2; exit 2; }
    tree=$(mktemp -d /tmp/swift-cni-baseline.XXXXXX)
    git worktree add --detach --quiet "$tree" "$commit"
    # Same dependency versions as ours (Package.resolved is not committed).
    if [ -f Package.resolved ]; then cp Package.resolved "$tree/"; fi
    echo "==> baseline: building $rev ($commit) in $tree, scratch path .build-baseline" >&2
    if ! swift build -c release --static-swift-stdlib --package-path "$tree" --scratch-path "$PWD/.build-baseline" >&2; then
        git worktree remove --force "$tree"
        exit 1
    fi
    BASELINE_DIR=$(swift build -c release --static-swift-stdlib --package-path "$tree" --scratch-path "$PWD/.build-baseline" --show-bin-path)
    git worktree remove --force "$tree"
}
if [ -n "$BASELINE_REV" ]; then
    if [ -n "$BASELINE_DIR" ]; then echo "bench.sh: --baseline and --baseline-rev exclude each other" >&2; exit 2; fi
    build_baseline_rev "$BASELINE_REV"
fi
# What the other side of the plugin sections is: the reference, or the baseline build.
OTHER_ARGS=(--reference "${SWIFT_CNI_REFERENCE_DIR:-/usr/lib/cni}")
if [ -n "$BASELINE_DIR" ]; then OTHER_ARGS=(--reference "$BASELINE_DIR" --other-label baseline); fi

# vxlan_section LABEL DIR: the vxlan figures of the binaries in DIR (all three data paths).
vxlan_section() {
    local label=$1 dir=$2 out ratio
    echo
    echo "== vxlan${label:+ ($label: $dir)} (2 nodes x 2 pods in namespaces; medians of 7 interleaved 3 s iperf3 runs, client and server pinned to CPUs 0 and 1)"
    out=$(scripts/demo.sh --nodes 2 --pods 2 --bench --bin-dir "$dir" 2>&1) || { echo "$out" >&2; exit 1; }
    echo "$out" | grep 'data path (dataPath' || true
    echo "$out" | sed -n '/^==> bench/,/ratio pod\/node/p'
    ratio=$(echo "$out" | sed -n 's/.*ratio pod\/node throughput[^:]*: *\([0-9.]*\).*/\1/p')
    VXLAN_RATIO=$ratio
    python3 -c "import sys; r = float(sys.argv[1]); print('  cross-node pod-to-pod / node-to-node TCP throughput: %.2fx  target >= 0.90x: %s' % (r, 'PASS' if r >= 0.9 else 'MISS'))" "$ratio"
    # For comparison only (not the issue's figure): the same nodes with the vxlan plugin's
    # directRouting, i.e. pods of nodes on one L2 subnet routed without encapsulation.
    echo
    echo "== vxlan plugin with directRouting${label:+ ($label)} (information: nodes on one L2 subnet, no encapsulation)"
    out=$(scripts/demo.sh --nodes 2 --pods 2 --bench --direct-routing --bin-dir "$dir" 2>&1) || { echo "$out" >&2; exit 1; }
    echo "$out" | sed -n '/^==> bench/,/ratio pod\/node/p'
    # And the kernel's path (dataPath kernel: bridge, routing and the VTEP on each node),
    # i.e. what the eBPF data path replaces.
    echo
    echo "== vxlan plugin with dataPath kernel${label:+ ($label)} (information: no eBPF)"
    out=$(scripts/demo.sh --nodes 2 --pods 2 --bench --data-path kernel --bin-dir "$dir" 2>&1) || { echo "$out" >&2; exit 1; }
    echo "$out" | sed -n '/^==> bench/,/ratio pod\/node/p'
}

if [ "$RUN_PY_ALL" = 1 ] || [ ${#PY_SECTIONS[@]} -gt 0 ]; then
    need loopback host-local bridge portmap
    build_floor
    ONLY_ARGS=()
    if [ "$RUN_PY_ALL" = 0 ]; then ONLY_ARGS=(--only "$(IFS=,; echo "${PY_SECTIONS[*]}")"); fi
    python3 scripts/bench/cnibench.py --ours "$BIN_DIR" "${OTHER_ARGS[@]}" \
        ${ONLY_ARGS[@]+"${ONLY_ARGS[@]}"} ${PY_ARGS[@]+"${PY_ARGS[@]}"}
fi
if [ "$RUN_VXLAN" = 1 ]; then
    need bridge host-local vxlan cnictl
    if [ -z "$BASELINE_DIR" ]; then
        vxlan_section "" "$BIN_DIR"
    else
        vxlan_section ours "$BIN_DIR"
        ours_ratio=$VXLAN_RATIO
        vxlan_section baseline "$BASELINE_DIR"
        python3 -c "import sys; o, b = map(float, sys.argv[1:]); print('  pod/node throughput ratio: ours %.2fx, baseline %.2fx, ours/baseline %.2fx' % (o, b, o / b))" "$ours_ratio" "$VXLAN_RATIO"
    fi
fi
if [ "$RUN_NETPOL" = 1 ]; then
    need cnictl
    echo "== netpol${BASELINE_DIR:+ (ours: $BIN_DIR)}"
    python3 scripts/bench/netpolbench.py --cnictl "$BIN_DIR/cnictl" ${NETPOL_ARGS[@]+"${NETPOL_ARGS[@]}"}
    if [ -n "$BASELINE_DIR" ]; then
        echo "== netpol (baseline: $BASELINE_DIR)"
        python3 scripts/bench/netpolbench.py --cnictl "$BASELINE_DIR/cnictl" ${NETPOL_ARGS[@]+"${NETPOL_ARGS[@]}"}
    fi
fi
