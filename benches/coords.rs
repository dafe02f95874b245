//! Coordinate benches: WGS-84 / GCJ-02 / BD-09 batches, the region test and point redaction,
//! per point, against the crate `coordtransform` 0.4 and a plain scalar port of the published
//! formula, in the same run on the same inputs.
//!
//! Inputs: 100 000 points (fixed-seed SplitMix64) spread uniformly over lon 73..135,
//! lat 18..54 (about 60 % inside the GCJ-02 region), so region tests see both sides. Throughput
//! is reported per point (`Throughput::Elements`); criterion prints time per batch and
//! elements per second.
//!
//! The GCJ-02 batches are also measured at every CPU level this machine has
//! (`tileredact/polygon/scalar` = baseline SSE2, `/avx2` = x86-64-v3, `/avx512` = x86-64-v4),
//! through the bench-only `DatumTransform::apply_at_level`, so the levels and the peers are
//! compared in the same run.
//!
//! Run: `cargo bench --features bench --bench coords -- --warm-up-time 1 --measurement-time 3`
//! (add `'gcj02'` after `--` for the GCJ-02 groups only).

use std::f64::consts::PI;
use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use tileredact::{Datum, DatumTransform, Region};

const N: usize = 100_000;

struct SplitMix64(u64);

impl SplitMix64 {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn wgs_points() -> Vec<[f64; 2]> {
    let mut r = SplitMix64(20_261_129);
    (0..N)
        .map(|_| [73.0 + 62.0 * r.next_f64(), 18.0 + 36.0 * r.next_f64()])
        .collect()
}

/// A plain scalar port of the published formula with the classic "out of China" box, written
/// the way most ports are (twelve libm sines per point, one-step inverse refined three times).
mod plain {
    use super::PI;

    const A: f64 = 6378245.0;
    const EE: f64 = 0.006_693_421_622_965_943;
    const X_PI: f64 = PI * 3000.0 / 180.0;

    fn out_of_china(lon: f64, lat: f64) -> bool {
        !(72.004..=137.8347).contains(&lon) || !(0.8293..=55.8271).contains(&lat)
    }

    fn t_lat(x: f64, y: f64) -> f64 {
        let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
        r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
        r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
        r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
        r
    }

    fn t_lon(x: f64, y: f64) -> f64 {
        let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
        r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
        r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
        r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
        r
    }

    fn delta(lon: f64, lat: f64) -> (f64, f64) {
        let dlat = t_lat(lon - 105.0, lat - 35.0);
        let dlon = t_lon(lon - 105.0, lat - 35.0);
        let radlat = lat / 180.0 * PI;
        let magic = 1.0 - EE * radlat.sin() * radlat.sin();
        let sm = magic.sqrt();
        (
            (dlon * 180.0) / (A / sm * radlat.cos() * PI),
            (dlat * 180.0) / ((A * (1.0 - EE)) / (magic * sm) * PI),
        )
    }

    pub fn wgs_to_gcj(p: &mut [[f64; 2]]) {
        for q in p {
            if !out_of_china(q[0], q[1]) {
                let (a, b) = delta(q[0], q[1]);
                *q = [q[0] + a, q[1] + b];
            }
        }
    }

    pub fn gcj_to_wgs(p: &mut [[f64; 2]]) {
        for q in p {
            if !out_of_china(q[0], q[1]) {
                let g = *q;
                for _ in 0..4 {
                    let (a, b) = delta(q[0], q[1]);
                    *q = [g[0] - a, g[1] - b];
                }
            }
        }
    }

