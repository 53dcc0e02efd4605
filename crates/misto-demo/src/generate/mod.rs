//! Generators of the datasets' files: each is a `fn(&mut Ctx) -> Table`,
//! grouped by field. They take their randomness from the context, their
//! dates relative to the day the data are current as of, and the city's
//! institutions, firms and routes from the shared [`World`].

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use crate::gazetteer::{Addr, Person};
use crate::rng::Rng;
use crate::world::{Org, World};

pub(crate) mod environment;
pub(crate) mod finance;
pub(crate) mod governance;
pub(crate) mod property;
pub(crate) mod social;
pub(crate) mod transport;
pub(crate) mod urban;

/// One row of the register of datasets (ALL-06), known before any file is made.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RegisterEntry {
    pub identifier: String,
    pub title: String,
    pub description: String,
    pub periodicity: &'static str,
    pub keywords: Vec<String>,
    pub purpose: String,
    pub landing_page: String,
    pub formats: Vec<&'static str>,
    pub publisher: &'static str,
    pub publisher_code: String,
    pub contact: &'static str,
    pub contact_email: String,
}

pub(crate) struct Ctx<'a> {
    pub rng: Rng,
    /// The day the data are current as of (the date of `data_updated`).
    pub as_of: NaiveDate,
    /// The moment the data were last updated.
    pub updated: DateTime<Utc>,
    pub world: &'a World,
    pub register: &'a [RegisterEntry],
}

impl<'a> Ctx<'a> {
    pub(crate) fn year(&self) -> i32 {
        self.as_of.year()
    }

    /// A day `lo..=hi` days before `as_of`.
    pub(crate) fn days_ago(&mut self, lo: i64, hi: i64) -> NaiveDate {
        self.as_of - Duration::days(self.rng.range(lo, hi))
    }

    /// A day in `from..=to`.
    pub(crate) fn between(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        let span = (to - from).num_days().max(0);
        from + Duration::days(self.rng.range(0, span))
    }

    pub(crate) fn addr(&mut self) -> Addr {
        Addr::random(&mut self.rng)
    }

    pub(crate) fn person(&mut self) -> Person {
        Person::random(&mut self.rng)
    }

    pub(crate) fn firm(&mut self) -> &'a Org {
        let w = self.world;
        self.rng.pick(&w.firms)
    }

    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        *self.rng.pick(items)
    }

    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.rng.chance(p)
    }

    pub(crate) fn int(&mut self, lo: i64, hi: i64) -> i64 {
        self.rng.range(lo, hi)
    }

    pub(crate) fn money(&mut self, lo: f64, hi: f64) -> f64 {
        self.rng.money(lo, hi)
    }

    pub(crate) fn float(&mut self, lo: f64, hi: f64) -> f64 {
        self.rng.float(lo, hi)
    }

    /// A demo phone number of the city's 47 code with the unused 000 exchange.
    pub(crate) fn phone(&mut self) -> String {
        format!("+380 47 000 {:02} {:02}", self.int(20, 99), self.int(0, 99))
    }

    /// A decision number and date of the council or its executive committee,
    /// `days` back at most: («123», date).
    pub(crate) fn decision(&mut self, lo: i64, hi: i64) -> (String, NaiveDate) {
        let d = self.days_ago(lo, hi);
        let n = d.ordinal() as i64 + self.int(0, 20);
        (format!("{n}"), d)
    }

    /// A cadastral number of a land plot in the city (fictional KOATUU part).
    pub(crate) fn cadastral(&mut self) -> String {
        format!(
            "9910100000:{:02}:{:03}:{:04}",
            self.int(1, 12),
            self.int(1, 60),
            self.int(1, 2400)
        )
    }

    /// A Prozorro procurement id for a day.
    pub(crate) fn prozorro(&mut self, d: NaiveDate) -> String {
        format!(
            "UA-{}-{:06}-{}",
            d.format("%Y-%m-%d"),
            self.int(1, 999_999),
            self.pick(&["a", "b", "c"])
        )
    }
}

/// A link to a document on the city site.
pub(crate) fn doc_url(section: &str, id: impl std::fmt::Display) -> String {
    format!("https://{}/{section}/{id}", crate::DOMAIN)
}

/// Rounds to `digits` fraction digits.
pub(crate) fn round(x: f64, digits: i32) -> f64 {
    let k = 10f64.powi(digits);
    (x * k).round() / k
}
