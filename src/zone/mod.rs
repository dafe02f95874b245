//! Restricted zones: [`Zone`] (one polygonal area with its properties) and [`ZoneSet`] (all
//! zones, indexed with an R*-tree in Web Mercator metres).
//!
//! Zones come from GeoJSON (see [`ZoneSet::from_geojson_str`]); every zone is validated,
//! its rings are oriented (exterior counter-clockwise, holes clockwise, in mercator metres with
//! y up), it is projected to Web Mercator metres, and it is grown by its `margin_m` once, at
//! load time.

mod geojson_in;
mod grow;
mod index;
mod load;
mod simplify;
mod topology;
mod union;
mod validate;

pub use index::ZoneSet;

use geo::{MultiPolygon, Rect};

/// One restricted zone.
#[derive(Debug, Clone)]
pub struct Zone {
    pub(crate) id: String,
    pub(crate) name: Option<String>,
    pub(crate) category: Option<String>,
    pub(crate) margin_m: f64,
    pub(crate) properties: serde_json::Map<String, serde_json::Value>,
    /// Validated geometry in lon/lat degrees, rings oriented.
    pub(crate) lnglat: MultiPolygon<f64>,
    /// The same geometry in Web Mercator metres.
    pub(crate) mercator: MultiPolygon<f64>,
    /// The mercator geometry grown by `margin_m` (conservatively: never smaller than the true
    /// buffer). Equal to `mercator` when the margin is 0.
    pub(crate) grown: MultiPolygon<f64>,
    pub(crate) bbox_m: Rect<f64>,
    pub(crate) grown_bbox_m: Rect<f64>,
}

impl Zone {
    /// The zone's id: the `id` property, else the Feature `id`, else `"#<index>"`.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// The `name` property, if any.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    /// The `category` property, if any (e.g. `military`).
    pub fn category(&self) -> Option<&str> {
        self.category.as_deref()
    }
    /// Safety margin around the zone in ground metres (0 when absent).
    pub fn margin_m(&self) -> f64 {
        self.margin_m
    }
    /// All properties of the feature, as given.
    pub fn properties(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.properties
    }
    /// The validated geometry in lon/lat degrees.
    pub fn geometry_lnglat(&self) -> &MultiPolygon<f64> {
        &self.lnglat
    }
    /// The geometry in Web Mercator metres.
    pub fn geometry_m(&self) -> &MultiPolygon<f64> {
        &self.mercator
    }
    /// The geometry in Web Mercator metres grown by [`Zone::margin_m`]: it contains every
    /// point within the margin on the ground, and near a ring of more than 1 000 vertices can
    /// reach up to a quarter of the margin further (see Margins in [`ZoneSet`]).
    pub fn grown_m(&self) -> &MultiPolygon<f64> {
        &self.grown
    }
    /// Bounding box of [`Zone::geometry_m`].
    pub fn bbox_m(&self) -> Rect<f64> {
        self.bbox_m
    }
    /// Bounding box of [`Zone::grown_m`].
    pub fn grown_bbox_m(&self) -> Rect<f64> {
        self.grown_bbox_m
    }
}
