//! Coverage mask: `tileredact::CoverageRasterizer` against tiny-skia, zeno, vello_cpu and
//! ab_glyph_rasterizer, in the same criterion group and on the same inputs.
//!
//! Every implementation does the whole job on each iteration: build its path from the `f64`
//! rings, rasterise with the nonzero rule, and leave an 8-bit coverage buffer of the tile
//! (clearing it first where the API requires). Allocations (paths, scratch, buffers) are reused
//! across iterations where the API allows it, as a careful user would.
//!
//! `tileredact` gets world pixel rings and the tile's window (so it clips); the peers get the
//! same rings in tile-local pixels (they clip internally, except ab_glyph_rasterizer, which
//! cannot and gets a small clip in front of it; see [`AbGlyph`]).
//!
//! Before timing, [`sanity_check`] runs every implementation on every input and panics unless
//! its coverage matches `tileredact`'s (total area within [`PEER_TOLERANCE`], per-pixel
//! differences within [`PEER_L1_TOLERANCE`] of the area), and `tileredact`'s area is within
//! [`EXACT_TOLERANCE`] of the exact clipped area.
//!
//! Run: `cargo bench --bench raster --features bench`. Throughput is in pixels of the tile.

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;

use criterion::{Criterion, Throughput};

use common::{Ring, Scene, full_tile_ring, raster_scenes};

/// Largest relative difference of a peer's covered area from `tileredact`'s.
const PEER_TOLERANCE: f64 = 0.01;
/// Largest sum of per-pixel differences of a peer from `tileredact`, relative to the area:
/// anti-aliasing noise stays well under it, a grid shifted by half a pixel does not.
const PEER_L1_TOLERANCE: f64 = 0.05;
/// Largest relative difference of `tileredact`'s covered area from the exact area.
const EXACT_TOLERANCE: f64 = 0.005;

/// One implementation: owns its reusable state for one tile size.
trait Coverage {
    /// Name in the criterion report.
    const NAME: &'static str;
    /// State for tiles of `size` x `size` pixels.
    fn new(size: u32) -> Self;
    /// Rasterises the scene; returns the tile's coverage, one byte per pixel, rows top down.
    fn run(&mut self, scene: &Scene) -> &[u8];
}

/// `tileredact::CoverageRasterizer`: exact area, world pixels, clips to the window.
struct Tileredact {
    raster: tileredact::CoverageRasterizer,
    mask: tileredact::Mask,
}

impl Coverage for Tileredact {
    const NAME: &'static str = "tileredact";

    fn new(size: u32) -> Self {
        Tileredact {
            raster: tileredact::CoverageRasterizer::new(),
            mask: tileredact::Mask::new(size, size),
        }
    }

    fn run(&mut self, scene: &Scene) -> &[u8] {
        self.raster.reset();
        for ring in &scene.rings_world {
            self.raster.add_ring(ring).expect("bench rings are valid");
        }
        let window = tileredact::PixelWindow {
            x0: scene.window_origin[0],
            y0: scene.window_origin[1],
            width: scene.size,
            height: scene.size,
        };
        self.raster.coverage(window, &mut self.mask);
        self.mask.as_bytes()
    }
}

/// tiny-skia `Mask::fill_path`, anti-aliased (4x4 supersampling), nonzero (`Winding`).
struct TinySkia {
    path: Option<tiny_skia::Path>,
    mask: tiny_skia::Mask,
}

impl Coverage for TinySkia {
    const NAME: &'static str = "tiny-skia";

    fn new(size: u32) -> Self {
        TinySkia {
            path: None,
            mask: tiny_skia::Mask::new(size, size).expect("tiny-skia mask size"),
        }
    }

