//! Latency and memory of the search index over a synthetic catalog.
//!
//! ```text
//! cargo run -p misto-search --release --example search_bench [-- DATASETS]
//! ```
//!
//! Builds DATASETS (default 10,000) synthetic datasets with Ukrainian titles,
//! notes, tags, 30 publishers, 12 themes and 1–4 resources each, then times
//! searches and prints p50/p99 latencies and the index's own heap size.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use misto_core::time::parse_datetime;
use misto_core::{
    Dataset, DatasetState, EntityState, Group, Publisher, PublisherKind, Resource, Role,
    UpdateFrequency, Viewer,
};
use misto_search::{Index, SearchQuery};

/// Counts live heap bytes, to tell the index's own size.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// xorshift64*: deterministic and dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len())]
    }
}

#[rustfmt::skip]
const WORDS: &[&str] = &[
    "бюджет", "бюджету", "бюджетні", "видатки", "доходи", "школа", "школи", "шкіл", "заклади",
    "освіти", "дошкільної", "дитячі", "садки", "транспорт", "транспорту", "маршрути", "автобусні",
    "тролейбусні", "зупинки", "вулиці", "вулиць", "реєстр", "перелік", "житлові", "будинки",
    "житлового", "фонду", "комунальної", "власності", "земельні", "ділянки", "оренда", "договори",
    "закупівлі", "тендери", "ремонт", "доріг", "освітлення", "парки", "сквери", "зелені",
    "насадження", "вода", "водопостачання", "тарифи", "комунальні", "послуги", "енергоспоживання",
    "лікарні", "медичні", "амбулаторії", "аптеки", "соціальні", "виплати", "пільговики",
    "ветерани", "депутати", "сесії", "рішення", "розпорядження", "виконавчого", "комітету",
    "міської", "ради", "звернення", "громадян", "петиції", "бюджет", "участі", "проєкти",
    "інвестиції", "підприємства", "ліцензії", "дозволи", "реклама", "паркування", "майданчики",
    "спортивні", "культура", "бібліотеки", "музеї", "театри", "туризм", "пам'ятки", "архітектури",
    "екологія", "відходи", "сміття", "вивезення", "якість", "повітря", "шум", "укриття", "безпека",
    "пожежна", "поліція", "статистика", "населення", "демографія", "вакансії", "зайнятість",
    "ціни", "ринки", "торгівля", "кафе", "готелі", "вокзали", "аеропорт", "велодоріжки", "таксі",
    "світлофори", "камери", "відеоспостереження", "wi-fi", "точки", "доступу", "адреси", "кадастр",
    "генеральний", "план", "забудова", "містобудівна", "документація", "паспорти", "об'єктів",
    "показники", "звіт", "річний", "квартальний", "місячний", "2019", "2020", "2021", "2022",
    "2023", "2024", "open", "data", "budget", "schools", "transport",
];

