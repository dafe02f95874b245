//! The JSON form of an [`Operator`]: a bare name or `{name: {params}}`, like a point policy.
//!
//! | JSON | operator | parameters |
//! |---|---|---|
//! | `"fill"`, `{"fill": {"color": "#RRGGBB"}}` | [`Operator::Fill`] | `color` (default `#808080`) |
//! | `"texture"` | [`Operator::Texture`] | `color`: fallback |
//! | `"inpaint"`, `{"inpaint": {"grain": 6}}` | [`Operator::Inpaint`] | `grain` 0..=32 levels (default 0), `color`: fallback |
//! | `{"blur": {"radius_m": 40}}` | [`Operator::Blur`] | `radius_m` 0.1..=10000 (required), `color`: fallback |
//! | `{"degrade": {"gsd_m": 10}}` | [`Operator::Degrade`] | `gsd_m` 0.01..=100000 (required) |
//! | `{"cosmetic_blur": {"radius_px": 8}}` | [`Operator::CosmeticBlur`] | `radius_px` 1..=64 (required) |
//! | `{"cosmetic_pixelate": {"block_px": 16}}` | [`Operator::CosmeticPixelate`] | `block_px` 2..=256 (required) |

use serde_json::{Map, Value, json};

use crate::ops::{DEFAULT_COLOR, Operator};

/// The operator names, as written in a policy.
pub(crate) const OPERATOR_NAMES: [&str; 7] = [
    "fill",
    "texture",
    "inpaint",
    "blur",
    "degrade",
    "cosmetic_blur",
    "cosmetic_pixelate",
];

const EXPECTED: &str = "expected \"fill\", \"texture\", \"inpaint\", {\"blur\": {\"radius_m\": M}}, \
    {\"degrade\": {\"gsd_m\": M}}, {\"cosmetic_blur\": {\"radius_px\": N}} or \
    {\"cosmetic_pixelate\": {\"block_px\": N}}";

/// Reads an operator from its JSON form (see the module docs).
pub(crate) fn parse_operator(value: &Value) -> Result<Operator, String> {
    let (name, params) = match value {
        Value::String(s) => (s.as_str(), None),
        Value::Object(m) if m.len() == 1 => {
            let (k, v) = m.iter().next().expect("one member");
            (k.as_str(), Some(v))
        }
        _ => return Err(format!("operator {value}; {EXPECTED}")),
    };
    if !OPERATOR_NAMES.contains(&name) {
        return Err(format!("unknown operator {name:?}; {EXPECTED}"));
    }
    let params: Map<String, Value> = match params {
        None => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(other) => {
            return Err(format!(
                "operator \"{name}\" needs an object of parameters, got {other}"
            ));
        }
    };
    let allowed: &[&str] = match name {
        "fill" | "texture" => &["color"],
        "inpaint" => &["grain", "color"],
        "blur" => &["radius_m", "color"],
        "degrade" => &["gsd_m"],
        "cosmetic_blur" => &["radius_px"],
        _ => &["block_px"],
    };
    if let Some(k) = params.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(format!(
            "unknown parameter {k:?} of operator \"{name}\"; expected {}",
            allowed.join(", ")
        ));
    }
    let color = match params.get("color") {
        None => DEFAULT_COLOR,
        Some(v) => parse_color(v).ok_or_else(|| {
            format!("\"color\" of operator \"{name}\" is {v}; expected \"#RRGGBB\" (hexadecimal)")
        })?,
    };
    let number = |key: &str, lo: f64, hi: f64| -> Result<f64, String> {
        match params.get(key) {
            None => Err(format!(
                "operator \"{name}\" needs \"{key}\" (a number in {lo}..={hi})"
            )),
            Some(v) => match v.as_f64() {
                Some(x) if x.is_finite() && (lo..=hi).contains(&x) => Ok(x),
                _ => Err(format!(
                    "\"{key}\" of operator \"{name}\" is {v}; expected a number in {lo}..={hi}"
                )),
            },
        }
    };
    let whole = |key: &str, lo: u64, hi: u64, default: Option<u64>| -> Result<u64, String> {
        match params.get(key) {
            None => default.ok_or_else(|| {
                format!("operator \"{name}\" needs \"{key}\" (a whole number in {lo}..={hi})")
            }),
            Some(v) => match v.as_u64() {
                Some(x) if (lo..=hi).contains(&x) => Ok(x),
                _ => Err(format!(
                    "\"{key}\" of operator \"{name}\" is {v}; expected a whole number in \
                     {lo}..={hi}"
                )),
            },
        }
    };
    Ok(match name {
        "fill" => Operator::Fill { color },
        "texture" => Operator::Texture { color },
        "inpaint" => Operator::Inpaint {
            grain: whole("grain", 0, 32, Some(0))? as u8,
            color,
        },
        "blur" => Operator::Blur {
            radius_m: number("radius_m", 0.1, 10_000.0)?,
            color,
        },
        "degrade" => Operator::Degrade {
            gsd_m: number("gsd_m", 0.01, 100_000.0)?,
        },
        "cosmetic_blur" => Operator::CosmeticBlur {
            radius_px: whole("radius_px", 1, 64, None)? as u32,
        },
        _ => Operator::CosmeticPixelate {
            block_px: whole("block_px", 2, 256, None)? as u32,
        },
    })
}

