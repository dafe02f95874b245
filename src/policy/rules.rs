//! The policy document for tiles and points: [`Policy`] (a default [`Rule`], rules per
//! category, `resample_px`) and [`ZoneRule`], the rule a zone ends up with.
//!
//! ```json
//! {"default": {"operator": "inpaint", "points": "suppress"},
//!  "categories": {"military": {"operator": "fill", "max_zoom": 16, "margin_m": 50},
//!                 "port": {"operator": {"degrade": {"gsd_m": 10}}, "points": {"snap": {"cell_m": 500}}}},
//!  "resample_px": 3}
//! ```
//!
//! A zone's own GeoJSON properties (`operator`, `points`, `margin_m`, `feather_px`,
//! `min_zoom`, `max_zoom`) override its category's rule, which overrides the default, which
//! overrides the built-in defaults: operator `inpaint` (secure), points `suppress`, feather 0,
//! every zoom from 0 to [`MAX_ZOOM`], margin 0.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::operator::parse_operator;
use super::{POLICY_NAMES, PointPolicy, PointRules, parse_policy};
use crate::error::{Error, Result, ZoneLocation};
use crate::ops::Operator;
use crate::raster::MaskOptions;
use crate::tile::MAX_ZOOM;
use crate::zone::Zone;

/// The members of a rule object (and the zone properties that override them).
pub(crate) const RULE_MEMBERS: [&str; 6] = [
    "operator",
    "points",
    "feather_px",
    "min_zoom",
    "max_zoom",
    "margin_m",
];

/// The top-level members of a policy document.
const TOP_MEMBERS: [&str; 3] = ["default", "categories", "resample_px"];

/// Largest `feather_px`.
pub const MAX_FEATHER_PX: u32 = 64;

/// Largest `margin_m` (as for a zone's own property).
const MAX_MARGIN_M: f64 = 100_000.0;

/// One rule of a policy: any member may be absent (then the next level decides).
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct Rule {
    /// What the zone's pixels become.
    pub operator: Option<Operator>,
    /// What happens to points in the zone.
    pub points: Option<PointPolicy>,
    /// Width of the soft edge outside the redaction mask, in pixels (0..=64).
    pub feather_px: Option<u32>,
    /// Below this zoom the zone is not redacted.
    pub min_zoom: Option<u8>,
    /// Deeper than this zoom, every tile that meets the zone is fully redacted.
    pub max_zoom: Option<u8>,
    /// Margin around the zone in ground metres (for zones without their own `margin_m`).
    pub margin_m: Option<f64>,
}

impl Rule {
    /// `self` with every member that `over` has replaced by `over`'s.
    fn overlaid(&self, over: &Rule) -> Rule {
        Rule {
            operator: over.operator.or(self.operator),
            points: over.points.or(self.points),
            feather_px: over.feather_px.or(self.feather_px),
            min_zoom: over.min_zoom.or(self.min_zoom),
            max_zoom: over.max_zoom.or(self.max_zoom),
            margin_m: over.margin_m.or(self.margin_m),
        }
    }
}

/// The rule a zone ends up with, every member decided.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct ZoneRule {
    /// What the zone's pixels become.
    pub operator: Operator,
    /// What happens to points in the zone.
    pub points: PointPolicy,
    /// Soft edge outside the redaction mask, in pixels.
    pub feather_px: u32,
    /// Below this zoom the zone is not redacted.
    pub min_zoom: u8,
    /// Deeper than this zoom, every tile meeting the zone is fully redacted.
    pub max_zoom: u8,
    /// Margin in ground metres.
    pub margin_m: f64,
}

/// A policy document for tiles and points (see the module docs of `policy`).
///
/// ```
/// use tileredact::{Operator, Policy, PointPolicy};
///
/// let p = Policy::from_json_str(r#"{"default": "move_outside",
///     "categories": {"military": {"operator": "fill", "max_zoom": 16}}, "resample_px": 3}"#).unwrap();
/// assert_eq!(p.default.points, Some(PointPolicy::MoveOutside));
/// assert!(matches!(p.categories["military"].operator, Some(Operator::Fill { .. })));
/// assert_eq!(p.mask_options().resample_px(), 3);
/// let e = Policy::from_json_str(r#"{"default": {"operator": "smudge"}}"#).unwrap_err();
/// assert!(e.to_string().contains("unknown operator \"smudge\""));
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct Policy {
    /// The rule of zones without a category rule.
    pub default: Rule,
    /// Rules by the zones' `category` property.
    pub categories: BTreeMap<String, Rule>,
    /// Dilation of every redaction mask for resampled imagery (default: [`MaskOptions`]'s).
    pub resample_px: Option<u32>,
}

