//! Validation of zone rings and polygons, with precise errors.
