//! Usage analytics without personal data: views of dataset and resource
//! pages, downloads, API calls per action, search terms and the searches
//! that found nothing, per UTC day.
//!
//! The HTTP layer calls the `count_*` methods; they only add to a map in
//! memory (no IO on the request path). [`Portal::flush_usage`] moves the
//! counts to the store as `(day, kind, item, bot) += hits` upserts; `misto
//! serve` flushes every [`FLUSH_EVERY`] (sooner when the map fills up) and
//! once more on shutdown, and `usage_stats_show` flushes first so a reader
//! sees this process's latest counts. Addresses and user agents are never
//! kept: the user agent only decides whether a hit is a bot's
//! ([`misto_core::usage::is_bot`]), and bots are counted in rows of their
//! own.
//!
//! Reports: coordinators (sysadmins) see everything; a publisher's editors
//! see the dataset, resource and download counts of their publishers'
//! datasets; everyone sees the all-time totals of a dataset they may read.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use chrono::NaiveDate;
use misto_core::Viewer;
use misto_core::usage::{UsageCount, UsageKind, is_bot, normalise_search_term};

use crate::{ActionError, Portal, Result};

/// How often `misto serve` writes the counts kept in memory.
pub const FLUSH_EVERY: Duration = Duration::from_secs(60);
/// Distinct pending counts that make the flusher run early.
const FLUSH_EARLY: usize = 20_000;
/// Distinct pending counts beyond which new items are dropped (a flood of
/// made-up search terms must not exhaust memory while the store is down).
const MAX_PENDING: usize = 200_000;
/// The longest period a report covers.
pub const MAX_DAYS: i64 = 366;

type Key = (NaiveDate, UsageKind, String, bool);

/// The counts not yet written to the store.
#[derive(Default)]
pub struct UsageCounter {
    pending: Mutex<HashMap<Key, (String, i64)>>,
    full: tokio::sync::Notify,
}

impl UsageCounter {
    fn add(&self, day: NaiveDate, kind: UsageKind, item: &str, dataset_id: &str, bot: bool) {
        let Ok(mut map) = self.pending.lock() else {
            return;
        };
        let key = (day, kind, item.to_string(), bot);
        if let Some(v) = map.get_mut(&key) {
            v.1 += 1;
            return;
        }
        if map.len() >= MAX_PENDING {
            self.full.notify_one();
            return;
        }
        map.insert(key, (dataset_id.to_string(), 1));
        if map.len() >= FLUSH_EARLY {
            self.full.notify_one();
        }
    }

    fn take(&self) -> Vec<UsageCount> {
        let Ok(mut map) = self.pending.lock() else {
            return Vec::new();
        };
        std::mem::take(&mut *map)
            .into_iter()
            .map(|((day, kind, item, bot), (dataset_id, hits))| UsageCount {
                day,
                kind,
                item,
                dataset_id,
                bot,
                hits,
            })
            .collect()
    }

    /// Puts counts that could not be written back (they add up with the
    /// ones counted meanwhile).
    fn restore(&self, counts: Vec<UsageCount>) {
        let Ok(mut map) = self.pending.lock() else {
            return;
        };
        for c in counts {
            map.entry((c.day, c.kind, c.item, c.bot))
                .or_insert((c.dataset_id, 0))
                .1 += c.hits;
        }
    }
}

fn today() -> NaiveDate {
    misto_core::time::now().date_naive()
}

/// Totals per kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Totals {
    pub dataset_views: i64,
    pub resource_views: i64,
    pub downloads: i64,
    pub api_calls: i64,
    pub searches: i64,
    pub zero_result_searches: i64,
}

impl Totals {
    fn add(&mut self, kind: UsageKind, hits: i64) {
        match kind {
            UsageKind::DatasetView => self.dataset_views += hits,
            UsageKind::ResourceView => self.resource_views += hits,
            UsageKind::Download => self.downloads += hits,
            UsageKind::Api => self.api_calls += hits,
            UsageKind::Search => self.searches += hits,
            UsageKind::SearchZero => self.zero_result_searches += hits,
        }
    }
}

