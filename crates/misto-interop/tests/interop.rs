//! The interop views driven in-process through `misto_interop::router`:
//! DCAT paging and `modified_since`, sitemap, feeds, datapackage, passport,
//! schema.org, and that private datasets and drafts appear in none of them.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use bytes::Bytes;
use http_body_util::BodyExt;
use misto_actions::accounts::system_viewer;
use misto_actions::datasets::DatasetInput;
use misto_actions::publishers::PublisherInput;
use misto_actions::{BlobStore, Portal, PortalConfig, Viewer};
use serde_json::Value;
use tower::ServiceExt;

const SITE: &str = "http://misto.test";
const TRICKY_TITLE: &str = "Бюджет \"міста\" <2024> & Co\\ 'лапки'\nрядок";

struct App {
    portal: Portal,
    org: String,
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Resp {
    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("utf-8")
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("json")
    }
}

impl App {
    async fn new() -> Self {
        let store = misto_store::testing::fresh_store().await;
        let dir = std::env::temp_dir()
            .join(format!("misto-interop-{}", std::process::id()))
            .join(format!("{:?}", std::thread::current().id()).replace(['(', ')'], ""));
        let blobs = BlobStore::local(dir).await.expect("blobs");
        let config = PortalConfig {
            site_url: SITE.into(),
            ..PortalConfig::default()
        };
        let portal = Portal::open(store, blobs, config).await.expect("portal");
        portal.seed_themes().await.expect("themes");
        portal
            .create_publisher(
                &system_viewer(),
                PublisherInput {
                    name: "vykonkom".into(),
                    title: Some("Виконавчий комітет «Демо» & Ко".into()),
                    edrpou: Some("37508596".into()),
                    kind: Some("executive_body".into()),
                    email: Some("info@misto.test".into()),
                    ..PublisherInput::default()
                },
            )
            .await
            .expect("publisher");
        Self {
            portal,
            org: "vykonkom".into(),
        }
    }

    async fn dataset(&self, name: &str, f: impl FnOnce(&mut DatasetInput)) -> String {
        let mut input = DatasetInput {
            name: name.into(),
            title: Some(format!("Набір {name}")),
            notes: Some("Опис набору".into()),
            owner_org: Some(self.org.clone()),
            tags: vec!["бюджет".into()],
            groups: vec!["finansy".into()],
            language: Some("ua".into()),
            update_frequency: Some("once a month".into()),
            purpose_of_collecting_information: Some("Закон України".into()),
            maintainer: Some("Петренко О.".into()),
            maintainer_email: Some("petrenko@misto.test".into()),
            spatial_katottg: Some("UA80000000000093317".into()),
            temporal_start: Some("2024-01-01".into()),
            temporal_end: Some("2024-12-31".into()),
            ..DatasetInput::default()
        };
        f(&mut input);
        self.portal
            .create_dataset(&system_viewer(), input)
            .await
            .expect("dataset")
            .id
            .clone()
    }

    async fn upload(&self, dataset: &str, file_name: &str, content: &str) {
        let sys = system_viewer();
        let chunk: Result<Bytes, std::io::Error> = Ok(Bytes::from(content.to_string()));
        let staged = self
            .portal
            .stage_upload(&sys, file_name, None, futures_util::stream::iter([chunk]))
            .await
            .expect("stage");
        self.portal
            .create_resource(
                &sys,
                dataset,
                misto_actions::datasets::ResourceInput {
                    name: Some(file_name.into()),
                    ..Default::default()
                },
                Some(staged),
            )
            .await
            .expect("resource");
    }

    async fn get(&self, path: &str) -> Resp {
        let resp = misto_interop::router(self.portal.clone())
            .oneshot(Request::get(path).body(Body::empty()).expect("request"))
            .await
            .expect("response");
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        Resp {
            status,
            headers,
            body,
        }
    }

    /// A private dataset and a draft, which must never show.
    async fn hidden(&self) {
        self.dataset("hidden-private", |d| {
            d.private = true;
            d.title = Some("ПРИХОВАНИЙ приватний".into());
            d.tags = vec!["бюджет".into(), "секрет".into()];
        })
        .await;
        self.dataset("hidden-draft", |d| {
            d.state = Some("draft".into());
            d.title = Some("ПРИХОВАНИЙ чернетка".into());
            d.tags = vec!["бюджет".into(), "секрет".into()];
        })
        .await;
    }
}

