//! The Ministry's recommended column structures (ukraine.md §1.3), shipped as
//! data in `data/templates.csv` (`template,name,title`): the register of
//! datasets (ALL-06), normatives (ALL-03) and reports (ALL-05). `name` is the
//! Ministry's latin camelCase column name; `title` is a Ukrainian title (our
//! wording, used to recognise columns named in Ukrainian). Add a template by
//! adding rows.

use std::sync::OnceLock;

/// One recommended structure.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub id: String,
    /// (name, Ukrainian title)
    pub columns: Vec<(String, String)>,
}

const DATA: &str = include_str!("../data/templates.csv");

/// Every template, in file order.
pub fn templates() -> &'static [Template] {
    static T: OnceLock<Vec<Template>> = OnceLock::new();
    T.get_or_init(|| parse(DATA))
}

fn parse(data: &str) -> Vec<Template> {
    let mut out: Vec<Template> = Vec::new();
    let mut rdr = csv::Reader::from_reader(data.as_bytes());
    for rec in rdr.records().flatten() {
        let (Some(t), Some(name), Some(title)) = (rec.get(0), rec.get(1), rec.get(2)) else {
            continue;
        };
        match out.iter_mut().find(|x| x.id == t) {
            Some(x) => x.columns.push((name.to_string(), title.to_string())),
            None => out.push(Template {
                id: t.to_string(),
                columns: vec![(name.to_string(), title.to_string())],
            }),
        }
    }
    out
}

/// Lower case, letters and digits only: `Publisher_Name` → `publishername`.
pub fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether a name is latin camelCase: a lower-case latin letter, then latin
/// letters and digits.
pub fn is_camel_case(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_alphanumeric())
}

/// What a header column is in a template.
#[derive(Debug, Clone, PartialEq)]
pub enum Match {
    /// Exactly the template's name.
    Exact,
    /// The template's name written another way (`PublisherName`,
    /// `publisher_name`) or its Ukrainian title.
    Rename(String),
    /// Not in the template.
    Other,
}

/// The template a header follows best, if at least half of its columns (and
/// at least two) are recognised, with a match for each header column.
pub fn best_template(header: &[&str]) -> Option<(&'static Template, Vec<Match>)> {
    let mut best: Option<(usize, &'static Template, Vec<Match>)> = None;
    for t in templates() {
        let matches: Vec<Match> = header
            .iter()
            .map(|h| {
                let n = normalize(h);
                let lower = h.trim().to_lowercase();
                for (name, title) in &t.columns {
                    if *h == name {
                        return Match::Exact;
                    }
                    if n == normalize(name) || lower == title.to_lowercase() {
                        return Match::Rename(name.clone());
                    }
                }
                Match::Other
            })
            .collect();
        let hits = matches.iter().filter(|m| **m != Match::Other).count();
        let need = (t.columns.len().div_ceil(2)).max(2);
        if hits >= need && best.as_ref().is_none_or(|(b, ..)| hits > *b) {
            best = Some((hits, t, matches));
        }
    }
    best.map(|(_, t, m)| (t, m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_load() {
        let ids: Vec<&str> = templates().iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["register", "normatives", "reports"]);
        assert_eq!(templates()[0].columns.len(), 12);
    }

    #[test]
    fn camel_case_table() {
        for (name, want) in [
            ("publisherName", true),
            ("title", true),
            ("PublisherName", false),
            ("publisher_name", false),
            ("назва", false),
            ("", false),
        ] {
            assert_eq!(is_camel_case(name), want, "{name}");
        }
    }

    #[test]
    fn matching() {
        let header = [
            "identifier",
            "Title",
            "description",
            "accrual_periodicity",
            "Ключові слова",
            "purpose",
            "extra",
        ];
        let (t, m) = best_template(&header).expect("template");
        assert_eq!(t.id, "register");
        assert_eq!(m[0], Match::Exact);
        assert_eq!(m[1], Match::Rename("title".into()));
        assert_eq!(m[3], Match::Rename("accrualPeriodicity".into()));
        assert_eq!(m[4], Match::Rename("keyword".into()));
        assert_eq!(m[6], Match::Other);
        assert!(best_template(&["a", "b", "title"]).is_none());
    }
}
