//! Time in misto is UTC with microsecond precision. CKAN's wire format is
//! `2024-05-02T10:11:12.123456` (naive UTC, six fraction digits, no `Z`).

use chrono::{DateTime, NaiveDate, NaiveDateTime, SubsecRound, TimeZone, Utc};

pub type Timestamp = DateTime<Utc>;
pub use chrono::Duration;

/// The current time, truncated to microseconds so that it survives a round
/// trip through both databases unchanged.
pub fn now() -> Timestamp {
    Utc::now().trunc_subsecs(6)
}

/// CKAN's date format.
pub fn ckan_format(ts: &Timestamp) -> String {
    ts.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

pub fn to_micros(ts: &Timestamp) -> i64 {
    ts.timestamp_micros()
}

pub fn from_micros(us: i64) -> Timestamp {
    Utc.timestamp_micros(us).single().unwrap_or_default()
}

/// Parses the date forms clients send: CKAN's format, RFC 3339 with `Z` or an
/// offset, with or without fractions, or a plain date (midnight UTC).
pub fn parse_datetime(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.with_timezone(&Utc).trunc_subsecs(6));
    }
    let naive = s.strip_suffix('Z').unwrap_or(s);
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(naive, fmt) {
            return Some(Utc.from_utc_datetime(&n).trunc_subsecs(6));
        }
    }
    NaiveDate::parse_from_str(naive, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|n| Utc.from_utc_datetime(&n))
}

pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d.%m.%Y"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ckan_roundtrip() {
        let ts = parse_datetime("2024-05-02T10:11:12.123456").unwrap();
        assert_eq!(ckan_format(&ts), "2024-05-02T10:11:12.123456");
        assert_eq!(from_micros(to_micros(&ts)), ts);
    }

    #[test]
    fn parse_forms() {
        let cases = [
            ("2024-05-02T10:11:12Z", "2024-05-02T10:11:12.000000"),
            ("2024-05-02T10:11:12.5Z", "2024-05-02T10:11:12.500000"),
            ("2024-05-02T12:11:12+02:00", "2024-05-02T10:11:12.000000"),
            ("2024-05-02", "2024-05-02T00:00:00.000000"),
            ("2024-05-02T10:11:12.123456Z", "2024-05-02T10:11:12.123456"),
        ];
        for (input, want) in cases {
            assert_eq!(
                ckan_format(&parse_datetime(input).unwrap()),
                want,
                "{input}"
            );
        }
        assert!(parse_datetime("yesterday").is_none());
    }
}
