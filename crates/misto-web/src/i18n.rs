//! Languages, translation tables and the formatting of dates, numbers and
//! sizes for each language. Every UI string comes from `i18n/uk.json` or
//! `i18n/en.json`; both must have the same keys (a test checks).

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use minijinja::Value;
use minijinja::value::Object;
use misto_core::Timestamp;

/// A language of the UI. Ukrainian is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Uk,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Uk => "uk",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "uk" | "ua" => Some(Lang::Uk),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Uk => Lang::En,
            Lang::En => Lang::Uk,
        }
    }

    /// Picks the Ukrainian or the English text, falling back to Ukrainian
    /// when there is no English version.
    pub fn pick<'a>(self, uk: &'a str, en: Option<&'a str>) -> &'a str {
        match (self, en) {
            (Lang::En, Some(en)) if !en.trim().is_empty() => en,
            _ => uk,
        }
    }
}

type Table = BTreeMap<String, String>;

/// The translation files, one pair per part of the site: `(part,
/// Ukrainian, English)`. A feature adds its own pair
/// (`i18n/{part}.uk.json`, `i18n/{part}.en.json`) here; keys must be unique
/// across parts and each pair must have the same keys (tests check both).
const SOURCES: &[(&str, &str, &str)] = &[
    (
        "site",
        include_str!("../i18n/uk.json"),
        include_str!("../i18n/en.json"),
    ),
    (
        "admin",
        include_str!("../i18n/admin.uk.json"),
        include_str!("../i18n/admin.en.json"),
    ),
    (
        "forms",
        include_str!("../i18n/forms.uk.json"),
        include_str!("../i18n/forms.en.json"),
    ),
    (
        "datastore",
        include_str!("../i18n/datastore.uk.json"),
        include_str!("../i18n/datastore.en.json"),
    ),
    (
        "dashboards",
        include_str!("../i18n/dashboards.uk.json"),
        include_str!("../i18n/dashboards.en.json"),
    ),
    (
        "quality",
        include_str!("../i18n/quality.uk.json"),
        include_str!("../i18n/quality.en.json"),
    ),
    (
        "engagement",
        include_str!("../i18n/engagement.uk.json"),
        include_str!("../i18n/engagement.en.json"),
    ),
    (
        "coordinator",
        include_str!("../i18n/coordinator.uk.json"),
        include_str!("../i18n/coordinator.en.json"),
    ),
    (
        "harvest",
        include_str!("../i18n/harvest.uk.json"),
        include_str!("../i18n/harvest.en.json"),
    ),
    (
        "register",
        include_str!("../i18n/register.uk.json"),
        include_str!("../i18n/register.en.json"),
    ),
    (
        "monitoring",
        include_str!("../i18n/monitoring.uk.json"),
        include_str!("../i18n/monitoring.en.json"),
    ),
    (
        "interop",
        include_str!("../i18n/interop.uk.json"),
        include_str!("../i18n/interop.en.json"),
    ),
    (
        "linkcheck",
        include_str!("../i18n/linkcheck.uk.json"),
        include_str!("../i18n/linkcheck.en.json"),
    ),
];

fn parse(part: &str, lang: &str, src: &str) -> Table {
    match serde_json::from_str(src) {
        Ok(t) => t,
        Err(e) => {
            // Embedded at build time; a unit test parses every file.
            tracing::error!(part, lang, error = %e, "translation file does not parse");
            Table::new()
        }
    }
}

fn load(lang: Lang) -> Table {
    let mut all = Table::new();
    for (part, uk, en) in SOURCES {
        let src = match lang {
            Lang::Uk => uk,
            Lang::En => en,
        };
        all.extend(parse(part, lang.code(), src));
    }
    all
}

static UK: LazyLock<Table> = LazyLock::new(|| load(Lang::Uk));
static EN: LazyLock<Table> = LazyLock::new(|| load(Lang::En));

fn table(lang: Lang) -> &'static Table {
    match lang {
        Lang::Uk => &UK,
        Lang::En => &EN,
    }
}

/// The translation of `key`, or the key itself when it is missing (tests
/// make sure none is).
pub fn tr(lang: Lang, key: &str) -> String {
    match table(lang).get(key) {
        Some(s) => s.clone(),
        None => {
            tracing::warn!(key, lang = lang.code(), "missing translation");
            key.to_string()
        }
    }
}

/// The translations as a template object: `t.some_key`. A missing key is
/// undefined, which the strict template environment reports as an error.
#[derive(Debug)]
pub struct Strings(pub Lang);

impl Object for Strings {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let k = key.as_str()?;
        table(self.0).get(k).map(|s| Value::from(s.as_str()))
    }
}

