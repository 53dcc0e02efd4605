//! Validation shared by the API, the HTML forms and the harvesters. Errors
//! are collected per field (CKAN field names) and reported together.

use std::collections::BTreeMap;

use crate::codes::{edrpou_is_valid, katottg_is_well_formed};
use crate::names::{is_valid_name, is_valid_tag};
use crate::{Dataset, Publisher, Resource, license};

pub const TITLE_MAX: usize = 254;
pub const NOTES_MAX: usize = 4000;
pub const PURPOSE_MAX: usize = 512;
/// Language codes as data.gov.ua uses them.
pub const LANGUAGES: [&str; 7] = ["ua", "en", "ru", "ro", "hu", "bg", "pl"];

/// Messages per field, in the order fields were checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub BTreeMap<String, Vec<String>>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn add(&mut self, field: impl Into<String>, msg: impl Into<String>) {
        self.0.entry(field.into()).or_default().push(msg.into());
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn single(field: impl Into<String>, msg: impl Into<String>) -> Self {
        let mut e = Self::new();
        e.add(field, msg);
        e
    }
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
    pub fn merge(&mut self, other: FieldErrors) {
        for (k, v) in other.0 {
            self.0.entry(k).or_default().extend(v);
        }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(k, v)| format!("{k}: {}", v.join("; ")))
            .collect();
        f.write_str(&parts.join(", "))
    }
}

/// Whether XML 1.0 cannot carry the character (so no DCAT, RSS or Atom
/// export could), and PostgreSQL cannot store U+0000: the C0 controls other
/// than tab, line feed and carriage return, and U+FFFE, U+FFFF.
pub fn is_forbidden_char(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}'
    )
}

/// The message of a text field holding a forbidden character.
pub fn forbidden_char_message(c: char) -> String {
    format!(
        "Must not contain control characters (found U+{:04X}); tabs and line breaks are allowed",
        u32::from(c)
    )
}

/// Adds an error on `field` when `value` holds a character no text field
/// may hold ([`is_forbidden_char`]).
pub fn text(errors: &mut FieldErrors, field: &str, value: &str) {
    if let Some(c) = value.chars().find(|c| is_forbidden_char(*c)) {
        errors.add(field, forbidden_char_message(c));
    }
}

/// Checks every string of a record (its fields, nested lists, maps and
/// their keys) for forbidden characters; an error is named after the
/// top-level field that holds one (`title`, `extras`, `resources`), once
/// per field. Every write action runs it on what it is about to store, so
/// no door (API, forms, harvesters, CLI) can store what XML exports and
/// PostgreSQL refuse.
pub fn text_fields<T: serde::Serialize + ?Sized>(record: &T) -> FieldErrors {
    fn first_bad(v: &serde_json::Value) -> Option<char> {
        let bad = |s: &str| s.chars().find(|c| is_forbidden_char(*c));
        match v {
            serde_json::Value::String(s) => bad(s),
            serde_json::Value::Array(a) => a.iter().find_map(first_bad),
            serde_json::Value::Object(m) => {
                m.iter().find_map(|(k, v)| bad(k).or_else(|| first_bad(v)))
            }
            _ => None,
        }
    }
    let mut errors = FieldErrors::new();
    match serde_json::to_value(record) {
        Ok(serde_json::Value::Object(m)) => {
            for (k, v) in &m {
                if let Some(c) = first_bad(v) {
                    errors.add(k.as_str(), forbidden_char_message(c));
                }
            }
        }
        Ok(other) => {
            if let Some(c) = first_bad(&other) {
                errors.add("value", forbidden_char_message(c));
            }
        }
        // Not representable as JSON: nothing to check here (the caller's
        // own serialisation will fail the same way).
        Err(_) => {}
    }
    errors
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

pub fn is_valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c == ',' || c == '<' || c == '>')
}

