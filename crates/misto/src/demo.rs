//! Loads the demo city (crate `misto-demo`) through the portal's actions,
//! exactly as a publisher would create it.

use anyhow::Context;
use misto_actions::accounts::{NewUser, system_viewer};
use misto_actions::datasets::{DatasetInput, ResourceInput};
use misto_actions::publishers::PublisherInput;
use misto_actions::{Portal, Viewer};

fn one_chunk(
    data: Vec<u8>,
) -> impl futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>> {
    futures_util::stream::iter([Ok(bytes::Bytes::from(data))])
}

pub async fn is_empty(portal: &Portal) -> anyhow::Result<bool> {
    Ok(portal.store().count_datasets().await? == 0 && portal.list_publishers().is_empty())
}

fn err(e: misto_actions::ActionError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

pub async fn load(portal: &Portal) -> anyhow::Result<()> {
    let city = misto_demo::city(misto_core::time::now());
    let system = system_viewer();
    // The city's territory: the spatial coverage of its datasets in the
    // DCAT-AP and schema.org views.
    let mut settings = (*portal.site_settings()).clone();
    settings.katottg = city.katottg.clone();
    settings.place_name = city.name_uk.clone();
    settings.latitude = misto_demo::CENTRE.0.to_string();
    settings.longitude = misto_demo::CENTRE.1.to_string();
    portal
        .update_site_settings(&system, settings)
        .await
        .map_err(err)
        .context("site settings")?;
    for p in &city.publishers {
        portal
            .create_publisher(
                &system,
                PublisherInput {
                    id: None,
                    name: p.name.clone(),
                    title: Some(p.title.clone()),
                    title_en: Some(p.title_en.clone()),
                    description: Some(p.description.clone()),
                    edrpou: Some(p.edrpou.clone()),
                    kind: Some(p.kind.as_str().to_string()),
                    email: Some(p.email.clone()),
                    phone: Some(p.phone.clone()),
                    website: Some(p.website.clone()),
                    address: Some(p.address.clone()),
                    image_url: None,
                },
            )
            .await
            .map_err(err)
            .with_context(|| format!("publisher {}", p.name))?;
    }
    for u in &city.users {
        portal
            .create_user(
                &system,
                NewUser {
                    name: u.name.clone(),
                    email: u.email.clone(),
                    fullname: Some(u.fullname.clone()),
                    password: Some(u.password.clone()),
                    sysadmin: u.sysadmin,
                },
            )
            .await
            .map_err(err)
            .with_context(|| format!("user {}", u.name))?;
        for (publisher, role) in &u.memberships {
            portal
                .set_member(&system, publisher, &u.name, role.as_str())
                .await
                .map_err(err)?;
        }
    }
    let editor = first_editor(portal, &city).await?;
    for d in &city.datasets {
        let actor = editor
            .as_ref()
            .filter(|v| v.can_edit_in(&publisher_id(portal, &d.publisher)))
            .unwrap_or(&system);
        let input = DatasetInput {
            name: d.name.clone(),
            title: Some(d.title.clone()),
            title_en: Some(d.title_en.clone()),
            notes: Some(d.notes.clone()),
            owner_org: Some(d.publisher.clone()),
            private: d.private,
            state: Some(if d.draft { "draft" } else { "active" }.into()),
            license_id: Some(d.license_id.clone()),
            maintainer: Some(d.maintainer.clone()),
            maintainer_email: Some(d.maintainer_email.clone()),
            tags: d.tags.clone(),
            groups: d.themes.clone(),
            language: Some(d.language.clone()),
            update_frequency: Some(d.update_frequency.as_str().into()),
            purpose_of_collecting_information: Some(d.purpose.clone()),
            resolution_835_item: Some(d.resolution_835_item.clone()),
            spatial_katottg: d.spatial_katottg.clone(),
            temporal_start: d.temporal_start.map(|x| x.to_string()),
            temporal_end: d.temporal_end.map(|x| x.to_string()),
            data_updated: Some(misto_core::time::ckan_format(&d.data_updated)),
            ..DatasetInput::default()
        };
        let created = portal
            .create_dataset(actor, input)
            .await
            .map_err(err)
            .with_context(|| format!("dataset {}", d.name))?;
        for f in &d.files {
            let staged = portal
                .stage_upload(
                    actor,
                    &f.name,
                    Some(&f.mimetype),
                    one_chunk(f.bytes.clone()),
                )
                .await
                .map_err(err)?;
            let input = ResourceInput {
                name: Some(f.title.clone()),
                description: Some(f.description.clone()),
                format: Some(f.format.clone()),
                mimetype: Some(f.mimetype.clone()),
                ..ResourceInput::default()
            };
            portal
                .create_resource(actor, &created.id, input, Some(staged))
                .await
                .map_err(err)
                .with_context(|| format!("file {} of {}", f.name, d.name))?;
        }
    }
    for p in &city.moderated_publishers {
        portal
            .set_publisher_moderation(&system, p, true)
            .await
            .map_err(err)
            .with_context(|| format!("moderation of {p}"))?;
    }
    load_dashboards(portal, &city).await
}

/// Loads the tables of the demo files (the charts need them) and creates
/// the demo's public dashboards. Only the ingest jobs run here; validation
/// and the rest are left to the job workers.
async fn load_dashboards(portal: &Portal, city: &misto_demo::DemoCity) -> anyhow::Result<()> {
    use misto_core::dashboard::{Tile, TileKind};
    use misto_demo::dashboards::DemoTileKind;

    let mut ingest = misto_actions::jobs::JobRegistry::new();
    ingest.register(
        misto_actions::datastore::INGEST_JOB,
        misto_actions::datastore::ingest_job,
    );
    let loaded = portal.run_jobs_until_idle(&ingest).await.map_err(err)?;
    tracing::info!(tables = loaded, "demo tables loaded");
    let system = system_viewer();
    for d in &city.dashboards {
        let mut tiles = Vec::new();
        for t in &d.tiles {
            let kind = match &t.kind {
                DemoTileKind::Figure(figure) => TileKind::Figure { figure: *figure },
                DemoTileKind::Chart {
                    dataset,
                    file,
                    chart,
                    x,
                    agg,
                    y,
                } => {
                    let ds = portal
                        .show_dataset(&system, dataset)
                        .map_err(err)
                        .with_context(|| format!("dashboard dataset {dataset}"))?;
                    let r = ds
                        .resources
                        .iter()
                        .find(|r| r.name == *file)
                        .with_context(|| format!("file {file} of {dataset}"))?;
                    TileKind::Chart {
                        resource_id: r.id.clone(),
                        chart: (*chart).into(),
                        x: (*x).into(),
                        agg: (*agg).into(),
                        y: (*y).into(),
                        filters: Vec::new(),
                    }
                }
            };
            tiles.push(Tile {
                id: String::new(),
                title: t.title.into(),
                title_en: t.title_en.into(),
                kind,
            });
        }
        portal
            .create_dashboard(
                &system,
                misto_actions::dashboards::DashboardInput {
                    name: Some(d.name.into()),
                    title: d.title.into(),
                    title_en: d.title_en.into(),
                    description: d.description.into(),
                    description_en: d.description_en.into(),
                    owner_org: None,
                    public: true,
                    tiles,
                },
            )
            .await
            .map_err(err)
            .with_context(|| format!("dashboard {}", d.name))?;
    }
    Ok(())
}

fn publisher_id(portal: &Portal, name: &str) -> String {
    portal
        .show_publisher(name)
        .map(|p| p.id)
        .unwrap_or_default()
}

/// The demo's publisher editor, so that the activity stream shows a person.
async fn first_editor(
    portal: &Portal,
    city: &misto_demo::DemoCity,
) -> anyhow::Result<Option<Viewer>> {
    let Some(u) = city
        .users
        .iter()
        .find(|u| !u.sysadmin && !u.memberships.is_empty())
    else {
        return Ok(None);
    };
    let user = portal
        .store()
        .find_user(&u.name)
        .await?
        .context("demo editor missing")?;
    Ok(Some(portal.viewer_for_user(&user.id).await.map_err(err)?))
}
