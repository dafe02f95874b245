//! Deterministic bench inputs shared by the benches: polygon rings for one tile, in world pixels
//! (what `tileredact` takes together with the tile's [`Scene::window_origin`]) and in tile-local
//! pixels (what the peer rasterisers take).
//!
//! Inputs come from a fixed-seed SplitMix64 written out here, so they do not change when a
//! dependency's random number generator does. Every generator makes simple rings (no
//! self-intersections, no overlaps between rings), so the exact covered area is the area of the
//! rings clipped to the tile ([`clipped_area`]), a reference independent of any rasteriser.

use std::f64::consts::{FRAC_1_SQRT_2, PI, TAU};

use tileredact::oracle;

/// A ring: a closed polygon given by its vertices (the closing edge is implicit).
pub type Ring = Vec<[f64; 2]>;

/// The tile (column, row) that scenes are placed on: a zoom-18 tile, so world pixel coordinates
/// are large (about 3.5e7 at 256 px), as they are in real use.
pub const SCENE_TILE: [i64; 2] = [137_421, 91_733];

/// SplitMix64: a tiny, fixed, well-mixed generator for reproducible inputs.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator with this seed.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `[lo, hi)`.
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
}

/// One tile's worth of geometry, in world and in tile-local pixels.
#[derive(Debug, Clone)]
pub struct Scene {
    /// Short name of the regime, e.g. `star64`.
    pub regime: &'static str,
    /// Tile side in pixels.
    pub size: u32,
    /// World pixel of the tile's top-left corner.
    pub window_origin: [i64; 2],
    /// The rings in world pixels.
    pub rings_world: Vec<Ring>,
    /// The same rings in tile-local pixels (world minus `window_origin`).
    pub rings_local: Vec<Ring>,
}

impl Scene {
    /// A scene from rings given in tile-local pixels, placed on [`SCENE_TILE`].
    pub fn from_local(regime: &'static str, size: u32, rings_local: Vec<Ring>) -> Scene {
        let origin = scene_origin(size);
        let rings_world = rings_local
            .iter()
            .map(|r| shift(r, origin[0] as f64, origin[1] as f64))
            .collect();
        Scene::from_world(regime, size, origin, rings_world)
    }

    /// A scene from rings given in world pixels, for the tile whose corner is `window_origin`.
    pub fn from_world(
        regime: &'static str,
        size: u32,
        window_origin: [i64; 2],
        rings_world: Vec<Ring>,
    ) -> Scene {
        let rings_local = rings_world
            .iter()
            .map(|r| shift(r, -window_origin[0] as f64, -window_origin[1] as f64))
            .collect();
        Scene {
            regime,
            size,
            window_origin,
            rings_world,
            rings_local,
        }
    }

    /// Total number of vertices over all rings.
    pub fn vertex_count(&self) -> usize {
        self.rings_world.iter().map(Vec::len).sum()
    }

    /// Exact covered area of the tile in pixels (see [`clipped_area`]).
    pub fn exact_area_px(&self) -> f64 {
        clipped_area(&self.rings_local, self.size as f64, self.size as f64)
    }
}

/// World pixel of the top-left corner of [`SCENE_TILE`] at this tile size.
pub fn scene_origin(size: u32) -> [i64; 2] {
    [
        SCENE_TILE[0] * i64::from(size),
        SCENE_TILE[1] * i64::from(size),
    ]
}

fn shift(ring: &[[f64; 2]], dx: f64, dy: f64) -> Ring {
    ring.iter().map(|&[x, y]| [x + dx, y + dy]).collect()
}

/// The four coverage regimes of the raster bench, for one tile size:
/// `star64` (one 64-vertex star), `coast2000` (a 2000-vertex coastline crossing the tile),
/// `quads400` (400 small rotated building footprints as one path) and `big64` (a 64-vertex
/// polygon 50 tiles across, one edge of which crosses the tile).
pub fn raster_scenes(size: u32) -> Vec<Scene> {
    let seed = u64::from(size);
    vec![
        Scene::from_local("star64", size, vec![star(size, 64, seed ^ 0x57A2)]),
        Scene::from_local(
            "coast2000",
            size,
            vec![coastline(size, 2000, seed ^ 0xC0A5)],
        ),
        Scene::from_local("quads400", size, footprints(size, 20, seed ^ 0xF007)),
        Scene::from_world(
            "big64",
            size,
            scene_origin(size),
            vec![big_polygon_world(size, 64, 50.0, seed ^ 0xB16)],
        ),
    ]
}

/// A square ring a little larger than the tile (tile-local pixels): covers every pixel.
pub fn full_tile_ring(size: u32) -> Ring {
    let s = size as f64;
    vec![
        [-1.0, -1.0],
        [s + 1.0, -1.0],
        [s + 1.0, s + 1.0],
        [-1.0, s + 1.0],
    ]
}

/// An irregular star-shaped ring of `n` vertices around the tile centre, alternating long
/// (0.30..0.46 of the tile) and short (0.12..0.25) spokes, inside the tile.
pub fn star(size: u32, n: usize, seed: u64) -> Ring {
    let s = size as f64;
    let mut rng = SplitMix64::new(seed);
    let c = [s * rng.range(0.49, 0.51), s * rng.range(0.49, 0.51)];
    let step = TAU / n as f64;
    (0..n)
        .map(|i| {
            let a = i as f64 * step + rng.range(-0.3, 0.3) * step;
            let r = if i % 2 == 0 {
                rng.range(0.30, 0.46)
            } else {
                rng.range(0.12, 0.25)
            } * s;
            [c[0] + r * a.cos(), c[1] + r * a.sin()]
        })
        .collect()
}