pub fn is_valid_url(s: &str) -> bool {
    (s.starts_with("http://") || s.starts_with("https://") || s.starts_with("ftp://"))
        && s.len() > 8
        && !s.chars().any(char::is_whitespace)
}

fn name_rule(errors: &mut FieldErrors, field: &str, name: &str) {
    if name.is_empty() {
        errors.add(field, "Missing value");
    } else if !is_valid_name(name) {
        errors.add(
            field,
            "Must be 2 to 100 characters of lowercase latin letters, digits, - and _",
        );
    }
}

fn optional_email(errors: &mut FieldErrors, field: &str, v: &Option<String>) {
    if let Some(e) = v
        && !e.is_empty()
        && !is_valid_email(e)
    {
        errors.add(field, format!("Email {e} is not a valid format"));
    }
}

/// Checks a publisher's own fields (uniqueness is the store's job).
pub fn publisher(p: &Publisher) -> Result<(), FieldErrors> {
    let mut e = text_fields(p);
    name_rule(&mut e, "name", &p.name);
    if p.title.trim().is_empty() {
        e.add("title", "Missing value");
    } else if chars(&p.title) > TITLE_MAX {
        e.add("title", format!("Must be at most {TITLE_MAX} characters"));
    }
    if let Some(code) = &p.edrpou
        && !edrpou_is_valid(code)
    {
        e.add(
            "edrpou",
            "EDRPOU code must be 8 digits with a valid check digit",
        );
    }
    optional_email(&mut e, "email", &p.email);
    if let Some(w) = &p.website
        && !w.is_empty()
        && !is_valid_url(w)
    {
        e.add("website", "Must be an http(s) URL");
    }
    e.into_result()
}

/// Checks a dataset's own fields and its resources. References to other
/// records (publisher, themes) are checked by the actions.
pub fn dataset(d: &Dataset) -> Result<(), FieldErrors> {
    dataset_with(d, |item| crate::resolution835::find(item).is_some())
}

/// [`dataset`] against a Resolution 835 list other than the built-in one
/// (`known_835` says whether an item id is on the list in force).
pub fn dataset_with(d: &Dataset, known_835: impl Fn(&str) -> bool) -> Result<(), FieldErrors> {
    // The resources are checked below, one by one.
    let mut e = text_fields(&Dataset {
        resources: Vec::new(),
        ..d.clone()
    });
    name_rule(&mut e, "name", &d.name);
    if chars(&d.title) > TITLE_MAX {
        e.add("title", format!("Must be at most {TITLE_MAX} characters"));
    }
    if let Some(t) = &d.title_en
        && chars(t) > TITLE_MAX
    {
        e.add(
            "title_en",
            format!("Must be at most {TITLE_MAX} characters"),
        );
    }
    if chars(&d.notes) > NOTES_MAX {
        e.add("notes", format!("Must be at most {NOTES_MAX} characters"));
    }
    if let Some(t) = &d.notes_en
        && chars(t) > NOTES_MAX
    {
        e.add(
            "notes_en",
            format!("Must be at most {NOTES_MAX} characters"),
        );
    }
    if d.owner_org.is_empty() {
        e.add("owner_org", "Missing value");
    }
    if license::find(&d.license_id).is_none() {
        e.add("license_id", format!("Unknown licence: {}", d.license_id));
    }
    optional_email(&mut e, "author_email", &d.author_email);
    optional_email(&mut e, "maintainer_email", &d.maintainer_email);
    if let Some(u) = &d.url
        && !u.is_empty()
        && !is_valid_url(u)
    {
        e.add("url", "Must be an http(s) URL");
    }
    for t in &d.tags {
        if !is_valid_tag(t) {
            e.add(
                "tags",
                format!(
                    "Tag \"{t}\" must be 1 to 100 characters of letters, digits, spaces and -_."
                ),
            );
        }
    }
    if !LANGUAGES.contains(&d.language.as_str()) {
        e.add(
            "language",
            format!("Must be one of: {}", LANGUAGES.join(", ")),
        );
    }
    if let Some(p) = &d.purpose_of_collecting_information
        && chars(p) > PURPOSE_MAX
    {
        e.add(
            "purpose_of_collecting_information",
            format!("Must be at most {PURPOSE_MAX} characters"),
        );
    }
    if let Some(item) = &d.resolution_835_item
        && !item.is_empty()
        && !known_835(item)
    {
        e.add(
            "resolution_835_item",
            format!(
                "Unknown item of the Resolution 835 list: {item} (expected e.g. OMS-01 or ALL-06)"
            ),
        );
    }
    if let Some(k) = &d.spatial_katottg
        && !k.is_empty()
        && !katottg_is_well_formed(k)
    {
        e.add(
            "spatial_katottg",
            "KATOTTG code must be UA followed by 17 digits",
        );
    }
    if let (Some(a), Some(b)) = (d.temporal_start, d.temporal_end)
        && a > b
    {
        e.add("temporal_end", "Must not be before temporal_start");
    }
    let mut seen = std::collections::HashSet::new();
    for x in &d.extras {
        if x.key.is_empty() {
            e.add("extras", "Extra key must not be empty");
        } else if !seen.insert(x.key.as_str()) {
            e.add("extras", format!("Duplicate extra key: {}", x.key));
        }
    }
    for (i, r) in d.resources.iter().enumerate() {
        if let Err(re) = resource(r) {
            for (k, msgs) in re.0 {
                for m in msgs {
                    e.add("resources", format!("resource {i}: {k}: {m}"));
                }
            }
        }
    }
    e.into_result()
}