impl Policy {
    /// Reads a policy from JSON text.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the member (`default`, `categories.NAME`,
    /// `resample_px`, an unknown member) and what was expected.
    pub fn from_json_str(text: &str) -> Result<Self> {
        let value: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
            .map_err(|e| Error::param("policy", format!("not valid JSON: {e}")))?;
        Self::from_json(&value)
    }

    /// Reads a policy from a JSON value.
    ///
    /// # Errors
    /// As [`Policy::from_json_str`].
    pub fn from_json(value: &Value) -> Result<Self> {
        let err = |reason: String| Error::param("policy", reason);
        let Value::Object(top) = value else {
            return Err(err(format!(
                "expected an object with \"default\", \"categories\" and/or \"resample_px\", \
                 got {value}"
            )));
        };
        if let Some(k) = top.keys().find(|k| !TOP_MEMBERS.contains(&k.as_str())) {
            return Err(err(format!(
                "unknown top-level member {k:?}; expected {}",
                TOP_MEMBERS.join(", ")
            )));
        }
        let mut policy = Policy::default();
        if let Some(v) = top.get("resample_px") {
            let r =
                whole("resample_px", v, u64::from(MaskOptions::MAX_RESAMPLE_PX)).map_err(err)?;
            policy.resample_px = Some(r as u32);
        }
        if let Some(d) = top.get("default") {
            policy.default = parse_rule(d).map_err(|r| err(format!("default: {r}")))?;
        }
        match top.get("categories") {
            None => {}
            Some(Value::Object(cats)) => {
                for (name, v) in cats {
                    let rule = parse_rule(v).map_err(|r| err(format!("categories.{name}: {r}")))?;
                    policy.categories.insert(name.clone(), rule);
                }
            }
            Some(other) => {
                return Err(err(format!(
                    "\"categories\" must be an object of category: rule, got {other}"
                )));
            }
        }
        Ok(policy)
    }

    /// The mask options of the policy (its `resample_px`, else the default).
    pub fn mask_options(&self) -> MaskOptions {
        self.resample_px
            .and_then(|r| MaskOptions::new(r).ok())
            .unwrap_or_default()
    }

    /// The point rules of the policy (each rule's `points`, where it has one).
    pub fn point_rules(&self) -> PointRules {
        let mut rules = PointRules::default();
        if let Some(p) = self.default.points {
            rules.default = p;
        }
        for (name, r) in &self.categories {
            if let Some(p) = r.points {
                rules.categories.insert(name.clone(), p);
            }
        }
        rules
    }

    /// The rule of `zone`: its own properties, then its category's rule, then the default,
    /// then the built-in defaults. The margin is the zone's own `margin_m` if it has the
    /// property, else the rules'.
    ///
    /// # Errors
    /// [`Error::InvalidZone`] naming the zone and the property when one of its own rule
    /// properties is invalid, or when `min_zoom` is above `max_zoom`.
    pub fn rule_for(&self, zone: &Zone) -> Result<ZoneRule> {
        let zone_err = |reason: String| {
            Error::zone(
                ZoneLocation {
                    id: Some(zone.id().to_string()),
                    ..ZoneLocation::default()
                },
                reason,
            )
        };
        let own = rule_from_properties(zone.properties()).map_err(zone_err)?;
        let category = zone
            .category()
            .and_then(|c| self.categories.get(c))
            .cloned()
            .unwrap_or_default();
        let r = self.default.overlaid(&category).overlaid(&own);
        let rule = ZoneRule {
            operator: r.operator.unwrap_or_default(),
            points: r.points.unwrap_or_default(),
            feather_px: r.feather_px.unwrap_or(0),
            min_zoom: r.min_zoom.unwrap_or(0),
            max_zoom: r.max_zoom.unwrap_or(MAX_ZOOM),
            margin_m: if zone.properties().contains_key("margin_m") {
                zone.margin_m()
            } else {
                r.margin_m.unwrap_or(0.0)
            },
        };
        if rule.min_zoom > rule.max_zoom {
            return Err(zone_err(format!(
                "min_zoom {} is above max_zoom {} (from its properties, category and default \
                 rules); expected min_zoom <= max_zoom",
                rule.min_zoom, rule.max_zoom
            )));
        }
        Ok(rule)
    }
}

