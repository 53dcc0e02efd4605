//! The DCAT-AP 3 mapping of the catalog: datasets with their passports,
//! publishers, contact points and distributions, the EU vocabularies for
//! themes, frequencies, languages and file types, and ckanext-dcat's hydra
//! paging. docs/dcat.md documents the mapping field by field.

use chrono::SecondsFormat;
use misto_core::license;
use misto_core::{Dataset, Publisher, Resource, Timestamp, UpdateFrequency};

use crate::rdf::{Graph, Term};

pub const EU: &str = "http://publications.europa.eu/resource/authority";
const IANA: &str = "https://www.iana.org/assignments/media-types";

/// Datasets per catalog page, as ckanext-dcat.
pub const PER_PAGE: usize = 100;

/// The EU data themes of a national theme (by slug).
pub fn eu_themes(slug: &str) -> &'static [&'static str] {
    match slug {
        "derzhava" => &["GOVE"],
        "podatky" => &["GOVE", "ECON"],
        "ekonomika" | "finansy" => &["ECON"],
        "energetyka" => &["ENER"],
        "transport" => &["TRAN"],
        "ekolohiia" => &["ENVI"],
        "molod-i-sport" => &["EDUC"],
        "okhorona-zdorovia" => &["HEAL"],
        "rehionalnyi-rozvytok" => &["REGI"],
        "sotsialnyi-zakhyst" => &["SOCI"],
        "iustytsiia" => &["JUST"],
        _ => &[],
    }
}

fn eu_theme_label(code: &str) -> &'static str {
    match code {
        "AGRI" => "Agriculture, fisheries, forestry and food",
        "ECON" => "Economy and finance",
        "EDUC" => "Education, culture and sport",
        "ENER" => "Energy",
        "ENVI" => "Environment",
        "GOVE" => "Government and public sector",
        "HEAL" => "Health",
        "INTR" => "International issues",
        "JUST" => "Justice, legal system and public safety",
        "REGI" => "Regions and cities",
        "SOCI" => "Population and society",
        "TECH" => "Science and technology",
        "TRAN" => "Transport",
        _ => "Provisional data",
    }
}

/// The EU frequency code of a national update frequency.
pub fn eu_frequency(f: UpdateFrequency) -> &'static str {
    match f {
        UpdateFrequency::MoreThanOnceADay => "CONT",
        UpdateFrequency::OnceADay => "DAILY",
        UpdateFrequency::OnceAWeek => "WEEKLY",
        UpdateFrequency::OnceAMonth => "MONTHLY",
        UpdateFrequency::OnceAQuarter => "QUARTERLY",
        UpdateFrequency::OnceAHalfYear => "BIANNUAL",
        UpdateFrequency::OnceAYear => "ANNUAL",
        UpdateFrequency::ImmediatelyAfterMakingChanges => "IRREG",
        UpdateFrequency::NoLongerUpdated => "NEVER",
    }
}

/// EU language codes of the dataset's `language` (data.gov.ua codes such
/// as `ua`, `en`, possibly several separated by commas).
pub fn eu_languages(language: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    for code in language.split([',', ';', ' ']) {
        let eu = match code.trim().to_ascii_lowercase().as_str() {
            "ua" | "uk" | "ukr" => "UKR",
            "en" | "eng" => "ENG",
            "ru" | "rus" => "RUS",
            "pl" | "pol" => "POL",
            "de" | "deu" => "DEU",
            "fr" | "fra" => "FRA",
            "crh" => "CRH",
            _ => continue,
        };
        if !out.contains(&eu) {
            out.push(eu);
        }
    }
    out
}

/// The EU file type of a CKAN format label.
pub fn eu_file_type(format: &str) -> Option<&'static str> {
    Some(match format.trim().to_ascii_uppercase().as_str() {
        "CSV" => "CSV",
        "TSV" => "TSV",
        "JSON" => "JSON",
        "GEOJSON" => "GEOJSON",
        "JSON-LD" | "JSONLD" => "JSON_LD",
        "XML" => "XML",
        "XLSX" => "XLSX",
        "XLS" => "XLS",
        "ODS" => "ODS",
        "PDF" => "PDF",
        "DOC" => "DOC",
        "DOCX" => "DOCX",
        "ODT" => "ODT",
        "TXT" => "TXT",
        "HTML" | "HTM" => "HTML",
        "SVG" => "SVG",
        "ZIP" => "ZIP",
        "7Z" => "7Z",
        "RAR" => "RAR",
        "PNG" => "PNG",
        "JPEG" | "JPG" => "JPEG",
        "PARQUET" => "PARQUET",
        "RDF" | "RDF/XML" => "RDF_XML",
        "TTL" | "TURTLE" => "RDF_TURTLE",
        "SHP" => "SHP",
        "KML" => "KML",
        "GML" => "GML",
        _ => return None,
    })
}

