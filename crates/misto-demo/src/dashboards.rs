//! The demo city's public dashboard, so that `/dashboards` and the kiosk
//! have something to show: key figures of the portal and charts over the
//! tables of demo files. A chart names its file by dataset and file title;
//! the loader looks the resource up once the file is in the datastore.

use misto_core::dashboard::KeyFigure;

/// What one tile of a demo dashboard shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemoTileKind {
    Figure(KeyFigure),
    Chart {
        /// The dataset's URL name.
        dataset: &'static str,
        /// The file's title (the resource name).
        file: &'static str,
        chart: &'static str,
        x: &'static str,
        agg: &'static str,
        y: &'static str,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoTile {
    pub title: &'static str,
    pub title_en: &'static str,
    pub kind: DemoTileKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoDashboard {
    pub name: &'static str,
    pub title: &'static str,
    pub title_en: &'static str,
    pub description: &'static str,
    pub description_en: &'static str,
    pub tiles: Vec<DemoTile>,
}

fn figure(k: KeyFigure) -> DemoTile {
    DemoTile {
        title: "",
        title_en: "",
        kind: DemoTileKind::Figure(k),
    }
}

pub(crate) fn dashboards() -> Vec<DemoDashboard> {
    vec![DemoDashboard {
        name: "misto-v-tsyfrakh",
        title: "Місто в цифрах",
        title_en: "The city in figures",
        description: "Ключові показники порталу і діаграми за відкритими даними: звернення мешканців до контакт-центру та ремонт доріг.",
        description_en: "Key figures of the portal and charts over the open data: residents' calls to the contact centre and road repairs.",
        tiles: vec![
            figure(KeyFigure::Datasets),
            figure(KeyFigure::DatasetsQuarter),
            figure(KeyFigure::OverdueShare),
            figure(KeyFigure::DownloadsMonth),
            DemoTile {
                title: "Звернення за категоріями",
                title_en: "Calls by category",
                kind: DemoTileKind::Chart {
                    dataset: "zvernennia-hariacha-liniia",
                    file: "Звернення",
                    chart: "bar",
                    x: "category",
                    agg: "count",
                    y: "",
                },
            },
            DemoTile {
                title: "Стан звернень",
                title_en: "Status of the calls",
                kind: DemoTileKind::Chart {
                    dataset: "zvernennia-hariacha-liniia",
                    file: "Звернення",
                    chart: "pie",
                    x: "status",
                    agg: "count",
                    y: "",
                },
            },
            DemoTile {
                title: "Вартість ремонту доріг за видами робіт, грн",
                title_en: "Cost of road repairs by kind of work, UAH",
                kind: DemoTileKind::Chart {
                    dataset: "remont-dorih",
                    file: "Ремонт доріг",
                    chart: "bar",
                    x: "workType",
                    agg: "sum",
                    y: "cost",
                },
            },
        ],
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_chart_names_a_public_file_and_its_columns() {
        let city = crate::city(chrono::Utc::now());
        for d in &city.dashboards {
            for t in &d.tiles {
                let DemoTileKind::Chart {
                    dataset,
                    file,
                    x,
                    y,
                    ..
                } = &t.kind
                else {
                    continue;
                };
                let ds = city
                    .datasets
                    .iter()
                    .find(|c| c.name == *dataset)
                    .unwrap_or_else(|| panic!("{dataset} missing"));
                assert!(!ds.private && !ds.draft, "{dataset} must be public");
                let f = ds
                    .files
                    .iter()
                    .find(|f| f.title == *file)
                    .unwrap_or_else(|| panic!("{file} missing in {dataset}"));
                let text = String::from_utf8_lossy(&f.bytes);
                let header: Vec<&str> = text.lines().next().unwrap_or("").split(',').collect();
                assert!(header.contains(x), "{x} not in {header:?}");
                assert!(y.is_empty() || header.contains(y), "{y} not in {header:?}");
            }
        }
    }
}
