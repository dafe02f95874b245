#!/usr/bin/env bash
# The main job on the bundled sample: plans the sample zones (examples/data/zones.geojson)
# over the zooms of the sample archive (examples/data/sample.mbtiles, z8-z12) and writes the
# coverage and redaction masks of the tiles that need redaction to target/demo/.
# Archive redaction (reading and rewriting the MBTiles) is the next capability; until it lands
# this shows, per zoom, exactly which tiles would change and how.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/toolchain.sh
cargo build --locked --release -q -p tileredact-cli
bin=target/release/tileredact
zones=examples/data/zones.geojson
out=target/demo
mkdir -p "$out"

for z in 8 9 10 11 12; do
    "$bin" plan --zones "$zones" --zoom "$z" > "$out/plan-z$z.txt"
done
echo "z10 tiles to redact:"; sed 's/^/  /' "$out/plan-z10.txt"
# The masks of every non-clear z10 tile.
while read -r tile plan; do
    name=${tile//\//-}
    "$bin" mask --zones "$zones" --tile "$tile" --kind coverage --out "$out/$name-coverage.png"
    "$bin" mask --zones "$zones" --tile "$tile" --kind redaction --out "$out/$name-redaction.png"
done < "$out/plan-z10.txt"
echo "plans and masks written to $out/"
