//! Durations written as "30s", "5m", "1h30m", "250ms" in scenario files.

use crate::engine::SimDuration;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::fmt;

/// A duration field of a scenario file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DurationField(pub SimDuration);

const EXPECTED: &str = "a duration such as \"30s\", \"5m\", \"1h30m\" or \"250ms\"";

/// humantime reads "M" as a month (30.44 days) and "y" as a year (365.25
/// days): "5M" is one key from "5m", and neither has a fixed length. Refused;
/// days and weeks say the same exactly.
const UNFIXED_UNITS: [&str; 8] = ["M", "month", "months", "y", "yr", "yrs", "year", "years"];

fn unfixed_unit(text: &str) -> Option<&str> {
    text.split(|c: char| !c.is_alphabetic()).find(|word| UNFIXED_UNITS.contains(word))
}

impl<'de> Deserialize<'de> for DurationField {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;
        impl Visitor<'_> for DurationVisitor {
            type Value = DurationField;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(EXPECTED)
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<DurationField, E> {
                if text.trim_start().starts_with('-') {
                    return Err(E::custom(format!("expected {EXPECTED} (not negative), found \"{text}\"")));
                }
                if let Some(unit) = unfixed_unit(text) {
                    return Err(E::custom(format!(
                        "expected {EXPECTED}, found \"{text}\": \"{unit}\" (months or years) has no fixed \
                         length; write days (\"30d\") or weeks (\"4w\"), and \"m\" for minutes"
                    )));
                }
                let parsed = humantime::parse_duration(text)
                    .map_err(|_| E::custom(format!("expected {EXPECTED}, found \"{text}\"")))?;
                let nanos = u64::try_from(parsed.as_nanos())
                    .map_err(|_| E::custom(format!("\"{text}\" is too long (at most about 584 years)")))?;
                Ok(DurationField(SimDuration::from_nanos(nanos)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<DurationField, E> {
                Err(E::custom(format!("expected {EXPECTED} as a string, found the number {v}")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<DurationField, E> {
                Err(E::custom(format!("expected {EXPECTED} as a string, found the number {v}")))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<DurationField, E> {
                Err(E::custom(format!("expected {EXPECTED} as a string, found the number {v}")))
            }
        }
        deserializer.deserialize_any(DurationVisitor)
    }
}
