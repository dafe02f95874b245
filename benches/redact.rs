//! Whole-tile redaction on a partial tile of the sample (11/581/880, PNG and JPEG, 256 px),
//! against the floor every redaction of an encoded tile pays: decoding and re-encoding it
//! with the same settings and nothing else (same run, same bytes).
//!
//! `cargo bench --features bench --bench redact`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tileredact::{AlphaMode, ImageViewMut, Policy, Redactor, TileId, ZoneSet};

const PNG: &[u8] = include_bytes!("../tests/fixtures/tiles/11-581-880-partial.png");
const JPEG: &[u8] = include_bytes!("../tests/fixtures/tiles/11-581-880-partial.jpg");

fn redactor(op: &str) -> Redactor {
    let zones = ZoneSet::from_geojson_path(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/data/zones.geojson"
    ))
    .unwrap();
    let policy = Policy::from_json_str(&format!(r#"{{"default": {{"operator": {op}}}}}"#)).unwrap();
    Redactor::new(zones, &policy, None).unwrap()
}

fn bench(c: &mut Criterion) {
    let tile: TileId = "11/581/880".parse().unwrap();
    let mut g = c.benchmark_group("redact_encoded_256");
    for (name, bytes) in [("png", PNG), ("jpeg", JPEG)] {
        g.bench_function(format!("{name}/decode_encode_floor"), |b| {
            b.iter(|| tileredact::bench::roundtrip(black_box(bytes)))
        });
        for op in [
            r#""fill""#,
            r#""inpaint""#,
            r#"{"blur": {"radius_m": 400}}"#,
        ] {
            let r = redactor(op);
            let label = op
                .trim_matches('"')
                .split('"')
                .find(|s| s.len() > 1)
                .unwrap_or("op");
            g.bench_function(format!("{name}/redact_{label}"), |b| {
                b.iter(|| r.redact_encoded(tile, black_box(bytes)).unwrap())
            });
        }
    }
    g.finish();

    // RGBA path: the decoded tile redacted in place (a copy of the tile per iteration, also
    // measured alone).
    let rgba = tileredact::bench::decode_rgba(PNG);
    let mut g = c.benchmark_group("redact_rgba_256");
    g.bench_function("copy_floor", |b| b.iter(|| black_box(rgba.clone())));
    for op in [
        r#""fill""#,
        r#""texture""#,
        r#""inpaint""#,
        r#"{"blur": {"radius_m": 400}}"#,
        r#"{"degrade": {"gsd_m": 2000}}"#,
    ] {
        let r = redactor(op);
        let label = op
            .trim_matches('"')
            .split('"')
            .find(|s| s.len() > 1)
            .unwrap_or("op");
        g.bench_function(label.to_string(), |b| {
            b.iter(|| {
                let mut px = rgba.clone();
                let mut v =
                    ImageViewMut::new(&mut px, 256, 256, 1024, AlphaMode::Straight).unwrap();
                r.redact_rgba(tile, &mut v).unwrap();
                px
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
