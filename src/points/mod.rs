//! Point redaction against the zones: each point inside a zone (grown by its margin) is
//! suppressed, snapped to a keyed ground grid, displaced by keyed planar Laplace noise or
//! moved outside, by the zone's point policy ([`crate::PointRules`], parsed in
//! [`crate::policy`]).
//!
//! * `redact.rs`: [`PointRedactor`], [`PointAction`], [`RedactedPoint`], [`PointSummary`].
//! * `ground_grid.rs`: keyed grids of cells of a ground size, offsets in ground metres.
//! * `escape.rs`: the nearest way out of every zone (`move_outside`).

mod escape;
mod ground_grid;
mod redact;

pub use redact::{PointAction, PointRedactor, PointSummary, RedactedPoint};