    fn run(&mut self, scene: &Scene) -> &[u8] {
        // `Path::clear` hands the path's storage back as a builder: no allocation.
        let mut pb = self
            .path
            .take()
            .map(tiny_skia::Path::clear)
            .unwrap_or_default();
        for ring in &scene.rings_local {
            pb.move_to(ring[0][0] as f32, ring[0][1] as f32);
            for p in &ring[1..] {
                pb.line_to(p[0] as f32, p[1] as f32);
            }
            pb.close();
        }
        self.path = pb.finish();
        // fill_path draws over what is there: start from a clear mask.
        self.mask.clear();
        if let Some(path) = &self.path {
            self.mask.fill_path(
                path,
                tiny_skia::FillRule::Winding,
                true,
                tiny_skia::Transform::identity(),
            );
        }
        self.mask.data()
    }
}

/// zeno `Mask` builder into an 8-bit alpha buffer, nonzero, with reused `Scratch`.
struct Zeno {
    size: u32,
    commands: Vec<zeno::Command>,
    scratch: zeno::Scratch,
    buf: Vec<u8>,
}

impl Coverage for Zeno {
    const NAME: &'static str = "zeno";

    fn new(size: u32) -> Self {
        Zeno {
            size,
            commands: Vec::new(),
            scratch: zeno::Scratch::new(),
            buf: vec![0; size as usize * size as usize],
        }
    }

    fn run(&mut self, scene: &Scene) -> &[u8] {
        let pt = |p: [f64; 2]| zeno::Point::new(p[0] as f32, p[1] as f32);
        self.commands.clear();
        for ring in &scene.rings_local {
            self.commands.push(zeno::Command::MoveTo(pt(ring[0])));
            for &p in &ring[1..] {
                self.commands.push(zeno::Command::LineTo(pt(p)));
            }
            self.commands.push(zeno::Command::Close);
        }
        // zeno writes only the covered spans: start from a clear buffer.
        self.buf.fill(0);
        zeno::Mask::with_scratch(&self.commands[..], &mut self.scratch)
            .style(zeno::Fill::NonZero)
            .size(self.size, self.size)
            .render_into(&mut self.buf, None);
        &self.buf
    }
}

/// vello_cpu `RenderContext` (single-threaded, u8 pipeline): fill the path in opaque black into
/// a reused RGBA8 `Pixmap`, then take its alpha channel. vello_cpu 0.3 has no alpha-only target;
/// its strip rasteriser (vello_common) is not public through vello_cpu.
struct VelloCpu {
    ctx: vello_cpu::RenderContext,
    resources: vello_cpu::Resources,
    pixmap: vello_cpu::Pixmap,
    path: vello_cpu::kurbo::BezPath,
    alpha: Vec<u8>,
}

impl Coverage for VelloCpu {
    const NAME: &'static str = "vello_cpu";

    fn new(size: u32) -> Self {
        let side = u16::try_from(size).expect("tile size fits u16");
        let settings = vello_cpu::RenderSettings {
            num_threads: 0,
            ..Default::default()
        };
        VelloCpu {
            ctx: vello_cpu::RenderContext::new_with(side, side, settings),
            resources: vello_cpu::Resources::new(),
            pixmap: vello_cpu::Pixmap::new(side, side),
            path: vello_cpu::kurbo::BezPath::new(),
            alpha: vec![0; size as usize * size as usize],
        }
    }

    fn run(&mut self, scene: &Scene) -> &[u8] {
        self.path.truncate(0);
        for ring in &scene.rings_local {
            self.path.move_to((ring[0][0], ring[0][1]));
            for p in &ring[1..] {
                self.path.line_to((p[0], p[1]));
            }
            self.path.close_path();
        }
        self.ctx.reset();
        self.ctx.set_paint(vello_cpu::color::palette::css::BLACK);
        self.ctx.set_fill_rule(vello_cpu::peniko::Fill::NonZero);
        self.ctx.fill_path(&self.path);
        self.ctx.flush();
        // The default settings clear the target first.
        self.ctx.render(&mut self.pixmap, &mut self.resources);
        for (a, px) in self.alpha.iter_mut().zip(self.pixmap.data()) {
            *a = px.a;
        }
        &self.alpha
    }
}

