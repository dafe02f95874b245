#!/usr/bin/env bash
# The whole test suite: what a newcomer runs, and what CI runs (.ci/run calls exactly this).
#   format check, clippy (-D warnings), every test of the workspace (unit, integration,
#   property, doc tests), the C ABI's C programs (sanitizers, valgrind), the docs, the fuzz
#   targets built and run briefly. The criterion benches are compiled by clippy
#   (--all-targets), not built as release binaries: that would cost a whole optimised build
#   of the workspace for no extra check.
# Installs what it needs (scripts/install-tools.sh) first; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "tools"
scripts/install-tools.sh

step "cargo fmt --check (the workspace, and fuzz/, a workspace of its own)"
cargo fmt --all -- --check
(cd fuzz && cargo fmt --all -- --check)

step "cargo clippy --all-targets --all-features -- -D warnings"
cargo clippy --locked --workspace --all-targets --all-features -- -D warnings

step "cargo test --workspace --all-features"
cargo test --locked --workspace --all-features

step "C ABI: C programs under ASan/UBSan and valgrind, header as C++"
scripts/c-tests.sh

step "cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --locked --workspace --no-deps --all-features

step "fuzz targets: build, then 10 s of each"
scripts/fuzz-build.sh --smoke 10

printf '\nall checks passed\n'