/// A whole number in `0..=max`.
fn whole(key: &str, v: &Value, max: u64) -> std::result::Result<u64, String> {
    match v.as_u64() {
        Some(x) if x <= max => Ok(x),
        _ => Err(format!(
            "\"{key}\" is {v}; expected a whole number >= 0 and <= {max}"
        )),
    }
}

/// Parses one rule member.
fn parse_member(rule: &mut Rule, key: &str, v: &Value) -> std::result::Result<(), String> {
    match key {
        "operator" => {
            if !(v.is_string() || v.is_object()) {
                return Err(format!(
                    "\"operator\" is {v}; expected an operator name or object"
                ));
            }
            rule.operator = Some(parse_operator(v).map_err(|r| format!("operator: {r}"))?);
        }
        "points" => rule.points = Some(parse_policy(v).map_err(|r| format!("points: {r}"))?),
        "feather_px" => rule.feather_px = Some(whole(key, v, u64::from(MAX_FEATHER_PX))? as u32),
        "min_zoom" => rule.min_zoom = Some(whole(key, v, u64::from(MAX_ZOOM))? as u8),
        "max_zoom" => rule.max_zoom = Some(whole(key, v, u64::from(MAX_ZOOM))? as u8),
        "margin_m" => {
            rule.margin_m = Some(
                v.as_f64()
                    .filter(|m| m.is_finite() && (0.0..=MAX_MARGIN_M).contains(m))
                    .ok_or_else(|| {
                        format!(
                            "\"margin_m\" is {v}; expected metres, a finite number in \
                             0..={MAX_MARGIN_M}"
                        )
                    })?,
            );
        }
        _ => unreachable!("only rule members are parsed"),
    }
    Ok(())
}

/// A rule in a policy file: a point policy, or a rule object (members [`RULE_MEMBERS`]). An
/// object with none of those members is read as a point policy (`{"snap": {...}}`); an object
/// with any of them must have no other member.
pub(crate) fn parse_rule(value: &Value) -> std::result::Result<Rule, String> {
    if let Value::Object(m) = value
        && let Some(k) = m
            .keys()
            .find(|k| !RULE_MEMBERS.contains(&k.as_str()) && !POLICY_NAMES.contains(&k.as_str()))
    {
        return Err(format!(
            "unknown member {k:?}; a rule is a point policy ({}) or an object with members {}",
            POLICY_NAMES.join(", "),
            RULE_MEMBERS.join(", ")
        ));
    }
    if let Value::Object(m) = value
        && m.keys().any(|k| RULE_MEMBERS.contains(&k.as_str()))
    {
        if let Some(k) = m.keys().find(|k| !RULE_MEMBERS.contains(&k.as_str())) {
            return Err(format!(
                "member {k:?} of a rule object; a rule object has members {} (a point policy \
                 goes in \"points\")",
                RULE_MEMBERS.join(", ")
            ));
        }
        let mut rule = Rule::default();
        for (k, v) in m {
            parse_member(&mut rule, k, v)?;
        }
        return Ok(rule);
    }
    Ok(Rule {
        points: Some(parse_policy(value)?),
        ..Rule::default()
    })
}

