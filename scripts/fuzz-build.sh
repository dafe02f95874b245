#!/usr/bin/env bash
# Builds the cargo-fuzz targets in fuzz/ on the stable toolchain (RUSTC_BOOTSTRAP=1 lets
# cargo-fuzz pass its nightly-only sanitizer flags). With --smoke, also runs each target for
# a few seconds (FUZZ_SMOKE_SECONDS, default 20) from the committed seeds.
#
#   scripts/fuzz-build.sh                # build only (CI)
#   scripts/fuzz-build.sh --smoke [N]    # build, then run each target for N seconds
#
# Needs cargo-fuzz: scripts/install-tools.sh installs it.
set -euo pipefail

smoke=0
seconds="${FUZZ_SMOKE_SECONDS:-20}"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --smoke)
            smoke=1
            if [[ $# -gt 1 && "$2" =~ ^[0-9]+$ ]]; then
                seconds="$2"
                shift
            fi
            ;;
        -h | --help)
            sed -n '2,9p' "$0"
            exit 0
            ;;
        *)
            echo "fuzz-build: unknown argument '$1' (expected --smoke [SECONDS])" >&2
            exit 2
            ;;
    esac
    shift
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root/fuzz"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz-build: cargo-fuzz is missing; run scripts/install-tools.sh" >&2
    exit 1
fi

export RUSTC_BOOTSTRAP=1
echo "fuzz-build: cargo fuzz build (in fuzz/, RUSTC_BOOTSTRAP=1)"
cargo fuzz build

if [[ $smoke -eq 1 ]]; then
    for target in $(cargo fuzz list); do
        corpus="corpus/$target"
        mkdir -p "$corpus"
        seeds=()
        if [[ -d "seeds/$target" ]]; then
            seeds=("seeds/$target")
        fi
        echo "fuzz-build: smoke run of $target for ${seconds}s"
        # -max_len: libFuzzer would otherwise cap inputs at the size of the largest one in
        # the corpus, which keeps the multi-call paths (e.g. the warp in `capi`) out of
        # reach; 8 KiB holds every seed.
        cargo fuzz run "$target" "$corpus" "${seeds[@]}" -- \
            -max_total_time="$seconds" -max_len=8192 -print_final_stats=1
    done
fi
echo "fuzz-build: ok"
