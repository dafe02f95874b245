//! GeoJSON input: FeatureCollection, Feature or bare geometry -> validated zones.