/// The media type of a resource: its own, else the one of its format.
pub fn media_type(r: &Resource) -> Option<String> {
    let m = r
        .mimetype
        .as_deref()
        .filter(|m| !m.trim().is_empty())
        .or_else(|| misto_core::formats::media_type_of_format(&r.format))?;
    let m = m
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let ok = m.split_once('/').is_some_and(|(a, b)| {
        !a.is_empty()
            && !b.is_empty()
            && m.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '+' | '-' | '_'))
    });
    ok.then_some(m)
}

pub fn datetime(ts: &Timestamp) -> Term {
    Term::typed(
        &ts.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        "xsd:dateTime",
    )
}

/// The public URL of a resource's data: the download route for uploads,
/// the link itself otherwise.
pub fn resource_url(site: &str, d: &Dataset, r: &Resource) -> String {
    if r.is_upload() {
        misto_ckan_api::dictize::download_url(site, d, r)
    } else {
        r.url.clone()
    }
}

fn is_absolute_url(u: &str) -> bool {
    let u = u.trim();
    u.starts_with("http://") || u.starts_with("https://") || u.starts_with("ftp://")
}

pub fn dataset_uri(site: &str, d: &Dataset) -> String {
    format!("{site}/dataset/{}", d.id)
}

/// The agent that publishes the catalog itself (the portal's council).
pub fn catalog_publisher_uri(site: &str) -> String {
    format!("{site}/catalog#publisher")
}

pub fn publisher_uri(site: &str, p: &Publisher) -> String {
    format!("{site}/organization/{}", p.id)
}

/// The council's territory from the site settings: the spatial coverage
/// of datasets that name no KATOTTG code of their own, and the name and
/// centre of that code.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Territory {
    /// KATOTTG code; empty when not set.
    pub katottg: String,
    /// Place name; empty when not set.
    pub name: String,
    /// Centre as (longitude, latitude), WGS 84.
    pub centre: Option<(f64, f64)>,
}

impl Territory {
    pub fn from_settings(s: &misto_core::settings::SiteSettings) -> Territory {
        Territory {
            katottg: s.katottg.trim().to_ascii_uppercase(),
            name: s.place_name.trim().to_string(),
            centre: s.centre(),
        }
    }

    /// The KATOTTG code a dataset covers: its own (`spatial_katottg`),
    /// else the territory's.
    pub fn code_of<'a>(&'a self, own: Option<&'a str>) -> Option<&'a str> {
        own.map(str::trim)
            .filter(|s| !s.is_empty())
            .or_else(|| Some(self.katottg.as_str()).filter(|s| !s.is_empty()))
    }

    /// The place name of a code: the territory's name for its own code,
    /// else the code itself (misto knows no other names).
    pub fn name_of<'a>(&'a self, code: &'a str) -> &'a str {
        if code.eq_ignore_ascii_case(&self.katottg) && !self.name.is_empty() {
            &self.name
        } else {
            code
        }
    }

    /// The centre of a code, when it is the territory's and has one.
    pub fn centre_of(&self, code: &str) -> Option<(f64, f64)> {
        self.centre
            .filter(|_| code.eq_ignore_ascii_case(&self.katottg))
    }
}

/// A point as a WKT literal (`POINT(lon lat)`).
pub fn wkt_point((lon, lat): (f64, f64)) -> String {
    format!("POINT({lon} {lat})")
}

/// What the mapping needs besides the dataset.
pub struct Context<'a> {
    pub site: &'a str,
    pub publisher: Option<&'a Publisher>,
    /// Slugs of the dataset's themes.
    pub theme_slugs: Vec<String>,
    pub territory: &'a Territory,
}

