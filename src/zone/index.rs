//! [`ZoneSet`]: all zones and their R*-tree index in mercator metres.

use super::Zone;

/// All zones of a redaction job, indexed in Web Mercator metres.
#[derive(Debug, Clone, Default)]
pub struct ZoneSet {
    pub(crate) zones: Vec<Zone>,
}