/// One day of a report: human counts per kind, and all bot hits together.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DayTotals {
    pub day: NaiveDate,
    pub totals: Totals,
    pub bots: i64,
}

/// A dataset or resource in a ranking.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Ranked {
    pub id: String,
    /// Title of the dataset, name of the resource (the id when unknown).
    pub label: String,
    /// The dataset (itself, or the resource's), its id and URL name.
    pub dataset_id: String,
    pub dataset_name: Option<String>,
    pub views: i64,
    pub downloads: i64,
}

/// A search term or an API action with its count.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TermCount {
    pub term: String,
    pub hits: i64,
}

/// What a report covers.
#[derive(Debug, Clone, Default)]
pub struct UsageQuery {
    /// First day; `end - 29 days` by default.
    pub start: Option<NaiveDate>,
    /// Last day; today (UTC) by default.
    pub end: Option<NaiveDate>,
    /// Days up to `end` (used when `start` is not given; default 30).
    pub days: Option<i64>,
    /// Entries per ranking (1 to 100, default 10).
    pub limit: Option<usize>,
}

/// The usage report a coordinator or publisher reads.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UsageReport {
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// True for coordinators (every count); false for a publisher's
    /// editors (their datasets only, no API calls or searches).
    pub everything: bool,
    /// Human hits per kind; bots apart.
    pub totals: Totals,
    pub bots: Totals,
    /// Every day of the period, oldest first, zeros included.
    pub daily: Vec<DayTotals>,
    pub most_viewed: Vec<Ranked>,
    pub most_downloaded: Vec<Ranked>,
    pub resources: Vec<Ranked>,
    pub api_calls: Vec<TermCount>,
    pub searches: Vec<TermCount>,
    pub zero_result_searches: Vec<TermCount>,
    /// The rows behind it all (bots included), with a label, for export.
    pub rows: Vec<(UsageCount, String)>,
}

/// All-time human counts of one dataset and its resources.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DatasetUsage {
    pub dataset_id: String,
    pub views: i64,
    pub downloads: i64,
    /// `(resource id, views, downloads)` of each resource with any.
    pub resources: Vec<(String, i64, i64)>,
}

impl Portal {
    /// Counts one hit of `kind` on `item` (today, UTC). No IO.
    pub fn count_usage(
        &self,
        kind: UsageKind,
        item: &str,
        dataset_id: &str,
        user_agent: Option<&str>,
    ) {
        if item.is_empty() {
            return;
        }
        self.usage
            .add(today(), kind, item, dataset_id, is_bot(user_agent));
    }

    /// A dataset page was shown.
    pub fn count_dataset_view(&self, dataset_id: &str, user_agent: Option<&str>) {
        self.count_usage(UsageKind::DatasetView, dataset_id, dataset_id, user_agent);
    }

    /// A resource page was shown.
    pub fn count_resource_view(&self, dataset_id: &str, resource_id: &str, ua: Option<&str>) {
        self.count_usage(UsageKind::ResourceView, resource_id, dataset_id, ua);
    }

    /// A file of a resource was downloaded (`resource` is its id; the
    /// dataset is looked up, and unknown resources are not counted).
    pub fn count_download(&self, resource_id: &str, user_agent: Option<&str>) {
        let dataset = self
            .catalog
            .read(|ix| ix.dataset_for_resource(resource_id).map(|d| d.id.clone()));
        if let Some(d) = dataset {
            self.count_usage(UsageKind::Download, resource_id, &d, user_agent);
        }
    }

    /// An API action was called (the caller passes only known names).
    pub fn count_api_call(&self, action: &str, user_agent: Option<&str>) {
        self.count_usage(UsageKind::Api, action, "", user_agent);
    }

