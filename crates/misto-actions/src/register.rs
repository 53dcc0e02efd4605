//! The dataset register (реєстр наборів даних) of each publisher and of the
//! whole council: every public dataset, plus the entries known from the
//! data audit that are not published (yet), with the Ministry's columns.

use misto_core::auth::can_read_dataset;
use misto_core::time::{now, parse_date};
use misto_core::validate::is_valid_email;
use std::sync::Arc;

use misto_core::{
    Dataset, DatasetState, Extra, FieldErrors, RegisterEntry, RegisterStatus, UpdateFrequency,
    Viewer,
};
use misto_store::RegisterPublication;

use crate::datasets::{DatasetInput, Expect, ResourceInput};
use crate::{ActionError, Portal, Result, new_id};

/// The name the register's own dataset gets when first published
/// (transliterated "реєстр наборів даних").
pub const REGISTER_DATASET_NAME: &str = "reiestr-naboriv-danykh";

/// The item of the Resolution 835 list the register fulfils.
pub const REGISTER_835_ITEM: &str = "ALL-06";

/// Fields a coordinator or publisher admin sets on a register entry.
#[derive(Debug, Clone, Default)]
pub struct RegisterEntryInput {
    /// Publisher id or name.
    pub publisher: String,
    pub title: String,
    pub description: Option<String>,
    pub location: Option<String>,
    pub format: Option<String>,
    pub responsible: Option<String>,
    pub responsible_email: Option<String>,
    pub update_frequency: Option<String>,
    /// `planned`, `published` or `not_to_publish`.
    pub status: Option<String>,
    pub target_date: Option<String>,
    pub reason: Option<String>,
    /// Dataset id or name that fulfils the entry.
    pub dataset: Option<String>,
    pub resolution_835_item: Option<String>,
}

/// One row of the register as published: the Ministry's columns plus the
/// audit fields.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterRow {
    pub identifier: String,
    pub title: String,
    pub description: String,
    /// Ukrainian label of the update frequency, as the Ministry's template asks.
    pub accrual_periodicity: String,
    pub keyword: String,
    pub purpose: String,
    pub landing_page: String,
    pub distribution_format: String,
    pub publisher_name: String,
    pub publisher_identifier: String,
    pub contact_point_fn: String,
    pub contact_point_has_email: String,
    pub status: RegisterStatus,
    pub location: String,
    pub target_date: String,
    pub reason: String,
    pub resolution_835_item: String,
    /// The audit entry behind the row, if there is one (for editing).
    pub entry_id: Option<String>,
    /// The public dataset of the row, if it is published.
    pub dataset_name: Option<String>,
    pub update_frequency: Option<UpdateFrequency>,
    /// Publisher id.
    pub publisher_id: String,
}

/// The Ministry's register columns, in order.
pub const REGISTER_COLUMNS: [&str; 12] = [
    "identifier",
    "title",
    "description",
    "accrualPeriodicity",
    "keyword",
    "purpose",
    "landingPage",
    "distributionFormat",
    "publisherName",
    "publisherIdentifier",
    "contactPointFn",
    "contactPointHasEmail",
];

