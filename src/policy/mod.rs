//! [`PointPolicy`] (what to do with a point inside a zone), [`PointRules`] (a default and
//! per-category policies, e.g. from a policy file), and their JSON forms.
//!
//! # JSON
//!
//! A point policy is one of:
//!
//! | JSON | policy |
//! |---|---|
//! | `"suppress"` | [`PointPolicy::Suppress`] (the default: fail closed) |
//! | `{"snap": {"cell_m": 500}}` | [`PointPolicy::Snap`] |
//! | `{"displace": {"radius_m": 200}}` (optional `"cell_m"`, default `radius_m / 2`) | [`PointPolicy::Displace`] |
//! | `"move_outside"` | [`PointPolicy::MoveOutside`] |
//! | `"keep"` | [`PointPolicy::Keep`] (explicit opt-out: points in the zone are published) |
//!
//! The bare names may also be written as objects (`{"suppress": {}}`). A zone takes its
//! policy from its GeoJSON property `points`; a zone without one takes the rule of its
//! `category`, else the default, from [`PointRules`]:
//!
//! ```json
//! {"default": "suppress",
//!  "categories": {"infrastructure": {"snap": {"cell_m": 1000}},
//!                 "government": {"operator": "fill", "points": "move_outside"}}}
//! ```
//!
//! A rule may be a point policy or a rule object with any of the members `operator`,
//! `points`, `feather_px`, `min_zoom`, `max_zoom`, `margin_m`, so one policy file can serve
//! tiles and points; a rule object without `points` has no point rule. The top level may have
//! `default`, `categories` and `resample_px`. The tile members are only checked for their type
//! here (`operator` a string or an object, `feather_px`, `resample_px`, `min_zoom`, `max_zoom`
//! whole numbers >= 0, `margin_m` a finite number >= 0). Any other member, at the top level
//! or in a rule (a typo such as `"ponts"`), is an error naming it (fail closed): a policy that
//! is silently not applied would publish what it was meant to hide.

mod operator;
mod rules;

pub use rules::{MAX_FEATHER_PX, Policy, Rule, ZoneRule};

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value, json};

use crate::error::{Error, Result, ZoneLocation};
use crate::zone::Zone;

/// Largest `cell_m` / `radius_m` accepted, in metres.
const MAX_METRES: f64 = 100_000.0;

/// What happens to a point that lies inside a zone (grown by its margin).
///
/// ```
/// use tileredact::PointPolicy;
///
/// let p: PointPolicy = r#"{"snap": {"cell_m": 500}}"#.parse().unwrap();
/// assert_eq!(p, PointPolicy::Snap { cell_m: 500.0 });
/// assert_eq!("suppress".parse::<PointPolicy>().unwrap(), PointPolicy::Suppress);
/// let e = r#"{"snap": {"cell_m": -1}}"#.parse::<PointPolicy>().unwrap_err();
/// assert!(e.to_string().contains("cell_m"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum PointPolicy {
    /// The point is published unchanged (an explicit opt-out for this zone).
    Keep,
    /// The point is dropped.
    #[default]
    Suppress,
    /// The point is replaced by the centre of its cell in a grid of `cell_m` x `cell_m` ground
    /// metres whose origin is offset by a keyed secret (so the grid itself does not leak).
    Snap {
        /// Cell side in ground metres.
        cell_m: f64,
    },
    /// Keyed planar-Laplace displacement (geo-indistinguishability, Andres et al. 2013) of the
    /// centre of the point's keyed cell of `cell_m`: distance `-(ln U1 + ln U2) * radius_m`
    /// (mean `2 * radius_m`), uniform direction.
    Displace {
        /// Scale of the noise (1/epsilon) in ground metres.
        radius_m: f64,
        /// Side of the cells whose centre is displaced, in ground metres.
        cell_m: f64,
    },
    /// The point is moved to the nearest point outside the zones (grown by their margins).
    MoveOutside,
}