fn dataset_nodes(doc: &Value) -> Vec<&Value> {
    doc["@graph"]
        .as_array()
        .expect("graph")
        .iter()
        .filter(|n| {
            n["@type"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t == "http://www.w3.org/ns/dcat#Dataset"))
        })
        .collect()
}

fn hydra(doc: &Value) -> &Value {
    doc["@graph"]
        .as_array()
        .expect("graph")
        .iter()
        .find(|n| {
            n["@type"].as_array().is_some_and(|t| {
                t.iter()
                    .any(|t| t == "http://www.w3.org/ns/hydra/core#PagedCollection")
            })
        })
        .expect("hydra node")
}

fn first_value<'a>(node: &'a Value, key: &str) -> Option<&'a str> {
    node[key][0]["@value"].as_str()
}

#[tokio::test]
async fn catalog_pages_like_ckanext_dcat() {
    let app = App::new().await;
    for i in 0..205 {
        app.dataset(&format!("ds-{i:03}"), |_| {}).await;
    }
    app.hidden().await;

    let mut seen = std::collections::HashSet::new();
    for page in 1..=3 {
        let r = app.get(&format!("/catalog.jsonld?page={page}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let doc = r.json();
        let nodes = dataset_nodes(&doc);
        assert_eq!(nodes.len(), if page < 3 { 100 } else { 5 });
        for n in nodes {
            assert!(seen.insert(n["@id"].as_str().unwrap_or("").to_string()));
            let title = first_value(n, "dct:title").unwrap_or("");
            assert!(!title.contains("ПРИХОВАНИЙ"), "{title}");
        }
        let h = hydra(&doc);
        assert_eq!(
            h["@id"],
            format!("{SITE}/catalog.jsonld?page={page}").as_str()
        );
        assert_eq!(first_value(h, "hydra:totalItems"), Some("205"));
        assert_eq!(first_value(h, "hydra:itemsPerPage"), Some("100"));
        assert_eq!(
            first_value(h, "hydra:first"),
            Some(format!("{SITE}/catalog.jsonld?page=1").as_str())
        );
        assert_eq!(
            first_value(h, "hydra:last"),
            Some(format!("{SITE}/catalog.jsonld?page=3").as_str())
        );
        let next = first_value(h, "hydra:next");
        let prev = first_value(h, "hydra:previous");
        match page {
            1 => {
                assert_eq!(next, Some(format!("{SITE}/catalog.jsonld?page=2").as_str()));
                assert_eq!(prev, None);
            }
            2 => {
                assert_eq!(next, Some(format!("{SITE}/catalog.jsonld?page=3").as_str()));
                assert_eq!(prev, Some(format!("{SITE}/catalog.jsonld?page=1").as_str()));
            }
            _ => {
                assert_eq!(next, None);
                assert_eq!(prev, Some(format!("{SITE}/catalog.jsonld?page=2").as_str()));
            }
        }
    }
    assert_eq!(seen.len(), 205);

    assert_eq!(
        app.get("/catalog.ttl?page=4").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/catalog.ttl?page=0").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/catalog.ttl?page=x").await.status,
        StatusCode::BAD_REQUEST
    );

    let ttl = app.get("/catalog.ttl").await;
    assert_eq!(
        ttl.headers["content-type"].to_str().ok(),
        Some("text/turtle; charset=utf-8")
    );
    let ttl = ttl.text();
    assert!(
        ttl.contains("hydra:next \"http://misto.test/catalog.ttl?page=2\""),
        "{ttl}"
    );
    assert!(!ttl.contains("ПРИХОВАНИЙ"));
    let rdf = app.get("/catalog.rdf?page=2").await;
    assert_eq!(
        rdf.headers["content-type"].to_str().ok(),
        Some("application/rdf+xml; charset=utf-8")
    );
    assert!(
        rdf.text()
            .contains("<hydra:next>http://misto.test/catalog.rdf?page=3</hydra:next>")
    );
}

#[tokio::test]
async fn modified_since_filters_and_is_kept_in_links() {
    let app = App::new().await;
    app.dataset("old-one", |_| {}).await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let since = misto_core::time::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    app.dataset("new-one", |_| {}).await;
    app.hidden().await;

    let since = since.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let r = app
        .get(&format!(
            "/catalog.jsonld?modified_since={}",
            since.replace('+', "%2B")
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let doc = r.json();
    let nodes = dataset_nodes(&doc);
    assert_eq!(nodes.len(), 1);
    assert_eq!(first_value(nodes[0], "dct:title"), Some("Набір new-one"));
    let h = hydra(&doc);
    assert_eq!(first_value(h, "hydra:totalItems"), Some("1"));
    let first = first_value(h, "hydra:first").unwrap_or("");
    assert!(
        first.contains("modified_since=") && first.ends_with("&page=1"),
        "{first}"
    );

    let all = app
        .get("/catalog.jsonld?modified_since=2000-01-01")
        .await
        .json();
    assert_eq!(dataset_nodes(&all).len(), 2);
    assert_eq!(
        app.get("/catalog.ttl?modified_since=yesterday")
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn dataset_documents_map_the_passport_and_escape_text() {
    let app = App::new().await;
    let id = app
        .dataset("tricky", |d| {
            d.title = Some(TRICKY_TITLE.into());
            d.title_en = Some("City budget".into());
            d.tags = vec!["бюджет".into(), "дитячі садки".into(), "об'єкти".into()];
        })
        .await;
    app.upload("tricky", "дані.csv", "id,сума\n1,2.5\n").await;
    app.hidden().await;
    let anon = Viewer::anonymous();

    let (ct, ttl) =
        misto_interop::dataset_document(&app.portal, &anon, "tricky", "ttl").expect("ttl");
    assert_eq!(ct, "text/turtle; charset=utf-8");
    let ttl = String::from_utf8(ttl).expect("utf-8");
    for want in [
        r#""Бюджет \"міста\" <2024> & Co\\ 'лапки'\nрядок"@uk"#,
        r#""City budget"@en"#,
        "dcat:keyword \"бюджет\"@uk, \"дитячі садки\"@uk, \"обʼєкти\"@uk",
        "<http://publications.europa.eu/resource/authority/data-theme/ECON>",
        "<http://publications.europa.eu/resource/authority/frequency/MONTHLY>",
        "<http://publications.europa.eu/resource/authority/language/UKR>",
        "<http://publications.europa.eu/resource/authority/file-type/CSV>",
        "<https://www.iana.org/assignments/media-types/text/csv>",
        "spdx:algorithm spdx:checksumAlgorithm_sha256",
        "^^xsd:hexBinary",
        "dcat:byteSize \"18\"^^xsd:nonNegativeInteger",
        "dct:identifier \"37508596\"",
        "skos:notation \"UA80000000000093317\"",
        "vcard:hasEmail <mailto:petrenko@misto.test>",
        "dcat:startDate \"2024-01-01\"^^xsd:date",
        &format!("<{SITE}/dataset/{id}> a dcat:Dataset"),
        &format!("dcat:downloadURL <{SITE}/dataset/{id}/resource/"),
        "<https://creativecommons.org/licenses/by/4.0/> a dct:LicenseDocument",
    ] {
        assert!(ttl.contains(want), "missing {want} in\n{ttl}");
    }

    let (ct, xml) = misto_interop::dataset_document(&app.portal, &anon, &id, "rdf").expect("rdf");
    assert_eq!(ct, "application/rdf+xml; charset=utf-8");
    let xml = String::from_utf8(xml).expect("utf-8");
    assert!(xml.contains(
        "<dct:title xml:lang=\"uk\">Бюджет &quot;міста&quot; &lt;2024&gt; &amp; Co\\ &apos;лапки&apos;\nрядок</dct:title>"
    ), "{xml}");

    let (ct, json) =
        misto_interop::dataset_document(&app.portal, &anon, "tricky", "jsonld").expect("jsonld");
    assert_eq!(ct, "application/ld+json");
    let doc: Value = serde_json::from_slice(&json).expect("json");
    assert_eq!(
        first_value(dataset_nodes(&doc)[0], "dct:title"),
        Some(TRICKY_TITLE)
    );

    for name in ["hidden-private", "hidden-draft", "nope"] {
        for format in ["ttl", "rdf", "jsonld"] {
            assert!(misto_interop::dataset_document(&app.portal, &anon, name, format).is_none());
        }
    }
    // Even a sysadmin gets no RDF of a private dataset: it is a public view.
    assert!(
        misto_interop::dataset_document(&app.portal, &system_viewer(), "hidden-private", "ttl")
            .is_none()
    );
    assert!(misto_interop::dataset_document(&app.portal, &anon, "tricky", "xml").is_none());
}

#[tokio::test]
async fn sitemap_lists_public_pages_and_pages_itself() {
    let app = App::new().await;
    app.dataset("alpha", |_| {}).await;
    app.dataset("beta", |_| {}).await;
    app.hidden().await;

    let r = app.get("/sitemap.xml").await;
    assert_eq!(r.status, StatusCode::OK);
    let xml = r.text();
    assert!(xml.contains("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"));
    assert!(xml.contains(&format!("<loc>{SITE}/dataset/alpha</loc><lastmod>")));
    assert!(xml.contains(&format!("<loc>{SITE}/organization/vykonkom</loc>")));
    assert!(!xml.contains("hidden"), "{xml}");

    // Home + 1 publisher + 2 datasets = 4 URLs; 3 per sitemap → an index of 2.
    let index = misto_interop::feeds::sitemap_document(&app.portal, None, 3).expect("index");
    assert!(index.contains("<sitemapindex"));
    assert!(index.contains(&format!("<loc>{SITE}/sitemap.xml?page=2</loc>")));
    assert!(!index.contains("page=3"));
    let p2 = misto_interop::feeds::sitemap_document(&app.portal, Some(2), 3).expect("page 2");
    assert_eq!(p2.matches("<url>").count(), 1);
    assert!(p2.contains("/dataset/beta"));
    assert!(misto_interop::feeds::sitemap_document(&app.portal, Some(3), 3).is_none());
    assert_eq!(
        app.get("/sitemap.xml?page=2").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn atom_feeds_are_escaped_and_public_only() {
    let app = App::new().await;
    app.dataset("first", |_| {}).await;
    app.dataset("tricky", |d| {
        d.title = Some(TRICKY_TITLE.into());
        d.tags = vec!["бюджет".into(), "об'єкти".into()];
    })
    .await;
    app.hidden().await;

    let r = app.get("/feeds/dataset.atom").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.headers["content-type"].to_str().ok(),
        Some("application/atom+xml; charset=utf-8")
    );
    let xml = r.text();
    assert!(xml.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""));
    assert!(xml.contains(
        "<title>Бюджет &quot;міста&quot; &lt;2024&gt; &amp; Co\\ &apos;лапки&apos;\nрядок</title>"
    ));
    assert!(xml.contains(&format!(
        "<link rel=\"self\" type=\"application/atom+xml\" href=\"{SITE}/feeds/dataset.atom\"/>"
    )));
    assert!(xml.contains("<author><name>Виконавчий комітет «Демо» &amp; Ко</name>"));
    assert!(!xml.contains("ПРИХОВАНИЙ"));
    // Newest first.
    let tricky = xml.find("/dataset/tricky\"").expect("tricky");
    let first = xml.find("/dataset/first\"").expect("first");
    assert!(tricky < first);

    let org = app.get("/feeds/organization/vykonkom.atom").await;
    assert_eq!(org.status, StatusCode::OK);
    assert!(org.text().contains("/dataset/first"));
    assert!(!org.text().contains("ПРИХОВАНИЙ"));
    assert_eq!(
        app.get("/feeds/organization/nobody.atom").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/feeds/organization/vykonkom").await.status,
        StatusCode::NOT_FOUND
    );

    let tag = app
        .get("/feeds/tag/%D0%BE%D0%B1'%D1%94%D0%BA%D1%82%D0%B8.atom")
        .await;
    assert_eq!(tag.status, StatusCode::OK);
    let tag = tag.text();
    assert!(tag.contains("/dataset/tricky"));
    assert!(!tag.contains("/dataset/first"));
    assert!(tag.contains("«об&apos;єкти»"));
    let secret = app
        .get("/feeds/tag/%D1%81%D0%B5%D0%BA%D1%80%D0%B5%D1%82.atom")
        .await;
    assert_eq!(secret.status, StatusCode::OK);
    assert!(!secret.text().contains("<entry>"));
}

#[tokio::test]
async fn datapackage_and_passport() {
    let app = App::new().await;
    let id = app.dataset("with-csv", |_| {}).await;
    app.upload(
        "with-csv",
        "Бюджет 2024.csv",
        "рік,сума,дата,затверджено,код,назва\n2024,1200.50,2024-01-31,true,0012,Київ\n2023,99,2023-12-31,false,0013,\"Львів, центр\"\n",
    )
    .await;
    app.hidden().await;

    let r = app.get("/dataset/with-csv/datapackage.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let p = r.json();
    assert_eq!(p["name"], "with-csv");
    assert_eq!(p["licenses"][0]["name"], "cc-by-4.0");
    let res = &p["resources"][0];
    assert_eq!(res["format"], "csv");
    assert_eq!(res["mediatype"], "text/csv");
    assert!(
        res["hash"]
            .as_str()
            .is_some_and(|h| h.starts_with("sha256:"))
    );
    assert!(
        res["path"]
            .as_str()
            .is_some_and(|u| u.starts_with(&format!("{SITE}/dataset/{id}/resource/")))
    );
    let types: Vec<&str> = res["schema"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["type"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        types,
        ["integer", "number", "date", "boolean", "string", "string"]
    );
    assert_eq!(res["schema"]["fields"][0]["name"], "рік");

    let pass = app.get(&format!("/dataset/{id}/passport.json")).await;
    assert_eq!(pass.status, StatusCode::OK);
    assert!(
        pass.headers["content-disposition"]
            .to_str()
            .is_ok_and(|v| v.starts_with("attachment"))
    );
    let pass = pass.json();
    let fields = pass["паспорт"].as_array().expect("passport");
    assert_eq!(fields.len(), 15);
    assert_eq!(fields[0]["значення"], id.as_str());
    assert_eq!(fields[9]["значення"], "Щомісяця");
    assert_eq!(fields[3]["значення"], "українська");
    assert_eq!(pass["розпорядник"]["код_ЄДРПОУ"], "37508596");

    for name in ["hidden-private", "hidden-draft", "nope"] {
        assert_eq!(
            app.get(&format!("/dataset/{name}/datapackage.json"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(&format!("/dataset/{name}/passport.json"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn schema_org_for_public_pages_only() {
    let app = App::new().await;
    app.dataset("tricky", |d| d.title = Some(TRICKY_TITLE.into()))
        .await;
    app.hidden().await;
    let s = misto_interop::schema_org_json_ld(&app.portal, "tricky").expect("json-ld");
    assert!(
        !s.contains('<') && !s.contains('>') && !s.contains('&'),
        "{s}"
    );
    let v: Value = serde_json::from_str(&s).expect("json");
    assert_eq!(v["@type"], "Dataset");
    assert_eq!(v["name"], TRICKY_TITLE);
    assert_eq!(v["isAccessibleForFree"], true);
    assert_eq!(v["publisher"]["@type"], "Organization");
    assert_eq!(v["temporalCoverage"], "2024-01-01/2024-12-31");
    assert_eq!(v["url"], format!("{SITE}/dataset/tricky").as_str());
    assert!(misto_interop::schema_org_json_ld(&app.portal, "hidden-private").is_none());
    assert!(misto_interop::schema_org_json_ld(&app.portal, "hidden-draft").is_none());
}

/// The node of `@id` in a JSON-LD document.
fn node<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["@graph"]
        .as_array()
        .expect("graph")
        .iter()
        .find(|n| n["@id"] == id)
        .unwrap_or_else(|| panic!("no node {id}"))
}

fn ids<'a>(node: &'a Value, key: &str) -> Vec<&'a str> {
    node[key]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v["@id"].as_str()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn licence_frequency_territory_and_agents_as_ckanext_dcat_reads_them() {
    let app = App::new().await;
    app.portal
        .update_site_settings(
            &system_viewer(),
            misto_core::settings::SiteSettings {
                title: "Відкриті дані Житомира".into(),
                katottg: "UA18040470010071716".into(),
                place_name: "Житомир".into(),
                latitude: "50.2547".into(),
                longitude: "28.6587".into(),
                ..Default::default()
            },
        )
        .await
        .expect("settings");
    let own = app
        .dataset("own-code", |d| d.author = Some("Автор".into()))
        .await;
    app.upload("own-code", "a.csv", "a\n1\n").await;
    let city = app
        .dataset("city-wide", |d| {
            d.spatial_katottg = None;
            d.license_id = Some("odc-odbl".into());
        })
        .await;
    app.upload("city-wide", "b.csv", "b\n2\n").await;
    let open = app
        .dataset("other-open", |d| d.license_id = Some("other-open".into()))
        .await;
    app.upload("other-open", "c.csv", "c\n3\n").await;
    let none = app
        .dataset("no-licence", |d| d.license_id = Some("notspecified".into()))
        .await;
    app.upload("no-licence", "d.csv", "d\n4\n").await;

    let doc = app.get("/catalog.jsonld").await.json();
    let ds = |id: &str| node(&doc, &format!("{SITE}/dataset/{id}")).clone();

    // Licence: an IRI or node titled as CKAN's register titles it, on the
    // dataset and on every distribution.
    let licence_of = |d: &Value| -> (String, String) {
        let l = ids(d, "dct:license");
        assert_eq!(l.len(), 1, "{d}");
        let n = node(&doc, l[0]);
        let title = first_value(n, "dct:title").unwrap_or("").to_string();
        for dist in ids(d, "dcat:distribution") {
            assert_eq!(ids(node(&doc, dist), "dct:license"), l);
        }
        (l[0].to_string(), title)
    };
    assert_eq!(
        licence_of(&ds(&own)),
        (
            "https://creativecommons.org/licenses/by/4.0/".into(),
            "Creative Commons Attribution".into()
        )
    );
    assert_eq!(
        licence_of(&ds(&city)),
        (
            "http://www.opendefinition.org/licenses/odc-odbl".into(),
            "Open Data Commons Open Database License (ODbL)".into()
        )
    );
    let (iri, title) = licence_of(&ds(&open));
    assert!(iri.starts_with("_:"), "{iri}");
    assert_eq!(title, "Other (Open)");
    let nothing = ds(&none);
    assert!(ids(&nothing, "dct:license").is_empty());
    for dist in ids(&nothing, "dcat:distribution") {
        assert!(ids(node(&doc, dist), "dct:license").is_empty());
    }

    // Frequency: the EU IRI, labelled with skos:prefLabel only.
    let freq = "http://publications.europa.eu/resource/authority/frequency/MONTHLY";
    assert_eq!(ids(&ds(&own), "dct:accrualPeriodicity"), vec![freq]);
    let f = node(&doc, freq);
    assert!(f.get("rdfs:label").is_none(), "{f}");
    assert_eq!(first_value(f, "skos:prefLabel"), Some("Once a month"));

    // Spatial: the dataset's own code (no name known), else the council's
    // territory with its name and centre.
    let spatial = |d: &Value| node(&doc, ids(d, "dct:spatial")[0]).clone();
    let s = spatial(&ds(&own));
    assert_eq!(
        first_value(&s, "skos:notation"),
        Some("UA80000000000093317")
    );
    assert_eq!(
        first_value(&s, "skos:prefLabel"),
        Some("UA80000000000093317")
    );
    assert!(s.get("locn:geometry").is_none());
    let s = spatial(&ds(&city));
    assert_eq!(
        first_value(&s, "skos:notation"),
        Some("UA18040470010071716")
    );
    assert_eq!(first_value(&s, "skos:prefLabel"), Some("Житомир"));
    for key in ["locn:geometry", "dcat:centroid"] {
        assert_eq!(s[key][0]["@value"], "POINT(28.6587 50.2547)");
        assert_eq!(
            s[key][0]["@type"],
            "http://www.opengis.net/ont/geosparql#wktLiteral"
        );
    }

    // Agents: the catalog's publisher and the author are IRIs.
    let cat = node(&doc, &format!("{SITE}/catalog"));
    assert_eq!(
        ids(cat, "dct:publisher"),
        vec![format!("{SITE}/catalog#publisher").as_str()]
    );
    assert_eq!(
        first_value(cat, "dct:title"),
        Some("Відкриті дані Житомира")
    );
    assert_eq!(
        ids(&ds(&own), "dct:creator"),
        vec![format!("{SITE}/dataset/{own}#creator").as_str()]
    );
    let ttl = app.get("/catalog.ttl").await.text();
    assert!(!ttl.contains("dct:publisher _:"), "{ttl}");
    assert!(!ttl.contains("dct:creator _:"), "{ttl}");

    // schema.org: the catalog the dataset is in, and the territory.
    let v: Value = serde_json::from_str(
        &misto_interop::schema_org_json_ld(&app.portal, "city-wide").expect("json-ld"),
    )
    .expect("json");
    assert_eq!(v["includedInDataCatalog"]["@type"], "DataCatalog");
    assert_eq!(
        v["includedInDataCatalog"]["@id"],
        format!("{SITE}/catalog").as_str()
    );
    assert_eq!(v["includedInDataCatalog"]["name"], "Відкриті дані Житомира");
    assert_eq!(v["spatialCoverage"]["name"], "Житомир");
    assert_eq!(v["spatialCoverage"]["geo"]["latitude"], 50.2547);
    assert_eq!(
        v["spatialCoverage"]["identifier"]["value"],
        "UA18040470010071716"
    );
}