/// `"#RRGGBB"` (or `"RRGGBB"`) as bytes.
fn parse_color(v: &Value) -> Option<[u8; 3]> {
    let s = v.as_str()?;
    let hex = s.strip_prefix('#').unwrap_or(s);
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}

/// The JSON form of an operator (what [`parse_operator`] reads back).
pub(crate) fn operator_to_json(op: &Operator) -> Value {
    let hex = |c: [u8; 3]| format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2]);
    match *op {
        Operator::Fill { color } => json!({"fill": {"color": hex(color)}}),
        Operator::Texture { color } => json!({"texture": {"color": hex(color)}}),
        Operator::Inpaint { grain, color } => {
            json!({"inpaint": {"grain": grain, "color": hex(color)}})
        }
        Operator::Blur { radius_m, color } => {
            json!({"blur": {"radius_m": radius_m, "color": hex(color)}})
        }
        Operator::Degrade { gsd_m } => json!({"degrade": {"gsd_m": gsd_m}}),
        Operator::CosmeticBlur { radius_px } => json!({"cosmetic_blur": {"radius_px": radius_px}}),
        Operator::CosmeticPixelate { block_px } => {
            json!({"cosmetic_pixelate": {"block_px": block_px}})
        }
    }
}

impl Operator {
    /// The operator as JSON (the form [`Operator::from_json`] reads).
    pub fn to_json(&self) -> Value {
        operator_to_json(self)
    }

    /// Reads an operator from its JSON form: a bare name or `{name: {params}}` (see
    /// [`crate::Policy`]).
    ///
    /// ```
    /// use tileredact::Operator;
    ///
    /// let op: Operator = r#"{"blur": {"radius_m": 40}}"#.parse().unwrap();
    /// assert_eq!(op.name(), "blur");
    /// assert!(op.is_secure());
    /// assert!("cosmetic_blur".parse::<Operator>().unwrap_err().to_string().contains("radius_px"));
    /// ```
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] saying what was expected.
    pub fn from_json(value: &Value) -> crate::Result<Self> {
        parse_operator(value).map_err(|reason| crate::Error::param("operator", reason))
    }
}

impl std::fmt::Display for Operator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.to_json())
    }
}

impl std::str::FromStr for Operator {
    type Err = crate::Error;

    /// Parses the JSON form, or a bare name (`fill`, `inpaint`, ...).
    fn from_str(s: &str) -> crate::Result<Self> {
        let value =
            serde_json::from_str::<Value>(s).unwrap_or_else(|_| Value::String(s.trim().into()));
        Operator::from_json(&value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(s: &str) -> Result<Operator, String> {
        parse_operator(&serde_json::from_str(s).unwrap())
    }

    #[test]
    fn forms_and_round_trips() {
        assert_eq!(
            op(r#""fill""#),
            Ok(Operator::Fill {
                color: DEFAULT_COLOR
            })
        );
        assert_eq!(
            op(r##"{"fill": {"color": "#FF0a10"}}"##),
            Ok(Operator::Fill {
                color: [255, 10, 16]
            })
        );
        assert_eq!(
            op(r#"{"blur": {"radius_m": 40}}"#),
            Ok(Operator::Blur {
                radius_m: 40.0,
                color: DEFAULT_COLOR
            })
        );
        assert_eq!(
            op(r#"{"degrade": {"gsd_m": 10}}"#),
            Ok(Operator::Degrade { gsd_m: 10.0 })
        );
        for o in [
            Operator::Fill { color: [1, 2, 3] },
            Operator::Texture { color: [9, 8, 7] },
            Operator::Inpaint {
                grain: 6,
                color: [0, 0, 0],
            },
            Operator::Blur {
                radius_m: 12.5,
                color: [255, 255, 255],
            },
            Operator::Degrade { gsd_m: 0.5 },
            Operator::CosmeticBlur { radius_px: 8 },
            Operator::CosmeticPixelate { block_px: 16 },
        ] {
            assert_eq!(parse_operator(&operator_to_json(&o)), Ok(o));
            // Every kind is named and round trips through its name table.
            assert!(OPERATOR_NAMES.contains(&o.name()));
        }
    }

    #[test]
    fn errors_say_what_was_expected() {
        for (input, needle) in [
            (
                r#""smudge""#,
                "unknown operator \"smudge\"; expected \"fill\"",
            ),
            (r#""blur""#, "operator \"blur\" needs \"radius_m\""),
            (
                r#"{"blur": {"radius_m": 0}}"#,
                "\"radius_m\" of operator \"blur\" is 0; expected a number in 0.1..=10000",
            ),
            (
                r##"{"fill": {"colour": "#000000"}}"##,
                "unknown parameter \"colour\" of operator \"fill\"; expected color",
            ),
            (r#"{"fill": {"color": "red"}}"#, "expected \"#RRGGBB\""),
            (r#"{"inpaint": {"grain": 33}}"#, "whole number in 0..=32"),
            (
                r#"{"cosmetic_pixelate": {"block_px": 1}}"#,
                "whole number in 2..=256",
            ),
            (r#"{"cosmetic_blur": 4}"#, "needs an object of parameters"),
            (r#"{"fill": {}, "blur": {}}"#, "expected \"fill\""),
            (r#"7"#, "expected \"fill\""),
        ] {
            let e = op(input).unwrap_err();
            assert!(e.contains(needle), "{input}: {e}");
        }
    }
}
