#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer + AddressSanitizer) of the decoders and the plugin
# dispatcher. Targets live in Fuzz/<target>/, seeds in Fuzz/corpus/<target>/; see
# docs/fuzzing.md.
#
#   scripts/fuzz.sh TARGET [SECONDS]   fuzz one target (default 60 s)
#   scripts/fuzz.sh all [SECONDS]      every target, FUZZ_JOBS (default 2) at a time
#   scripts/fuzz.sh --smoke            every target ~10 s (part of scripts/test.sh)
#   scripts/fuzz.sh --build            build the fuzz binaries only
#   scripts/fuzz.sh --list             the target names
#
# Builds with swiftc through Fuzz/Makefile into .build-fuzz/ (never part of `swift build`).
# Each run fuzzes a fresh working corpus (.build-fuzz/corpus/<target>, copied from the
# committed seeds, which are never written) at nice 19. A crash, timeout, leak or violated
# property fails the run; the input is saved in .build-fuzz/artifacts/<target>/ and the log
# in .build-fuzz/logs/<target>.log. Prints executions, exec/s, coverage (libFuzzer's cov: and
# ft:) and corpus size per target.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=.build-fuzz
TARGETS=(json cni-args result netconf plugin-config manifest peers dispatcher)
JOBS=${FUZZ_JOBS:-2}

usage() {
    sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

build() {
    command -v make >/dev/null || { echo "fuzz.sh: make is needed (apt-get install make)" >&2; exit 1; }
    local bins=()
    for t in "$@"; do bins+=("$OUT/bin/fuzz-$t"); done
    echo "==> building fuzz targets: $*" >&2
    local start=$SECONDS
    if ! make -s -f Fuzz/Makefile -j2 OUT="$OUT" "${bins[@]}" >"$OUT/build.log" 2>&1; then
        grep -E "error|Error" "$OUT/build.log" | head -40 >&2 || true
        echo "fuzz.sh: build failed (full log: $OUT/build.log)" >&2
        exit 1
    fi
    echo "    built in $((SECONDS - start)) s" >&2
}

# run_one TARGET SECONDS: fuzzes TARGET; prints one summary line; returns non-zero on a finding.
run_one() {
    local target=$1 seconds=$2
    local corpus="$OUT/corpus/$target" artifacts="$OUT/artifacts/$target" log="$OUT/logs/$target.log"
    rm -rf "$corpus"
    mkdir -p "$corpus" "$artifacts" "$OUT/logs" "$OUT/tmp"
    cp Fuzz/corpus/"$target"/* "$corpus"/ 2>/dev/null || true
    local seeds
    seeds=$(find "$corpus" -type f | wc -l)
    local dict=json
    case "$target" in cni-args) dict=env ;; dispatcher) dict=dispatcher ;; esac
    local status=0
    # Leak detection stays on: a decoder that leaks on some input is a finding too. Swift's
    # own backtracer is off: under ASan it faults while reading memory and buries libFuzzer's
    # report of the abort (the stack of a trap comes from libFuzzer's deadly-signal handler).
    SWIFT_BACKTRACE=enable=no TMPDIR="$PWD/$OUT/tmp" nice -n 19 "$OUT/bin/fuzz-$target" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
        -dict="Fuzz/dict/$dict.dict" -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1 || status=$?
    local last execs rate cov ft files
    last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    files=$(find "$corpus" -type f | wc -l)
    local verdict=ok
    if [ "$status" != 0 ]; then verdict="FAILED (exit $status, see $log)"; fi
    printf '%-14s %10s execs %7s exec/s  cov %5s  ft %6s  corpus %4s (seeds %s)  %s\n' \
        "$target" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$files" "$seeds" "$verdict"
    if [ "$status" != 0 ]; then
        grep -E 'FUZZ PROPERTY VIOLATED|ERROR: |SUMMARY|Fatal error|panic|artifact_prefix|Test unit written' "$log" | head -20 >&2 || true
        return 1
    fi
}

# run_many SECONDS TARGET...: JOBS targets at a time; fails when any target failed.
run_many() {
    local seconds=$1
    shift
    local summary="$OUT/summary.txt" failed=0
    : >"$summary"
    local pids=() names=()
    for target in "$@"; do
        while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
        (run_one "$target" "$seconds" >"$OUT/logs/$target.summary") &
        pids+=($!)
        names+=("$target")
    done
    for i in "${!pids[@]}"; do
        wait "${pids[$i]}" || failed=1
        cat "$OUT/logs/${names[$i]}.summary" >>"$summary"
    done
    echo "==> fuzzing summary ($seconds s per target, $(date -u '+%Y-%m-%d %H:%M UTC'))"
    cat "$summary"
    if [ "$failed" != 0 ]; then
        echo "fuzz.sh: at least one target found a problem (crash inputs under $OUT/artifacts/)" >&2
        return 1
    fi
}

is_target() {
    local t
    for t in "${TARGETS[@]}"; do [ "$t" = "$1" ] && return 0; done
    return 1
}

mkdir -p "$OUT/logs"
case "${1:-}" in
    --list) printf '%s\n' "${TARGETS[@]}" ;;
    --build) build "${TARGETS[@]}" ;;
    --smoke)
        start=$SECONDS
        build "${TARGETS[@]}"
        run_many "${FUZZ_SMOKE_SECONDS:-10}" "${TARGETS[@]}"
        echo "    smoke done in $((SECONDS - start)) s (build included)"
        ;;
    all)
        build "${TARGETS[@]}"
        run_many "${2:-60}" "${TARGETS[@]}"
        ;;
    "" | -h | --help) usage ;;
    *)
        is_target "$1" || { echo "fuzz.sh: unknown target $1 (targets: ${TARGETS[*]})" >&2; exit 2; }
        build "$1"
        run_many "${2:-60}" "$1"
        ;;
esac