impl PointPolicy {
    /// The snake-case name used in JSON.
    pub const fn name(&self) -> &'static str {
        match self {
            PointPolicy::Keep => "keep",
            PointPolicy::Suppress => "suppress",
            PointPolicy::Snap { .. } => "snap",
            PointPolicy::Displace { .. } => "displace",
            PointPolicy::MoveOutside => "move_outside",
        }
    }

    /// Whether the policy needs a [`crate::RedactionKey`] (snap and displace).
    pub const fn needs_key(&self) -> bool {
        matches!(
            self,
            PointPolicy::Snap { .. } | PointPolicy::Displace { .. }
        )
    }

    /// The policy as JSON (the form [`PointPolicy::from_json`] reads).
    pub fn to_json(&self) -> Value {
        match *self {
            PointPolicy::Snap { cell_m } => json!({"snap": {"cell_m": cell_m}}),
            PointPolicy::Displace { radius_m, cell_m } => {
                json!({"displace": {"radius_m": radius_m, "cell_m": cell_m}})
            }
            _ => Value::String(self.name().to_string()),
        }
    }

    /// Reads a policy from its JSON form (see the module docs).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] saying what was expected.
    pub fn from_json(value: &Value) -> Result<Self> {
        parse_policy(value).map_err(|reason| Error::param("point policy", reason))
    }

    /// How strict the policy is, for points in several zones: keep < snap < displace <
    /// move_outside < suppress; a larger cell or radius is stricter.
    fn strictness(&self) -> (u8, f64) {
        match *self {
            PointPolicy::Keep => (0, 0.0),
            PointPolicy::Snap { cell_m } => (1, cell_m),
            PointPolicy::Displace { radius_m, .. } => (2, radius_m),
            PointPolicy::MoveOutside => (3, 0.0),
            PointPolicy::Suppress => (4, 0.0),
        }
    }

    /// The stricter of two policies (see [`PointPolicy::strictness`]).
    pub(crate) fn stricter(self, other: PointPolicy) -> PointPolicy {
        let (a, b) = (self.strictness(), other.strictness());
        if (b.0, b.1) > (a.0, a.1) { other } else { self }
    }
}

impl fmt::Display for PointPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_json())
    }
}

impl FromStr for PointPolicy {
    type Err = Error;

    /// Parses the JSON form, or a bare name (`suppress`, `keep`, `move_outside`).
    fn from_str(s: &str) -> Result<Self> {
        let value =
            serde_json::from_str::<Value>(s).unwrap_or_else(|_| Value::String(s.trim().into()));
        PointPolicy::from_json(&value)
    }
}

const EXPECTED: &str = "expected \"suppress\", \"keep\", \"move_outside\", \
    {\"snap\": {\"cell_m\": M}} or {\"displace\": {\"radius_m\": M}}";

/// The names of the point policies.
pub(crate) const POLICY_NAMES: [&str; 5] = ["suppress", "keep", "move_outside", "snap", "displace"];

pub(crate) fn parse_policy(value: &Value) -> std::result::Result<PointPolicy, String> {
    let (name, params) = match value {
        Value::String(s) => (s.as_str(), None),
        Value::Object(m) if m.len() == 1 => {
            let (k, v) = m.iter().next().expect("one member");
            (k.as_str(), Some(v))
        }
        _ => return Err(format!("{value}; {EXPECTED}")),
    };
    if !POLICY_NAMES.contains(&name) {
        return Err(format!("unknown point policy {name:?}; {EXPECTED}"));
    }
    let params: Map<String, Value> = match params {
        None => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(other) => {
            return Err(format!(
                "\"{name}\" needs an object of parameters, got {other}"
            ));
        }
    };
    let allow = |keys: &[&str]| -> std::result::Result<(), String> {
        match params.keys().find(|k| !keys.contains(&k.as_str())) {
            Some(k) if keys.is_empty() => Err(format!("\"{name}\" takes no parameters, got {k:?}")),
            Some(k) => Err(format!(
                "unknown parameter {k:?} of \"{name}\"; expected {}",
                keys.join(", ")
            )),
            None => Ok(()),
        }
    };
    let metres = |key: &str, required: bool| -> std::result::Result<Option<f64>, String> {
        match params.get(key) {
            None if required => Err(format!(
                "\"{name}\" needs \"{key}\" (metres, 1..={MAX_METRES})"
            )),
            None => Ok(None),
            Some(v) => match v.as_f64() {
                Some(x) if x.is_finite() && (1.0..=MAX_METRES).contains(&x) => Ok(Some(x)),
                _ => Err(format!(
                    "\"{key}\" of \"{name}\" is {v}; expected metres in 1..={MAX_METRES}"
                )),
            },
        }
    };
    match name {
        "suppress" => allow(&[]).map(|_| PointPolicy::Suppress),
        "keep" => allow(&[]).map(|_| PointPolicy::Keep),
        "move_outside" => allow(&[]).map(|_| PointPolicy::MoveOutside),
        "snap" => {
            allow(&["cell_m"])?;
            Ok(PointPolicy::Snap {
                cell_m: metres("cell_m", true)?.expect("required"),
            })
        }
        "displace" => {
            allow(&["radius_m", "cell_m"])?;
            let radius_m = metres("radius_m", true)?.expect("required");
            let cell_m = metres("cell_m", false)?.unwrap_or(radius_m / 2.0);
            Ok(PointPolicy::Displace { radius_m, cell_m })
        }
        _ => Err(format!("unknown point policy {name:?}; {EXPECTED}")),
    }
}

