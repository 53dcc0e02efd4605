//! Turns the catalog into datasets: dates by state and frequency, the full
//! passport (purpose, notes, temporal and spatial coverage, maintainer) and
//! the generated files.

use chrono::{DateTime, Datelike, Duration, NaiveDate, SubsecRound, Utc};
use misto_core::UpdateFrequency;

use crate::catalog::{FileSpec, Fmt, SPECS, Spec, State, Temporal};
use crate::generate::{Ctx, RegisterEntry};
use crate::publishers::{PublisherSeed, seed};
use crate::rng::Rng;
use crate::table::Table;
use crate::world::World;
use crate::{DemoDataset, DemoFile, KATOTTG, PORTAL};

/// The general basis every passport ends with.
const RESOLUTION_835: &str = "Оприлюднюється відповідно до ст. 10-1 Закону України «Про доступ до публічної інформації» та постанови Кабінету Міністрів України від 21.10.2015 № 835 «Про затвердження Положення про набори даних, які підлягають оприлюдненню у формі відкритих даних».";

/// What is known about a dataset before its files are made.
struct Meta {
    title: String,
    title_en: String,
    purpose: String,
    updated: DateTime<Utc>,
    created: DateTime<Utc>,
    temporal: (Option<NaiveDate>, Option<NaiveDate>),
}

pub(crate) fn datasets(now: DateTime<Utc>, world: &World) -> Vec<DemoDataset> {
    let metas: Vec<Meta> = SPECS.iter().map(|s| meta(s, now)).collect();
    let register: Vec<RegisterEntry> = SPECS
        .iter()
        .zip(&metas)
        .filter(|(s, _)| s.state != State::Draft)
        .map(|(s, m)| register_entry(s, m))
        .collect();
    SPECS
        .iter()
        .zip(metas)
        .map(|(s, m)| build(s, m, world, &register))
        .collect()
}

fn meta(spec: &Spec, now: DateTime<Utc>) -> Meta {
    let (updated, created) = times(spec, now);
    let as_of = updated.date_naive();
    let year = as_of.year().to_string();
    Meta {
        title: spec.title.replace("{year}", &year),
        title_en: spec.title_en.replace("{year}", &year),
        purpose: format!("{} {RESOLUTION_835}", spec.basis),
        updated,
        created,
        temporal: temporal(spec.temporal, as_of),
    }
}

fn secs(d: Duration, k: f64) -> Duration {
    Duration::seconds((d.num_seconds() as f64 * k) as i64)
}

/// When the data were last updated and when the record was created: current
/// datasets within their period, overdue ones 1.4–3 periods back; records
/// created within the last two years, before their data's last update.
fn times(spec: &Spec, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    use UpdateFrequency::*;
    let mut rng = Rng::for_label(&format!("times/{}", spec.item));
    let days = Duration::days;
    let age = match (spec.state, spec.freq) {
        (_, NoLongerUpdated) => days(rng.range(400, 690)),
        (State::Overdue, f) => {
            let period = f.period().expect("a due frequency");
            let k = if f == ImmediatelyAfterMakingChanges {
                rng.float(1.1, 1.5)
            } else {
                rng.float(1.4, 3.0)
            };
            secs(period, k)
        }
        (_, MoreThanOnceADay) => Duration::minutes(rng.range(2, 40)),
        (_, OnceADay) => Duration::hours(rng.range(1, 20)),
        (_, ImmediatelyAfterMakingChanges) => days(rng.range(2, 200)),
        (_, f) => secs(f.period().expect("a due frequency"), rng.float(0.05, 0.8)),
    };
    // Data titled for the current year were updated this year.
    let age = if spec.temporal == Temporal::ThisYear && spec.state != State::Overdue {
        let this_year = ymd(now.year(), 1, 1)
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc();
        age.min(now - this_year).max(Duration::zero())
    } else {
        age
    };
    let updated = (now - age).trunc_subsecs(0);
    let earliest = now - days(729);
    let mut created =
        (now - days(rng.range(20, 728)) - Duration::seconds(rng.range(0, 86_399))).trunc_subsecs(0);
    if created >= updated {
        created = updated - days(rng.range(1, 45)) - Duration::seconds(rng.range(0, 86_399));
    }
    if created < earliest {
        created = (earliest + Duration::hours(rng.range(1, 48))).trunc_subsecs(0);
    }
    if created >= updated {
        created = updated - Duration::hours(1);
    }
    (updated, created)
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

fn temporal(t: Temporal, as_of: NaiveDate) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let y = as_of.year();
    match t {
        Temporal::None => (None, None),
        Temporal::ThisYear => (Some(ymd(y, 1, 1)), Some(ymd(y, 12, 31))),
        Temporal::PastYears(n) => (Some(ymd(y - n, 1, 1)), Some(ymd(y - 1, 12, 31))),
        Temporal::YearsToDate(n) => (Some(ymd(y - n + 1, 1, 1)), Some(as_of)),
        Temporal::Days(n) => (Some(as_of - Duration::days(n)), Some(as_of)),
        Temporal::Range(a, b) => (
            NaiveDate::parse_from_str(a, "%Y-%m-%d").ok(),
            NaiveDate::parse_from_str(b, "%Y-%m-%d").ok(),
        ),
    }
}

fn formats(spec: &Spec) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for f in spec.files.iter().flat_map(|f| f.formats) {
        if !out.contains(&f.label()) {
            out.push(f.label());
        }
    }
    out
}