    /// A search from the search page with `found` results. Terms that may
    /// identify a person are not counted (see `normalise_search_term`).
    pub fn count_search(&self, q: &str, found: usize, user_agent: Option<&str>) {
        let Some(term) = normalise_search_term(q) else {
            return;
        };
        self.count_usage(UsageKind::Search, &term, "", user_agent);
        if found == 0 {
            self.count_usage(UsageKind::SearchZero, &term, "", user_agent);
        }
    }

    /// Writes the counts kept in memory to the store; returns how many
    /// rows were written. On failure the counts stay in memory.
    pub async fn flush_usage(&self) -> Result<usize> {
        let counts = self.usage.take();
        if counts.is_empty() {
            return Ok(0);
        }
        match self.store.add_usage(&counts).await {
            Ok(()) => Ok(counts.len()),
            Err(e) => {
                self.usage.restore(counts);
                Err(e.into())
            }
        }
    }

    /// Flushes every `every` (or sooner when many counts wait) until the
    /// task is dropped. Call [`Portal::flush_usage`] once more on shutdown.
    pub fn spawn_usage_flusher(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let portal = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    () = portal.usage.full.notified() => {}
                }
                if let Err(e) = portal.flush_usage().await {
                    tracing::warn!(error = %e, "could not write the usage counts");
                }
            }
        })
    }

    /// All-time counts (bots left out) of a dataset the viewer may read.
    pub async fn dataset_usage(&self, viewer: &Viewer, id_or_name: &str) -> Result<DatasetUsage> {
        let d = self.show_dataset(viewer, id_or_name)?;
        let mut out = DatasetUsage {
            dataset_id: d.id.clone(),
            ..DatasetUsage::default()
        };
        let mut per_resource: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        for c in self.store.usage_of_dataset(&d.id).await? {
            if c.bot {
                continue;
            }
            match c.kind {
                UsageKind::DatasetView => out.views += c.hits,
                UsageKind::ResourceView => per_resource.entry(c.item).or_default().0 += c.hits,
                UsageKind::Download => {
                    out.downloads += c.hits;
                    per_resource.entry(c.item).or_default().1 += c.hits;
                }
                _ => {}
            }
        }
        let active: HashSet<&str> = d.active_resources().map(|r| r.id.as_str()).collect();
        out.resources = per_resource
            .into_iter()
            .filter(|(id, _)| active.contains(id.as_str()))
            .map(|(id, (v, dl))| (id, v, dl))
            .collect();
        Ok(out)
    }

    /// Whether the viewer may read a usage report at all: coordinators,
    /// and editors of at least one publisher.
    pub fn may_read_usage(viewer: &Viewer) -> bool {
        viewer.sysadmin || viewer.roles.keys().any(|p| viewer.can_edit_in(p))
    }

    /// The usage report for the viewer's scope (see the module docs).
    pub async fn usage_report(&self, viewer: &Viewer, q: &UsageQuery) -> Result<UsageReport> {
        if !Self::may_read_usage(viewer) {
            return Err(ActionError::denied(
                "only coordinators and publishers read usage statistics",
            ));
        }
        let end = q.end.unwrap_or_else(today);
        let days = q.days.unwrap_or(30).max(1);
        let start = q
            .start
            .unwrap_or(end - chrono::Duration::days(days.saturating_sub(1)));
        if start > end {
            return Err(ActionError::invalid("start", "The start is after the end"));
        }
        if (end - start).num_days() >= MAX_DAYS {
            return Err(ActionError::invalid(
                "start",
                format!("A report covers at most {MAX_DAYS} days"),
            ));
        }
        let limit = q.limit.unwrap_or(10).clamp(1, 100);
        // This process's latest counts first (read-your-writes).
        if let Err(e) = self.flush_usage().await {
            tracing::warn!(error = %e, "could not write the usage counts");
        }
        let everything = viewer.sysadmin;
        let rows = self.store.usage_between(start, end).await?;

        // Labels and scope from the catalog.
        let mut labels: HashMap<String, (String, String, Option<String>)> = HashMap::new();
        let mut allowed: HashSet<String> = HashSet::new();
        self.catalog.read(|ix| {
            for c in &rows {
                if !c.kind.is_about_datasets() || labels.contains_key(&c.item) {
                    continue;
                }
                let Some(d) = ix.get(&c.dataset_id) else {
                    continue;
                };
                if viewer.can_edit_in(&d.owner_org) {
                    allowed.insert(d.id.clone());
                }
                let label = if c.kind == UsageKind::DatasetView {
                    d.title.clone()
                } else {
                    d.resources
                        .iter()
                        .find(|r| r.id == c.item)
                        .map(|r| {
                            if r.name.trim().is_empty() {
                                r.url.clone()
                            } else {
                                r.name.clone()
                            }
                        })
                        .unwrap_or_else(|| c.item.clone())
                };
                labels.insert(c.item.clone(), (label, d.id.clone(), Some(d.name.clone())));
            }
        });
        let visible = |c: &UsageCount| {
            if everything {
                true
            } else {
                c.kind.is_about_datasets() && allowed.contains(&c.dataset_id)
            }
        };

        let mut totals = Totals::default();
        let mut bots = Totals::default();
        let mut daily: BTreeMap<NaiveDate, DayTotals> = BTreeMap::new();
        let mut day = start;
        while day <= end {
            daily.insert(
                day,
                DayTotals {
                    day,
                    totals: Totals::default(),
                    bots: 0,
                },
            );
            day += chrono::Duration::days(1);
        }
        let mut datasets: HashMap<String, (i64, i64)> = HashMap::new();
        let mut resources: HashMap<String, (String, i64, i64)> = HashMap::new();
        let mut terms: [HashMap<String, i64>; 3] = Default::default();
        let mut kept = Vec::new();
        for c in rows.into_iter().filter(|c| visible(c)) {
            let label = labels
                .get(&c.item)
                .map(|l| l.0.clone())
                .unwrap_or_else(|| c.item.clone());
            if c.bot {
                bots.add(c.kind, c.hits);
                if let Some(d) = daily.get_mut(&c.day) {
                    d.bots += c.hits;
                }
                kept.push((c, label));
                continue;
            }
            totals.add(c.kind, c.hits);
            if let Some(d) = daily.get_mut(&c.day) {
                d.totals.add(c.kind, c.hits);
            }
            match c.kind {
                UsageKind::DatasetView => datasets.entry(c.item.clone()).or_default().0 += c.hits,
                UsageKind::ResourceView => {
                    resources
                        .entry(c.item.clone())
                        .or_insert_with(|| (c.dataset_id.clone(), 0, 0))
                        .1 += c.hits;
                }
                UsageKind::Download => {
                    datasets.entry(c.dataset_id.clone()).or_default().1 += c.hits;
                    resources
                        .entry(c.item.clone())
                        .or_insert_with(|| (c.dataset_id.clone(), 0, 0))
                        .2 += c.hits;
                }
                UsageKind::Api => *terms[0].entry(c.item.clone()).or_default() += c.hits,
                UsageKind::Search => *terms[1].entry(c.item.clone()).or_default() += c.hits,
                UsageKind::SearchZero => *terms[2].entry(c.item.clone()).or_default() += c.hits,
            }
            kept.push((c, label));
        }

        let ranked_dataset = |id: &String, (views, downloads): (i64, i64)| {
            let (label, dataset_name) = match labels.get(id) {
                Some((l, _, n)) => (l.clone(), n.clone()),
                None => self.catalog.read(|ix| match ix.get(id) {
                    Some(d) => (d.title.clone(), Some(d.name.clone())),
                    None => (id.clone(), None),
                }),
            };
            Ranked {
                id: id.clone(),
                label,
                dataset_id: id.clone(),
                dataset_name,
                views,
                downloads,
            }
        };
        let mut all: Vec<Ranked> = datasets
            .iter()
            .map(|(id, v)| ranked_dataset(id, *v))
            .collect();
        let top = |all: &mut Vec<Ranked>, by: fn(&Ranked) -> i64| -> Vec<Ranked> {
            all.sort_by(|a, b| by(b).cmp(&by(a)).then_with(|| a.label.cmp(&b.label)));
            all.iter()
                .filter(|r| by(r) > 0)
                .take(limit)
                .cloned()
                .collect()
        };
        let most_viewed = top(&mut all, |r| r.views);
        let most_downloaded = top(&mut all, |r| r.downloads);
        let mut res: Vec<Ranked> = resources
            .into_iter()
            .map(|(id, (dataset_id, views, downloads))| {
                let (label, _, dataset_name) =
                    labels
                        .get(&id)
                        .cloned()
                        .unwrap_or((id.clone(), String::new(), None));
                Ranked {
                    id,
                    label,
                    dataset_id,
                    dataset_name,
                    views,
                    downloads,
                }
            })
            .collect();
        res.sort_by(|a, b| {
            (b.downloads + b.views)
                .cmp(&(a.downloads + a.views))
                .then_with(|| a.label.cmp(&b.label))
        });
        res.truncate(limit);
        let [api, searches, zero] = terms.map(|m| {
            let mut v: Vec<TermCount> = m
                .into_iter()
                .map(|(term, hits)| TermCount { term, hits })
                .collect();
            v.sort_by(|a, b| b.hits.cmp(&a.hits).then_with(|| a.term.cmp(&b.term)));
            v.truncate(limit);
            v
        });
        Ok(UsageReport {
            start,
            end,
            everything,
            totals,
            bots,
            daily: daily.into_values().collect(),
            most_viewed,
            most_downloaded,
            resources: res,
            api_calls: api,
            searches,
            zero_result_searches: zero,
            rows: kept,
        })
    }
}

