//! `misto seed`: synthetic datasets for benchmarks (not demo content). Each
//! dataset goes through the same action as an API client's package_create.

use anyhow::Context;
use misto_actions::Portal;
use misto_actions::accounts::system_viewer;
use misto_actions::datasets::{DatasetInput, ResourceInput};
use misto_actions::publishers::PublisherInput;
use misto_core::UpdateFrequency;

const WORDS: [&str; 24] = [
    "бюджет",
    "бюджету",
    "бюджетні",
    "транспорт",
    "транспортні",
    "освіта",
    "освіти",
    "школи",
    "лікарні",
    "житлові",
    "будинки",
    "вулиці",
    "дороги",
    "парки",
    "тарифи",
    "закупівлі",
    "земельні",
    "ділянки",
    "реєстр",
    "довідник",
    "видатки",
    "доходи",
    "маршрути",
    "зупинки",
];
const FORMATS: [&str; 4] = ["CSV", "JSON", "XLSX", "CSV"];

pub async fn seed(portal: &Portal, datasets: usize, publishers: usize) -> anyhow::Result<()> {
    let sys = system_viewer();
    let mut names = Vec::new();
    for i in 0..publishers.max(1) {
        let name = format!("bench-publisher-{i:03}");
        if portal.show_publisher(&name).is_err() {
            let first7 = format!("{:07}", 2_100_000 + i * 37);
            portal
                .create_publisher(
                    &sys,
                    PublisherInput {
                        name: name.clone(),
                        title: Some(format!("Розпорядник {i}")),
                        edrpou: misto_core::codes::edrpou_complete(&first7),
                        kind: Some("institution".into()),
                        ..PublisherInput::default()
                    },
                )
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        names.push(name);
    }
    let themes: Vec<String> = misto_core::themes::NATIONAL_THEMES
        .iter()
        .map(|t| t.0.to_string())
        .collect();
    let started = std::time::Instant::now();
    for i in 0..datasets {
        let w = |k: usize| WORDS[(i * 7 + k * 13) % WORDS.len()];
        let input = DatasetInput {
            name: format!("bench-{i:06}"),
            title: Some(format!("{} {} {} №{i}", w(0), w(1), w(2))),
            notes: Some(format!(
                "Набір даних про {} та {}. {}",
                w(3),
                w(4),
                w(5).repeat(3)
            )),
            owner_org: Some(names[i % names.len()].clone()),
            tags: vec![w(6).to_string(), w(7).to_string()],
            groups: vec![themes[i % themes.len()].clone()],
            update_frequency: Some(UpdateFrequency::ALL[i % 8].as_str().to_string()),
            purpose_of_collecting_information: Some("Постанова КМУ №835".into()),
            maintainer: Some("Відповідальна особа".into()),
            maintainer_email: Some("opendata@example.org".into()),
            resources: Some(vec![ResourceInput {
                name: Some(format!("{}.csv", w(8))),
                url: Some(format!("https://example.org/data/{i}.csv")),
                format: Some(FORMATS[i % FORMATS.len()].into()),
                ..ResourceInput::default()
            }]),
            ..DatasetInput::default()
        };
        portal
            .create_dataset(&sys, input)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("seed dataset")?;
        if (i + 1) % 1000 == 0 {
            eprintln!(
                "seeded {} datasets in {:.1}s",
                i + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}
