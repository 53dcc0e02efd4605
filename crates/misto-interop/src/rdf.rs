//! A small RDF triple model and its three serialisations: Turtle, RDF/XML
//! and JSON-LD (a flat `@graph` under an `@context` of prefixes).
//!
//! Predicates and classes are compact names over [`PREFIXES`] (`dct:title`),
//! so every serialiser can name them without guessing namespaces; objects
//! and subjects are full IRIs, blank nodes or literals. IRIs are made safe
//! when built ([`Term::iri`] percent-encodes what no IRI may contain) and
//! literals drop control characters XML 1.0 cannot carry, so the three
//! documents always say the same thing.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde_json::{Map, Value, json};

/// The prefixes every document declares.
pub const PREFIXES: &[(&str, &str)] = &[
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ("dcat", "http://www.w3.org/ns/dcat#"),
    ("dct", "http://purl.org/dc/terms/"),
    ("foaf", "http://xmlns.com/foaf/0.1/"),
    ("vcard", "http://www.w3.org/2006/vcard/ns#"),
    ("adms", "http://www.w3.org/ns/adms#"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("spdx", "http://spdx.org/rdf/terms#"),
    ("hydra", "http://www.w3.org/ns/hydra/core#"),
    ("locn", "http://www.w3.org/ns/locn#"),
    ("gsp", "http://www.opengis.net/ont/geosparql#"),
];

/// The full IRI of a compact name such as `dct:title`.
pub fn expand(compact: &str) -> String {
    match compact.split_once(':') {
        Some((p, local)) => match PREFIXES.iter().find(|(q, _)| *q == p) {
            Some((_, ns)) => format!("{ns}{local}"),
            None => compact.to_string(),
        },
        None => compact.to_string(),
    }
}

/// A subject or object.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Term {
    Iri(String),
    Blank(u32),
    Literal {
        value: String,
        lang: Option<&'static str>,
        /// A compact datatype name (`xsd:dateTime`).
        datatype: Option<&'static str>,
    },
}

impl Term {
    /// An IRI, with characters no IRI may contain percent-encoded.
    pub fn iri(s: &str) -> Term {
        Term::Iri(safe_iri(s))
    }

    /// The IRI of a compact name (`dct:Location`).
    pub fn name(compact: &str) -> Term {
        Term::Iri(expand(compact))
    }

    pub fn plain(value: &str) -> Term {
        Term::Literal {
            value: clean_text(value),
            lang: None,
            datatype: None,
        }
    }

    pub fn lang(value: &str, lang: &'static str) -> Term {
        Term::Literal {
            value: clean_text(value),
            lang: Some(lang),
            datatype: None,
        }
    }

    pub fn typed(value: &str, datatype: &'static str) -> Term {
        Term::Literal {
            value: clean_text(value),
            lang: None,
            datatype: Some(datatype),
        }
    }
}

