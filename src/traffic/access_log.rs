//! One ALB access-log entry, parsed field by field by AWS's documented layout
//! (aws-semantics §11.2), and the ISO 8601 times that logs and CloudWatch use.
//! Borrows from the line it parses; never reads files (see `log_merge`).

use crate::engine::calendar::days_from_civil;

/// The documented fields in order (§11.2): 1–29 from the ALB guide, 30–33
/// from later docs. Errors name a field by its number and this name.
pub const FIELD_NAMES: [&str; 33] = [
    "type",
    "time",
    "elb",
    "client:port",
    "target:port",
    "request_processing_time",
    "target_processing_time",
    "response_processing_time",
    "elb_status_code",
    "target_status_code",
    "received_bytes",
    "sent_bytes",
    "request",
    "user_agent",
    "ssl_cipher",
    "ssl_protocol",
    "target_group_arn",
    "trace_id",
    "domain_name",
    "chosen_cert_arn",
    "matched_rule_priority",
    "request_creation_time",
    "actions_executed",
    "redirect_url",
    "error_reason",
    "target:port_list",
    "target_status_code_list",
    "classification",
    "classification_reason",
    "conn_trace_id",
    "transformed_host",
    "transformed_uri",
    "request_transform_status",
];

/// Fields every entry must have: up to `request_creation_time`, which is
/// when the request reached the load balancer (§11.2), the arrival time.
/// Later fields (23–33) are parsed when present, so entries written before
/// AWS added them still read.
pub const REQUIRED_FIELD_COUNT: usize = 22;

/// Fields AWS writes in `"…"` (§11.2); 30–33's quoting is unconfirmed, so
/// they are accepted either way.
const QUOTED_FIELDS: [usize; 12] = [13, 14, 18, 19, 20, 23, 24, 25, 26, 27, 28, 29];

/// The connection types AWS documents for field 1 (§11.2).
const TYPES: [&str; 6] = ["http", "https", "h2", "grpcs", "ws", "wss"];

/// Field 13, `"METHOD scheme://host:port/uri HTTP/x.y"`, taken apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestField<'a> {
    pub method: &'a str,
    pub url: &'a str,
    pub protocol: &'a str,
    /// The URL's host without its port (what a host-header rule sees).
    pub host: &'a str,
    /// The request target: path and `?query`; `/` when the URL has no path
    /// (a malformed request, logged as `http://host:80-`).
    pub target: &'a str,
}

/// Every documented field of one entry. `None` is AWS's `-` (absent) or,
/// for the three timings, `-1` (not dispatched or no answer, §11.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry<'a> {
    pub kind: &'a str,
    /// When the load balancer generated the response (ns since the epoch).
    pub time_nanos: u64,
    pub elb: &'a str,
    pub client: &'a str,
    pub target: Option<&'a str>,
    pub request_processing_nanos: Option<u64>,
    pub target_processing_nanos: Option<u64>,
    pub response_processing_nanos: Option<u64>,
    pub elb_status_code: Option<u16>,
    pub target_status_code: Option<u16>,
    pub received_bytes: u64,
    pub sent_bytes: u64,
    pub request: RequestField<'a>,
    pub user_agent: &'a str,
    pub ssl_cipher: Option<&'a str>,
    pub ssl_protocol: Option<&'a str>,
    pub target_group_arn: Option<&'a str>,
    pub trace_id: &'a str,
    pub domain_name: Option<&'a str>,
    pub chosen_cert_arn: Option<&'a str>,
    /// 0 is the default rule, −1 an error in rule evaluation (§11.2).
    pub matched_rule_priority: Option<i64>,
    /// When the load balancer received the request (ns since the epoch).
    pub request_creation_nanos: u64,
    /// Fields 23–33, raw (quotes removed), `None` when the entry ends before them.
    pub later_fields: [Option<&'a str>; 11],
    /// Fields after the 33rd: AWS appends new fields at the end (§11.2); they are skipped.
    pub extra_field_count: usize,
}

impl LogEntry<'_> {
    /// Field `number` (23–33) as written, `None` when the entry is shorter.
    pub fn later_field(&self, number: usize) -> Option<&str> {
        self.later_fields.get(number.checked_sub(23)?).copied().flatten()
    }
}

/// A field that does not read as the layout says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// 1-based, as in AWS's table.
    pub number: usize,
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = FIELD_NAMES.get(self.number - 1).copied().unwrap_or("(appended field)");
        write!(f, "field {} `{name}`: {}", self.number, self.message)
    }
}