/// Point policies by zone category, with a default (see the module docs for the JSON form).
///
/// A zone's own `points` property comes first, then the rule of its category, then
/// [`PointRules::default`], which is [`PointPolicy::Suppress`] unless set.
///
/// ```
/// use tileredact::{PointPolicy, PointRules};
///
/// let rules = PointRules::from_json_str(
///     r#"{"default": "move_outside", "categories": {"military": "suppress"}}"#,
/// ).unwrap();
/// assert_eq!(rules.default, PointPolicy::MoveOutside);
/// assert_eq!(rules.categories["military"], PointPolicy::Suppress);
/// assert_eq!(PointRules::default().default, PointPolicy::Suppress);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct PointRules {
    /// The policy of zones without a `points` property or a category rule.
    pub default: PointPolicy,
    /// Policies by the zones' `category` property.
    pub categories: BTreeMap<String, PointPolicy>,
}

impl PointRules {
    /// Reads rules from JSON text.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the member (`default`, `categories.NAME`, an
    /// unknown member) and what was expected.
    pub fn from_json_str(text: &str) -> Result<Self> {
        Ok(Policy::from_json_str(text)?.point_rules())
    }

    /// Reads rules from a JSON value.
    ///
    /// # Errors
    /// As [`PointRules::from_json_str`].
    pub fn from_json(value: &Value) -> Result<Self> {
        Ok(Policy::from_json(value)?.point_rules())
    }