    pub fn gcj_to_bd(p: &mut [[f64; 2]]) {
        for q in p {
            let (x, y) = (q[0], q[1]);
            let z = (x * x + y * y).sqrt() + 0.00002 * (y * X_PI).sin();
            let t = y.atan2(x) + 0.000003 * (x * X_PI).cos();
            *q = [z * t.cos() + 0.0065, z * t.sin() + 0.006];
        }
    }
}

/// CPU levels measured (those this machine lacks are skipped).
const LEVELS: [&str; 3] = ["scalar", "avx2", "avx512"];

/// `tileredact/polygon/<level>` for each CPU level this machine has.
fn bench_levels(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    t: &DatumTransform,
    pts: &[[f64; 2]],
) {
    for level in LEVELS {
        if !t.apply_at_level(level, &mut pts.to_vec()).unwrap() {
            continue;
        }
        g.bench_function(format!("tileredact/polygon/{level}"), |b| {
            b.iter_batched_ref(
                || pts.to_vec(),
                |p| t.apply_at_level(level, p).unwrap(),
                BatchSize::LargeInput,
            )
        });
    }
}

fn as_tuples(p: &[[f64; 2]]) -> Vec<(f64, f64)> {
    p.iter().map(|q| (q[0], q[1])).collect()
}

fn forward(c: &mut Criterion) {
    let pts = wgs_points();
    let tuples = as_tuples(&pts);
    let t = DatumTransform::new(Datum::Wgs84, Datum::Gcj02);
    let mut g = c.benchmark_group("wgs84_to_gcj02");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("tileredact/polygon", |b| {
        b.iter_batched_ref(
            || pts.clone(),
            |p| t.apply(p).unwrap(),
            BatchSize::LargeInput,
        )
    });
    bench_levels(&mut g, &t, &pts);
    g.bench_function("tileredact/polygon/split", |b| {
        b.iter_batched_ref(
            || {
                let lon: Vec<f64> = pts.iter().map(|p| p[0]).collect();
                let lat: Vec<f64> = pts.iter().map(|p| p[1]).collect();
                (lon, lat)
            },
            |(lon, lat)| t.apply_split(lon, lat).unwrap(),
            BatchSize::LargeInput,
        )
    });
    let te = t.with_region(Region::Everywhere);
    g.bench_function("tileredact/everywhere", |b| {
        b.iter_batched_ref(
            || pts.clone(),
            |p| te.apply(p).unwrap(),
            BatchSize::LargeInput,
        )
    });
    g.bench_function("coordtransform/region", |b| {
        b.iter_batched_ref(
            || tuples.clone(),
            |p| coordtransform::wgs84_to_gcj02_in_place(p),
            BatchSize::LargeInput,
        )
    });
    g.bench_function("coordtransform/in_mainland", |b| {
        b.iter_batched_ref(
            || tuples.clone(),
            |p| coordtransform::wgs84_to_gcj02_in_mainland_in_place(p),
            BatchSize::LargeInput,
        )
    });
    g.bench_function("plain_scalar/bbox", |b| {
        b.iter_batched_ref(
            || pts.clone(),
            |p| plain::wgs_to_gcj(p),
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn inverse(c: &mut Criterion) {
    let mut pts = wgs_points();
    DatumTransform::new(Datum::Wgs84, Datum::Gcj02)
        .apply(&mut pts)
        .unwrap();
    let tuples = as_tuples(&pts);
    let t = DatumTransform::new(Datum::Gcj02, Datum::Wgs84);
    let mut g = c.benchmark_group("gcj02_to_wgs84");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("tileredact/polygon", |b| {
        b.iter_batched_ref(
            || pts.clone(),
            |p| t.apply(p).unwrap(),
            BatchSize::LargeInput,
        )
    });
    bench_levels(&mut g, &t, &pts);
    g.bench_function("coordtransform/region", |b| {
        b.iter_batched_ref(
            || tuples.clone(),
            |p| coordtransform::gcj02_to_wgs84_in_place(p),
            BatchSize::LargeInput,
        )
    });
    g.bench_function("plain_scalar/bbox", |b| {
        b.iter_batched_ref(
            || pts.clone(),
            |p| plain::gcj_to_wgs(p),
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn bd09(c: &mut Criterion) {
    let pts = wgs_points();
    let tuples = as_tuples(&pts);
    let t = DatumTransform::new(Datum::Wgs84, Datum::Bd09);
    let mut g = c.benchmark_group("wgs84_to_bd09");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("tileredact/polygon", |b| {
        b.iter_batched_ref(
            || pts.clone(),
            |p| t.apply(p).unwrap(),
            BatchSize::LargeInput,
        )
    });
    g.bench_function("coordtransform/region", |b| {
        b.iter_batched_ref(
            || tuples.clone(),
            |p| coordtransform::wgs84_to_bd09_in_place(p),
            BatchSize::LargeInput,
        )
    });
    g.bench_function("plain_scalar/bbox", |b| {
        b.iter_batched_ref(
            || pts.clone(),
            |p| {
                plain::wgs_to_gcj(p);
                plain::gcj_to_bd(p)
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();

    let mut bd = pts.clone();
    t.apply(&mut bd).unwrap();
    let bd_tuples = as_tuples(&bd);
    let inv = t.inverse();
    let mut g = c.benchmark_group("bd09_to_wgs84");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("tileredact/polygon", |b| {
        b.iter_batched_ref(
            || bd.clone(),
            |p| inv.apply(p).unwrap(),
            BatchSize::LargeInput,
        )
    });
    g.bench_function("coordtransform/region", |b| {
        b.iter_batched_ref(
            || bd_tuples.clone(),
            |p| coordtransform::bd09_to_wgs84_in_place(p),
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn region(c: &mut Criterion) {
    let pts = wgs_points();
    let mut g = c.benchmark_group("region_test");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("tileredact/polygon", |b| {
        b.iter(|| {
            pts.iter()
                .filter(|p| Region::Polygon.contains_gcj02(black_box(p[0]), p[1]))
                .count()
        })
    });
    g.bench_function("coordtransform", |b| {
        b.iter(|| {
            pts.iter()
                .filter(|p| coordtransform::is_in_gcj02_region(black_box(p[0]), p[1]))
                .count()
        })
    });
    g.finish();
}

/// Point redaction over the sample zones (7 zones in the Bahamas, every policy in use): 100 000
/// points spread over the zones' area (about 3 % inside a zone), per point; the peer is a
/// brute-force lookup (every zone's grown geometry tested with `geo`), which only finds the
/// zone and redacts nothing.
fn points(c: &mut Criterion) {
    use geo::Intersects;
    use tileredact::{PointAction, PointRedactor, PointRules, RedactionKey, ZoneSet};

    let zones = ZoneSet::from_geojson_str(include_str!("../examples/data/zones.geojson")).unwrap();
    let rules = PointRules::from_json_str(
        r#"{"default": "suppress", "categories": {
            "infrastructure": {"snap": {"cell_m": 500}},
            "government": {"displace": {"radius_m": 200}}}}"#,
    )
    .unwrap();
    let key = RedactionKey::from_bytes([42; 32]);
    let redactor = PointRedactor::new(zones.clone(), &rules, Some(key)).unwrap();
    let mut r = SplitMix64(7);
    let pts: Vec<[f64; 2]> = (0..N)
        .map(|_| [-78.9 + 1.3 * r.next_f64(), 23.9 + 1.0 * r.next_f64()])
        .collect();
    let mut out = vec![[0.0; 2]; N];
    let mut act = vec![PointAction::Kept; N];
    let mut g = c.benchmark_group("redact_points");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("tileredact/redact", |b| {
        b.iter(|| redactor.redact(&pts, &mut out, &mut act).unwrap())
    });
    g.bench_function("brute_force_lookup", |b| {
        b.iter(|| {
            pts.iter()
                .filter(|p| {
                    let (x, y) = tileredact::lnglat_to_mercator(p[0], p[1]);
                    let c = geo::Coord { x, y };
                    zones.iter().any(|z| z.grown_m().intersects(&c))
                })
                .count()
        })
    });
    g.finish();
}

criterion_group!(benches, forward, inverse, bd09, region, points);
criterion_main!(benches);
