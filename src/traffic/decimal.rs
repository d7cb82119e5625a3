//! Exact parsing of decimal seconds ("4.315") into integer nanoseconds, so that
//! trace timestamps never pass through a float.

/// Parses a non-negative decimal number of seconds into nanoseconds.
/// Digits beyond the ninth decimal place are truncated.
pub fn parse_seconds(field: &[u8]) -> Option<u64> {
    let field = field.trim_ascii();
    let (whole, fraction) = match field.iter().position(|&b| b == b'.') {
        Some(dot) => (&field[..dot], &field[dot + 1..]),
        None => (field, &[][..]),
    };
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let mut nanos: u64 = 0;
    for &b in whole {
        if !b.is_ascii_digit() {
            return None;
        }
        nanos = nanos.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    nanos = nanos.checked_mul(1_000_000_000)?;
    let mut scale = 100_000_000;
    for &b in fraction {
        if !b.is_ascii_digit() {
            return None;
        }
        nanos = nanos.checked_add(u64::from(b - b'0') * scale)?;
        scale /= 10;
    }
    Some(nanos)
}

/// Parses a non-negative number (a count or a service time) as f64.
pub fn parse_non_negative(field: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(field).ok()?.trim();
    let value: f64 = text.parse().ok()?;
    (value.is_finite() && value >= 0.0).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_seconds_are_exact() {
        assert_eq!(parse_seconds(b"4.315"), Some(4_315_000_000));
        assert_eq!(parse_seconds(b"60"), Some(60_000_000_000));
        assert_eq!(parse_seconds(b" 0.000000001 "), Some(1));
        assert_eq!(parse_seconds(b".5"), Some(500_000_000));
        assert_eq!(parse_seconds(b"-1"), None);
        assert_eq!(parse_seconds(b"1e3"), None);
        assert_eq!(parse_seconds(b""), None);
        assert_eq!(parse_seconds(b"abc"), None);
    }
}
