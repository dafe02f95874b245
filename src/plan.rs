//! Tile planning and the per-tile masks of a [`ZoneSet`](crate::ZoneSet).

/// What a tile needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TilePlan {
    /// No zone (grown by its margin and the resampling allowance) meets the tile.
    Clear,
    /// The whole tile lies inside the redaction mask.
    Full,
    /// Some pixels are to be redacted.
    Partial,
}

/// Options for the conservative redaction mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MaskOptions {
    /// Dilation of the redaction mask in world pixels, for the resampling of the imagery
    /// (default 2).
    pub resample_px: u32,
}

impl Default for MaskOptions {
    fn default() -> Self {
        MaskOptions { resample_px: 2 }
    }
}