pub fn resource(r: &Resource) -> Result<(), FieldErrors> {
    let mut e = text_fields(r);
    if chars(&r.name) > TITLE_MAX {
        e.add("name", format!("Must be at most {TITLE_MAX} characters"));
    }
    if chars(&r.description) > NOTES_MAX {
        e.add(
            "description",
            format!("Must be at most {NOTES_MAX} characters"),
        );
    }
    if !r.is_upload() && !r.url.is_empty() && !is_valid_url(&r.url) {
        e.add("url", "Must be an http(s) or ftp URL");
    }
    if chars(&r.format) > 100 {
        e.add("format", "Must be at most 100 characters");
    }
    e.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters() {
        for (c, bad) in [
            ('\u{0}', true),
            ('\u{8}', true),
            ('\t', false),
            ('\n', false),
            ('\u{b}', true),
            ('\u{c}', true),
            ('\r', false),
            ('\u{e}', true),
            ('\u{1f}', true),
            (' ', false),
            ('\u{7f}', false),
            ('я', false),
            ('\u{fffd}', false),
            ('\u{fffe}', true),
            ('\u{ffff}', true),
            ('\u{10000}', false),
        ] {
            assert_eq!(is_forbidden_char(c), bad, "{:04X}", u32::from(c));
        }
        let mut e = FieldErrors::new();
        text(&mut e, "title", "рядок\tз табуляцією\nі рядками\r\n");
        assert!(e.is_empty());
        text(&mut e, "title", "NUL\u{0}");
        assert_eq!(
            e.0["title"],
            vec![
                "Must not contain control characters (found U+0000); tabs and line breaks are allowed"
            ]
        );
        let e = text_fields(&serde_json::json!({
            "title": "ok",
            "notes": "bell\u{7}",
            "extras": [{"key": "k\u{1}", "value": "v"}],
            "tags": ["a", "b\u{ffff}"],
            "n": 3,
        }));
        let fields: Vec<&str> = e.0.keys().map(String::as_str).collect();
        assert_eq!(fields, vec!["extras", "notes", "tags"]);
    }

    #[test]
    fn emails() {
        for (s, ok) in [
            ("a@b.ua", true),
            ("a@b", false),
            ("ab.ua", false),
            ("a b@c.ua", false),
        ] {
            assert_eq!(is_valid_email(s), ok, "{s}");
        }
    }
}