/// The rows of a report as CSV (UTF-8 with BOM): day, kind, item, label,
/// dataset, bot, hits. Cells starting with `= + - @` get a leading `'`.
pub fn usage_csv(r: &UsageReport) -> String {
    fn cell(s: &str) -> String {
        let s = if s.starts_with(['=', '+', '-', '@']) {
            format!("'{s}")
        } else {
            s.to_string()
        };
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    }
    let mut out = String::from("\u{feff}day,kind,item,label,dataset_id,bot,hits\r\n");
    for (c, label) in &r.rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\r\n",
            c.day.format("%Y-%m-%d"),
            c.kind.as_str(),
            cell(&c.item),
            cell(label),
            cell(&c.dataset_id),
            c.bot,
            c.hits
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_counts_add_up_and_come_back_after_a_failed_write() {
        let c = UsageCounter::default();
        let d = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
        c.add(d, UsageKind::DatasetView, "a", "a", false);
        c.add(d, UsageKind::DatasetView, "a", "a", false);
        c.add(d, UsageKind::DatasetView, "a", "a", true);
        c.add(d, UsageKind::Api, "package_show", "", false);
        let mut taken = c.take();
        taken.sort_by(|x, y| (x.kind, &x.item, x.bot).cmp(&(y.kind, &y.item, y.bot)));
        assert_eq!(taken.len(), 3);
        assert_eq!((taken[0].hits, taken[0].bot), (2, false));
        assert_eq!((taken[1].hits, taken[1].bot), (1, true));
        assert!(c.take().is_empty());
        c.add(d, UsageKind::Api, "package_show", "", false);
        c.restore(taken);
        let back = c.take();
        let api = back.iter().find(|x| x.kind == UsageKind::Api).unwrap();
        assert_eq!(api.hits, 2);
    }
}