/// The rule members among a zone's GeoJSON properties (`margin_m` was read at load time and
/// is taken from the zone; others are ignored).
fn rule_from_properties(props: &Map<String, Value>) -> std::result::Result<Rule, String> {
    let mut rule = Rule::default();
    for key in RULE_MEMBERS {
        if key == "margin_m" {
            continue;
        }
        if let Some(v) = props.get(key)
            && !v.is_null()
        {
            parse_member(&mut rule, key, v).map_err(|r| format!("property {r}"))?;
        }
    }
    Ok(rule)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ZoneSet;

    fn zones(props: &str) -> ZoneSet {
        ZoneSet::from_geojson_str(&format!(
            r#"{{"type": "Feature", "properties": {props},
                "geometry": {{"type": "Polygon", "coordinates": [[[10, 50], [10.01, 50], [10.01, 50.01], [10, 50]]]}}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn zone_properties_override_category_override_default() {
        let p = Policy::from_json_str(
            r#"{"default": {"operator": "texture", "points": "keep", "feather_px": 1, "margin_m": 7},
                "categories": {"m": {"operator": "fill", "max_zoom": 16, "margin_m": 30}}}"#,
        )
        .unwrap();
        let z = zones(r#"{"id": "a", "category": "m", "min_zoom": 5}"#);
        let r = p.rule_for(&z.zones()[0]).unwrap();
        assert!(matches!(r.operator, Operator::Fill { .. }));
        assert_eq!(r.points, PointPolicy::Keep);
        assert_eq!((r.feather_px, r.min_zoom, r.max_zoom), (1, 5, 16));
        assert_eq!(r.margin_m, 30.0);
        // The zone's own margin wins, even 0.
        let z = zones(
            r#"{"id": "b", "category": "m", "margin_m": 0, "operator": {"blur": {"radius_m": 9}}}"#,
        );
        let r = p.rule_for(&z.zones()[0]).unwrap();
        assert_eq!(r.margin_m, 0.0);
        assert!(matches!(r.operator, Operator::Blur { radius_m, .. } if radius_m == 9.0));
        // Built-in defaults: inpaint, suppress, all zooms.
        let r = Policy::default().rule_for(&zones("{}").zones()[0]).unwrap();
        assert_eq!(r.operator, Operator::default());
        assert!(r.operator.is_secure());
        assert_eq!(r.points, PointPolicy::Suppress);
        assert_eq!((r.min_zoom, r.max_zoom), (0, MAX_ZOOM));
    }

    #[test]
    fn bad_zone_properties_name_the_zone() {
        let z = zones(r#"{"id": "q", "operator": "smear"}"#);
        let e = Policy::default()
            .rule_for(&z.zones()[0])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("id \"q\"") && e.contains("unknown operator \"smear\""),
            "{e}"
        );
        let z = zones(r#"{"id": "q", "min_zoom": 12, "max_zoom": 4}"#);
        let e = Policy::default()
            .rule_for(&z.zones()[0])
            .unwrap_err()
            .to_string();
        assert!(e.contains("min_zoom 12 is above max_zoom 4"), "{e}");
        let z = zones(r#"{"id": "q", "feather_px": 65}"#);
        let e = Policy::default()
            .rule_for(&z.zones()[0])
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"feather_px\" is 65"), "{e}");
    }

    #[test]
    fn ranges_are_checked() {
        for (input, needle) in [
            (r#"{"resample_px": 65}"#, "\"resample_px\" is 65"),
            (r#"{"default": {"max_zoom": 31}}"#, "\"max_zoom\" is 31"),
            (
                r#"{"default": {"operator": {"degrade": {"gsd_m": -1}}}}"#,
                "default: operator: \"gsd_m\" of operator \"degrade\" is -1",
            ),
            (
                r#"{"default": {"margin_m": 1e9}}"#,
                "\"margin_m\" is 1000000000.0",
            ),
            (r#"{"categories": []}"#, "must be an object"),
        ] {
            let e = Policy::from_json_str(input).unwrap_err().to_string();
            assert!(e.contains(needle), "{input}: {e}");
        }
        // The point rules of a policy are the same as PointRules reads.
        let text = r#"{"default": {"operator": "fill", "points": "keep"}, "categories": {"x": {"snap": {"cell_m": 9}}, "y": {"operator": "fill"}}}"#;
        assert_eq!(
            Policy::from_json_str(text).unwrap().point_rules(),
            PointRules::from_json_str(text).unwrap()
        );
    }
}