/// Percent-encodes the characters RFC 3987 excludes from IRIs (space,
/// controls, `<>"{}|\^` and backtick).
pub fn safe_iri(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim().chars() {
        if c.is_control()
            || c == ' '
            || matches!(c, '<' | '>' | '"' | '{' | '}' | '|' | '\\' | '^' | '`')
        {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "%{b:02X}");
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Drops characters XML 1.0 cannot carry (controls other than tab, newline
/// and carriage return; U+FFFE and U+FFFF).
pub fn clean_text(s: &str) -> String {
    s.chars()
        .filter(|c| {
            !matches!(*c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
        })
        .collect()
}

/// Triples grouped by subject, then predicate.
type Grouped<'a> = Vec<(&'a Term, Vec<(&'static str, Vec<&'a Term>)>)>;

/// A set of triples in insertion order.
#[derive(Debug, Default)]
pub struct Graph {
    triples: Vec<(Term, &'static str, Term)>,
    next_blank: u32,
}

impl Graph {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn blank(&mut self) -> Term {
        self.next_blank += 1;
        Term::Blank(self.next_blank)
    }

    pub fn add(&mut self, s: &Term, p: &'static str, o: Term) {
        self.triples.push((s.clone(), p, o));
    }

    /// `s rdf:type class`.
    pub fn typ(&mut self, s: &Term, class: &str) {
        self.add(s, "rdf:type", Term::name(class));
    }

    pub fn len(&self) -> usize {
        self.triples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.triples.is_empty()
    }

    /// Subjects in order of first appearance, each with its predicates in
    /// order of first appearance and their objects, duplicates dropped.
    fn grouped(&self) -> Grouped<'_> {
        let mut order: Vec<&Term> = Vec::new();
        let mut by_subject: HashMap<&Term, Vec<(&'static str, Vec<&Term>)>> = HashMap::new();
        for (s, p, o) in &self.triples {
            let preds = by_subject.entry(s).or_insert_with(|| {
                order.push(s);
                Vec::new()
            });
            match preds.iter_mut().find(|(q, _)| q == p) {
                Some((_, objs)) => {
                    if !objs.contains(&o) {
                        objs.push(o);
                    }
                }
                None => preds.push((p, vec![o])),
            }
        }
        order
            .into_iter()
            .map(|s| {
                let preds = by_subject.remove(s).unwrap_or_default();
                (s, preds)
            })
            .collect()
    }

    pub fn to_turtle(&self) -> String {
        let mut out = String::new();
        for (p, ns) in PREFIXES {
            let _ = writeln!(out, "@prefix {p}: <{ns}> .");
        }
        for (s, preds) in self.grouped() {
            out.push('\n');
            out.push_str(&turtle_term(s));
            for (i, (p, objs)) in preds.iter().enumerate() {
                out.push_str(if i == 0 { " " } else { " ;\n    " });
                out.push_str(if *p == "rdf:type" { "a" } else { p });
                for (j, o) in objs.iter().enumerate() {
                    out.push_str(if j == 0 { " " } else { ", " });
                    out.push_str(&turtle_term(o));
                }
            }
            out.push_str(" .\n");
        }
        out
    }

    pub fn to_rdfxml(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rdf:RDF");
        for (p, ns) in PREFIXES {
            let _ = write!(out, "\n    xmlns:{p}=\"{}\"", xml_escape(ns));
        }
        out.push_str(">\n");
        for (s, preds) in self.grouped() {
            match s {
                Term::Iri(i) => {
                    let _ = writeln!(out, "  <rdf:Description rdf:about=\"{}\">", xml_escape(i));
                }
                Term::Blank(n) => {
                    let _ = writeln!(out, "  <rdf:Description rdf:nodeID=\"b{n}\">");
                }
                Term::Literal { .. } => continue,
            }
            for (p, objs) in preds {
                for o in objs {
                    match o {
                        Term::Iri(i) => {
                            let _ = writeln!(out, "    <{p} rdf:resource=\"{}\"/>", xml_escape(i));
                        }
                        Term::Blank(n) => {
                            let _ = writeln!(out, "    <{p} rdf:nodeID=\"b{n}\"/>");
                        }
                        Term::Literal {
                            value,
                            lang,
                            datatype,
                        } => {
                            let mut attrs = String::new();
                            if let Some(l) = lang {
                                let _ = write!(attrs, " xml:lang=\"{l}\"");
                            }
                            if let Some(dt) = datatype {
                                let _ =
                                    write!(attrs, " rdf:datatype=\"{}\"", xml_escape(&expand(dt)));
                            }
                            let _ = writeln!(out, "    <{p}{attrs}>{}</{p}>", xml_escape(value));
                        }
                    }
                }
            }
            out.push_str("  </rdf:Description>\n");
        }
        out.push_str("</rdf:RDF>\n");
        out
    }

    pub fn to_jsonld(&self) -> Value {
        let mut context = Map::new();
        for (p, ns) in PREFIXES {
            context.insert((*p).to_string(), Value::String((*ns).to_string()));
        }
        let mut nodes = Vec::new();
        for (s, preds) in self.grouped() {
            let mut node = Map::new();
            node.insert("@id".into(), Value::String(jsonld_id(s)));
            for (p, objs) in preds {
                if p == "rdf:type" {
                    let types: Vec<Value> =
                        objs.iter().map(|o| Value::String(jsonld_id(o))).collect();
                    node.insert("@type".into(), Value::Array(types));
                    continue;
                }
                let values: Vec<Value> = objs
                    .iter()
                    .map(|o| match o {
                        Term::Literal {
                            value,
                            lang,
                            datatype,
                        } => {
                            let mut v = Map::new();
                            v.insert("@value".into(), Value::String(value.clone()));
                            if let Some(l) = lang {
                                v.insert("@language".into(), Value::String((*l).to_string()));
                            }
                            if let Some(dt) = datatype {
                                v.insert("@type".into(), Value::String(expand(dt)));
                            }
                            Value::Object(v)
                        }
                        other => json!({ "@id": jsonld_id(other) }),
                    })
                    .collect();
                node.insert(p.to_string(), Value::Array(values));
            }
            nodes.push(Value::Object(node));
        }
        json!({ "@context": Value::Object(context), "@graph": nodes })
    }
}

fn jsonld_id(t: &Term) -> String {
    match t {
        Term::Iri(i) => i.clone(),
        Term::Blank(n) => format!("_:b{n}"),
        Term::Literal { value, .. } => value.clone(),
    }
}

fn turtle_term(t: &Term) -> String {
    match t {
        Term::Iri(i) => compact_or_iri(i),
        Term::Blank(n) => format!("_:b{n}"),
        Term::Literal {
            value,
            lang,
            datatype,
        } => {
            let mut s = turtle_string(value);
            if let Some(l) = lang {
                s.push('@');
                s.push_str(l);
            } else if let Some(dt) = datatype {
                s.push_str("^^");
                s.push_str(dt);
            }
            s
        }
    }
}

/// `prefix:local` when the IRI is in a declared namespace and the local part
/// is a plain name, else `<iri>`.
fn compact_or_iri(iri: &str) -> String {
    for (p, ns) in PREFIXES {
        if let Some(local) = iri.strip_prefix(ns) {
            let plain = local
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && local.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if plain {
                return format!("{p}:{local}");
            }
        }
    }
    let mut s = String::with_capacity(iri.len() + 2);
    s.push('<');
    for c in iri.chars() {
        // `safe_iri` already encoded these; escape anything that slipped by.
        if c.is_control()
            || matches!(
                c,
                ' ' | '<' | '>' | '"' | '{' | '}' | '|' | '\\' | '^' | '`'
            )
        {
            let _ = write!(s, "\\u{:04X}", c as u32);
        } else {
            s.push(c);
        }
    }
    s.push('>');
    s
}

/// A Turtle (and N-Triples) string literal with its quotes.
pub fn turtle_string(v: &str) -> String {
    let mut s = String::with_capacity(v.len() + 2);
    s.push('"');
    for c in v.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(s, "\\u{:04X}", c as u32);
            }
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// Escapes text for XML element content and attribute values.
pub fn xml_escape(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&apos;"),
            '\r' => s.push_str("&#13;"),
            '\t' => s.push_str("&#9;"),
            '\n' => s.push('\n'),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => {}
            c => s.push(c),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Graph {
        let mut g = Graph::new();
        let s = Term::iri("http://example.org/dataset/1");
        g.typ(&s, "dcat:Dataset");
        g.add(
            &s,
            "dct:title",
            Term::lang("Бюджет \"міста\" \\ <&>\n2024", "uk"),
        );
        g.add(&s, "dct:title", Term::lang("Budget", "en"));
        let b = g.blank();
        g.add(&s, "dct:temporal", b.clone());
        g.typ(&b, "dct:PeriodOfTime");
        g.add(&b, "dcat:startDate", Term::typed("2024-01-01", "xsd:date"));
        g.add(
            &s,
            "dcat:landingPage",
            Term::iri("http://example.org/a b<c>"),
        );
        g
    }

    #[test]
    fn turtle_escapes() {
        let ttl = sample().to_turtle();
        assert!(ttl.contains("a dcat:Dataset"), "{ttl}");
        assert!(
            ttl.contains(r#""Бюджет \"міста\" \\ <&>\n2024"@uk, "Budget"@en"#),
            "{ttl}"
        );
        assert!(ttl.contains("<http://example.org/a%20b%3Cc%3E>"), "{ttl}");
        assert!(ttl.contains("\"2024-01-01\"^^xsd:date"), "{ttl}");
    }

    #[test]
    fn rdfxml_escapes() {
        let xml = sample().to_rdfxml();
        assert!(
            xml.contains("<dct:title xml:lang=\"uk\">Бюджет &quot;міста&quot; \\ &lt;&amp;&gt;\n2024</dct:title>"),
            "{xml}"
        );
        assert!(xml.contains("rdf:nodeID=\"b1\""), "{xml}");
        assert!(xml.contains(
            "rdf:datatype=\"http://www.w3.org/2001/XMLSchema#date\">2024-01-01</dcat:startDate>"
        ));
    }

    #[test]
    fn jsonld_shape() {
        let v = sample().to_jsonld();
        let node = &v["@graph"][0];
        assert_eq!(node["@id"], "http://example.org/dataset/1");
        assert_eq!(node["@type"][0], "http://www.w3.org/ns/dcat#Dataset");
        assert_eq!(node["dct:title"][1]["@language"], "en");
        assert_eq!(node["dct:temporal"][0]["@id"], "_:b1");
        assert_eq!(v["@context"]["dct"], "http://purl.org/dc/terms/");
    }

    #[test]
    fn control_characters_dropped() {
        assert_eq!(clean_text("a\u{1}b\u{b}c\td"), "abc\td");
        assert_eq!(safe_iri(" http://x/ä b "), "http://x/ä%20b");
    }
}
