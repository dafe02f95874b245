//! Geometric predicates in one place, shared by zones, the planner, masks and points.
//!
//! * `exact.rs`: exact orientation, segment intersection, point location in a ring, ring
//!   orientation, area, bounding boxes.
//! * `rect.rs`: segments and polygons against axis-aligned rectangles and points.
//! * `edge_index.rs`: [`EdgeIndex`], the edges of a polygon in an R*-tree, so that questions
//!   about a tile cost the edges near the tile.

mod edge_index;
mod exact;
mod rect;

pub(crate) use edge_index::EdgeIndex;
#[cfg(test)]
pub(crate) use exact::signed_area;
pub(crate) use exact::{
    Hit, Loc, Pt, Ring, bbox, intersect, is_collinear, locate, orient, ring_is_ccw,
};
pub(crate) use rect::{polygon_covers, segment_meets_rect};
