//! Timeliness and Resolution 835 compliance, computed from the catalog:
//! which datasets are overdue or due soon, and which items of the mandatory
//! list are fulfilled, overdue or missing.

use std::collections::BTreeMap;
use std::sync::Arc;

use misto_core::resolution835::ListItem;
use misto_core::{Dataset, DatasetState, Timestamp, Viewer};
use misto_search::SearchQuery;

use crate::{ActionError, Portal, Result};

/// Where a dataset stands against its update deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueStatus {
    /// The next update was due in the past ("Не оновлений").
    Overdue,
    /// Due within the horizon asked for.
    DueSoon,
}

impl DueStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Overdue => "overdue",
            Self::DueSoon => "due_soon",
        }
    }
}

#[derive(Debug, Clone)]
pub struct DueEntry {
    pub dataset: Arc<Dataset>,
    pub due: Timestamp,
    pub status: DueStatus,
}

/// Status of one item of the mandatory list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemStatus {
    /// Published by at least one public dataset that is up to date.
    Fulfilled,
    /// Published, but every dataset for it is overdue.
    Overdue,
    /// No public dataset fulfils it.
    Missing,
}

impl ItemStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fulfilled => "fulfilled",
            Self::Overdue => "overdue",
            Self::Missing => "missing",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ItemCompliance {
    pub item: ListItem,
    pub status: ItemStatus,
    /// Public, active datasets linked to the item.
    pub datasets: Vec<Arc<Dataset>>,
}

#[derive(Debug, Clone)]
pub struct Compliance {
    pub items: Vec<ItemCompliance>,
    /// When the list in force was imported; `None` for the built-in list.
    pub list_imported: Option<Timestamp>,
    /// Publisher id → (items fulfilled, items only overdue) by its datasets.
    pub by_publisher: BTreeMap<String, (usize, usize)>,
}

impl Compliance {
    pub fn count(&self, status: ItemStatus) -> usize {
        self.items.iter().filter(|i| i.status == status).count()
    }
}

impl Portal {
    /// Every active dataset the viewer may read (private ones included for
    /// those allowed), from the catalog.
    pub(crate) fn readable_datasets(
        &self,
        viewer: &Viewer,
        include_private: bool,
    ) -> Result<Vec<Arc<Dataset>>> {
        let all = self.catalog.read(|ix| ix.len());
        let query = SearchQuery {
            rows: all.max(1),
            sort: Some("name asc".into()),
            include_private,
            ..SearchQuery::at(misto_core::time::now())
        };
        Ok(self.search_datasets(viewer, &query)?.results)
    }

    /// Datasets that are overdue, or due within `horizon_days`, soonest
    /// first; optionally of one publisher. Private datasets are included for
    /// those who may read them (publishers need to see their own).
    pub fn overdue_list(
        &self,
        viewer: &Viewer,
        publisher: Option<&str>,
        horizon_days: i64,
        now: Timestamp,
    ) -> Result<Vec<DueEntry>> {
        let publisher_id = match publisher {
            Some(p) => Some(self.show_publisher(p)?.id),
            None => None,
        };
        if !(0..=3660).contains(&horizon_days) {
            return Err(ActionError::invalid(
                "horizon_days",
                "Must be between 0 and 3660",
            ));
        }
        let horizon = now + chrono::Duration::days(horizon_days);
        let mut out: Vec<DueEntry> = self
            .readable_datasets(viewer, true)?
            .into_iter()
            .filter(|d| d.state == DatasetState::Active)
            .filter(|d| publisher_id.as_ref().is_none_or(|p| &d.owner_org == p))
            .filter_map(|d| {
                let due = d.next_update_due()?;
                let status = if due < now {
                    DueStatus::Overdue
                } else if due <= horizon {
                    DueStatus::DueSoon
                } else {
                    return None;
                };
                Some(DueEntry {
                    dataset: d,
                    due,
                    status,
                })
            })
            .collect();
        out.sort_by(|a, b| {
            a.due
                .cmp(&b.due)
                .then_with(|| a.dataset.name.cmp(&b.dataset.name))
        });
        Ok(out)
    }

    /// Resolution 835 compliance of the public catalog: only public, active
    /// datasets count as published. With `publisher`, only that publisher's
    /// datasets count.
    pub fn compliance(&self, publisher: Option<&str>, now: Timestamp) -> Result<Compliance> {
        let publisher_id = match publisher {
            Some(p) => Some(self.show_publisher(p)?.id),
            None => None,
        };
        let list = self.resolution835_list();
        let public = self.readable_datasets(&Viewer::anonymous(), false)?;
        let mut by_item: BTreeMap<String, Vec<Arc<Dataset>>> = BTreeMap::new();
        for d in public {
            let Some(item) = d.resolution_835_item.as_deref().and_then(|i| list.find(i)) else {
                continue;
            };
            if publisher_id.as_ref().is_some_and(|p| &d.owner_org != p) {
                continue;
            }
            by_item.entry(item.id.clone()).or_default().push(d);
        }
        let mut by_publisher: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        let items = list
            .items
            .iter()
            .map(|item| {
                let datasets = by_item.remove(&item.id).unwrap_or_default();
                let status = if datasets.is_empty() {
                    ItemStatus::Missing
                } else if datasets.iter().any(|d| !d.is_overdue(now)) {
                    ItemStatus::Fulfilled
                } else {
                    ItemStatus::Overdue
                };
                let mut publishers: Vec<&str> =
                    datasets.iter().map(|d| d.owner_org.as_str()).collect();
                publishers.sort_unstable();
                publishers.dedup();
                for p in publishers {
                    let fresh = datasets
                        .iter()
                        .any(|d| d.owner_org == p && !d.is_overdue(now));
                    let e = by_publisher.entry(p.to_string()).or_default();
                    if fresh {
                        e.0 += 1;
                    } else {
                        e.1 += 1;
                    }
                }
                ItemCompliance {
                    item: item.clone(),
                    status,
                    datasets,
                }
            })
            .collect();
        Ok(Compliance {
            items,
            list_imported: list.imported,
            by_publisher,
        })
    }
}
