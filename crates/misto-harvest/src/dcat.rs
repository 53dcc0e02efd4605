//! A DCAT catalogue as a source: Turtle, RDF/XML or JSON-LD (chosen by the
//! answer's media type, else by the URL's extension), parsed with oxrdfio;
//! pages followed by `hydra:next`. Each `dcat:Dataset` becomes a CKAN-shaped
//! package dict, so that it is imported by the same rules as a CKAN record.

use std::collections::HashSet;

use oxrdf::{Graph, NamedNodeRef, NamedOrBlankNodeRef, TermRef};
use oxrdfio::{RdfFormat, RdfParser};
use serde_json::{Value, json};

use crate::HarvestError;
use crate::http::Http;
use misto_actions::harvest::RemotePublisher;
use misto_core::UpdateFrequency;

const DCAT: &str = "http://www.w3.org/ns/dcat#";
const DCT: &str = "http://purl.org/dc/terms/";
const FOAF: &str = "http://xmlns.com/foaf/0.1/";
const VCARD: &str = "http://www.w3.org/2006/vcard/ns#";
const HYDRA: &str = "http://www.w3.org/ns/hydra/core#";
const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const SKOS_NOTATION: &str = "http://www.w3.org/2004/02/skos/core#notation";
const EU_FREQ: &str = "http://publications.europa.eu/resource/authority/frequency/";
const EU_THEME: &str = "http://publications.europa.eu/resource/authority/data-theme/";
const IANA: &str = "http://www.iana.org/assignments/media-types/";
const IANA_S: &str = "https://www.iana.org/assignments/media-types/";

/// The page after this one, if any.
pub struct DcatPage {
    pub datasets: Vec<RemoteDataset>,
    pub next: Option<String>,
}

/// One `dcat:Dataset` as a CKAN-shaped record.
pub struct RemoteDataset {
    pub package: Value,
    pub publisher: Option<RemotePublisher>,
}

/// The RDF format of a document.
pub fn format_of(url: &str, media_type: Option<&str>) -> Option<RdfFormat> {
    if let Some(f) = media_type
        .filter(|m| !matches!(*m, "text/plain" | "application/octet-stream"))
        .and_then(RdfFormat::from_media_type)
    {
        return Some(f);
    }
    if media_type == Some("application/json") {
        return Some(RdfFormat::JsonLd {
            profile: oxrdfio::JsonLdProfileSet::empty(),
        });
    }
    let path = url.split(['?', '#']).next().unwrap_or("");
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
    match ext.as_str() {
        "rdf" | "xml" | "owl" => Some(RdfFormat::RdfXml),
        "json" => Some(RdfFormat::JsonLd {
            profile: oxrdfio::JsonLdProfileSet::empty(),
        }),
        other => RdfFormat::from_extension(other),
    }
}

/// Parses one document into a graph (named graphs merged).
pub fn parse(body: &[u8], format: RdfFormat, base: &str) -> Result<Graph, HarvestError> {
    let parser = RdfParser::from_format(format);
    let parser = match parser.clone().with_base_iri(base) {
        Ok(p) => p,
        Err(_) => parser,
    };
    let mut g = Graph::new();
    for q in parser.for_slice(body) {
        let q = q.map_err(|e| HarvestError::Remote(format!("{base}: invalid RDF: {e}")))?;
        g.insert(oxrdf::TripleRef::new(
            q.subject.as_ref(),
            q.predicate.as_ref(),
            q.object.as_ref(),
        ));
    }
    Ok(g)
}

/// Fetches and reads one page of a catalogue.
pub async fn fetch_page(http: &Http, url: &str) -> Result<DcatPage, HarvestError> {
    let (body, media) = http
        .get(
            url,
            &[],
            "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.8",
        )
        .await?;
    let format = format_of(url, media.as_deref()).ok_or_else(|| {
        HarvestError::Remote(format!(
            "{url}: not an RDF document ({})",
            media.as_deref().unwrap_or("no media type")
        ))
    })?;
    let g = parse(&body, format, url)?;
    Ok(read_page(&g))
}

fn nn(iri: &str) -> NamedNodeRef<'_> {
    NamedNodeRef::new_unchecked(iri)
}

fn as_node(t: TermRef<'_>) -> Option<NamedOrBlankNodeRef<'_>> {
    match t {
        TermRef::NamedNode(n) => Some(n.into()),
        TermRef::BlankNode(b) => Some(b.into()),
        _ => None,
    }
}

struct View<'a> {
    g: &'a Graph,
}

