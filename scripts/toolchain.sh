#!/usr/bin/env bash
# Makes the toolchain pinned in rust-toolchain.toml (1.95.0) available: if rustup lacks it but
# the machine's stable toolchain is that version, the stable toolchain is linked under the
# pinned name (no download); else rustup installs it. Idempotent; a no-op without rustup.
set -euo pipefail

say() { printf 'toolchain: %s\n' "$*"; }

PINNED="$(sed -n 's/^channel = "\(.*\)"/\1/p' "$(dirname "$0")/../rust-toolchain.toml")"

if command -v rustup >/dev/null 2>&1; then
    host="$( (rustup show 2>/dev/null || true) | sed -n 's/^Default host: //p')"
    host="${host:-x86_64-unknown-linux-gnu}"
    if rustup toolchain list | grep -q "^${PINNED}-"; then
        say "toolchain $PINNED: already installed"
    elif [ "$(rustc +stable --version 2>/dev/null | awk '{print $2}')" = "$PINNED" ]; then
        say "toolchain $PINNED: linking the machine's stable toolchain (it is $PINNED)"
        # `rustup toolchain link` refuses official-looking names: link the directory.
        ln -sfn "$(rustc +stable --print sysroot)" \
            "${RUSTUP_HOME:-$HOME/.rustup}/toolchains/${PINNED}-${host}"
    else
        say "toolchain $PINNED: installing (rustup toolchain install)"
        rustup toolchain install "$PINNED" --profile minimal --component rustfmt,clippy
    fi
fi
