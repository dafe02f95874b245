//! Loading a detailed outline with a margin: `ZoneSet::from_geojson_str` (parse, validate,
//! project, grow by `margin_m`, index) for a coastline-like outline of 10 000, 100 000 and
//! 300 000 vertices over the same area (more detail, not more area), with a 25 m margin and
//! without one (the cost of growing is the difference; rings of more than 1 000 vertices are
//! simplified at a quarter of the margin before they are grown, see `zone/grow.rs`, so it
//! grows about linearly with the detail). The peer in the same run is the growth used before
//! (geo's `Buffer`, i_overlay's outline, round joins of the same angle) on the same projected
//! outline, at the sizes where it finishes in reasonable time.
//!
//! `cargo bench --locked --features bench --bench zones`

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use geo::algorithm::buffer::{Buffer, BufferStyle, LineJoin};
use tileredact::ZoneSet;

/// A closed, simple, coastline-like outline of `n` vertices, about 300 km x 300 km at 45° N:
/// a star (one vertex per angle step, so it is simple) whose radius has a few long waves and
/// a closed random walk (Brownian detail) whose radial step is `jag` times the spacing of
/// the vertices along the outline (`jag` 3: a jagged, zigzag outline, the same at every
/// size; 0.3: smooth at the scale of the vertices).
fn outline(n: usize, jag: f64) -> Vec<[f64; 2]> {
    let mut rng = Xorshift(0x2545_f491_4f6c_dd1d);
    let tau = std::f64::consts::TAU;
    let mut walk = vec![0.0f64; n + 1];
    for i in 0..n {
        walk[i + 1] = walk[i] + (rng.unit() - 0.5) * 2.0 * tau / n as f64;
    }
    let drift = walk[n];
    let mut ring: Vec<[f64; 2]> = (0..n)
        .map(|i| {
            let a = i as f64 / n as f64 * tau;
            let w = walk[i] - drift * i as f64 / n as f64;
            let r = 1.0 + 0.2 * (5.0 * a).sin() + 0.07 * (23.0 * a + 1.0).sin() + jag * w;
            [10.0 + 2.0 * r * a.cos(), 45.0 + 1.4 * r * a.sin()]
        })
        .collect();
    ring.push(ring[0]);
    ring
}

fn geojson(ring: &[[f64; 2]], margin_m: f64) -> String {
    let coords: Vec<String> = ring
        .iter()
        .map(|p| format!("[{},{}]", p[0], p[1]))
        .collect();
    format!(
        r#"{{"type":"Feature","properties":{{"id":"coast","margin_m":{margin_m}}},"geometry":{{"type":"Polygon","coordinates":[[{}]]}}}}"#,
        coords.join(",")
    )
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("zone_load_outline");
    group.sample_size(10);
    for (kind, jag) in [("smooth", 0.3), ("jagged", 3.0)] {
        for n in [10_000usize, 100_000, 300_000] {
            let ring = outline(n, jag);
            for margin in [0.0, 25.0] {
                let text = geojson(&ring, margin);
                group.bench_with_input(
                    BenchmarkId::new(format!("{kind}_margin_{margin}m"), n),
                    &text,
                    |b, text| b.iter(|| ZoneSet::from_geojson_str(black_box(text)).unwrap()),
                );
            }
            if n <= 10_000 {
                // The former growth alone (no parsing or validation), about the same radius.
                let set = ZoneSet::from_geojson_str(&geojson(&ring, 25.0)).unwrap();
                let m = set.zones()[0].geometry_m().clone();
                let r = 25.0 / 46f64.to_radians().cos();
                let style =
                    BufferStyle::new(r).line_join(LineJoin::Round(std::f64::consts::PI / 64.0));
                group.bench_with_input(
                    BenchmarkId::new(format!("{kind}_geo_buffer_25m_grow_only"), n),
                    &m,
                    |b, m| b.iter(|| black_box(m).buffer_with_style(style.clone())),
                );
            }
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

/// A fixed-seed xorshift generator for the outlines.
struct Xorshift(u64);

impl Xorshift {
    /// A uniform number in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}