/// The title CKAN's default licence register gives a licence, which is
/// what ckanext-dcat matches a `dct:LicenseDocument`'s `dct:title` against
/// when its IRI is not in the register (`_license`): misto's licences
/// carry CKAN's own titles, and CC BY 4.0, which the register lacks, is
/// CKAN's "Creative Commons Attribution" (`cc-by`), as on data.gov.ua.
/// `None` for "not specified": no licence is stated.
pub fn ckan_licence_title(l: &license::License) -> Option<&'static str> {
    match l.id {
        "notspecified" => None,
        "cc-by-4.0" => Some("Creative Commons Attribution"),
        _ => Some(l.title),
    }
}

/// The licence document of a dataset: its IRI (a blank node for CKAN's
/// "Other (…)" licences, which have none) titled as CKAN's register titles
/// it; `None` when no licence is stated.
fn licence_document(g: &mut Graph, vocab: &mut Vocab, d: &Dataset) -> Option<Term> {
    let l = license::find(&d.license_id)?;
    let title = ckan_licence_title(l)?;
    if l.url.is_empty() {
        let t = g.blank();
        g.typ(&t, "dct:LicenseDocument");
        g.add(&t, "dct:title", Term::plain(title));
        return Some(t);
    }
    let t = Term::iri(l.url);
    if vocab.first(l.url) {
        g.typ(&t, "dct:LicenseDocument");
        g.add(&t, "dct:title", Term::plain(title));
    }
    Some(t)
}

/// `skos:inScheme` of a term of an EU authority table or of the ADMS
/// publisher types.
fn in_scheme(g: &mut Graph, t: &Term, iri: &str) {
    let scheme = if iri.starts_with(EU) {
        iri.rsplit_once('/').map(|(s, _)| s.to_string())
    } else if iri.starts_with("http://purl.org/adms/publishertype/") {
        Some("http://purl.org/adms/publishertype/1.0".to_string())
    } else {
        None
    };
    if let Some(s) = scheme {
        g.add(t, "skos:inScheme", Term::iri(&s));
    }
}

/// Adds the typing triples of vocabulary terms once per graph.
#[derive(Default)]
pub struct Vocab {
    seen: std::collections::HashSet<String>,
}

impl Vocab {
    fn first(&mut self, iri: &str) -> bool {
        self.seen.insert(iri.to_string())
    }

    /// A term of a controlled vocabulary, typed `class` and `skos:Concept`,
    /// labelled with `skos:prefLabel`. Never `rdfs:label`: ckanext-dcat
    /// stores an object's `rdfs:label` instead of its IRI (`_object_value`),
    /// so a labelled frequency would arrive as "Once a year".
    fn concept(&mut self, g: &mut Graph, iri: &str, class: &str, label: &str) -> Term {
        let t = Term::iri(iri);
        if self.first(iri) {
            g.typ(&t, class);
            if class != "skos:Concept" {
                g.typ(&t, "skos:Concept");
            }
            in_scheme(g, &t, iri);
            if !label.is_empty() {
                g.add(&t, "skos:prefLabel", Term::lang(label, "en"));
            }
        }
        t
    }

    fn typed(&mut self, g: &mut Graph, iri: &str, class: &str) -> Term {
        let t = Term::iri(iri);
        if self.first(iri) {
            g.typ(&t, class);
            in_scheme(g, &t, iri);
        }
        t
    }

    pub fn language(&mut self, g: &mut Graph, code: &str) -> Term {
        self.typed(g, &format!("{EU}/language/{code}"), "dct:LinguisticSystem")
    }

    pub fn document(&mut self, g: &mut Graph, iri: &str) -> Term {
        self.typed(g, iri, "foaf:Document")
    }

    pub fn theme_scheme(&mut self, g: &mut Graph) -> Term {
        let iri = format!("{EU}/data-theme");
        let t = Term::iri(&iri);
        if self.first(&iri) {
            g.typ(&t, "skos:ConceptScheme");
            g.add(&t, "dct:title", Term::lang("Data theme", "en"));
        }
        t
    }

