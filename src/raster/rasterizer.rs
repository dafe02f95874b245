//! The exact-area coverage rasteriser (implementation in progress).

use super::Mask;

/// A rectangle of world pixels: columns `x0..x0 + width`, rows `y0..y0 + height`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PixelWindow {
    /// First column (world pixels).
    pub x0: i64,
    /// First row (world pixels).
    pub y0: i64,
    /// Number of columns.
    pub width: u32,
    /// Number of rows.
    pub height: u32,
}

/// Exact-area rasteriser of polygon rings in world pixel coordinates.
#[derive(Debug, Default, Clone)]
pub struct CoverageRasterizer {
    edges: Vec<[f64; 4]>,
}

impl CoverageRasterizer {
    /// An empty rasteriser.
    pub fn new() -> Self {
        Self::default()
    }

    /// Removes all rings.
    pub fn reset(&mut self) {
        self.edges.clear();
    }

    /// Adds a ring (closed implicitly) in world pixel coordinates.
    pub fn add_ring(&mut self, ring: &[[f64; 2]]) {
        let _ = ring;
        todo!()
    }

    /// Writes the exact-area coverage of the rings inside `window` into `out`.
    pub fn coverage(&mut self, window: PixelWindow, out: &mut Mask) {
        let _ = (window, out);
        todo!()
    }

    /// Writes 255 for every pixel of `window` whose square meets the filled area, else 0.
    pub fn touched(&mut self, window: PixelWindow, out: &mut Mask) {
        let _ = (window, out);
        todo!()
    }
}