/// ab_glyph_rasterizer: `draw_line` per edge, `for_each_pixel` to u8.
///
/// It does not clip: an edge outside `0..width` spills into the neighbouring row. So the
/// rasteriser is two columns wider than the tile, and each edge is split where it crosses
/// x = 0 and x = width + 1 and its x clamped to that range (exact for columns `0..width`:
/// an edge left of the tile becomes a vertical edge on x = 0, one right of the last column only
/// affects the guard columns). It clips rows itself.
struct AbGlyph {
    size: usize,
    raster: ab_glyph_rasterizer::Rasterizer,
    buf: Vec<u8>,
}

impl Coverage for AbGlyph {
    const NAME: &'static str = "ab_glyph_rasterizer";

    fn new(size: u32) -> Self {
        let size = size as usize;
        AbGlyph {
            size,
            raster: ab_glyph_rasterizer::Rasterizer::new(size + 2, size),
            buf: vec![0; size * size],
        }
    }

    fn run(&mut self, scene: &Scene) -> &[u8] {
        self.raster.clear();
        let x_max = (self.size + 1) as f32;
        for ring in &scene.rings_local {
            let mut prev = ring[ring.len() - 1];
            for &p in ring {
                draw_line_clipped(&mut self.raster, prev, p, x_max);
                prev = p;
            }
        }
        let (w, stride) = (self.size, self.size + 2);
        let buf = &mut self.buf;
        let (mut col, mut out) = (0usize, 0usize);
        self.raster.for_each_pixel(|_, alpha| {
            if col < w {
                buf[out] = (alpha.min(1.0) * 255.0 + 0.5) as u8;
                out += 1;
            }
            col += 1;
            if col == stride {
                col = 0;
            }
        });
        &self.buf
    }
}

/// Draws edge `a`-`b` with x limited to `[0, x_max]`: split at the crossings, then clamp.
fn draw_line_clipped(
    raster: &mut ab_glyph_rasterizer::Rasterizer,
    a: [f64; 2],
    b: [f64; 2],
    x_max: f32,
) {
    use ab_glyph_rasterizer::point;
    let (a, b) = ([a[0] as f32, a[1] as f32], [b[0] as f32, b[1] as f32]);
    if a[1] == b[1] {
        return;
    }
    let inside = |x: f32| (0.0..=x_max).contains(&x);
    if inside(a[0]) && inside(b[0]) {
        raster.draw_line(point(a[0], a[1]), point(b[0], b[1]));
        return;
    }
    let mut ts = [0.0f32, 1.0, 1.0, 1.0];
    let mut n = 1;
    for bound in [0.0, x_max] {
        if (a[0] - bound) * (b[0] - bound) < 0.0 {
            ts[n] = (bound - a[0]) / (b[0] - a[0]);
            n += 1;
        }
    }
    ts[1..n].sort_by(f32::total_cmp);
    let at = |t: f32| {
        let x = a[0] + t * (b[0] - a[0]);
        let y = if t >= 1.0 {
            b[1]
        } else {
            a[1] + t * (b[1] - a[1])
        };
        point(x.clamp(0.0, x_max), y)
    };
    for i in 0..n {
        raster.draw_line(at(ts[i]), at(ts[i + 1]));
    }
}

/// Covered area in pixels of a coverage buffer.
fn area_px(coverage: &[u8]) -> f64 {
    coverage.iter().map(|&v| u64::from(v)).sum::<u64>() as f64 / 255.0
}

/// Runs `C` on a tile-filling square first (so a missing clear shows), then on `scene`;
/// returns the coverage of `scene`.
fn coverage_after_reuse<C: Coverage>(scene: &Scene) -> Vec<u8> {
    let mut imp = C::new(scene.size);
    let full: Vec<Ring> = vec![full_tile_ring(scene.size)];
    let warm = Scene::from_local("full", scene.size, full);
    imp.run(&warm);
    imp.run(scene).to_vec()
}

/// Sum of the per-pixel differences, in pixels of area.
fn l1_px(a: &[u8], b: &[u8]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| u64::from(x.abs_diff(y)))
        .sum::<u64>() as f64
        / 255.0
}

fn rel_diff(a: f64, reference: f64) -> f64 {
    (a - reference).abs() / reference.max(1.0)
}

