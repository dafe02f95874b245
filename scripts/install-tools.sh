#!/usr/bin/env bash
# Installs the developer and CI tools this project uses, only where they are missing:
#   - the toolchain pinned in rust-toolchain.toml (scripts/toolchain.sh)
#   - rustup components rustfmt and clippy
#   - cargo-fuzz (pinned), for the fuzz targets in fuzz/ (run with RUSTC_BOOTSTRAP=1 on stable)
#   - gcc, g++ and valgrind (apt-get), for the C ABI's tests (scripts/c-tests.sh)
#   - a Python venv, target/py-venv, with scripts/requirements.txt (the PMTiles oracle of
#     cli/tests/pmtiles.rs); rebuilt only when missing or when requirements.txt changed
# Idempotent: running it again on a machine that has everything does nothing but check.
set -euo pipefail

# cargo-fuzz version known to build with the project's toolchain (Rust 1.95, --locked).
CARGO_FUZZ_VERSION="${CARGO_FUZZ_VERSION:-0.13.2}"

say() { printf 'install-tools: %s\n' "$*"; }

"$(dirname "$0")/toolchain.sh"

if ! command -v cargo >/dev/null 2>&1; then
    say "cargo not found on PATH; install a Rust toolchain first" >&2
    exit 1
fi

# rustup components: only when rustup is there and the component is missing.
if command -v rustup >/dev/null 2>&1; then
    installed="$(rustup component list --installed 2>/dev/null || true)"
    for comp in rustfmt clippy; do
        if grep -q "^${comp}\(-preview\)\?\(-\|$\)" <<<"$installed"; then
            say "$comp: already installed"
        else
            say "$comp: installing (rustup component add $comp)"
            rustup component add "$comp"
        fi
    done
else
    for tool in rustfmt cargo-clippy; do
        if command -v "$tool" >/dev/null 2>&1; then
            say "$tool: present (no rustup)"
        else
            say "$tool: missing and rustup is not available; install it with your toolchain" >&2
            exit 1
        fi
    done
fi

# cargo-fuzz: `cargo fuzz --version` fails when it is not installed.
if current="$(cargo fuzz --version 2>/dev/null)"; then
    say "cargo-fuzz: already installed ($current)"
else
    say "cargo-fuzz: installing $CARGO_FUZZ_VERSION (cargo install cargo-fuzz --locked)"
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
    say "cargo-fuzz: $(cargo fuzz --version)"
fi

# C toolchain and valgrind for scripts/c-tests.sh: apt-get, only for what is missing.
missing=()
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
if [[ ${#missing[@]} -eq 0 ]]; then
    say "gcc, g++, valgrind: already installed"
elif command -v apt-get >/dev/null 2>&1; then
    sudo=()
    if [[ "$(id -u)" -ne 0 ]]; then
        sudo=(sudo)
    fi
    say "installing ${missing[*]} (apt-get install -y)"
    "${sudo[@]}" apt-get update -q
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q "${missing[@]}"
else
    say "missing ${missing[*]} and apt-get is not available; install them by hand" >&2
    exit 1
fi

# Python test tools: a venv in target/py-venv holding exactly scripts/requirements.txt. A stamp
# with the requirements' checksum says whether it is current.
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/target/py-venv"
reqs="$root/scripts/requirements.txt"
want="$(sha256sum "$reqs" | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$venv/.requirements.sha256" \
      && "$(cat "$venv/.requirements.sha256")" == "$want" ]]; then
    say "python venv $venv: up to date"
else
    if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
        if command -v apt-get >/dev/null 2>&1; then
            sudo=()
            [[ "$(id -u)" -ne 0 ]] && sudo=(sudo)
            say "installing python3, python3-venv (apt-get install -y)"
            "${sudo[@]}" apt-get update -q
            DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q python3 python3-venv
        else
            say "python3 with the venv module is missing and apt-get is not available" >&2
            exit 1
        fi
    fi
    say "python venv $venv: installing scripts/requirements.txt"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$reqs"
    printf '%s\n' "$want" >"$venv/.requirements.sha256"
fi

say "done"
