//! Masks, the exact-area coverage rasteriser, and the masks of a zone set per tile.
//!
//! * `rasterizer.rs`: [`CoverageRasterizer`] (design in its docs), [`PixelWindow`].
//! * `mask.rs`: [`Mask`].
//! * `zone_masks.rs`: [`crate::ZoneSet::coverage_mask`], [`crate::ZoneSet::redaction_mask`]
//!   and their windows; [`MaskOptions`]; the square dilation.

mod mask;
mod rasterizer;
mod zone_masks;

pub use mask::Mask;
pub use rasterizer::{CoverageRasterizer, PixelWindow};
pub use zone_masks::{MAX_WINDOW_PX, MaskOptions};
pub(crate) use zone_masks::{dilate_square, tile_window, window_rect_m};
