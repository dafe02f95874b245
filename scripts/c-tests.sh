#!/usr/bin/env bash
# The C ABI's tests as C programs (examples/c/): builds the capi library, compiles each
# program with gcc -std=c11 -Wall -Wextra -Werror against the fresh static library, runs it
# under AddressSanitizer + UndefinedBehaviorSanitizer, then once more under valgrind (built
# without sanitizers); compiles header_cpp.cpp with g++ -std=c++17 -pedantic -Werror; checks
# the shared library's soname and runs a program linked against it. Any report fails.
#
#   scripts/c-tests.sh
#
# Needs gcc, g++ and valgrind (scripts/install-tools.sh). Honours CARGO_TARGET_DIR. The
# library is the one `cargo test --workspace --all-features` builds (test profile, optimised).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
out="$target/c-tests"
mkdir -p "$out"

for tool in gcc g++ valgrind; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "c-tests: $tool is missing; run scripts/install-tools.sh" >&2
        exit 1
    fi
done

# The same command as the test step of scripts/test.sh, so after it this builds nothing: the
# capi crate's static and shared libraries are built with the workspace's tests (test
# profile, optimised) and left in target/debug/deps/.
echo "c-tests: cargo test --workspace --all-features --no-run (builds the capi library)"
cargo test --locked --workspace --all-features --no-run
lib="$target/debug/deps/libtileredact.a"
so="$target/debug/deps/libtileredact.so"

cflags=(-std=c11 -Wall -Wextra -Werror -g -Iinclude -Iexamples/c)
libs=(-lpthread -ldl -lm)
programs=(redact_tile threads bad_args warp_tile)

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

for p in "${programs[@]}"; do
    echo "c-tests: $p (ASan + UBSan)"
    gcc "${cflags[@]}" -fsanitize=address,undefined -fno-omit-frame-pointer \
        -fno-sanitize-recover=all "examples/c/$p.c" "$lib" "${libs[@]}" -o "$out/$p-asan"
    "$out/$p-asan"
done

for p in "${programs[@]}"; do
    echo "c-tests: $p (valgrind)"
    gcc "${cflags[@]}" -O1 "examples/c/$p.c" "$lib" "${libs[@]}" -o "$out/$p"
    valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,possible \
        --suppressions=examples/c/valgrind.supp \
        "$out/$p"
done

echo "c-tests: header_cpp (g++ -std=c++17 -pedantic)"
g++ -std=c++17 -Wall -Wextra -Werror -pedantic -Iinclude examples/c/header_cpp.cpp "$lib" \
    "${libs[@]}" -o "$out/header_cpp"
"$out/header_cpp"

echo "c-tests: shared library"
soname="$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')"
if [[ "$soname" != "libtileredact.so.0" ]]; then
    echo "c-tests: $so has soname '$soname'; expected libtileredact.so.0" >&2
    exit 1
fi
mkdir -p "$out/lib"
cp "$so" "$out/lib/libtileredact.so.0"
ln -sf libtileredact.so.0 "$out/lib/libtileredact.so"
gcc "${cflags[@]}" examples/c/redact_tile.c -L"$out/lib" -ltileredact -o "$out/redact_tile-shared"
LD_LIBRARY_PATH="$out/lib" "$out/redact_tile-shared" >/dev/null

echo "c-tests: 6 passed, 0 failed"
