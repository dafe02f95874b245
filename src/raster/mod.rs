//! Masks and the exact-area coverage rasteriser.
//!
//! Design: see [`CoverageRasterizer`].

mod mask;
mod rasterizer;

pub use mask::Mask;
pub use rasterizer::{CoverageRasterizer, PixelWindow};