    /// The publisher as a foaf:Agent (once per graph).
    pub fn publisher(&mut self, g: &mut Graph, site: &str, p: &Publisher) -> Term {
        let iri = publisher_uri(site, p);
        let t = Term::iri(&iri);
        if !self.first(&iri) {
            return t;
        }
        g.typ(&t, "foaf:Agent");
        g.typ(&t, "foaf:Organization");
        g.add(&t, "foaf:name", Term::lang(&p.title, "uk"));
        if let Some(en) = p.title_en.as_deref().filter(|s| !s.trim().is_empty()) {
            g.add(&t, "foaf:name", Term::lang(en, "en"));
        }
        let kind = self.concept(
            g,
            "http://purl.org/adms/publishertype/LocalAuthority",
            "skos:Concept",
            "Local Authority",
        );
        g.add(&t, "dct:type", kind);
        if let Some(code) = p.edrpou.as_deref().filter(|s| !s.is_empty()) {
            g.add(&t, "dct:identifier", Term::plain(code));
            // An IRI, not a blank node, so pages merged by a harvester
            // give the publisher one identifier, not one per page.
            let id = Term::iri(&format!("{iri}#edrpou"));
            g.add(&t, "adms:identifier", id.clone());
            g.typ(&id, "adms:Identifier");
            g.add(&id, "skos:notation", Term::plain(code));
            g.add(
                &id,
                "adms:schemaAgency",
                Term::lang(
                    "Єдиний державний реєстр підприємств та організацій України (ЄДРПОУ)",
                    "uk",
                ),
            );
        }
        if let Some(e) = p.email.as_deref().filter(|s| s.contains('@')) {
            g.add(&t, "foaf:mbox", Term::iri(&format!("mailto:{}", e.trim())));
        }
        if let Some(w) = p.website.as_deref().filter(|w| is_absolute_url(w)) {
            let doc = self.document(g, w);
            g.add(&t, "foaf:homepage", doc);
        }
        t
    }
}