    /// The policy of a zone: its `points` property, else its category's rule, else the
    /// default.
    ///
    /// # Errors
    /// [`Error::InvalidZone`] naming the zone when its `points` property is not a valid
    /// policy.
    pub fn policy_for(&self, zone: &Zone) -> Result<PointPolicy> {
        if let Some(v) = zone.properties().get("points") {
            return parse_policy(v).map_err(|reason| {
                Error::zone(
                    ZoneLocation {
                        id: Some(zone.id().to_string()),
                        ..ZoneLocation::default()
                    },
                    format!("property \"points\": {reason}"),
                )
            });
        }
        Ok(zone
            .category()
            .and_then(|c| self.categories.get(c))
            .copied()
            .unwrap_or(self.default))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> std::result::Result<PointPolicy, String> {
        parse_policy(&serde_json::from_str(s).unwrap())
    }

    #[test]
    fn forms() {
        assert_eq!(p(r#""suppress""#), Ok(PointPolicy::Suppress));
        assert_eq!(p(r#"{"move_outside": {}}"#), Ok(PointPolicy::MoveOutside));
        assert_eq!(
            p(r#"{"displace": {"radius_m": 200}}"#),
            Ok(PointPolicy::Displace {
                radius_m: 200.0,
                cell_m: 100.0
            })
        );
        for pol in [
            PointPolicy::Keep,
            PointPolicy::Snap { cell_m: 250.0 },
            PointPolicy::Displace {
                radius_m: 80.0,
                cell_m: 10.0,
            },
        ] {
            assert_eq!(parse_policy(&pol.to_json()), Ok(pol));
        }
    }

    #[test]
    fn errors_say_what_was_expected() {
        for (input, needle) in [
            (r#""hide""#, "unknown point policy \"hide\""),
            (r#"{"snap": {}}"#, "needs \"cell_m\""),
            (
                r#"{"snap": {"cell_m": 0}}"#,
                "expected metres in 1..=100000",
            ),
            (r#"{"snap": {"cell_m": "5"}}"#, "expected metres"),
            (r#"{"snap": {"cell": 5}}"#, "unknown parameter \"cell\""),
            (r#"{"suppress": {"x": 1}}"#, "takes no parameters"),
            (r#"{"snap": 5}"#, "needs an object"),
            (r#"42"#, "expected \"suppress\""),
            (
                r#"{"snap": {"cell_m": 5}, "keep": {}}"#,
                "expected \"suppress\"",
            ),
        ] {
            let e = p(input).unwrap_err();
            assert!(e.contains(needle), "{input}: {e}");
        }
    }

    #[test]
    fn rules_file() {
        let r = PointRules::from_json_str(
            r#"{"default": {"operator": "fill"}, "resample_px": 2,
                "categories": {"a": {"operator": "fill", "points": {"snap": {"cell_m": 9}}},
                               "b": "keep", "c": {"operator": "texture"}}}"#,
        )
        .unwrap();
        assert_eq!(r.default, PointPolicy::Suppress);
        assert_eq!(r.categories.len(), 2);
        assert_eq!(r.categories["a"], PointPolicy::Snap { cell_m: 9.0 });
        let e = PointRules::from_json_str(r#"{"categories": {"x": "nope"}}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("categories.x"), "{e}");
        assert!(PointRules::from_json_str("[1]").is_err());
        // Every known member is accepted, with the right types.
        let r = PointRules::from_json_str(
            r#"{"default": {"operator": "fill", "points": "keep", "feather_px": 2,
                 "min_zoom": 0, "max_zoom": 18, "margin_m": 12.5},
                "resample_px": 3, "categories": {"m": {"operator": {"fill": {}}, "min_zoom": 4}}}"#,
        )
        .unwrap();
        assert_eq!(r.default, PointPolicy::Keep);
        assert!(r.categories.is_empty());
        assert!(
            PointRules::from_json_str("{")
                .unwrap_err()
                .to_string()
                .contains("JSON")
        );
    }

    #[test]
    fn strictness_order() {
        let s = PointPolicy::Snap { cell_m: 10.0 };
        assert_eq!(PointPolicy::Keep.stricter(s), s);
        assert_eq!(
            s.stricter(PointPolicy::Snap { cell_m: 20.0 }),
            PointPolicy::Snap { cell_m: 20.0 }
        );
        assert_eq!(
            PointPolicy::MoveOutside.stricter(PointPolicy::Suppress),
            PointPolicy::Suppress
        );
        assert_eq!(
            PointPolicy::MoveOutside.stricter(s),
            PointPolicy::MoveOutside
        );
    }

    #[test]
    fn unknown_members_are_errors_naming_them() {
        for (input, needle) in [
            (
                r#"{"default": "keep", "ponts": "suppress"}"#,
                "unknown top-level member \"ponts\"; expected default, categories, resample_px",
            ),
            (
                r#"{"categories": {"m": {"operator": "fill", "ponts": "keep"}}}"#,
                "categories.m: unknown member \"ponts\"; a rule is a point policy (suppress, \
                 keep, move_outside, snap, displace) or an object with members operator, points, \
                 feather_px, min_zoom, max_zoom, margin_m",
            ),
            (
                r#"{"default": {"points": "keep", "maxzoom": 3}}"#,
                "default: unknown member \"maxzoom\"",
            ),
            (
                r#"{"categories": {"m": {"ponts": "keep"}}}"#,
                "categories.m: unknown member \"ponts\"",
            ),
            // A policy name beside rule members.
            (
                r#"{"default": {"operator": "fill", "snap": {"cell_m": 5}}}"#,
                "default: member \"snap\" of a rule object; a rule object has members operator",
            ),
            (
                r#"{"default": {"operator": "fill", "min_zoom": -1}}"#,
                "default: \"min_zoom\" is -1; expected a whole number >= 0 and <= 30",
            ),
            (
                r#"{"default": {"operator": 5}}"#,
                "default: \"operator\" is 5; expected an operator name or object",
            ),
            (
                r#"{"resample_px": "2"}"#,
                "\"resample_px\" is \"2\"; expected a whole number >= 0",
            ),
            (
                r#"{"default": {"operator": "fill", "margin_m": -3}}"#,
                "\"margin_m\" is -3; expected metres",
            ),
            (
                r#"{"default": {"points": "hide"}}"#,
                "default: points: unknown point policy \"hide\"",
            ),
        ] {
            let e = PointRules::from_json_str(input).unwrap_err().to_string();
            assert!(e.contains(needle), "{input}: {e}");
        }
    }
}