/// Checks that every implementation computes the same coverage on every input, to within
/// [`PEER_TOLERANCE`] in total area and [`PEER_L1_TOLERANCE`] pixel by pixel; panics with the
/// table otherwise. Prints the table (to stderr) either way.
fn sanity_check(scenes: &[Scene]) {
    let mut report = format!(
        "raster bench inputs: covered area in px [sum of |difference| from tileredact, in px]\n\
         {:<14} {:>8} {:>10} {:>10}",
        "scene",
        "vertices",
        "exact",
        Tileredact::NAME
    );
    for name in [TinySkia::NAME, Zeno::NAME, VelloCpu::NAME, AbGlyph::NAME] {
        report += &format!(" {name:>21}");
    }
    report.push('\n');
    let mut failures = Vec::new();
    for scene in scenes {
        let exact = scene.exact_area_px();
        let reference = coverage_after_reuse::<Tileredact>(scene);
        let tr = area_px(&reference);
        let peers = [
            (TinySkia::NAME, coverage_after_reuse::<TinySkia>(scene)),
            (Zeno::NAME, coverage_after_reuse::<Zeno>(scene)),
            (VelloCpu::NAME, coverage_after_reuse::<VelloCpu>(scene)),
            (AbGlyph::NAME, coverage_after_reuse::<AbGlyph>(scene)),
        ];
        let label = format!("{}/{}", scene.regime, scene.size);
        report += &format!(
            "{label:<14} {:>8} {exact:>10.1} {tr:>10.1}",
            scene.vertex_count()
        );
        if rel_diff(tr, exact) > EXACT_TOLERANCE {
            failures.push(format!(
                "{label}: tileredact covers {tr:.1} px, the exact area is {exact:.1} px \
                 (allowed {:.1}%)",
                EXACT_TOLERANCE * 100.0
            ));
        }
        for (name, coverage) in &peers {
            let (a, l1) = (area_px(coverage), l1_px(coverage, &reference));
            report += &format!(" {a:>10.1} [{l1:>7.1}]");
            if rel_diff(a, tr) > PEER_TOLERANCE {
                failures.push(format!(
                    "{label}: {name} covers {a:.1} px, tileredact {tr:.1} px (exact {exact:.1}; \
                     allowed {:.1}%)",
                    PEER_TOLERANCE * 100.0
                ));
            }
            if l1 > PEER_L1_TOLERANCE * tr.max(1.0) {
                failures.push(format!(
                    "{label}: {name} differs from tileredact by {l1:.1} px summed over the \
                     pixels (allowed {:.0}% of the area {tr:.1} px): a shifted or different \
                     pixel grid?",
                    PEER_L1_TOLERANCE * 100.0
                ));
            }
        }
        report.push('\n');
    }
    eprint!("{report}");
    assert!(
        failures.is_empty(),
        "raster bench: the implementations do not compute the same coverage, so timing them \
         would not compare like with like:\n  {}",
        failures.join("\n  ")
    );
}

fn bench_one<C: Coverage>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    scene: &Scene,
) {
    let mut imp = C::new(scene.size);
    group.bench_function(C::NAME, |b| {
        b.iter(|| {
            black_box(imp.run(black_box(scene)));
        })
    });
}

fn bench_coverage(c: &mut Criterion, scenes: &[Scene]) {
    for scene in scenes {
        let mut group = c.benchmark_group(format!("coverage/{}/{}", scene.regime, scene.size));
        group.throughput(Throughput::Elements(
            u64::from(scene.size) * u64::from(scene.size),
        ));
        bench_one::<Tileredact>(&mut group, scene);
        bench_one::<TinySkia>(&mut group, scene);
        bench_one::<Zeno>(&mut group, scene);
        bench_one::<VelloCpu>(&mut group, scene);
        bench_one::<AbGlyph>(&mut group, scene);
        group.finish();
    }
}

fn main() {
    let scenes: Vec<Scene> = [256, 512].into_iter().flat_map(raster_scenes).collect();
    sanity_check(&scenes);
    let mut c = Criterion::default().configure_from_args();
    bench_coverage(&mut c, &scenes);
    c.final_summary();
}