/// Adds one dataset (and what it points at) to `g`; returns its node.
pub fn add_dataset(g: &mut Graph, vocab: &mut Vocab, cx: &Context, d: &Dataset) -> Term {
    let site = cx.site;
    let ds = Term::iri(&dataset_uri(site, d));
    g.typ(&ds, "dcat:Dataset");
    // Passport 1–3.
    g.add(&ds, "dct:identifier", Term::plain(&d.id));
    g.add(&ds, "dct:title", Term::lang(&d.title, "uk"));
    if let Some(en) = d.title_en.as_deref().filter(|s| !s.trim().is_empty()) {
        g.add(&ds, "dct:title", Term::lang(en, "en"));
    }
    let notes = if d.notes.trim().is_empty() {
        &d.title
    } else {
        &d.notes
    };
    g.add(&ds, "dct:description", Term::lang(notes, "uk"));
    if let Some(en) = d.notes_en.as_deref().filter(|s| !s.trim().is_empty()) {
        g.add(&ds, "dct:description", Term::lang(en, "en"));
    }
    // Passport 4.
    for code in eu_languages(&d.language) {
        let l = vocab.language(g, code);
        g.add(&ds, "dct:language", l);
    }
    // Passport 7–8.
    g.add(&ds, "dct:issued", datetime(&d.metadata_created));
    g.add(&ds, "dct:modified", datetime(&d.metadata_modified));
    // Passport 10.
    if let Some(f) = d.update_frequency {
        let iri = format!("{EU}/frequency/{}", eu_frequency(f));
        let t = vocab.concept(g, &iri, "dct:Frequency", f.label_en());
        g.add(&ds, "dct:accrualPeriodicity", t);
    }
    // Passport 11.
    for tag in &d.tags {
        g.add(&ds, "dcat:keyword", Term::lang(tag, "uk"));
    }
    // Themes.
    let mut codes: Vec<&str> = Vec::new();
    for slug in &cx.theme_slugs {
        for code in eu_themes(slug) {
            if !codes.contains(code) {
                codes.push(code);
            }
        }
    }
    for code in codes {
        let iri = format!("{EU}/data-theme/{code}");
        let t = vocab.concept(g, &iri, "skos:Concept", eu_theme_label(code));
        g.add(&ds, "dcat:theme", t);
    }
    // Publisher.
    if let Some(p) = cx.publisher {
        let agent = vocab.publisher(g, site, p);
        g.add(&ds, "dct:publisher", agent);
    }
    // Passport 14: the responsible person.
    let contact_name = d
        .maintainer
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| cx.publisher.map(|p| p.title.as_str()));
    let contact_email = d
        .maintainer_email
        .as_deref()
        .filter(|s| s.contains('@'))
        .or_else(|| {
            cx.publisher
                .and_then(|p| p.email.as_deref())
                .filter(|s| s.contains('@'))
        });
    if contact_name.is_some() || contact_email.is_some() {
        let c = g.blank();
        g.add(&ds, "dcat:contactPoint", c.clone());
        g.typ(&c, "vcard:Kind");
        if let Some(n) = contact_name {
            g.add(&c, "vcard:fn", Term::lang(n, "uk"));
        }
        if let Some(e) = contact_email {
            g.add(
                &c,
                "vcard:hasEmail",
                Term::iri(&format!("mailto:{}", e.trim())),
            );
        }
    }
    if let Some(a) = d.author.as_deref().filter(|s| !s.trim().is_empty()) {
        // One IRI per dataset's author: an agent is never a blank node.
        let c = Term::iri(&format!("{}#creator", dataset_uri(site, d)));
        g.add(&ds, "dct:creator", c.clone());
        g.typ(&c, "foaf:Agent");
        g.add(&c, "foaf:name", Term::lang(a, "uk"));
        if let Some(e) = d.author_email.as_deref().filter(|s| s.contains('@')) {
            g.add(&c, "foaf:mbox", Term::iri(&format!("mailto:{}", e.trim())));
        }
    }
    // Passport 15: basis and purpose of collection.
    if let Some(p) = d
        .purpose_of_collecting_information
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        let n = g.blank();
        g.add(&ds, "dct:provenance", n.clone());
        g.typ(&n, "dct:ProvenanceStatement");
        g.add(&n, "rdfs:label", Term::lang(p, "uk"));
    }
    if let Some(item) = d.resolution_835_item.as_deref().filter(|s| !s.is_empty()) {
        g.add(&ds, "dct:subject", Term::plain(item));
    }
    // Spatial (KATOTTG: the dataset's, else the council's territory) and
    // temporal coverage. One skos:prefLabel (ckanext-dcat keeps the last
    // label it meets as `spatial_text`), the centre as locn:geometry and
    // dcat:centroid WKT literals (ckanext-dcat turns them into GeoJSON).
    if let Some(code) = cx.territory.code_of(d.spatial_katottg.as_deref()) {
        let n = g.blank();
        g.add(&ds, "dct:spatial", n.clone());
        g.typ(&n, "dct:Location");
        g.add(&n, "dct:identifier", Term::plain(code));
        g.add(&n, "skos:notation", Term::plain(code));
        let name = cx.territory.name_of(code);
        let label = if name == code {
            Term::plain(code)
        } else {
            Term::lang(name, "uk")
        };
        g.add(&n, "skos:prefLabel", label);
        if let Some(centre) = cx.territory.centre_of(code) {
            let wkt = wkt_point(centre);
            g.add(&n, "locn:geometry", Term::typed(&wkt, "gsp:wktLiteral"));
            g.add(&n, "dcat:centroid", Term::typed(&wkt, "gsp:wktLiteral"));
        }
    }
    if d.temporal_start.is_some() || d.temporal_end.is_some() {
        let n = g.blank();
        g.add(&ds, "dct:temporal", n.clone());
        g.typ(&n, "dct:PeriodOfTime");
        if let Some(s) = d.temporal_start {
            g.add(
                &n,
                "dcat:startDate",
                Term::typed(&s.to_string(), "xsd:date"),
            );
        }
        if let Some(e) = d.temporal_end {
            g.add(&n, "dcat:endDate", Term::typed(&e.to_string(), "xsd:date"));
        }
    }
    if let Some(v) = d.version.as_deref().filter(|s| !s.trim().is_empty()) {
        g.add(&ds, "dcat:version", Term::plain(v));
    }
    // Landing page, source page, passport (12) and structure (13).
    let landing = vocab.document(g, &format!("{site}/dataset/{}", d.name));
    g.add(&ds, "dcat:landingPage", landing);
    if let Some(u) = d.url.as_deref().filter(|u| is_absolute_url(u)) {
        let doc = vocab.document(g, u);
        g.add(&ds, "foaf:page", doc);
    }
    let passport = vocab.document(g, &format!("{site}/dataset/{}/passport.json", d.id));
    g.add(&ds, "foaf:page", passport);
    let structure_iri = format!("{site}/dataset/{}/datapackage.json", d.id);
    let structure = Term::iri(&structure_iri);
    if vocab.first(&structure_iri) {
        g.typ(&structure, "dct:Standard");
        g.add(
            &structure,
            "dct:title",
            Term::lang("Структура набору даних (Frictionless Data Package)", "uk"),
        );
    }
    g.add(&ds, "dct:conformsTo", structure);
    // Passport 5, 6, 12: distributions. The licence is on each of them
    // (where DCAT-AP and ckanext-dcat look) and on the dataset.
    let lic = licence_document(g, vocab, d);
    if let Some(l) = &lic {
        g.add(&ds, "dct:license", l.clone());
    }
    for r in d.active_resources() {
        let dist = add_distribution(g, vocab, site, d, r, lic.as_ref());
        g.add(&ds, "dcat:distribution", dist);
    }
    ds
}