fn text(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

impl Portal {
    /// Creates (`id` None) or replaces a register entry. Publisher admins and
    /// sysadmins.
    pub async fn save_register_entry(
        &self,
        actor: &Viewer,
        id: Option<&str>,
        input: RegisterEntryInput,
    ) -> Result<RegisterEntry> {
        let existing = match id {
            Some(id) => Some(
                self.store
                    .find_register_entry(id)
                    .await?
                    .ok_or_else(|| ActionError::not_found("register entry"))?,
            ),
            None => None,
        };
        if let Some(e) = &existing
            && !actor.can_admin(&e.publisher_id)
        {
            return Err(ActionError::denied(
                "only the publisher's admins edit its register",
            ));
        }
        let publisher = self.show_publisher(input.publisher.trim()).map_err(|_| {
            ActionError::invalid(
                "publisher",
                format!("Organization does not exist: {}", input.publisher),
            )
        })?;
        if !actor.can_admin(&publisher.id) {
            return Err(ActionError::denied(
                "only the publisher's admins edit its register",
            ));
        }
        let mut errors = FieldErrors::new();
        let title = input.title.trim().to_string();
        if title.is_empty() {
            errors.add("title", "Missing value");
        } else if title.chars().count() > misto_core::validate::TITLE_MAX {
            errors.add("title", "Must be at most 254 characters");
        }
        let status = match text(input.status) {
            None => RegisterStatus::Planned,
            Some(s) => RegisterStatus::parse(&s).unwrap_or_else(|| {
                errors.add(
                    "status",
                    "Must be one of: planned, published, not_to_publish",
                );
                RegisterStatus::Planned
            }),
        };
        let update_frequency = text(input.update_frequency).and_then(|f| {
            let v = UpdateFrequency::parse(&f);
            if v.is_none() {
                errors.add(
                    "update_frequency",
                    "Must be a value of the national vocabulary",
                );
            }
            v
        });
        let target_date = text(input.target_date).and_then(|d| {
            let v = parse_date(&d);
            if v.is_none() {
                errors.add("target_date", "Must be a date as YYYY-MM-DD");
            }
            v
        });
        let reason = text(input.reason);
        if status == RegisterStatus::NotToPublish && reason.is_none() {
            errors.add("reason", "Say why the data are not to be published");
        }
        if status == RegisterStatus::Planned && target_date.is_none() {
            errors.add("target_date", "A planned entry needs a target date");
        }
        let responsible_email = text(input.responsible_email);
        if let Some(e) = &responsible_email
            && !is_valid_email(e)
        {
            errors.add(
                "responsible_email",
                format!("Email {e} is not a valid format"),
            );
        }
        let item = text(input.resolution_835_item);
        if let Some(i) = &item
            && !self.is_resolution835_item(i)
        {
            errors.add(
                "resolution_835_item",
                format!("Unknown item of the Resolution 835 list: {i}"),
            );
        }
        let dataset_id = match text(input.dataset) {
            None => None,
            Some(d) => match self.show_dataset(actor, &d) {
                Ok(ds) if ds.owner_org == publisher.id => Some(ds.id.clone()),
                _ => {
                    errors.add("dataset", format!("No dataset {d} of this publisher"));
                    None
                }
            },
        };
        if status == RegisterStatus::Published && dataset_id.is_none() {
            errors.add(
                "dataset",
                "A published entry names the dataset that publishes it",
            );
        }
        errors.into_result()?;
        let t = now();
        let entry = RegisterEntry {
            id: existing.as_ref().map_or_else(new_id, |e| e.id.clone()),
            publisher_id: publisher.id,
            title,
            description: input.description.unwrap_or_default(),
            location: text(input.location).unwrap_or_default(),
            format: text(input.format).unwrap_or_default(),
            responsible: text(input.responsible),
            responsible_email,
            update_frequency,
            status,
            target_date,
            reason,
            dataset_id,
            resolution_835_item: item,
            created: existing.as_ref().map_or(t, |e| e.created),
            modified: t,
        };
        crate::check_text(&entry)?;
        self.store.save_register_entry(&entry).await?;
        Ok(entry)
    }

    pub async fn delete_register_entry(&self, actor: &Viewer, id: &str) -> Result<()> {
        let e = self
            .store
            .find_register_entry(id)
            .await?
            .ok_or_else(|| ActionError::not_found("register entry"))?;
        if !actor.can_admin(&e.publisher_id) {
            return Err(ActionError::denied(
                "only the publisher's admins edit its register",
            ));
        }
        self.store.delete_register_entry(id).await?;
        Ok(())
    }

    /// The register as published (open data): every public dataset, then the
    /// audit entries not fulfilled by a public dataset. Optionally one
    /// publisher's.
    pub async fn register(&self, publisher: Option<&str>) -> Result<Vec<RegisterRow>> {
        let publisher_id = match publisher {
            Some(p) => Some(self.show_publisher(p)?.id),
            None => None,
        };
        let anon = Viewer::anonymous();
        let entries = self
            .store
            .list_register_entries(publisher_id.as_deref())
            .await?;
        let site = self.config.site_url.clone();
        let rows = self.catalog.read(|ix| {
            let publisher_of = |id: &str| ix.publisher(id).cloned();
            let query = misto_search::SearchQuery {
                rows: ix.len().max(1),
                sort: Some("title_string asc".into()),
                fq: publisher_id
                    .iter()
                    .map(|p| format!("owner_org:\"{p}\""))
                    .collect(),
                ..misto_search::SearchQuery::at(now())
            };
            let found = ix
                .search(&query, &anon)
                .map(|r| r.results)
                .unwrap_or_default();
            let mut out: Vec<RegisterRow> = Vec::new();
            let mut published_ids = std::collections::HashSet::new();
            for d in &found {
                if d.state != DatasetState::Active || d.private || !can_read_dataset(&anon, d) {
                    continue;
                }
                published_ids.insert(d.id.clone());
                let org = publisher_of(&d.owner_org);
                let entry = entries
                    .iter()
                    .find(|e| e.dataset_id.as_deref() == Some(d.id.as_str()));
                let mut formats: Vec<String> = d
                    .active_resources()
                    .map(|r| r.format.clone())
                    .filter(|f| !f.is_empty())
                    .collect();
                formats.sort();
                formats.dedup();
                out.push(RegisterRow {
                    identifier: d.id.clone(),
                    title: d.title.clone(),
                    description: d.notes.clone(),
                    accrual_periodicity: d
                        .update_frequency
                        .map(|f| f.label_uk().to_string())
                        .unwrap_or_default(),
                    keyword: d.tags.join(","),
                    purpose: d
                        .purpose_of_collecting_information
                        .clone()
                        .unwrap_or_default(),
                    landing_page: format!("{site}/dataset/{}", d.name),
                    distribution_format: formats.join(","),
                    publisher_name: org.as_ref().map(|o| o.title.clone()).unwrap_or_default(),
                    publisher_identifier: org.and_then(|o| o.edrpou).unwrap_or_default(),
                    contact_point_fn: d.maintainer.clone().unwrap_or_default(),
                    contact_point_has_email: d.maintainer_email.clone().unwrap_or_default(),
                    status: RegisterStatus::Published,
                    location: entry.map(|e| e.location.clone()).unwrap_or_default(),
                    target_date: String::new(),
                    reason: String::new(),
                    resolution_835_item: d.resolution_835_item.clone().unwrap_or_default(),
                    entry_id: entry.map(|e| e.id.clone()),
                    dataset_name: Some(d.name.clone()),
                    update_frequency: d.update_frequency,
                    publisher_id: d.owner_org.clone(),
                });
            }
            for e in &entries {
                if e.dataset_id
                    .as_ref()
                    .is_some_and(|id| published_ids.contains(id))
                {
                    continue;
                }
                let org = publisher_of(&e.publisher_id);
                out.push(RegisterRow {
                    identifier: e.id.clone(),
                    title: e.title.clone(),
                    description: e.description.clone(),
                    accrual_periodicity: e
                        .update_frequency
                        .map(|f| f.label_uk().to_string())
                        .unwrap_or_default(),
                    keyword: String::new(),
                    purpose: String::new(),
                    landing_page: String::new(),
                    distribution_format: e.format.clone(),
                    publisher_name: org.as_ref().map(|o| o.title.clone()).unwrap_or_default(),
                    publisher_identifier: org.and_then(|o| o.edrpou).unwrap_or_default(),
                    contact_point_fn: e.responsible.clone().unwrap_or_default(),
                    contact_point_has_email: e.responsible_email.clone().unwrap_or_default(),
                    // A "published" entry whose dataset went private or was deleted is planned again.
                    status: if e.status == RegisterStatus::Published {
                        RegisterStatus::Planned
                    } else {
                        e.status
                    },
                    location: e.location.clone(),
                    target_date: e.target_date.map(|d| d.to_string()).unwrap_or_default(),
                    reason: e.reason.clone().unwrap_or_default(),
                    resolution_835_item: e.resolution_835_item.clone().unwrap_or_default(),
                    entry_id: Some(e.id.clone()),
                    dataset_name: None,
                    update_frequency: e.update_frequency,
                    publisher_id: e.publisher_id.clone(),
                });
            }
            out
        });
        Ok(rows)
    }

    /// One audit entry (for its edit form).
    pub async fn register_entry(&self, id: &str) -> Result<RegisterEntry> {
        self.store
            .find_register_entry(id)
            .await?
            .ok_or_else(|| ActionError::not_found("register entry"))
    }

    /// The dataset that publishes the register, once one was published
    /// (and not deleted since).
    pub async fn register_dataset(&self) -> Result<Option<Arc<Dataset>>> {
        let Some(p) = self.store.register_publication().await? else {
            return Ok(None);
        };
        Ok(self
            .catalog
            .read(|ix| ix.get(&p.dataset_id).cloned())
            .filter(|d| d.state != DatasetState::Deleted))
    }

    /// Publishes the council's register as one of its open datasets
    /// (sysadmins): creates the dataset the first time, then updates the
    /// same one. Its resources link to the live `/register.csv`, `.json`
    /// and `.xlsx` downloads, which are built from the catalog and the
    /// audit entries on every request, so the published files are never
    /// stale. `publisher` (id or name) moves the dataset to another
    /// publisher; without it the publisher of the last publication is kept.
    pub async fn publish_register(
        &self,
        actor: &Viewer,
        publisher: Option<&str>,
    ) -> Result<Arc<Dataset>> {
        crate::require_sysadmin(actor, "only sysadmins publish the register")?;
        let previous = self.store.register_publication().await?;
        let existing = self.register_dataset().await?;
        let publisher_id = match publisher.map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => {
                self.show_publisher(p)
                    .map_err(|_| {
                        ActionError::invalid(
                            "organization",
                            format!("Organization does not exist: {p}"),
                        )
                    })?
                    .id
            }
            None => match (&existing, &previous) {
                (Some(d), _) => d.owner_org.clone(),
                (None, Some(p)) if self.show_publisher(&p.publisher_id).is_ok() => {
                    p.publisher_id.clone()
                }
                _ => return Err(ActionError::missing("organization")),
            },
        };
        let site = self.config.site_url.clone();
        let links: [(&str, &str, &str, &str); 3] = [
            ("csv", "CSV", "text/csv", "Реєстр наборів даних (CSV)"),
            (
                "json",
                "JSON",
                "application/json",
                "Реєстр наборів даних (JSON)",
            ),
            (
                "xlsx",
                "XLSX",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "Реєстр наборів даних (XLSX)",
            ),
        ];
        let url_of = |ext: &str| format!("{site}/register.{ext}");
        let ours = |url: &str| links.iter().any(|(ext, ..)| url == url_of(ext));
        let mut resources: Vec<ResourceInput> = links
            .iter()
            .map(|(ext, format, mime, name)| {
                let url = url_of(ext);
                ResourceInput {
                    id: existing.as_ref().and_then(|d| {
                        d.active_resources()
                            .find(|r| r.url == url)
                            .map(|r| r.id.clone())
                    }),
                    name: Some((*name).to_string()),
                    description: Some(
                        "Усі набори даних ради та відомі з інвентаризації, з колонками \
                         Мінцифри; формується під час кожного завантаження."
                            .into(),
                    ),
                    url: Some(url),
                    format: Some((*format).to_string()),
                    mimetype: Some((*mime).to_string()),
                    ..ResourceInput::default()
                }
            })
            .collect();
        let item = self
            .is_resolution835_item(REGISTER_835_ITEM)
            .then(|| REGISTER_835_ITEM.to_string());
        let contact = self.site_settings().contact_email.clone();
        let t = misto_core::time::now();
        let saved = match &existing {
            Some(d) => {
                // Keep what a publisher edited, and any resource they added.
                for r in d.active_resources().filter(|r| !ours(&r.url)) {
                    resources.push(ResourceInput {
                        id: Some(r.id.clone()),
                        name: Some(r.name.clone()),
                        description: Some(r.description.clone()),
                        url: Some(r.url.clone()),
                        format: Some(r.format.clone()),
                        mimetype: r.mimetype.clone(),
                        size: r.size,
                        hash: r.hash.clone(),
                        compress_format: r.compress_format.clone(),
                        last_modified: r.last_modified.map(|t| misto_core::time::ckan_format(&t)),
                        created: None,
                        extras: r.extras.clone(),
                    });
                }
                let mut input = input_of(d);
                input.owner_org = Some(publisher_id.clone());
                input.data_updated = Some(misto_core::time::ckan_format(&t));
                input.resources = Some(resources);
                if input.resolution_835_item.is_none() {
                    input.resolution_835_item = item;
                }
                self.update_dataset(actor, &d.id, input, Expect::Any)
                    .await?
            }
            None => {
                let name = self.catalog.read(|ix| {
                    (1..)
                        .map(|n| {
                            if n == 1 {
                                REGISTER_DATASET_NAME.to_string()
                            } else {
                                format!("{REGISTER_DATASET_NAME}-{n}")
                            }
                        })
                        .find(|n| ix.get(n).is_none())
                        .unwrap_or_else(new_id)
                });
                let input = DatasetInput {
                    name,
                    title: Some("Реєстр наборів даних".into()),
                    title_en: Some("Register of datasets".into()),
                    notes: Some(
                        "Реєстр наборів даних, що перебувають у володінні розпорядників \
                         інформації ради: усі оприлюднені набори та набори, відомі з \
                         інвентаризації (де зберігаються дані, формат, відповідальна особа, \
                         періодичність, статус). Колонки відповідають шаблону Мінцифри. \
                         Файли формуються з каталогу під час кожного завантаження."
                            .into(),
                    ),
                    notes_en: Some(
                        "The register of datasets held by the council's information holders: \
                         every published dataset and those known from the data audit (where \
                         the data live, format, responsible person, frequency, status), with \
                         the Ministry's columns. The files are built from the catalog on \
                         every download."
                            .into(),
                    ),
                    owner_org: Some(publisher_id.clone()),
                    tags: vec!["реєстр".into(), "відкриті дані".into()],
                    update_frequency: Some(
                        UpdateFrequency::ImmediatelyAfterMakingChanges
                            .as_str()
                            .to_string(),
                    ),
                    purpose_of_collecting_information: Some(
                        "Постанова КМУ від 21.10.2015 № 835: реєстр наборів даних".into(),
                    ),
                    resolution_835_item: item,
                    maintainer_email: (!contact.is_empty()).then_some(contact),
                    data_updated: Some(misto_core::time::ckan_format(&t)),
                    resources: Some(resources),
                    ..DatasetInput::default()
                };
                self.create_dataset(actor, input).await?
            }
        };
        self.store
            .save_register_publication(
                &RegisterPublication {
                    dataset_id: saved.id.clone(),
                    publisher_id,
                },
                t,
            )
            .await?;
        Ok(saved)
    }
}

