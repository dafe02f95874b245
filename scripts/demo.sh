#!/usr/bin/env bash
# The main job on the bundled sample: redacts the sample archive (examples/data/sample.mbtiles,
# PNG, z8-z12, 681 tiles) by the sample zones (examples/data/zones.geojson) into a new archive,
# target/demo/sample-redacted.mbtiles, with a JSON report beside it, then checks the result
# exactly against the original and extracts one redacted tile before and after.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/toolchain.sh
cargo build --locked --release -q -p tileredact-cli
bin="${CARGO_TARGET_DIR:-target}/release/tileredact"
zones=examples/data/zones.geojson
in=examples/data/sample.mbtiles
out=target/demo
mkdir -p "$out"
rm -f "$out/sample-redacted.mbtiles"

"$bin" redact --zones "$zones" --report "$out/report.json" "$in" "$out/sample-redacted.mbtiles"
"$bin" verify --zones "$zones" --original "$in" "$out/sample-redacted.mbtiles"
tile=10/289/439
"$bin" extract --tile "$tile" "$in" "$out/tile-before.png"
"$bin" extract --tile "$tile" "$out/sample-redacted.mbtiles" "$out/tile-after.png"
echo "redacted archive: $out/sample-redacted.mbtiles (report: $out/report.json)"
echo "tile $tile before and after: $out/tile-before.png $out/tile-after.png"
