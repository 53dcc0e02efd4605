//! Dashboards: coordinators compose them from charts over datastore tables
//! and key figures of the catalog. Sysadmins make dashboards of the whole
//! portal and of any publisher; a publisher's admins make dashboards of
//! their publisher, whose charts draw only on that publisher's datasets.
//! A public dashboard is seen by everyone (and rotates in the kiosk); a
//! private one only by those who may change it, and to everyone else it
//! does not exist.
//!
//! A tile is checked when it is saved (the resource is readable by the one
//! saving, has a live datastore table with the columns named, and the
//! filters are valid), and again whenever it is shown, with the viewer's
//! rights: [`Portal::dashboard_tile_table`] answers `None` for a resource
//! that has since become private, been deleted or lost its table, so the
//! page says the data are not available and shows nothing of them. Every
//! dashboard handed out (`show_dashboard`, `list_dashboards`, whichever
//! door) has such tiles [redacted](redact_tile) for the viewer: no
//! resource id, columns or filter values of a dataset they may not read.
//! Only the editor reads the stored definition ([`Portal::managed_dashboard`]).

use std::collections::HashSet;
use std::sync::Arc;

use chrono::Datelike;
use misto_core::auth::can_read_dataset;
use misto_core::dashboard::{
    AGGREGATES, CHART_KINDS, Dashboard, KeyFigure, MAX_FILTERS, MAX_TILES, RESERVED_NAMES, Tile,
    TileKind,
};
use misto_core::datastore::DatastoreTable;
use misto_core::names::{is_valid_name, slugify};
use misto_core::time::now;
use misto_core::usage::UsageKind;
use misto_core::{Dataset, EntityState, FieldErrors, Resource, Viewer};
use misto_search::SearchQuery;
use serde_json::Value;

use crate::datastore::{ACTIVE_EXTRA, Aggregate, SearchParams};
use crate::{ActionError, Portal, Result, new_id};

/// What a caller gives to create or replace a dashboard.
#[derive(Debug, Clone, Default)]
pub struct DashboardInput {
    /// URL name; when empty, the earlier name on update, else made from
    /// the title.
    pub name: Option<String>,
    pub title: String,
    pub title_en: String,
    pub description: String,
    pub description_en: String,
    /// Publisher id or name; `None` for the whole portal (sysadmins only).
    pub owner_org: Option<String>,
    pub public: bool,
    /// In order; tiles without an id get one.
    pub tiles: Vec<Tile>,
}

impl DashboardInput {
    /// The input that saves `d` unchanged (to edit one part of it).
    pub fn from_dashboard(d: &Dashboard) -> Self {
        Self {
            name: Some(d.name.clone()),
            title: d.title.clone(),
            title_en: d.title_en.clone(),
            description: d.description.clone(),
            description_en: d.description_en.clone(),
            owner_org: d.owner_org.clone(),
            public: d.public,
            tiles: d.tiles.clone(),
        }
    }
}

/// A change of one tile's place, for the editor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileMove {
    Up,
    Down,
    Remove,
}

/// The key figures of the public catalog.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyFigures {
    pub datasets: usize,
    pub datasets_quarter: usize,
    /// `2026 Q4`.
    pub quarter: String,
    pub overdue: usize,
    pub resources: usize,
    pub publishers: usize,
    pub downloads_month: i64,
    pub views_month: i64,
    pub datastore_tables: usize,
}

impl KeyFigures {
    /// The share of datasets overdue, in percent (0 without datasets).
    pub fn overdue_share(&self) -> f64 {
        if self.datasets == 0 {
            0.0
        } else {
            self.overdue as f64 * 100.0 / self.datasets as f64
        }
    }

    /// The value of one figure.
    pub fn value(&self, k: KeyFigure) -> f64 {
        match k {
            KeyFigure::Datasets => self.datasets as f64,
            KeyFigure::DatasetsQuarter => self.datasets_quarter as f64,
            KeyFigure::OverdueShare => self.overdue_share(),
            KeyFigure::Resources => self.resources as f64,
            KeyFigure::Publishers => self.publishers as f64,
            KeyFigure::DownloadsMonth => self.downloads_month as f64,
            KeyFigure::ViewsMonth => self.views_month as f64,
            KeyFigure::DatastoreTables => self.datastore_tables as f64,
        }
    }
}

/// A resource a chart tile may draw from, for the editor's list.
#[derive(Debug, Clone)]
pub struct ChartSource {
    pub dataset_id: String,
    pub dataset_name: String,
    pub dataset_title: String,
    pub dataset_title_en: Option<String>,
    pub resource: Resource,
}