/// The fields of a saved dataset as an input that saves it unchanged.
fn input_of(d: &Dataset) -> DatasetInput {
    let date = |x: Option<chrono::NaiveDate>| x.map(|d| d.to_string());
    DatasetInput {
        id: None,
        name: d.name.clone(),
        title: Some(d.title.clone()),
        title_en: d.title_en.clone(),
        notes: Some(d.notes.clone()),
        notes_en: d.notes_en.clone(),
        owner_org: Some(d.owner_org.clone()),
        private: d.private,
        state: Some(d.state.as_str().to_string()),
        license_id: Some(d.license_id.clone()),
        author: d.author.clone(),
        author_email: d.author_email.clone(),
        maintainer: d.maintainer.clone(),
        maintainer_email: d.maintainer_email.clone(),
        url: d.url.clone(),
        version: d.version.clone(),
        tags: d.tags.clone(),
        groups: d.groups.clone(),
        language: Some(d.language.clone()),
        update_frequency: d.update_frequency.map(|f| f.as_str().to_string()),
        purpose_of_collecting_information: d.purpose_of_collecting_information.clone(),
        resolution_835_item: d.resolution_835_item.clone(),
        spatial_katottg: d.spatial_katottg.clone(),
        temporal_start: date(d.temporal_start),
        temporal_end: date(d.temporal_end),
        data_updated: d.data_updated.map(|t| misto_core::time::ckan_format(&t)),
        extras: d
            .extras
            .iter()
            .map(|e| Extra {
                key: e.key.clone(),
                value: e.value.clone(),
            })
            .collect(),
        resources: None,
    }
}