/// Splits an entry into fields: single spaces between them, a field that
/// starts with `"` runs to the next `"` that ends the line or precedes a
/// space. Model choice (§11.2: no escaping is documented): a `"` inside a
/// value is taken literally unless a space follows it.
fn next_field(line: &str, start: usize, number: usize) -> Result<(&str, bool, usize), FieldError> {
    let bytes = line.as_bytes();
    if bytes.get(start) == Some(&b'"') {
        let mut i = start + 1;
        loop {
            match bytes[i..].iter().position(|&b| b == b'"') {
                None => {
                    return Err(FieldError {
                        number,
                        message: "expected a closing `\"`, found the end of the line".into(),
                    })
                }
                Some(offset) => {
                    let quote = i + offset;
                    match bytes.get(quote + 1) {
                        None => return Ok((&line[start + 1..quote], true, quote + 1)),
                        Some(b' ') => return Ok((&line[start + 1..quote], true, quote + 2)),
                        Some(_) => i = quote + 1,
                    }
                }
            }
        }
    }
    let end = bytes[start..].iter().position(|&b| b == b' ').map_or(bytes.len(), |p| start + p);
    if end == start {
        return Err(FieldError {
            number,
            message: "expected a value, found an empty field (two spaces in a row)".into(),
        });
    }
    Ok((&line[start..end], false, (end + 1).min(bytes.len() + 1)))
}

/// `-` is absent (§11.2).
fn optional(value: &str) -> Option<&str> {
    (value != "-").then_some(value)
}

fn found(value: &str) -> String {
    const SHOWN: usize = 60;
    if value.chars().count() > SHOWN {
        format!("`{}…`", value.chars().take(SHOWN).collect::<String>())
    } else {
        format!("`{value}`")
    }
}

/// Parses one entry (no line break). Fields past the 33rd are counted and skipped.
pub fn parse_entry(line: &str) -> Result<LogEntry<'_>, FieldError> {
    let mut raw: [&str; 33] = [""; 33];
    let mut count = 0;
    let mut extra_field_count = 0;
    let mut position = 0;
    while position < line.len() {
        let number = count + 1;
        let (value, quoted, next) = next_field(line, position, number)?;
        if number <= 33 {
            let must_quote = QUOTED_FIELDS.contains(&number);
            if must_quote && !quoted {
                return Err(FieldError {
                    number,
                    message: format!("expected a value in `\"…\"`, found {}", found(value)),
                });
            }
            if !must_quote && quoted && number < 30 {
                return Err(FieldError {
                    number,
                    message: format!("expected a value without quotes, found `\"{value}\"`"),
                });
            }
            raw[count] = value;
            count += 1;
        } else {
            extra_field_count += 1;
        }
        position = next;
    }
    if count < REQUIRED_FIELD_COUNT {
        return Err(FieldError {
            number: count + 1,
            message: format!("missing: the entry ends after {count} fields; expected at least {REQUIRED_FIELD_COUNT}"),
        });
    }
    let field = |number: usize| raw[number - 1];
    let error = |number: usize, expected: &str| FieldError {
        number,
        message: format!("expected {expected}, found {}", found(raw[number - 1])),
    };
    let kind = field(1);
    if !TYPES.contains(&kind) {
        return Err(error(1, "one of http, https, h2, grpcs, ws, wss"));
    }
    let time = |number: usize| {
        parse_iso8601_nanos(field(number))
            .ok_or_else(|| error(number, "an ISO 8601 UTC time like 2026-11-02T14:05:00.123456Z"))
    };
    let time_nanos = time(2)?;
    let timing = |number: usize| match field(number) {
        "-1" => Ok(None),
        value => super::decimal::parse_seconds(value.as_bytes())
            .map(Some)
            .ok_or_else(|| error(number, "seconds (like 0.001) or -1")),
    };
    let status = |number: usize| match field(number) {
        "-" => Ok(None),
        value if value.len() == 3 && value.bytes().all(|b| b.is_ascii_digit()) => Ok(value.parse().ok()),
        _ => Err(error(number, "a three-digit HTTP status code or -")),
    };
    let bytes = |number: usize| field(number).parse::<u64>().map_err(|_| error(number, "a whole number of bytes"));
    let matched_rule_priority = match field(21) {
        "-" => None,
        value => {
            Some(value.parse::<i64>().map_err(|_| error(21, "a rule priority (0 for the default rule, -1) or -"))?)
        }
    };
    let mut later_fields = [None; 11];
    for (slot, value) in later_fields.iter_mut().zip(&raw[22..count]) {
        *slot = Some(*value);
    }
    Ok(LogEntry {
        kind,
        time_nanos,
        elb: field(3),
        client: field(4),
        target: optional(field(5)),
        request_processing_nanos: timing(6)?,
        target_processing_nanos: timing(7)?,
        response_processing_nanos: timing(8)?,
        elb_status_code: status(9)?,
        target_status_code: status(10)?,
        received_bytes: bytes(11)?,
        sent_bytes: bytes(12)?,
        request: parse_request(field(13)).ok_or_else(|| error(13, "`METHOD scheme://host:port/path PROTOCOL`"))?,
        user_agent: field(14),
        ssl_cipher: optional(field(15)),
        ssl_protocol: optional(field(16)),
        target_group_arn: optional(field(17)),
        trace_id: field(18),
        domain_name: optional(field(19)),
        chosen_cert_arn: optional(field(20)),
        matched_rule_priority,
        request_creation_nanos: time(22)?,
        later_fields,
        extra_field_count,
    })
}