/// Europe/Kyiv local time: EET (UTC+2), EEST (UTC+3) from the last Sunday
/// of March 01:00 UTC to the last Sunday of October 01:00 UTC.
pub fn kyiv(ts: &Timestamp) -> chrono::NaiveDateTime {
    let year = ts.year();
    let last_sunday = |month: u32| -> Option<Timestamp> {
        let first_next = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)?
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)?
        };
        let mut d = first_next.pred_opt()?;
        while d.weekday() != Weekday::Sun {
            d = d.pred_opt()?;
        }
        Some(Utc.from_utc_datetime(&d.and_hms_opt(1, 0, 0)?))
    };
    let summer = match (last_sunday(3), last_sunday(10)) {
        (Some(start), Some(end)) => *ts >= start && *ts < end,
        _ => false,
    };
    let offset = if summer { 3 } else { 2 };
    (*ts + Duration::hours(offset)).naive_utc()
}

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A date: `22.11.2026` in Ukrainian, `22 Nov 2026` in English.
pub fn date(lang: Lang, ts: &Timestamp) -> String {
    naive_date(lang, kyiv(ts).date())
}

pub fn naive_date(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::Uk => d.format("%d.%m.%Y").to_string(),
        Lang::En => format!(
            "{} {} {}",
            d.day(),
            MONTHS_EN[d.month0() as usize],
            d.year()
        ),
    }
}

/// A date and time in Kyiv: `22.11.2026, 14:05` or `22 Nov 2026, 14:05`.
pub fn datetime(lang: Lang, ts: &Timestamp) -> String {
    let local = kyiv(ts);
    format!(
        "{}, {}",
        naive_date(lang, local.date()),
        local.format("%H:%M")
    )
}

/// An integer with thousands grouped: `12 345` (no-break space) or `12,345`.
pub fn int(lang: Lang, n: u64) -> String {
    let digits = n.to_string();
    let sep = match lang {
        Lang::Uk => '\u{a0}',
        Lang::En => ',',
    };
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 2);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).rem_euclid(3) == 0 {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// A file size: `1,5 МБ` or `1.5 MB`.
pub fn size(lang: Lang, bytes: i64) -> String {
    let units: [&str; 4] = match lang {
        Lang::Uk => ["Б", "КБ", "МБ", "ГБ"],
        Lang::En => ["B", "KB", "MB", "GB"],
    };
    let b = bytes.max(0) as f64;
    let mut value = b;
    let mut unit = 0;
    while value >= 1024.0 && unit < units.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        return format!("{}\u{a0}{}", int(lang, bytes.max(0) as u64), units[0]);
    }
    let text = if value >= 100.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    };
    let text = match lang {
        Lang::Uk => text.replace('.', ","),
        Lang::En => text,
    };
    format!("{text}\u{a0}{}", units[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_part_parses_with_the_same_keys_and_no_key_twice() {
        let mut seen = std::collections::BTreeMap::new();
        for (part, uk, en) in SOURCES {
            let uk: Table = serde_json::from_str(uk).expect(part);
            let en: Table = serde_json::from_str(en).expect(part);
            let (ku, ke): (Vec<_>, Vec<_>) = (uk.keys().collect(), en.keys().collect());
            assert_eq!(ku, ke, "{part}: uk and en keys differ");
            for k in uk.keys() {
                if let Some(other) = seen.insert(k.clone(), *part) {
                    panic!("key {k} is in both {other} and {part}");
                }
            }
        }
    }

    #[test]
    fn both_languages_have_the_same_keys() {
        let uk: Vec<&String> = UK.keys().collect();
        let en: Vec<&String> = EN.keys().collect();
        assert!(!uk.is_empty(), "uk.json does not parse or is empty");
        let only_uk: Vec<_> = uk.iter().filter(|k| !EN.contains_key(**k)).collect();
        let only_en: Vec<_> = en.iter().filter(|k| !UK.contains_key(**k)).collect();
        assert!(only_uk.is_empty(), "only in uk.json: {only_uk:?}");
        assert!(only_en.is_empty(), "only in en.json: {only_en:?}");
        for (k, v) in UK.iter().chain(EN.iter()) {
            assert!(!v.trim().is_empty(), "empty translation for {k}");
        }
    }

    #[test]
    fn numbers_and_sizes() {
        assert_eq!(int(Lang::En, 1234567), "1,234,567");
        assert_eq!(int(Lang::Uk, 1234), "1\u{a0}234");
        assert_eq!(int(Lang::Uk, 123), "123");
        assert_eq!(size(Lang::Uk, 1536 * 1024), "1,5\u{a0}МБ");
        assert_eq!(size(Lang::En, 1536 * 1024), "1.5\u{a0}MB");
        assert_eq!(size(Lang::En, 12), "12\u{a0}B");
    }

    #[test]
    fn dates_in_kyiv_time() {
        let winter = Utc.with_ymd_and_hms(2026, 1, 5, 22, 30, 0).unwrap();
        assert_eq!(datetime(Lang::Uk, &winter), "06.01.2026, 00:30");
        let summer = Utc.with_ymd_and_hms(2026, 7, 1, 9, 0, 0).unwrap();
        assert_eq!(datetime(Lang::En, &summer), "1 Jul 2026, 12:00");
        assert_eq!(date(Lang::En, &summer), "1 Jul 2026");
    }
}