/// A coastline of `n` vertices: a fractal profile (midpoint displacement) from left of the tile
/// to right of it, with x strictly increasing (so the ring is simple), spanning 0.15..0.85 of
/// the tile vertically, closed by three vertices below the tile. The land is below the line.
pub fn coastline(size: u32, n: usize, seed: u64) -> Ring {
    assert!(n >= 8);
    let s = size as f64;
    let mut rng = SplitMix64::new(seed);
    // Midpoint displacement on 2^11 + 1 samples, roughness 0.6 per level.
    const LEVELS: u32 = 11;
    let len = (1usize << LEVELS) + 1;
    let mut h = vec![0.0f64; len];
    h[0] = rng.range(-1.0, 1.0);
    h[len - 1] = rng.range(-1.0, 1.0);
    let mut amp = 1.0;
    let mut step = len - 1;
    while step > 1 {
        let half = step / 2;
        for i in (half..len - 1).step_by(step) {
            h[i] = 0.5 * (h[i - half] + h[i + half]) + amp * rng.range(-1.0, 1.0);
        }
        amp *= 0.6;
        step = half;
    }
    let (lo, hi) = h
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let profile = |t: f64| {
        let f = t * (len - 1) as f64;
        let i = (f as usize).min(len - 2);
        let v = h[i] + (h[i + 1] - h[i]) * (f - i as f64);
        s * (0.15 + 0.70 * (v - lo) / (hi - lo))
    };
    let m = n - 3;
    let (x_start, x_end) = (-0.1 * s, 1.1 * s);
    let mut ring: Ring = (0..m)
        .map(|i| {
            // Jitter below half a step keeps x strictly increasing.
            let j = if i == 0 || i == m - 1 {
                0.0
            } else {
                rng.range(-0.4, 0.4)
            };
            let t = (i as f64 + j) / (m - 1) as f64;
            [x_start + (x_end - x_start) * t, profile(t)]
        })
        .collect();
    ring.push([x_end, 1.25 * s]);
    ring.push([0.5 * s, 1.3 * s]);
    ring.push([x_start, 1.25 * s]);
    ring
}

/// `grid` x `grid` small rotated rectangles (building footprints), one per grid cell so they
/// never overlap: sides 4..12 px (smaller when the cell is too small), random rotation,
/// random position inside the cell.
pub fn footprints(size: u32, grid: usize, seed: u64) -> Vec<Ring> {
    let s = size as f64;
    let mut rng = SplitMix64::new(seed);
    let cell = s / grid as f64;
    let side_max = (cell * FRAC_1_SQRT_2 - 0.5).min(12.0);
    let mut rings = Vec::with_capacity(grid * grid);
    for gy in 0..grid {
        for gx in 0..grid {
            let (a, b) = (rng.range(4.0, side_max), rng.range(4.0, side_max));
            let r = 0.5 * (a * a + b * b).sqrt();
            let cx = gx as f64 * cell + r + rng.unit() * (cell - 2.0 * r);
            let cy = gy as f64 * cell + r + rng.unit() * (cell - 2.0 * r);
            let th = rng.range(0.0, PI / 2.0);
            let (sn, cs) = th.sin_cos();
            let corner = |u: f64, v: f64| [cx + u * cs - v * sn, cy + u * sn + v * cs];
            rings.push(vec![
                corner(-a / 2.0, -b / 2.0),
                corner(a / 2.0, -b / 2.0),
                corner(a / 2.0, b / 2.0),
                corner(-a / 2.0, b / 2.0),
            ]);
        }
    }
    rings
}

/// A ring of `n` vertices about `tiles_across` tiles in diameter, in world pixels, placed so that
/// its edge 0-1 (about 2.5 tiles long for n = 64, slanted) crosses the [`SCENE_TILE`] tile near
/// its centre; the tile is partly inside. The other vertices are jittered radially by up to 5%.
pub fn big_polygon_world(size: u32, n: usize, tiles_across: f64, seed: u64) -> Ring {
    let s = size as f64;
    let origin = scene_origin(size);
    let mut rng = SplitMix64::new(seed);
    let r = 0.5 * tiles_across * s;
    let step = TAU / n as f64;
    // The middle of edge 0-1 is at angle `mid` from the centre, at distance r cos(step/2).
    let mid = 0.35f64;
    let phase = mid - step / 2.0;
    let target = [origin[0] as f64 + 0.55 * s, origin[1] as f64 + 0.47 * s];
    let d = r * (step / 2.0).cos();
    let c = [target[0] - d * mid.cos(), target[1] - d * mid.sin()];
    (0..n)
        .map(|i| {
            let jitter = if i <= 2 || i + 1 >= n {
                1.0
            } else {
                rng.range(0.95, 1.05)
            };
            let a = phase + i as f64 * step;
            [c[0] + r * jitter * a.cos(), c[1] + r * jitter * a.sin()]
        })
        .collect()
}

/// Exact area in pixels of the union of disjoint simple `rings` inside the rectangle
/// `[0, w] x [0, h]`: each ring clipped and measured by `tileredact::oracle`.
pub fn clipped_area(rings: &[Ring], w: f64, h: f64) -> f64 {
    rings
        .iter()
        .map(|ring| oracle::ring_area(&oracle::clip_ring_to_rect(ring, 0.0, 0.0, w, h)).abs())
        .sum()
}