fn register_entry(spec: &Spec, m: &Meta) -> RegisterEntry {
    let p = seed(spec.publisher);
    RegisterEntry {
        identifier: spec.name.to_string(),
        title: m.title.clone(),
        description: spec.intro.to_string(),
        periodicity: spec.freq.label_uk(),
        keywords: spec.tags.iter().map(|t| t.to_string()).collect(),
        purpose: m.purpose.clone(),
        landing_page: format!("{PORTAL}/dataset/{}", spec.name),
        formats: formats(spec),
        publisher: p.title,
        publisher_code: p.edrpou(),
        contact: p.contact.0,
        contact_email: p.contact_email(),
    }
}

/// «1 запис», «3 записи», «25 записів».
fn records(n: usize) -> &'static str {
    match (n % 10, n % 100) {
        (_, 11..=14) => "записів",
        (1, _) => "запис",
        (2..=4, _) => "записи",
        _ => "записів",
    }
}

fn file_names(f: &FileSpec) -> Vec<String> {
    f.formats
        .iter()
        .map(|fmt| format!("{}.{}", f.stem, fmt.ext()))
        .collect()
}

fn notes(spec: &Spec, p: &PublisherSeed, as_of: NaiveDate, tables: &[(FileSpec, Table)]) -> String {
    let mut s = format!("{}\n\n", spec.intro);
    let (mut coords, mut dates, mut money) = (false, false, false);
    for (f, t) in tables {
        dates |= t
            .rows
            .iter()
            .take(1)
            .flatten()
            .any(|v| matches!(v, crate::table::Val::Date(_)));
        money |= t.cols.iter().any(|c| c.desc.contains("грн"));
        let names: Vec<String> = file_names(f).iter().map(|n| format!("`{n}`")).collect();
        let same = if names.len() > 1 {
            " (однакові дані у різних форматах)"
        } else {
            ""
        };
        s.push_str(&format!(
            "**{}** — {}{same}, {} {}. Поля:\n\n",
            f.title,
            names.join(" і "),
            t.rows.len(),
            records(t.rows.len())
        ));
        for c in &t.cols {
            s.push_str(&format!("- `{}` — {}\n", c.name, c.desc));
            coords |= c.name == "latitude";
        }
        s.push('\n');
    }
    s.push_str(&format!("Дані станом на {}.", as_of.format("%d.%m.%Y")));
    if dates {
        s.push_str(" Дати — у форматі РРРР-ММ-ДД (ISO 8601).");
    }
    if money {
        s.push_str(" Грошові суми — у гривнях, десятковий роздільник — крапка.");
    }
    if coords {
        s.push_str(" Координати — у системі WGS 84 (EPSG:4326), у десяткових градусах.");
    }
    s.push_str(&format!(" Розпорядник: {}.", p.title));
    s
}

fn render(t: &Table, fmt: Fmt, title: &str, as_of: NaiveDate) -> Vec<u8> {
    match fmt {
        Fmt::Csv => t.to_csv(),
        Fmt::Json => t.to_json(),
        Fmt::Xlsx => t.to_xlsx("Дані", title, as_of),
    }
}

fn build(spec: &Spec, m: Meta, world: &World, register: &[RegisterEntry]) -> DemoDataset {
    let p = seed(spec.publisher);
    let as_of = m.updated.date_naive();
    let tables: Vec<(FileSpec, Table)> = spec
        .files
        .iter()
        .map(|f| {
            let mut ctx = Ctx {
                rng: Rng::for_label(&format!("{}/{}", spec.item, f.stem)),
                as_of,
                updated: m.updated,
                world,
                register,
            };
            (*f, (f.make)(&mut ctx))
        })
        .collect();
    let mut files = Vec::new();
    for (f, t) in &tables {
        for fmt in f.formats {
            let title = if f.formats.len() > 1 {
                format!("{} ({})", f.title, fmt.label())
            } else {
                f.title.to_string()
            };
            let n = t.rows.len();
            files.push(DemoFile {
                name: format!("{}.{}", f.stem, fmt.ext()),
                description: format!(
                    "{}: {n} {}, {} полів. Дані станом на {}.",
                    f.title,
                    records(n),
                    t.cols.len(),
                    as_of.format("%d.%m.%Y")
                ),
                title,
                format: fmt.label().to_string(),
                mimetype: fmt.mimetype().to_string(),
                bytes: render(t, *fmt, &m.title, as_of),
            });
        }
    }
    DemoDataset {
        name: spec.name.to_string(),
        notes: notes(spec, p, as_of, &tables),
        title: m.title,
        title_en: m.title_en,
        publisher: spec.publisher.to_string(),
        themes: spec.themes.iter().map(|t| t.to_string()).collect(),
        tags: spec.tags.iter().map(|t| t.to_string()).collect(),
        update_frequency: spec.freq,
        purpose: m.purpose,
        resolution_835_item: spec.item.to_string(),
        maintainer: p.contact.0.to_string(),
        maintainer_email: p.contact_email(),
        language: "ua".to_string(),
        license_id: spec.license.to_string(),
        spatial_katottg: Some(KATOTTG.to_string()),
        temporal_start: m.temporal.0,
        temporal_end: m.temporal.1,
        data_updated: m.updated,
        created: m.created,
        private: spec.state == State::Private,
        draft: spec.state == State::Draft,
        files,
    }
}
