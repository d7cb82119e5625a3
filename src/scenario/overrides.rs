//! `--set key=value` on a scenario's TOML before it is validated: the way a
//! sweep varies one setting. Keys are dotted paths with array indices
//! (`service.auto_scaling.target_tracking[0].target_value`); a value is read
//! as TOML (`50`, `0.5`, `"x"`, `[1, 2]`, `{ a = 1 }`), else as a string (`60s`).

use super::Problem;
use toml::{Table, Value};

fn problem(key: &str, message: String) -> Problem {
    Problem { field: format!("--set {key}"), line: None, message }
}

/// A value as TOML, or the raw text as a string.
pub fn parse_value(raw: &str) -> Value {
    match format!("v = {raw}").parse::<Table>() {
        // Scenarios write times as strings (`start_time = "2026-11-02T00:00:00Z"`).
        Ok(mut table) => match table.remove("v") {
            Some(Value::Datetime(_)) | None => Value::String(raw.to_string()),
            Some(value) => value,
        },
        Err(_) => Value::String(raw.to_string()),
    }
}

/// `a.b[2].c` → [("a", None), ("b", Some(2)), ("c", None)].
fn segments(key: &str) -> Result<Vec<(String, Option<usize>)>, Problem> {
    key.split('.')
        .map(|part| {
            let (name, index) = match part.split_once('[') {
                None => (part, None),
                Some((name, rest)) => {
                    let digits = rest
                        .strip_suffix(']')
                        .ok_or_else(|| problem(key, format!("`{part}`: expected name[index]")))?;
                    let index =
                        digits.parse().map_err(|_| problem(key, format!("`{part}`: expected a whole index")))?;
                    (name, Some(index))
                }
            };
            if name.is_empty() {
                return Err(problem(key, "expected a dotted key such as service.desired_count".into()));
            }
            Ok((name.to_string(), index))
        })
        .collect()
}

/// Sets `key` to `value` in `table`, creating tables on the way (arrays must exist).
pub fn set(table: &mut Table, key: &str, value: Value) -> Result<(), Problem> {
    let path = segments(key)?;
    let mut current = table;
    for (i, (name, index)) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        match index {
            None if last => {
                current.insert(name.clone(), value);
                return Ok(());
            }
            None => {
                let entry = current.entry(name.clone()).or_insert_with(|| Value::Table(Table::new()));
                current = entry.as_table_mut().ok_or_else(|| problem(key, format!("`{name}` is not a table")))?;
            }
            Some(k) => {
                let array = current
                    .get_mut(name)
                    .and_then(Value::as_array_mut)
                    .ok_or_else(|| problem(key, format!("`{name}` is not an array in the scenario")))?;
                let len = array.len();
                let item = array
                    .get_mut(*k)
                    .ok_or_else(|| problem(key, format!("`{name}` has {len} items, not {}", k + 1)))?;
                if last {
                    *item = value;
                    return Ok(());
                }
                current = item.as_table_mut().ok_or_else(|| problem(key, format!("`{name}[{k}]` is not a table")))?;
            }
        }
    }
    Ok(())
}

/// The scenario text with every override applied, as TOML again.
pub fn apply(text: &str, overrides: &[(String, String)]) -> Result<String, Problem> {
    if overrides.is_empty() {
        return Ok(text.to_string());
    }
    let mut table: Table = text.parse().map_err(|e: toml::de::Error| Problem {
        field: String::new(),
        line: None,
        message: format!("TOML syntax: {}", e.message().trim()),
    })?;
    for (key, raw) in overrides {
        set(&mut table, key, parse_value(raw))?;
    }
    toml::to_string(&table).map_err(|e| Problem { field: String::new(), line: None, message: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_nested_keys_and_indices() {
        let text =
            "[service]\ndesired_count = 2\n[service.auto_scaling]\ntarget_tracking = [{ target_value = 60.0 }]\n";
        let out = apply(
            text,
            &[
                ("service.auto_scaling.target_tracking[0].target_value".into(), "50".into()),
                ("load_balancer.deregistration_delay".into(), "60s".into()),
            ],
        )
        .unwrap();
        let table: Table = out.parse().unwrap();
        let tt = &table["service"]["auto_scaling"]["target_tracking"][0]["target_value"];
        assert_eq!(tt.as_integer(), Some(50));
        assert_eq!(table["load_balancer"]["deregistration_delay"].as_str(), Some("60s"));
        // A time stays the string scenarios write.
        assert_eq!(parse_value("2026-11-02T00:00:00Z"), Value::String("2026-11-02T00:00:00Z".into()));
        let err = apply(text, &[("service.auto_scaling.target_tracking[3].x".into(), "1".into())]).unwrap_err();
        assert!(err.message.contains("has 1 items"), "{err:?}");
    }
}