const FORMATS: &[&str] = &[
    "CSV", "XLSX", "JSON", "PDF", "XML", "DOCX", "ZIP", "GeoJSON",
];

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let base = parse_datetime("2023-01-01T00:00:00Z").expect("date");

    let publishers: Vec<Publisher> = (0..30)
        .map(|i| Publisher {
            id: format!("pub-{i:03}"),
            name: format!("publisher-{i}"),
            title: format!("Департамент {} {}", rng.pick(WORDS), rng.pick(WORDS)),
            title_en: None,
            description: String::new(),
            edrpou: None,
            kind: PublisherKind::ExecutiveBody,
            email: None,
            phone: None,
            website: None,
            address: None,
            image_url: None,
            state: EntityState::Active,
            created: base,
            modified: base,
        })
        .collect();
    let groups: Vec<Group> = (0..12)
        .map(|i| Group {
            id: format!("grp-{i:02}"),
            name: format!("theme-{i}"),
            title: format!("{} {}", rng.pick(WORDS), rng.pick(WORDS)),
            title_en: None,
            description: String::new(),
            image_url: None,
            state: EntityState::Active,
            created: base,
        })
        .collect();
    let tags: Vec<String> = (0..400)
        .map(|i| format!("{} {i}", rng.pick(WORDS)))
        .collect();

    let before_data = live();
    let datasets: Vec<Arc<Dataset>> = (0..n)
        .map(|i| Arc::new(synthetic(i, &mut rng, &tags, base)))
        .collect();
    let data_bytes = live() - before_data;

    let before_index = live();
    let t = Instant::now();
    let mut idx = Index::new();
    idx.set_publishers(publishers);
    idx.set_groups(groups);
    for d in &datasets {
        idx.upsert(d.clone());
    }
    let build = t.elapsed();
    let index_bytes = live() - before_index;

    println!("datasets:            {n}");
    println!(
        "datasets' own heap:  {:.1} MiB",
        data_bytes as f64 / 1048576.0
    );
    println!(
        "index heap (extra):  {:.1} MiB",
        index_bytes as f64 / 1048576.0
    );
    println!(
        "build:               {:.0} ms ({:.1} µs per upsert)",
        ms(build),
        build.as_secs_f64() * 1e6 / n as f64
    );

    let now = parse_datetime("2024-06-01T00:00:00Z").expect("date");
    let anon = Viewer::anonymous();
    let mut member = Viewer {
        user_id: Some("u".into()),
        ..Viewer::default()
    };
    member.roles.insert("pub-001".into(), Role::Editor);

    // Two-word free text with three facets: the acceptance scenario.
    let mut total_hits = 0usize;
    bench("q: two words + 3 facets", 2000, |i| {
        let mut q = SearchQuery::at(now);
        let mut r = Rng(i as u64 * 7919 + 1);
        q.q = Some(format!("{} {}", r.pick(&WORDS[..60]), r.pick(&WORDS[..60])));
        q.facet_fields = vec!["organization".into(), "tags".into(), "res_format".into()];
        total_hits += idx.search(&q, &anon).expect("search").count;
    });
    if total_hits > 0 {
        println!("    (average {} hits)", total_hits / 2000);
    }
    bench("q: one word, no facets", 2000, |i| {
        let mut q = SearchQuery::at(now);
        q.q = Some(WORDS[i % 60].to_owned());
        idx.search(&q, &anon).expect("search");
    });
    bench("empty q + 3 facets (all datasets)", 500, |_| {
        let mut q = SearchQuery::at(now);
        q.facet_fields = vec!["organization".into(), "tags".into(), "res_format".into()];
        idx.search(&q, &anon).expect("search");
    });
    bench("fq org OR org -groups + range", 1000, |i| {
        let mut q = SearchQuery::at(now);
        q.fq = vec![format!(
            "organization:publisher-{} OR organization:publisher-{} -groups:theme-{} metadata_modified:[2023-06-01T09:00:00.123456Z TO *]",
            i % 30,
            (i + 7) % 30,
            i % 12
        )];
        q.sort = Some("id asc".into());
        q.rows = 100;
        idx.search(&q, &anon).expect("search");
    });
    bench("harvester page: id asc, rows 100, deep start", 500, |i| {
        let mut q = SearchQuery::at(now);
        q.sort = Some("id asc".into());
        q.rows = 100;
        q.start = (i * 100) % n.max(1);
        idx.search(&q, &anon).expect("search");
    });
    bench("member, include_private+drafts, title sort", 500, |i| {
        let mut q = SearchQuery::at(now);
        q.q = Some(WORDS[i % 60].to_owned());
        q.include_private = true;
        q.include_drafts = true;
        q.sort = Some("title_string asc".into());
        idx.search(&q, &member).expect("search");
    });
    bench("upsert (replace, with rename)", 2000, |i| {
        let mut d = (*datasets[(i * 31) % n]).clone();
        d.name = format!("{}-v{i}", d.name);
        d.title = format!("{} {}", d.title, WORDS[i % WORDS.len()]);
        idx.upsert(Arc::new(d));
    });
    bench("tags(anon, Some(\"бюдж\"))", 200, |_| {
        idx.tags(&anon, Some("бюдж"));
    });
    bench("dataset_counts_by_publisher(anon)", 200, |_| {
        idx.dataset_counts_by_publisher(&anon);
    });
}