/// Whether the viewer may change the dashboard (and so see it when private).
pub fn may_manage(viewer: &Viewer, d: &Dashboard) -> bool {
    viewer.sysadmin
        || d.owner_org
            .as_deref()
            .is_some_and(|o| !viewer.is_anonymous() && viewer.can_admin(o))
}

/// Empties what a chart tile says of data the viewer may not read: the
/// resource (so its dataset), the columns and the filter values. The kind
/// of chart, the aggregate and the title stay.
pub fn redact_tile(t: &mut Tile) {
    if let TileKind::Chart {
        resource_id,
        x,
        y,
        filters,
        ..
    } = &mut t.kind
    {
        resource_id.clear();
        x.clear();
        y.clear();
        filters.clear();
    }
}

fn chars_between(field: &str, v: &str, min: usize, max: usize, errors: &mut FieldErrors) {
    let n = v.chars().count();
    if n < min || n > max {
        if min == 0 {
            errors.add(field, format!("Must be at most {max} characters"));
        } else {
            errors.add(field, format!("Must be {min} to {max} characters"));
        }
    }
}

fn aggregate_of(agg: &str) -> Aggregate {
    match agg {
        "sum" => Aggregate::Sum,
        "avg" => Aggregate::Avg,
        _ => Aggregate::Count,
    }
}

/// The search parameters of a chart tile's filters.
pub fn tile_filters(filters: &[(String, String)]) -> SearchParams {
    SearchParams {
        filters: filters
            .iter()
            .map(|(c, v)| (c.clone(), vec![Value::String(v.clone())]))
            .collect(),
        ..SearchParams::default()
    }
}

impl Portal {
    fn owner_id(&self, actor: &Viewer, owner: Option<&str>) -> Result<Option<String>> {
        let owner = owner.map(str::trim).filter(|o| !o.is_empty());
        match owner {
            None => {
                if actor.sysadmin {
                    Ok(None)
                } else {
                    Err(ActionError::denied(
                        "only sysadmins make dashboards of the whole portal; name your publisher in owner_org",
                    ))
                }
            }
            Some(o) => {
                let p = self
                    .show_publisher(o)
                    .map_err(|_| ActionError::invalid("owner_org", "No such publisher"))?;
                if actor.is_anonymous() || !actor.can_admin(&p.id) {
                    return Err(ActionError::denied(
                        "only the publisher's admins and sysadmins make its dashboards",
                    ));
                }
                Ok(Some(p.id))
            }
        }
    }