/// `METHOD scheme://host:port/uri PROTOCOL` (§11.2). AWS logs a malformed
/// request as `- http://host:80- -`: it parses, with method `-` and path `/`.
fn parse_request(text: &str) -> Option<RequestField<'_>> {
    let mut parts = text.split(' ');
    let (method, url, protocol) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || method.is_empty() {
        return None;
    }
    let (_scheme, rest) = url.split_once("://")?;
    let (authority, target) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, "/"),
    };
    // The port is not part of the Host a rule matches; `[::1]` keeps its
    // colons; a malformed request's `:80-` is a port too.
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.trim_end_matches('-').bytes().all(|b| b.is_ascii_digit()) && port != "-" => host,
        _ => authority,
    };
    Some(RequestField { method, url, protocol, host, target })
}

/// Nanoseconds since the Unix epoch of `YYYY-MM-DDTHH:MM:SS[.fraction]`
/// followed by `Z` or an offset `±HH:MM` (the AWS CLI prints `+00:00`).
/// Integers only; `None` before 1970 or when malformed.
pub fn parse_iso8601_nanos(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let s = &b[range];
        s.iter().all(u8::is_ascii_digit).then(|| s.iter().fold(0, |n, &d| n * 10 + u32::from(d - b'0')))
    };
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    let mut i = 19;
    let mut fraction_nanos: u64 = 0;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        let mut scale = 100_000_000;
        while i < b.len() && b[i].is_ascii_digit() {
            fraction_nanos += u64::from(b[i] - b'0') * scale;
            scale /= 10;
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let offset_secs: i64 = match &b[i..] {
        b"Z" => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let hh = i64::from(digits(i + 1..i + 3)?);
            let mm = i64::from(digits(i + 4..i + 6)?);
            if hh > 23 || mm > 59 {
                return None;
            }
            let offset = hh * 3600 + mm * 60;
            if *sign == b'+' {
                offset
            } else {
                -offset
            }
        }
        _ => return None,
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let valid = (1..=12).contains(&month)
        && day >= 1
        && day <= month_days[month as usize - 1]
        && hour < 24
        && minute < 60
        && second < 60;
    if !valid {
        return None;
    }
    let secs = days_from_civil(i64::from(year), month, day) * 86_400 + i64::from(hour * 3600 + minute * 60 + second)
        - offset_secs;
    let secs = u64::try_from(secs).ok()?;
    secs.checked_mul(1_000_000_000)?.checked_add(fraction_nanos)
}

/// `2026-11-02T14:05:00.123456Z` (µs, as the logs write it) of ns since the epoch.
pub fn format_iso8601_micros(nanos: u64) -> String {
    let secs = (nanos / 1_000_000_000) as i64;
    let c = crate::engine::calendar::civil_from_epoch(secs);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        c.year,
        c.month,
        c.day,
        c.hour,
        c.minute,
        c.second,
        nanos % 1_000_000_000 / 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's documented HTTP example (ALB guide 2023), 29 fields.
    const HTTP: &str = r#"http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-""#;

    #[test]
    fn documented_example_parses_every_field() {
        let e = parse_entry(HTTP).expect("AWS's example parses");
        assert_eq!(e.kind, "http");
        assert_eq!(e.time_nanos, parse_iso8601_nanos("2018-07-02T22:23:00.186641Z").unwrap());
        assert_eq!(e.request_creation_nanos % 1_000_000_000, 364_000_000);
        assert_eq!(e.target, Some("10.0.0.1:80"));
        assert_eq!(e.target_processing_nanos, Some(1_000_000));
        assert_eq!((e.elb_status_code, e.target_status_code), (Some(200), Some(200)));
        assert_eq!((e.received_bytes, e.sent_bytes), (34, 366));
        assert_eq!(e.request.method, "GET");
        assert_eq!(e.request.host, "www.example.com");
        assert_eq!(e.request.target, "/");
        assert_eq!(e.user_agent, "curl/7.46.0");
        assert_eq!(e.ssl_cipher, None);
        assert_eq!(e.matched_rule_priority, Some(0));
        assert_eq!(e.later_field(23), Some("forward"));
        assert_eq!(e.later_field(26), Some("10.0.0.1:80"));
        assert_eq!(e.later_field(30), None);
        assert_eq!(e.extra_field_count, 0);
    }

    #[test]
    fn iso8601_times_are_exact_and_checked() {
        assert_eq!(parse_iso8601_nanos("1970-01-01T00:00:01.000001Z"), Some(1_000_001_000));
        assert_eq!(parse_iso8601_nanos("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_iso8601_nanos("2024-02-29T00:00:00Z"), Some(1_709_164_800_000_000_000));
        assert_eq!(parse_iso8601_nanos("2023-02-29T00:00:00Z"), None);
        assert_eq!(parse_iso8601_nanos("2023-01-01T00:00:00"), None);
        assert_eq!(parse_iso8601_nanos("2023-01-01T00:00:00.Z"), None);
        assert_eq!(format_iso8601_micros(1_000_001_000), "1970-01-01T00:00:01.000001Z");
    }
}