fn synthetic(i: usize, rng: &mut Rng, tags: &[String], base: misto_core::Timestamp) -> Dataset {
    let words = |rng: &mut Rng, k: usize| {
        (0..k)
            .map(|_| rng.pick(WORDS))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let title_len = 3 + rng.below(5);
    let title = words(rng, title_len);
    let notes_len = 20 + rng.below(60);
    let notes = words(rng, notes_len);
    let modified = base + chrono::Duration::seconds(rng.below(500 * 86_400) as i64);
    let id = format!(
        "{:08x}-{:04x}-4000-8000-{:012x}",
        rng.next() as u32,
        i % 65536,
        i
    );
    let state = match rng.below(100) {
        0 => DatasetState::Draft,
        1 => DatasetState::Deleted,
        _ => DatasetState::Active,
    };
    let resources = (0..1 + rng.below(4))
        .map(|j| Resource {
            id: format!("{id}-r{j}"),
            package_id: id.clone(),
            name: words(rng, 2),
            description: words(rng, 6),
            url: format!("https://data.example.ua/{i}/{j}.csv"),
            url_type: None,
            format: rng.pick(FORMATS).to_owned(),
            mimetype: None,
            size: Some(1000),
            hash: None,
            compress_format: None,
            position: j as i32,
            state: EntityState::Active,
            created: modified,
            last_modified: Some(modified),
            metadata_modified: modified,
            blob_key: None,
            extras: Default::default(),
        })
        .collect();
    Dataset {
        name: format!("dataset-{i}"),
        title,
        title_en: None,
        notes,
        notes_en: None,
        owner_org: format!("pub-{:03}", rng.below(30)),
        private: rng.below(20) == 0,
        state,
        license_id: "cc-by-4.0".into(),
        author: None,
        author_email: None,
        maintainer: Some("Іваненко Олена".into()),
        maintainer_email: None,
        url: None,
        version: None,
        tags: (0..1 + rng.below(4))
            .map(|_| tags[rng.below(tags.len())].clone())
            .collect(),
        groups: (0..rng.below(3))
            .map(|_| format!("grp-{:02}", rng.below(12)))
            .collect(),
        language: "ua".into(),
        update_frequency: Some(UpdateFrequency::ALL[rng.below(9)]),
        purpose_of_collecting_information: None,
        resolution_835_item: None,
        spatial_katottg: None,
        temporal_start: None,
        temporal_end: None,
        data_updated: None,
        extras: vec![],
        creator_user_id: None,
        metadata_created: modified,
        metadata_modified: modified,
        revision: 1,
        seq: i as i64,
        resources,
        id,
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Times `f` over `iterations` calls; `BENCH_ONLY=substring` runs only the
/// matching scenarios (and `BENCH_REPEAT=k` repeats them k times, for perf).
fn bench(label: &str, iterations: usize, mut f: impl FnMut(usize)) {
    if std::env::var("BENCH_ONLY").is_ok_and(|only| !label.contains(&only)) {
        return;
    }
    let repeat: usize = std::env::var("BENCH_REPEAT")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1);
    let iterations = iterations * repeat;
    for i in 0..iterations.min(50) {
        f(i); // warm-up
    }
    let mut times: Vec<Duration> = (0..iterations)
        .map(|i| {
            let t = Instant::now();
            f(i);
            t.elapsed()
        })
        .collect();
    times.sort();
    let p = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "{label:<46} p50 {:>7.3} ms   p99 {:>7.3} ms   max {:>7.3} ms",
        ms(p(0.50)),
        ms(p(0.99)),
        ms(*times.last().expect("times"))
    );
}