    /// Checks one chart tile with the actor's rights: returns a message
    /// when it cannot be drawn.
    async fn check_chart(&self, actor: &Viewer, owner: Option<&str>, t: &Tile) -> Option<String> {
        let TileKind::Chart {
            resource_id,
            chart,
            x,
            agg,
            y,
            filters,
        } = &t.kind
        else {
            return None;
        };
        if !CHART_KINDS.contains(&chart.as_str()) {
            return Some(format!(
                "the chart must be one of {}",
                CHART_KINDS.join(", ")
            ));
        }
        if !AGGREGATES.contains(&agg.as_str()) {
            return Some(format!(
                "the aggregate must be one of {}",
                AGGREGATES.join(", ")
            ));
        }
        if filters.len() > MAX_FILTERS {
            return Some(format!("at most {MAX_FILTERS} filters"));
        }
        if filters.iter().any(|(c, v)| c.is_empty() || v.is_empty()) {
            return Some("a filter needs a column and a value".into());
        }
        let Ok((d, r)) = self.show_resource(actor, resource_id) else {
            return Some(format!("resource {resource_id} was not found"));
        };
        if r.state != EntityState::Active {
            return Some(format!("resource {resource_id} was not found"));
        }
        if let Some(o) = owner
            && d.owner_org != o
        {
            return Some("a publisher's dashboard draws only on its own datasets".into());
        }
        let y = (agg != "count").then_some(y.as_str());
        if y.is_some_and(str::is_empty) {
            return Some("give the number column to add up or average (y)".into());
        }
        // The same query the tile will run, so whatever it refuses is refused now.
        match self
            .datastore_aggregate(
                actor,
                resource_id,
                &tile_filters(filters),
                x,
                aggregate_of(agg),
                y,
            )
            .await
        {
            Ok(_) => None,
            Err(ActionError::NotFound(_)) => {
                Some(format!("resource {resource_id} has no datastore table yet"))
            }
            Err(ActionError::Validation(f)) => Some(
                f.0.into_iter()
                    .flat_map(|(field, msgs)| {
                        msgs.into_iter().map(move |m| format!("{field}: {m}"))
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            Err(e) => {
                tracing::warn!(resource = %resource_id, error = %e, "dashboard tile check failed");
                Some("the chart could not be computed".into())
            }
        }
    }

    /// Validates an input into a dashboard (keeping `id`, `created` and the
    /// creator of an earlier version).
    async fn build_dashboard(
        &self,
        actor: &Viewer,
        input: DashboardInput,
        earlier: Option<&Dashboard>,
    ) -> Result<Dashboard> {
        let owner = self.owner_id(actor, input.owner_org.as_deref())?;
        let mut errors = FieldErrors::new();
        let title = input.title.trim().to_string();
        chars_between("title", &title, 3, 200, &mut errors);
        let title_en = input.title_en.trim().to_string();
        chars_between("title_en", &title_en, 0, 200, &mut errors);
        let description = input.description.trim().to_string();
        chars_between("description", &description, 0, 5000, &mut errors);
        let description_en = input.description_en.trim().to_string();
        chars_between("description_en", &description_en, 0, 5000, &mut errors);
        let name = input
            .name
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .or_else(|| earlier.map(|e| e.name.clone()))
            .unwrap_or_else(|| slugify(&title));
        if !is_valid_name(&name) {
            errors.add(
                "name",
                "Must be 2 to 100 characters of lowercase latin letters, digits, - and _",
            );
        } else if RESERVED_NAMES.contains(&name.as_str()) {
            errors.add("name", "That URL is already in use.");
        }
        let mut tiles = input.tiles;
        if tiles.len() > MAX_TILES {
            errors.add(
                "tiles",
                format!("A dashboard has at most {MAX_TILES} tiles"),
            );
        }
        let mut seen = HashSet::new();
        for (i, t) in tiles.iter_mut().enumerate() {
            let n = i + 1;
            t.id = t.id.trim().to_string();
            if t.id.is_empty() || t.id.len() > 40 || !seen.insert(t.id.clone()) {
                t.id = new_id()[..8].to_string();
                seen.insert(t.id.clone());
            }
            t.title = t.title.trim().to_string();
            t.title_en = t.title_en.trim().to_string();
            if t.title.chars().count() > 200 || t.title_en.chars().count() > 200 {
                errors.add(
                    "tiles",
                    format!("Tile {n}: the title is at most 200 characters"),
                );
            }
            if let TileKind::Chart {
                resource_id,
                x,
                y,
                agg,
                filters,
                ..
            } = &mut t.kind
            {
                *resource_id = resource_id.trim().to_string();
                *x = x.trim().to_string();
                *y = y.trim().to_string();
                if agg.as_str() == "count" {
                    y.clear();
                }
                for (c, v) in filters.iter_mut() {
                    *c = c.trim().to_string();
                    *v = v.trim().to_string();
                }
            }
            // A tile saved before unchanged is not computed again.
            let unchanged = earlier.is_some_and(|e| {
                e.owner_org == owner
                    && e.tiles
                        .iter()
                        .any(|old| old.id == t.id && old.kind == t.kind)
            });
            if !unchanged && let Some(m) = self.check_chart(actor, owner.as_deref(), t).await {
                errors.add("tiles", format!("Tile {n}: {m}"));
            }
        }
        for (n, t) in tiles.iter().enumerate() {
            if let Some(m) = misto_core::validate::text_fields(t)
                .0
                .into_values()
                .flatten()
                .next()
            {
                errors.add("tiles", format!("Tile {}: {m}", n + 1));
            }
        }
        for (field, value) in [
            ("name", &name),
            ("title", &title),
            ("title_en", &title_en),
            ("description", &description),
            ("description_en", &description_en),
        ] {
            misto_core::validate::text(&mut errors, field, value);
        }
        errors.into_result()?;
        let at = now();
        Ok(Dashboard {
            id: earlier.map_or_else(new_id, |e| e.id.clone()),
            name,
            title,
            title_en,
            description,
            description_en,
            owner_org: owner,
            public: input.public,
            tiles,
            creator: earlier.map_or_else(|| actor.user_id.clone(), |e| e.creator.clone()),
            created: earlier.map_or(at, |e| e.created),
            modified: at,
        })
    }

    /// `dashboard_create`.
    pub async fn create_dashboard(
        &self,
        actor: &Viewer,
        input: DashboardInput,
    ) -> Result<Dashboard> {
        let d = self.build_dashboard(actor, input, None).await?;
        self.store.save_dashboard(&d).await?;
        Ok(d)
    }

    /// A dashboard the actor may change, as stored (for the editor: every
    /// tile's definition, also those the actor may no longer read).
    pub async fn managed_dashboard(&self, actor: &Viewer, id_or_name: &str) -> Result<Dashboard> {
        let d = self.visible_dashboard(actor, id_or_name).await?;
        if !may_manage(actor, &d) {
            return Err(ActionError::denied(
                "only the dashboard's publisher admins and sysadmins change it",
            ));
        }
        Ok(d)
    }

    /// `dashboard_update`: replaces the whole dashboard.
    pub async fn update_dashboard(
        &self,
        actor: &Viewer,
        id_or_name: &str,
        input: DashboardInput,
    ) -> Result<Dashboard> {
        let old = self.managed_dashboard(actor, id_or_name).await?;
        let d = self.build_dashboard(actor, input, Some(&old)).await?;
        self.store.save_dashboard(&d).await?;
        Ok(d)
    }

    /// Adds a tile at the end.
    pub async fn add_dashboard_tile(
        &self,
        actor: &Viewer,
        id_or_name: &str,
        tile: Tile,
    ) -> Result<Dashboard> {
        let old = self.managed_dashboard(actor, id_or_name).await?;
        let mut input = DashboardInput::from_dashboard(&old);
        input.tiles.push(tile);
        let d = self.build_dashboard(actor, input, Some(&old)).await?;
        self.store.save_dashboard(&d).await?;
        Ok(d)
    }

    /// Moves a tile one place up or down, or removes it.
    pub async fn move_dashboard_tile(
        &self,
        actor: &Viewer,
        id_or_name: &str,
        tile_id: &str,
        how: TileMove,
    ) -> Result<Dashboard> {
        let old = self.managed_dashboard(actor, id_or_name).await?;
        let mut input = DashboardInput::from_dashboard(&old);
        let i = input
            .tiles
            .iter()
            .position(|t| t.id == tile_id)
            .ok_or_else(|| ActionError::not_found("tile"))?;
        match how {
            TileMove::Up if i > 0 => input.tiles.swap(i, i - 1),
            TileMove::Down if i + 1 < input.tiles.len() => input.tiles.swap(i, i + 1),
            TileMove::Remove => {
                input.tiles.remove(i);
            }
            _ => return Ok(old),
        }
        let d = self.build_dashboard(actor, input, Some(&old)).await?;
        self.store.save_dashboard(&d).await?;
        Ok(d)
    }

    /// `dashboard_delete`.
    pub async fn delete_dashboard(&self, actor: &Viewer, id_or_name: &str) -> Result<Dashboard> {
        let d = self.managed_dashboard(actor, id_or_name).await?;
        self.store.delete_dashboard(&d.id).await?;
        Ok(d)
    }

    /// A public dashboard, or a private one the viewer may change, as stored.
    async fn visible_dashboard(&self, viewer: &Viewer, id_or_name: &str) -> Result<Dashboard> {
        if id_or_name.trim().is_empty() {
            return Err(ActionError::missing("id"));
        }
        self.store
            .find_dashboard(id_or_name.trim())
            .await?
            .filter(|d| d.public || may_manage(viewer, d))
            .ok_or_else(|| ActionError::not_found("dashboard"))
    }

    /// `dashboard_show`: a public dashboard, or a private one the viewer
    /// may change; any other does not exist for them. Chart tiles over a
    /// resource the viewer may not read are [`redacted`](redact_tile).
    pub async fn show_dashboard(&self, viewer: &Viewer, id_or_name: &str) -> Result<Dashboard> {
        let mut d = self.visible_dashboard(viewer, id_or_name).await?;
        self.redact_tiles(viewer, &mut d);
        Ok(d)
    }

    /// `dashboard_list`: the public dashboards and the private ones the
    /// viewer may change, by title, redacted as [`Portal::show_dashboard`].
    pub async fn list_dashboards(&self, viewer: &Viewer) -> Result<Vec<Dashboard>> {
        let mut all = self.store.list_dashboards().await?;
        all.retain(|d| d.public || may_manage(viewer, d));
        for d in &mut all {
            self.redact_tiles(viewer, d);
        }
        Ok(all)
    }

    /// Whether the viewer may read the resource of a chart tile now: its
    /// dataset by `can_read_dataset`; a deleted resource, like a deleted
    /// dataset, only by those who may edit the dataset.
    pub fn may_read_tile(&self, viewer: &Viewer, tile: &Tile) -> bool {
        match tile.resource_id() {
            None => true,
            Some(rid) => self.show_resource(viewer, rid).is_ok_and(|(d, r)| {
                can_read_dataset(viewer, &d)
                    && (r.state == EntityState::Active || viewer.can_edit_in(&d.owner_org))
            }),
        }
    }

    /// Redacts the chart tiles of `d` the viewer may not read (for answers
    /// built from a dashboard just saved).
    pub fn redact_tiles(&self, viewer: &Viewer, d: &mut Dashboard) {
        for t in &mut d.tiles {
            if !self.may_read_tile(viewer, t) {
                redact_tile(t);
            }
        }
    }

    /// The resource and live table a chart tile draws from, when the viewer
    /// may read them now; `None` when the resource is private to them,
    /// deleted, or has no table (the tile then shows no data).
    pub async fn dashboard_tile_table(
        &self,
        viewer: &Viewer,
        tile: &Tile,
    ) -> Option<(Arc<Dataset>, Resource, DatastoreTable)> {
        let rid = tile.resource_id()?;
        let (d, r) = self.show_resource(viewer, rid).ok()?;
        if r.state != EntityState::Active {
            return None;
        }
        match self.store.ds_table(rid).await {
            Ok(t) => t.filter(DatastoreTable::is_active).map(|t| (d, r, t)),
            Err(e) => {
                tracing::warn!(resource = %rid, error = %e, "dashboard tile table unavailable");
                None
            }
        }
    }

    /// Resources with a live datastore table that the actor may chart on a
    /// dashboard of `owner` (a publisher id; `None`: any readable one), by
    /// dataset title.
    pub fn dashboard_chart_sources(&self, actor: &Viewer, owner: Option<&str>) -> Vec<ChartSource> {
        let mut q = SearchQuery::at(now());
        q.include_private = true;
        q.rows = 0;
        let Ok(count) = self.search_datasets(actor, &q).map(|r| r.count) else {
            return Vec::new();
        };
        q.rows = count;
        q.sort = Some("title_string asc".into());
        let Ok(found) = self.search_datasets(actor, &q) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for d in &found.results {
            if owner.is_some_and(|o| d.owner_org != o) {
                continue;
            }
            for r in &d.resources {
                if r.state == EntityState::Active
                    && r.extras.get(ACTIVE_EXTRA) == Some(&Value::Bool(true))
                {
                    out.push(ChartSource {
                        dataset_id: d.id.clone(),
                        dataset_name: d.name.clone(),
                        dataset_title: d.title.clone(),
                        dataset_title_en: d.title_en.clone(),
                        resource: r.clone(),
                    });
                }
            }
        }
        out
    }

    /// The key figures over what the public may read.
    pub async fn key_figures(&self) -> Result<KeyFigures> {
        let at = now();
        let anon = Viewer::anonymous();
        let mut q = SearchQuery::at(at);
        q.rows = 0;
        let count = self.search_datasets(&anon, &q)?.count;
        q.rows = count;
        q.sort = Some("id asc".into());
        let all = self.search_datasets(&anon, &q)?.results;
        let quarter = at.month0() / 3;
        let mut f = KeyFigures {
            datasets: count,
            quarter: format!("{} Q{}", at.year(), quarter + 1),
            ..KeyFigures::default()
        };
        let mut publishers = HashSet::new();
        for d in &all {
            if d.metadata_created.year() == at.year() && d.metadata_created.month0() / 3 == quarter
            {
                f.datasets_quarter += 1;
            }
            if d.is_overdue(at) {
                f.overdue += 1;
            }
            publishers.insert(d.owner_org.clone());
            for r in d
                .resources
                .iter()
                .filter(|r| r.state == EntityState::Active)
            {
                f.resources += 1;
                if r.extras.get(ACTIVE_EXTRA) == Some(&Value::Bool(true)) {
                    f.datastore_tables += 1;
                }
            }
        }
        f.publishers = publishers.len();
        let today = at.date_naive();
        let first = today.with_day(1).unwrap_or(today);
        let counts = self.store.usage_between(first, today).await?;
        self.catalog.read(|ix| {
            for c in counts.iter().filter(|c| !c.bot) {
                let public = ix
                    .get(&c.dataset_id)
                    .is_some_and(|d| can_read_dataset(&anon, d));
                match c.kind {
                    UsageKind::Download if public => f.downloads_month += c.hits,
                    UsageKind::DatasetView if public => f.views_month += c.hits,
                    _ => {}
                }
            }
        });
        Ok(f)
    }
}