fn add_distribution(
    g: &mut Graph,
    vocab: &mut Vocab,
    site: &str,
    d: &Dataset,
    r: &Resource,
    lic: Option<&Term>,
) -> Term {
    let dist = Term::iri(&format!("{site}/dataset/{}/resource/{}", d.id, r.id));
    g.typ(&dist, "dcat:Distribution");
    g.add(&dist, "dct:identifier", Term::plain(&r.id));
    let title = if r.name.trim().is_empty() {
        &r.url
    } else {
        &r.name
    };
    g.add(&dist, "dct:title", Term::lang(title, "uk"));
    if !r.description.trim().is_empty() {
        g.add(&dist, "dct:description", Term::lang(&r.description, "uk"));
    }
    let url = resource_url(site, d, r);
    let access = if is_absolute_url(&url) {
        url.clone()
    } else {
        format!("{site}/dataset/{}/resource/{}", d.name, r.id)
    };
    g.add(&dist, "dcat:accessURL", Term::iri(&access));
    if r.is_upload() || (is_absolute_url(&url) && eu_file_type(&r.format).is_some()) {
        g.add(&dist, "dcat:downloadURL", Term::iri(&url));
    }
    if let Some(ft) = eu_file_type(&r.format) {
        let t = vocab.typed(g, &format!("{EU}/file-type/{ft}"), "dct:MediaTypeOrExtent");
        g.add(&dist, "dct:format", t);
    }
    if let Some(m) = media_type(r) {
        let t = vocab.typed(g, &format!("{IANA}/{m}"), "dct:MediaType");
        g.add(&dist, "dcat:mediaType", t);
    }
    if let Some(cf) = r
        .compress_format
        .as_deref()
        .and_then(misto_core::formats::media_type_of_format)
    {
        let t = vocab.typed(g, &format!("{IANA}/{cf}"), "dct:MediaType");
        g.add(&dist, "dcat:compressFormat", t);
    }
    if let Some(size) = r.size.filter(|s| *s >= 0) {
        g.add(
            &dist,
            "dcat:byteSize",
            Term::typed(&size.to_string(), "xsd:nonNegativeInteger"),
        );
    }
    if let Some(h) = r
        .hash
        .as_deref()
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        let c = g.blank();
        g.add(&dist, "spdx:checksum", c.clone());
        g.typ(&c, "spdx:Checksum");
        g.add(
            &c,
            "spdx:algorithm",
            Term::name("spdx:checksumAlgorithm_sha256"),
        );
        g.add(&c, "spdx:checksumValue", Term::typed(&h, "xsd:hexBinary"));
    }
    g.add(&dist, "dct:issued", datetime(&r.created));
    g.add(
        &dist,
        "dct:modified",
        datetime(&r.last_modified.unwrap_or(r.metadata_modified)),
    );
    if let Some(l) = lic {
        g.add(&dist, "dct:license", l.clone());
    }
    dist
}

/// Paging of one catalog page, as ckanext-dcat describes it.
pub struct Paging {
    /// The URL of the page without `page` (query string kept).
    pub base: String,
    /// The other query parameters, already encoded (`modified_since=…`).
    pub query: Option<String>,
    pub page: usize,
    pub total: usize,
}

