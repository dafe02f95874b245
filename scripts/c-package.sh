#!/usr/bin/env bash
# Builds the C library in release mode and installs it under PREFIX, without cargo-c:
#   PREFIX/lib/libtileredact.so.X.Y.Z (soname libtileredact.so.X) with the .so.X and .so
#   symlinks, PREFIX/lib/libtileredact.a, PREFIX/include/tileredact.h and
#   PREFIX/lib/pkgconfig/tileredact.pc (from capi/tileredact.pc.in).
#
#   scripts/c-package.sh PREFIX        e.g. scripts/c-package.sh /usr/local
#   PKG_CONFIG_PATH=PREFIX/lib/pkgconfig pkg-config --cflags --libs tileredact
#
# Honours CARGO_TARGET_DIR. Linux (ELF sonames); on other systems copy the libraries by hand.
set -euo pipefail

if [[ $# -ne 1 || "$1" == -* ]]; then
    sed -n '2,10p' "$0" >&2
    exit 2
fi
prefix="$1"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"

version="$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)"
major="${version%%.*}"
if [[ -z "$version" ]]; then
    echo "c-package: cannot read the version from Cargo.toml" >&2
    exit 1
fi

echo "c-package: cargo build --release -p tileredact-capi (version $version)"
cargo build --locked --release -p tileredact-capi

libdir="$prefix/lib"
mkdir -p "$libdir/pkgconfig" "$prefix/include"
install -m 0644 "$target/release/libtileredact.a" "$libdir/libtileredact.a"
install -m 0755 "$target/release/libtileredact.so" "$libdir/libtileredact.so.$version"
ln -sf "libtileredact.so.$version" "$libdir/libtileredact.so.$major"
ln -sf "libtileredact.so.$major" "$libdir/libtileredact.so"
install -m 0644 include/tileredact.h "$prefix/include/tileredact.h"
sed -e "s|@PREFIX@|$prefix|g" -e "s|@VERSION@|$version|g" capi/tileredact.pc.in \
    >"$libdir/pkgconfig/tileredact.pc"
echo "c-package: installed tileredact $version under $prefix"