impl<'a> View<'a> {
    fn objects(&self, s: NamedOrBlankNodeRef<'a>, p: &str) -> Vec<TermRef<'a>> {
        let p = nn(p);
        self.g.objects_for_subject_predicate(s, p).collect()
    }

    /// A literal in the wished language: `uk`, then no language, then any
    /// other than English (or English when `lang` is `en`).
    fn text(&self, s: NamedOrBlankNodeRef<'a>, p: &str, lang: &str) -> Option<String> {
        let lits: Vec<(Option<String>, String)> = self
            .objects(s, p)
            .into_iter()
            .filter_map(|t| match t {
                TermRef::Literal(l) => Some((
                    l.language().map(|x| x.to_ascii_lowercase()),
                    l.value().to_string(),
                )),
                _ => None,
            })
            .collect();
        let pick = |want: Option<&str>| {
            lits.iter()
                .find(|(l, _)| l.as_deref() == want)
                .map(|(_, v)| v.clone())
        };
        if lang == "en" {
            return pick(Some("en"));
        }
        pick(Some("uk"))
            .or_else(|| pick(None))
            .or_else(|| {
                lits.iter()
                    .find(|(l, _)| l.as_deref() != Some("en"))
                    .map(|(_, v)| v.clone())
            })
            .or_else(|| lits.first().map(|(_, v)| v.clone()))
    }

    fn iri(&self, s: NamedOrBlankNodeRef<'a>, p: &str) -> Option<String> {
        self.objects(s, p).into_iter().find_map(|t| match t {
            TermRef::NamedNode(n) => Some(n.as_str().to_string()),
            TermRef::Literal(l) => Some(l.value().to_string()),
            _ => None,
        })
    }

    fn node(&self, s: NamedOrBlankNodeRef<'a>, p: &str) -> Option<NamedOrBlankNodeRef<'a>> {
        self.objects(s, p).into_iter().find_map(as_node)
    }

    fn nodes(&self, s: NamedOrBlankNodeRef<'a>, p: &str) -> Vec<NamedOrBlankNodeRef<'a>> {
        self.objects(s, p).into_iter().filter_map(as_node).collect()
    }
}

fn mailto(s: &str) -> String {
    s.trim().trim_start_matches("mailto:").to_string()
}

fn date_only(s: &str) -> String {
    s.trim().chars().take(10).collect()
}

fn frequency_of(iri: &str) -> Option<&'static str> {
    let code = iri.strip_prefix(EU_FREQ)?;
    UpdateFrequency::ALL
        .iter()
        .find(|f| misto_interop::dcat::eu_frequency(**f) == code)
        .map(|f| f.as_str())
}

/// National themes whose EU themes are all among the dataset's.
fn themes_of(eu: &[String]) -> Vec<String> {
    misto_core::themes::NATIONAL_THEMES
        .iter()
        .map(|(slug, _, _)| *slug)
        .filter(|slug| {
            let codes = misto_interop::dcat::eu_themes(slug);
            !codes.is_empty() && codes.iter().all(|c| eu.iter().any(|e| e == c))
        })
        .map(str::to_string)
        .collect()
}

fn publisher_of(v: &View<'_>, node: NamedOrBlankNodeRef<'_>) -> Option<RemotePublisher> {
    let title = v.text(node, &format!("{FOAF}name"), "uk");
    let name_from_iri = match node {
        NamedOrBlankNodeRef::NamedNode(n) => n
            .as_str()
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .map(str::to_string),
        NamedOrBlankNodeRef::BlankNode(_) => None,
    };
    let name = title
        .as_deref()
        .map(misto_core::names::slugify)
        .filter(|s| misto_core::names::is_valid_name(s))
        .or(name_from_iri)?;
    let code = v
        .text(node, &format!("{DCT}identifier"), "uk")
        .filter(|c| misto_core::codes::edrpou_is_valid(c.trim()));
    Some(RemotePublisher {
        name,
        title,
        description: None,
        edrpou: code,
        email: v.iri(node, &format!("{FOAF}mbox")).map(|m| mailto(&m)),
        website: v.iri(node, &format!("{FOAF}homepage")),
    })
}

fn distribution(v: &View<'_>, node: NamedOrBlankNodeRef<'_>) -> Value {
    let url = v
        .iri(node, &format!("{DCAT}downloadURL"))
        .or_else(|| v.iri(node, &format!("{DCAT}accessURL")))
        .unwrap_or_default();
    let format = v
        .iri(node, &format!("{DCT}format"))
        .map(|f| {
            f.trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or("")
                .replace('_', "-")
        })
        .unwrap_or_default();
    let mimetype = v.iri(node, &format!("{DCAT}mediaType")).map(|m| {
        m.strip_prefix(IANA)
            .or_else(|| m.strip_prefix(IANA_S))
            .unwrap_or(&m)
            .to_string()
    });
    let size = v
        .text(node, &format!("{DCAT}byteSize"), "uk")
        .and_then(|s| s.trim().parse::<f64>().ok())
        .map(|f| f as i64);
    let license_url = v.iri(node, &format!("{DCT}license"));
    json!({
        "name": v.text(node, &format!("{DCT}title"), "uk").unwrap_or_default(),
        "description": v.text(node, &format!("{DCT}description"), "uk").unwrap_or_default(),
        "url": url,
        "format": format,
        "mimetype": mimetype,
        "size": size,
        "last_modified": v.text(node, &format!("{DCT}modified"), "uk"),
        "__license_url": license_url,
    })
}

/// The datasets of one page and the link to the next.
pub fn read_page(g: &Graph) -> DcatPage {
    let v = View { g };
    let dataset_class = nn("http://www.w3.org/ns/dcat#Dataset");
    let subjects: Vec<NamedOrBlankNodeRef<'_>> = g
        .subjects_for_predicate_object(nn(RDF_TYPE), dataset_class)
        .collect();
    let mut datasets = Vec::new();
    for s in subjects {
        let guid = match s {
            NamedOrBlankNodeRef::NamedNode(n) => n.as_str().to_string(),
            NamedOrBlankNodeRef::BlankNode(_) => {
                match v.text(s, &format!("{DCT}identifier"), "uk") {
                    Some(id) => id,
                    None => continue,
                }
            }
        };
        let identifier = v.text(s, &format!("{DCT}identifier"), "uk");
        let title = v.text(s, &format!("{DCT}title"), "uk").unwrap_or_default();
        // The URL name: the last segment of the landing page (misto and
        // CKAN put the dataset's name there), else of the dataset IRI, else
        // the transliterated title.
        let segment = |iri: &str| -> Option<String> {
            let path = iri.split(['?', '#']).next().unwrap_or("");
            let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
            misto_core::names::is_valid_name(last).then(|| last.to_string())
        };
        let iri_segment = match s {
            NamedOrBlankNodeRef::NamedNode(n) => segment(n.as_str()),
            NamedOrBlankNodeRef::BlankNode(_) => None,
        };
        let name = v
            .iri(s, &format!("{DCAT}landingPage"))
            .and_then(|l| segment(&l))
            .or(iri_segment)
            .unwrap_or_else(|| misto_core::names::slugify(&title));
        let keywords: Vec<Value> = {
            let all: Vec<(Option<String>, String)> = v
                .objects(s, &format!("{DCAT}keyword"))
                .into_iter()
                .filter_map(|t| match t {
                    TermRef::Literal(l) => {
                        Some((l.language().map(str::to_string), l.value().to_string()))
                    }
                    _ => None,
                })
                .collect();
            let non_en: Vec<&String> = all
                .iter()
                .filter(|(l, _)| l.as_deref() != Some("en"))
                .map(|(_, t)| t)
                .collect();
            let chosen: Vec<&String> = if non_en.is_empty() {
                all.iter().map(|(_, t)| t).collect()
            } else {
                non_en
            };
            // A graph has no order: sort, so that an unchanged dataset reads
            // the same whatever else the page holds.
            let mut chosen: Vec<&String> = chosen;
            chosen.sort();
            chosen.dedup();
            chosen.into_iter().map(|t| json!({"name": t})).collect()
        };
        let mut eu_themes: Vec<String> = v
            .objects(s, &format!("{DCAT}theme"))
            .into_iter()
            .filter_map(|t| match t {
                TermRef::NamedNode(n) => n.as_str().strip_prefix(EU_THEME).map(str::to_string),
                _ => None,
            })
            .collect();
        eu_themes.sort();
        let contact = v.node(s, &format!("{DCAT}contactPoint"));
        let (maintainer, maintainer_email) = match contact {
            Some(c) => (
                v.text(c, &format!("{VCARD}fn"), "uk"),
                v.iri(c, &format!("{VCARD}hasEmail")).map(|m| mailto(&m)),
            ),
            None => (None, None),
        };
        let creator = v.node(s, &format!("{DCT}creator"));
        let (author, author_email) = match creator {
            Some(c) => (
                v.text(c, &format!("{FOAF}name"), "uk"),
                v.iri(c, &format!("{FOAF}mbox")).map(|m| mailto(&m)),
            ),
            None => (None, None),
        };
        let temporal = v.node(s, &format!("{DCT}temporal"));
        let (start, end) = match temporal {
            Some(t) => (
                v.text(t, &format!("{DCAT}startDate"), "uk")
                    .map(|d| date_only(&d)),
                v.text(t, &format!("{DCAT}endDate"), "uk")
                    .map(|d| date_only(&d)),
            ),
            None => (None, None),
        };
        let katottg = v.node(s, &format!("{DCT}spatial")).and_then(|n| {
            v.text(n, SKOS_NOTATION, "uk")
                .or_else(|| v.text(n, &format!("{DCT}identifier"), "uk"))
        });
        let purpose = v
            .node(s, &format!("{DCT}provenance"))
            .and_then(|n| v.text(n, "http://www.w3.org/2000/01/rdf-schema#label", "uk"));
        let mut resources: Vec<Value> = v
            .nodes(s, &format!("{DCAT}distribution"))
            .into_iter()
            .map(|d| distribution(&v, d))
            .collect();
        let license_url = v.iri(s, &format!("{DCT}license")).or_else(|| {
            resources
                .iter()
                .find_map(|r| r["__license_url"].as_str().map(str::to_string))
        });
        for r in &mut resources {
            if let Value::Object(m) = r {
                m.remove("__license_url");
            }
        }
        resources.sort_by_key(|r| (r["url"].to_string(), r["name"].to_string()));
        let language = v.iri(s, &format!("{DCT}language")).and_then(|l| {
            match l.rsplit('/').next().unwrap_or("") {
                "UKR" => Some("ua"),
                "ENG" => Some("en"),
                "RUS" => Some("ru"),
                "POL" => Some("pl"),
                _ => None,
            }
        });
        let landing = v.iri(s, &format!("{DCAT}landingPage")).or_else(|| match s {
            NamedOrBlankNodeRef::NamedNode(n) if n.as_str().starts_with("http") => {
                Some(n.as_str().to_string())
            }
            _ => None,
        });
        let package = json!({
            "id": guid,
            "name": name,
            "title": title,
            "title_en": v.text(s, &format!("{DCT}title"), "en"),
            "notes": v.text(s, &format!("{DCT}description"), "uk").unwrap_or_default(),
            "notes_en": v.text(s, &format!("{DCT}description"), "en"),
            "metadata_modified": v.text(s, &format!("{DCT}modified"), "uk"),
            "license_id": "",
            "license_url": license_url,
            "url": landing,
            "version": v.text(s, &format!("{DCAT}version"), "uk"),
            "maintainer": maintainer,
            "maintainer_email": maintainer_email,
            "author": author,
            "author_email": author_email,
            "tags": keywords,
            "groups": themes_of(&eu_themes).into_iter().map(|n| json!({"name": n})).collect::<Vec<_>>(),
            "update_frequency": v.iri(s, &format!("{DCT}accrualPeriodicity")).as_deref().and_then(frequency_of),
            "language": language,
            "purpose_of_collecting_information": purpose,
            "resolution_835_item": v.text(s, &format!("{DCT}subject"), "uk"),
            "spatial_katottg": katottg,
            "temporal_start": start,
            "temporal_end": end,
            "extras": identifier.filter(|i| *i != guid).map(|i| vec![json!({"key": "identifier", "value": i})]).unwrap_or_default(),
            "resources": resources,
        });
        let publisher = v
            .node(s, &format!("{DCT}publisher"))
            .and_then(|p| publisher_of(&v, p));
        datasets.push(RemoteDataset { package, publisher });
    }
    // hydra:next (ckanext-dcat also writes the older hydra:nextPage).
    let mut next: Option<String> = None;
    for p in [format!("{HYDRA}next"), format!("{HYDRA}nextPage")] {
        if next.is_some() {
            break;
        }
        next = g
            .triples_for_predicate(nn(&p))
            .find_map(|t| match t.object {
                TermRef::NamedNode(n) => Some(n.as_str().to_string()),
                TermRef::Literal(l) => Some(l.value().to_string()),
                _ => None,
            });
    }
    DcatPage { datasets, next }
}

/// Follows a catalogue's pages, refusing loops.
pub struct Pager {
    next: Option<String>,
    seen: HashSet<String>,
}

impl Pager {
    pub fn new(first: &str) -> Self {
        Self {
            next: Some(first.to_string()),
            seen: HashSet::new(),
        }
    }

    /// The next page, or `None` after the last.
    pub async fn next_page(&mut self, http: &Http) -> Result<Option<DcatPage>, HarvestError> {
        let Some(url) = self.next.take() else {
            return Ok(None);
        };
        if !self.seen.insert(url.clone()) {
            return Err(HarvestError::Remote(format!(
                "{url}: hydra:next leads back to a page already read"
            )));
        }
        let page = fetch_page(http, &url).await?;
        self.next = page.next.clone();
        Ok(Some(page))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: &str = r#"
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
<http://r/catalog.ttl?page=1> a hydra:PartialCollectionView ; hydra:next <http://r/catalog.ttl?page=2> .
<http://r/dataset/biudzhet-2024> a dcat:Dataset ;
  dct:identifier "b1" ;
  dct:title "Бюджет міста 2024"@uk, "City budget 2024"@en ;
  dct:description "Доходи і видатки"@uk ;
  dcat:keyword "бюджет"@uk, "budget"@en ;
  dct:modified "2024-05-01T09:00:00Z" ;
  dct:accrualPeriodicity <http://publications.europa.eu/resource/authority/frequency/ANNUAL> ;
  dcat:theme <http://publications.europa.eu/resource/authority/data-theme/ECON> ;
  dct:publisher [ a foaf:Agent ; foaf:name "Фінансове управління"@uk ] ;
  dcat:contactPoint [ vcard:fn "Олена" ; vcard:hasEmail <mailto:olena@example.org> ] ;
  dcat:distribution [ a dcat:Distribution ; dct:title "CSV"@uk ;
     dcat:downloadURL <http://r/files/b.csv> ;
     dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> ;
     dcat:mediaType <http://www.iana.org/assignments/media-types/text/csv> ;
     dcat:byteSize "1024" ;
     dct:license <https://creativecommons.org/licenses/by/4.0/> ] .
"#;

    #[test]
    fn turtle_datasets_become_packages() {
        let g = parse(TTL.as_bytes(), RdfFormat::Turtle, "http://r/catalog.ttl").unwrap();
        let page = read_page(&g);
        assert_eq!(page.next.as_deref(), Some("http://r/catalog.ttl?page=2"));
        assert_eq!(page.datasets.len(), 1);
        let p = &page.datasets[0].package;
        assert_eq!(p["id"], "http://r/dataset/biudzhet-2024");
        assert_eq!(p["name"], "biudzhet-2024");
        assert_eq!(p["title"], "Бюджет міста 2024");
        assert_eq!(p["title_en"], "City budget 2024");
        assert_eq!(p["tags"], json!([{"name": "бюджет"}]));
        assert_eq!(p["update_frequency"], UpdateFrequency::OnceAYear.as_str());
        assert_eq!(p["maintainer_email"], "olena@example.org");
        assert_eq!(
            p["license_url"],
            "https://creativecommons.org/licenses/by/4.0/"
        );
        assert!(
            p["groups"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g["name"] == "ekonomika")
        );
        let r = &p["resources"][0];
        assert_eq!(
            (r["url"].as_str(), r["format"].as_str(), r["size"].as_i64()),
            (Some("http://r/files/b.csv"), Some("CSV"), Some(1024))
        );
        assert_eq!(r["mimetype"], "text/csv");
        let publ = page.datasets[0].publisher.as_ref().unwrap();
        assert_eq!(publ.title.as_deref(), Some("Фінансове управління"));
    }

    #[test]
    fn formats_by_media_type_or_extension() {
        assert_eq!(
            format_of("http://x/c", Some("text/turtle")),
            Some(RdfFormat::Turtle)
        );
        assert_eq!(
            format_of("http://x/catalog.rdf?page=2", None),
            Some(RdfFormat::RdfXml)
        );
        assert!(matches!(
            format_of("http://x/catalog.jsonld", Some("application/octet-stream")),
            Some(RdfFormat::JsonLd { .. })
        ));
        assert_eq!(format_of("http://x/c", Some("text/html")), None);
    }
}