impl Paging {
    pub fn last(&self) -> usize {
        self.total.div_ceil(PER_PAGE).max(1)
    }

    pub fn url(&self, page: usize) -> String {
        match &self.query {
            Some(q) => format!("{}?{q}&page={page}", self.base),
            None => format!("{}?page={page}", self.base),
        }
    }
}

/// The catalog node and the hydra paging node of one page.
pub fn add_catalog(
    g: &mut Graph,
    vocab: &mut Vocab,
    site: &str,
    title: &str,
    description: &str,
    datasets: &[Term],
    paging: &Paging,
) {
    let cat = Term::iri(&format!("{site}/catalog"));
    g.typ(&cat, "dcat:Catalog");
    g.add(&cat, "dct:title", Term::lang(title, "uk"));
    let description = if description.trim().is_empty() {
        title
    } else {
        description
    };
    g.add(&cat, "dct:description", Term::lang(description, "uk"));
    // The portal's publisher has one IRI, so the pages of the catalog,
    // merged, still give the catalog one publisher.
    let agent_iri = catalog_publisher_uri(site);
    let agent = Term::iri(&agent_iri);
    g.add(&cat, "dct:publisher", agent.clone());
    if vocab.first(&agent_iri) {
        g.typ(&agent, "foaf:Agent");
        g.add(&agent, "foaf:name", Term::lang(title, "uk"));
    }
    let home = vocab.document(g, &format!("{site}/"));
    g.add(&cat, "foaf:homepage", home);
    let uk = vocab.language(g, "UKR");
    g.add(&cat, "dct:language", uk);
    let scheme = vocab.theme_scheme(g);
    g.add(&cat, "dcat:themeTaxonomy", scheme);
    for d in datasets {
        g.add(&cat, "dcat:dataset", d.clone());
    }

    let page = Term::iri(&paging.url(paging.page));
    g.typ(&page, "hydra:PagedCollection");
    g.typ(&page, "hydra:PartialCollectionView");
    let last = paging.last();
    let mut links = vec![
        ("first", "hydra:first", "hydra:firstPage", 1),
        ("last", "hydra:last", "hydra:lastPage", last),
    ];
    if paging.page < last {
        links.push(("next", "hydra:next", "hydra:nextPage", paging.page + 1));
    }
    if paging.page > 1 {
        links.push((
            "previous",
            "hydra:previous",
            "hydra:previousPage",
            (paging.page - 1).min(last),
        ));
    }
    for (_, p, deprecated, n) in links {
        g.add(&page, p, Term::plain(&paging.url(n)));
        g.add(&page, deprecated, Term::plain(&paging.url(n)));
    }
    let total = Term::typed(&paging.total.to_string(), "xsd:integer");
    g.add(&page, "hydra:totalItems", total);
    let per = Term::typed(&PER_PAGE.to_string(), "xsd:integer");
    g.add(&page, "hydra:itemsPerPage", per);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_theme_and_frequency_maps() {
        for (slug, _, _) in misto_core::themes::NATIONAL_THEMES {
            assert!(!eu_themes(slug).is_empty(), "{slug}");
            for code in eu_themes(slug) {
                assert_ne!(eu_theme_label(code), "Provisional data");
            }
        }
        for f in UpdateFrequency::ALL {
            assert!(!eu_frequency(f).is_empty());
        }
        assert_eq!(eu_languages("ua"), vec!["UKR"]);
        assert_eq!(eu_languages("ua, en"), vec!["UKR", "ENG"]);
        assert_eq!(eu_file_type("csv"), Some("CSV"));
        assert_eq!(eu_file_type("API"), None);
    }

    /// CKAN 2.11's default licence register (`ckan.model.license`): id,
    /// title, URL.
    const CKAN_REGISTER: &[(&str, &str, &str)] = &[
        ("notspecified", "License not specified", ""),
        (
            "odc-pddl",
            "Open Data Commons Public Domain Dedication and License (PDDL)",
            "http://www.opendefinition.org/licenses/odc-pddl",
        ),
        (
            "odc-odbl",
            "Open Data Commons Open Database License (ODbL)",
            "http://www.opendefinition.org/licenses/odc-odbl",
        ),
        (
            "odc-by",
            "Open Data Commons Attribution License",
            "http://www.opendefinition.org/licenses/odc-by",
        ),
        (
            "cc-zero",
            "Creative Commons CCZero",
            "http://www.opendefinition.org/licenses/cc-zero",
        ),
        (
            "cc-by",
            "Creative Commons Attribution",
            "http://www.opendefinition.org/licenses/cc-by",
        ),
        (
            "cc-by-sa",
            "Creative Commons Attribution Share-Alike",
            "http://www.opendefinition.org/licenses/cc-by-sa",
        ),
        (
            "gfdl",
            "GNU Free Documentation License",
            "http://www.opendefinition.org/licenses/gfdl",
        ),
        ("other-open", "Other (Open)", ""),
        ("other-pd", "Other (Public Domain)", ""),
        ("other-at", "Other (Attribution)", ""),
        (
            "uk-ogl",
            "UK Open Government Licence (OGL)",
            "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        ),
        (
            "cc-nc",
            "Creative Commons Non-Commercial (Any)",
            "http://creativecommons.org/licenses/by-nc/2.0/",
        ),
        ("other-nc", "Other (Non-Commercial)", ""),
        ("other-closed", "Other (Not Open)", ""),
    ];

    /// ckanext-dcat's `_license`: the IRI looked up among the register's
    /// URLs, then the `dct:title` among its titles.
    fn ckan_match(iri: &str, title: &str) -> Option<&'static str> {
        let by_url = CKAN_REGISTER
            .iter()
            .find(|(_, _, u)| !iri.is_empty() && *u == iri);
        let by_title = CKAN_REGISTER.iter().find(|(_, t, _)| *t == title);
        by_url.or(by_title).map(|(id, _, _)| *id)
    }

    #[test]
    fn every_stated_licence_is_found_in_ckans_register() {
        let cases = [
            ("cc-by-4.0", Some("cc-by")),
            ("notspecified", None),
            ("odc-pddl", Some("odc-pddl")),
            ("odc-odbl", Some("odc-odbl")),
            ("odc-by", Some("odc-by")),
            ("cc-zero", Some("cc-zero")),
            ("cc-by", Some("cc-by")),
            ("cc-by-sa", Some("cc-by-sa")),
            ("gfdl", Some("gfdl")),
            ("other-open", Some("other-open")),
            ("other-pd", Some("other-pd")),
            ("other-at", Some("other-at")),
            ("uk-ogl", Some("uk-ogl")),
            ("cc-nc", Some("cc-nc")),
            ("other-nc", Some("other-nc")),
            ("other-closed", Some("other-closed")),
        ];
        assert_eq!(cases.len(), license::all().len());
        for (id, want) in cases {
            let l = license::find(id).expect(id);
            let got = ckan_licence_title(l).and_then(|t| ckan_match(l.url, t));
            assert_eq!(got, want, "{id}");
        }
    }

    #[test]
    fn territory_fills_in_the_spatial_coverage() {
        let t = Territory {
            katottg: "UA18040470010071716".into(),
            name: "Житомир".into(),
            centre: Some((28.6587, 50.2547)),
        };
        assert_eq!(t.code_of(None), Some("UA18040470010071716"));
        assert_eq!(t.code_of(Some(" ")), Some("UA18040470010071716"));
        assert_eq!(t.name_of("UA18040470010071716"), "Житомир");
        assert_eq!(
            t.centre_of("ua18040470010071716").map(wkt_point).as_deref(),
            Some("POINT(28.6587 50.2547)")
        );
        assert_eq!(
            t.code_of(Some("UA80000000000093317")),
            Some("UA80000000000093317")
        );
        assert_eq!(t.name_of("UA80000000000093317"), "UA80000000000093317");
        assert_eq!(t.centre_of("UA80000000000093317"), None);
        assert_eq!(Territory::default().code_of(None), None);
    }

    #[test]
    fn paging_links() {
        let p = Paging {
            base: "http://x/catalog.ttl".into(),
            query: Some("modified_since=2024-01-01".into()),
            page: 2,
            total: 250,
        };
        assert_eq!(p.last(), 3);
        assert_eq!(
            p.url(3),
            "http://x/catalog.ttl?modified_since=2024-01-01&page=3"
        );
        let empty = Paging {
            base: "b".into(),
            query: None,
            page: 1,
            total: 0,
        };
        assert_eq!(empty.last(), 1);
    }
}
