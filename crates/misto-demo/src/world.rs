//! The things several datasets talk about, made once so that the datasets
//! agree with each other: schools and hospitals, communal enterprises,
//! private firms, deputies, stops and routes.

use misto_core::codes::edrpou_complete;

use crate::gazetteer::{Addr, FIRM_NAMES, LANDMARKS, Person, STREETS, point_near_street};
use crate::publishers::PUBLISHERS;
use crate::rng::Rng;

/// A legal entity (institution, enterprise or firm).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Org {
    pub name: String,
    pub short: String,
    pub kind: &'static str,
    pub edrpou: String,
    pub addr: Addr,
    pub head: Person,
    pub phone: String,
    pub email: String,
    /// The publisher (executive body) the entity belongs to, if any.
    pub parent: &'static str,
    /// Places (pupils, children, beds, visitors) where that makes sense.
    pub capacity: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Deputy {
    pub person: Person,
    pub faction: &'static str,
    pub district: i64,
    pub committee: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Stop {
    pub id: String,
    pub name: String,
    pub street: &'static str,
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Tram,
    Trolleybus,
    Bus,
}

impl Mode {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Mode::Tram => "трамвай",
            Mode::Trolleybus => "тролейбус",
            Mode::Bus => "автобус",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Route {
    pub number: &'static str,
    pub mode: Mode,
    /// Indexes into [`World::stops`], first to last.
    pub stops: Vec<usize>,
    /// Index into [`World::carriers`].
    pub carrier: usize,
    pub vehicles: i64,
    pub interval_min: i64,
    pub length_km: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct World {
    pub schools: Vec<Org>,
    pub kindergartens: Vec<Org>,
    pub health: Vec<Org>,
    pub culture: Vec<Org>,
    pub social: Vec<Org>,
    /// Communal enterprises, those that are publishers first.
    pub enterprises: Vec<Org>,
    pub firms: Vec<Org>,
    pub deputies: Vec<Deputy>,
    pub stops: Vec<Stop>,
    pub routes: Vec<Route>,
    /// Passenger carriers: the tram-and-trolleybus enterprise, then bus firms.
    pub carriers: Vec<Org>,
}

pub(crate) const FACTIONS: &[(&str, u32)] = &[
    ("Громада Демо-міста", 12),
    ("Рідне місто", 9),
    ("Європейський вибір", 7),
    ("Сила громади", 4),
    ("Позафракційні", 2),
];

pub(crate) const COMMITTEES: &[&str] = &[
    "з питань бюджету, фінансів та соціально-економічного розвитку",
    "з питань житлово-комунального господарства, благоустрою та транспорту",
    "з питань містобудування, архітектури та земельних відносин",
    "з питань освіти, охорони здоров'я, культури, молоді та спорту",
    "з питань законності, регламенту, депутатської етики та запобігання корупції",
];

const KINDERGARTEN_NAMES: &[&str] = &[
    "Сонечко",
    "Веселка",
    "Калинка",
    "Барвінок",
    "Дзвіночок",
    "Казка",
    "Ромашка",
    "Золотий ключик",
    "Пролісок",
    "Джерельце",
    "Лелеченя",
    "Ластівка",
    "Журавлик",
    "Вишенька",
    "Малятко",
    "Теремок",
];

const HEALTH: &[(&str, &str, i64)] = &[
    (
        "КНП «Демо-міська багатопрофільна лікарня»",
        "Багатопрофільна лікарня",
        420,
    ),
    ("КНП «Міська дитяча лікарня»", "Дитяча лікарня", 150),
    ("КНП «Перинатальний центр»", "Перинатальний центр", 90),
    (
        "КНП «Міська стоматологічна поліклініка»",
        "Стоматологічна поліклініка",
        0,
    ),
    (
        "КНП «Центр первинної медико-санітарної допомоги»",
        "Центр ПМСД",
        0,
    ),
];

const CULTURE: &[(&str, &str, i64)] = &[
    ("Палац культури «Ювілейний»", "Палац культури", 800),
    (
        "Міський будинок культури «Залізничник»",
        "Будинок культури",
        350,
    ),
    ("Міський краєзнавчий музей", "Краєзнавчий музей", 0),
    ("Дитяча музична школа № 1", "Музична школа № 1", 420),
    ("Дитяча художня школа", "Художня школа", 260),
    (
        "Центральна міська бібліотека імені Лесі Українки",
        "Центральна бібліотека",
        0,
    ),
    ("Бібліотека-філія № 2 для дітей", "Бібліотека-філія № 2", 0),
];

const SOCIAL: &[(&str, &str, i64)] = &[
    (
        "Територіальний центр соціального обслуговування (надання соціальних послуг)",
        "Терцентр",
        0,
    ),
    (
        "Центр соціальних служб Демо-міської ради",
        "Центр соціальних служб",
        0,
    ),
    (
        "Інклюзивно-ресурсний центр",
        "Інклюзивно-ресурсний центр",
        0,
    ),
    (
        "Комплексна дитячо-юнацька спортивна школа «Олімп»",
        "КДЮСШ «Олімп»",
        900,
    ),
    ("Стадіон «Колос»", "Стадіон «Колос»", 5000),
];

/// Communal enterprises that are not publishers.
const OTHER_ENTERPRISES: &[(&str, &str)] = &[
    ("Комунальне підприємство «Житлосервіс»", "КП «Житлосервіс»"),
    ("Комунальне підприємство «Міськсвітло»", "КП «Міськсвітло»"),
    (
        "Комунальне підприємство «Міськтеплоенерго»",
        "КП «Міськтеплоенерго»",
    ),
    (
        "Комунальне підприємство «Центральний ринок»",
        "КП «Центральний ринок»",
    ),
    (
        "Комунальне підприємство «Ритуальна служба»",
        "КП «Ритуальна служба»",
    ),
    (
        "Комунальне підприємство «Муніципальна варта»",
        "КП «Муніципальна варта»",
    ),
];

fn phone(rng: &mut Rng) -> String {
    format!(
        "+380 47 000 {:02} {:02}",
        rng.range(20, 99),
        rng.range(0, 99)
    )
}

fn org(
    rng: &mut Rng,
    name: String,
    short: String,
    kind: &'static str,
    edrpou: String,
    parent: &'static str,
    capacity: i64,
) -> Org {
    let addr = Addr::random(rng);
    let mailbox = misto_core::names::slugify(&short).replace('-', "");
    let mailbox: String = mailbox.chars().take(20).collect();
    Org {
        name,
        short,
        kind,
        edrpou,
        addr,
        head: Person::random(rng),
        phone: phone(rng),
        email: format!("{mailbox}@{}", crate::DOMAIN),
        parent,
        capacity,
    }
}

fn code(prefix: &str, i: usize) -> String {
    edrpou_complete(&format!("{prefix}{i:03}")).expect("seven digits")
}

impl World {
    pub(crate) fn build() -> Self {
        let mut rng = Rng::for_label("world");
        let r = &mut rng;
        let mut n = 0usize;
        let mut next_code = || {
            n += 1;
            code("4998", n)
        };

        let schools = (1..=21)
            .map(|i| {
                let kind = match i {
                    1 | 2 | 5 | 7 | 10 | 16 => "Ліцей",
                    12 | 14 | 19 => "Початкова школа",
                    _ => "Гімназія",
                };
                let cap = if kind == "Ліцей" {
                    r.range(700, 1300)
                } else {
                    r.range(250, 700)
                };
                org(
                    r,
                    format!("{kind} № {i} Демо-міської ради"),
                    format!("{kind} № {i}"),
                    "заклад загальної середньої освіти",
                    next_code(),
                    "upravlinnia-osvity",
                    cap,
                )
            })
            .collect();
        let kindergartens = KINDERGARTEN_NAMES
            .iter()
            .enumerate()
            .map(|(i, k)| {
                let cap = r.range(90, 280);
                org(
                    r,
                    format!("Заклад дошкільної освіти (ясла-садок) № {} «{k}»", i + 1),
                    format!("ЗДО № {} «{k}»", i + 1),
                    "заклад дошкільної освіти",
                    next_code(),
                    "upravlinnia-osvity",
                    cap,
                )
            })
            .collect();
        let pmsd = PUBLISHERS
            .iter()
            .find(|p| p.name == "knp-tsentr-pmsd")
            .expect("pmsd");
        let health = HEALTH
            .iter()
            .map(|&(name, short, cap)| {
                let code = if short == "Центр ПМСД" {
                    pmsd.edrpou()
                } else {
                    next_code()
                };
                org(
                    r,
                    name.into(),
                    short.into(),
                    "заклад охорони здоров'я",
                    code,
                    "upravlinnia-okhorony-zdorovia",
                    cap,
                )
            })
            .collect();
        let library = PUBLISHERS
            .iter()
            .find(|p| p.name == "tsentralna-miska-biblioteka")
            .expect("library");
        let culture = CULTURE
            .iter()
            .map(|&(name, short, cap)| {
                let code = if short == "Центральна бібліотека" {
                    library.edrpou()
                } else {
                    next_code()
                };
                org(
                    r,
                    name.into(),
                    short.into(),
                    "заклад культури",
                    code,
                    "viddil-kultury",
                    cap,
                )
            })
            .collect();
        let social = SOCIAL
            .iter()
            .map(|&(name, short, cap)| {
                let parent = if cap > 0 {
                    "departament-zhkh"
                } else {
                    "upravlinnia-sotsialnoho-zakhystu"
                };
                org(
                    r,
                    name.into(),
                    short.into(),
                    "установа",
                    next_code(),
                    parent,
                    cap,
                )
            })
            .collect();

        let mut enterprises: Vec<Org> = PUBLISHERS
            .iter()
            .filter(|p| p.kind == misto_core::PublisherKind::CommunalEnterprise)
            .map(|p| {
                let mut o = org(
                    r,
                    p.title.into(),
                    p.short.into(),
                    "комунальне підприємство",
                    p.edrpou(),
                    "departament-zhkh",
                    0,
                );
                o.email = p.email();
                o.phone = p.phone.into();
                o
            })
            .collect();
        for &(name, short) in OTHER_ENTERPRISES {
            let o = org(
                r,
                name.into(),
                short.into(),
                "комунальне підприємство",
                next_code(),
                "departament-zhkh",
                0,
            );
            enterprises.push(o);
        }

        let firms: Vec<Org> = FIRM_NAMES
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let form = if i % 5 == 3 { "ПП" } else { "ТОВ" };
                let name = format!("{form} «{f}»");
                let mut o = org(
                    r,
                    name.clone(),
                    name,
                    "суб'єкт господарювання",
                    code("4990", i * 7 + 11),
                    "",
                    0,
                );
                o.email = format!("office@{}.example.com", misto_core::names::slugify(f));
                o
            })
            .collect();

        let mut deputies = Vec::new();
        let mut seen = Vec::new();
        while deputies.len() < 34 {
            let p = Person::random(r);
            if seen.contains(&(p.surname, p.first)) {
                continue;
            }
            seen.push((p.surname, p.first));
            let faction = *r.weighted(FACTIONS);
            let district = r.range(1, 6);
            let committee = *r.pick(COMMITTEES);
            deputies.push(Deputy {
                person: p,
                faction,
                district,
                committee,
            });
        }

        let stops = make_stops(r);
        let mut carriers = vec![
            enterprises
                .iter()
                .find(|o| o.short.contains("Міськелектротранс"))
                .expect("electric transport")
                .clone(),
        ];
        for f in ["«Транс-Авто»", "«Експрес-Лайн»", "«Сокіл»", "«Автошлях»"]
        {
            carriers.push(
                firms
                    .iter()
                    .find(|o| o.name.ends_with(f))
                    .expect("carrier firm")
                    .clone(),
            );
        }
        let routes = make_routes(r, &stops);
        let (stops, routes) = served_only(stops, routes);

        World {
            schools,
            kindergartens,
            health,
            culture,
            social,
            enterprises,
            firms,
            deputies,
            stops,
            routes,
            carriers,
        }
    }

    /// Every institution of the city (schools, kindergartens, health, culture, social).
    pub(crate) fn institutions(&self) -> impl Iterator<Item = &Org> {
        self.schools
            .iter()
            .chain(&self.kindergartens)
            .chain(&self.health)
            .chain(&self.culture)
            .chain(&self.social)
    }

    pub(crate) fn route_name(&self, route: &Route) -> String {
        let first = &self.stops[route.stops[0]].name;
        let last = &self.stops[*route.stops.last().expect("stops")].name;
        format!("{first} — {last}")
    }
}

fn make_stops(r: &mut Rng) -> Vec<Stop> {
    let mut names: Vec<(String, usize)> = LANDMARKS
        .iter()
        .map(|l| (l.to_string(), r.below(STREETS.len())))
        .collect();
    for (i, (street, _, _)) in STREETS.iter().enumerate() {
        if let Some(bare) = street.strip_prefix("вул. ")
            && !LANDMARKS.iter().any(|l| l.ends_with(bare))
        {
            names.push((format!("Вулиця {bare}"), i));
        }
    }
    names
        .into_iter()
        .enumerate()
        .map(|(i, (name, street))| {
            let (lat, lon) = point_near_street(r, street);
            Stop {
                id: format!("ZUP{:03}", i + 1),
                name,
                street: STREETS[street].0,
                lat,
                lon,
            }
        })
        .collect()
}

/// Drops the stops no route serves and renumbers the rest.
fn served_only(stops: Vec<Stop>, mut routes: Vec<Route>) -> (Vec<Stop>, Vec<Route>) {
    let mut new_index = vec![None; stops.len()];
    let mut kept = Vec::new();
    for (i, s) in stops.into_iter().enumerate() {
        if routes.iter().any(|r| r.stops.contains(&i)) {
            new_index[i] = Some(kept.len());
            let id = format!("ZUP{:03}", kept.len() + 1);
            kept.push(Stop { id, ..s });
        }
    }
    for r in &mut routes {
        for k in &mut r.stops {
            *k = new_index[*k].expect("a served stop");
        }
    }
    (kept, routes)
}

const ROUTES: &[(&str, Mode)] = &[
    ("1", Mode::Tram),
    ("2", Mode::Tram),
    ("3", Mode::Tram),
    ("5", Mode::Trolleybus),
    ("6", Mode::Trolleybus),
    ("7", Mode::Trolleybus),
    ("8", Mode::Trolleybus),
    ("9", Mode::Trolleybus),
    ("10", Mode::Bus),
    ("12", Mode::Bus),
    ("15", Mode::Bus),
    ("17", Mode::Bus),
    ("21", Mode::Bus),
    ("23", Mode::Bus),
    ("25", Mode::Bus),
    ("27", Mode::Bus),
    ("30", Mode::Bus),
    ("32", Mode::Bus),
    ("34", Mode::Bus),
    ("35", Mode::Bus),
];

/// Each route follows a straight-ish corridor through the city: the stops
/// near a random line, ordered along it.
fn make_routes(r: &mut Rng, stops: &[Stop]) -> Vec<Route> {
    ROUTES
        .iter()
        .enumerate()
        .map(|(i, &(number, mode))| {
            let angle = r.float(0.0, std::f64::consts::PI);
            let (dx, dy) = (angle.cos(), angle.sin());
            let (cx, cy) = (
                31.055 + r.float(-0.012, 0.012),
                49.052 + r.float(-0.010, 0.010),
            );
            let mut width = 0.004;
            let chosen = loop {
                let mut near: Vec<(f64, usize)> = stops
                    .iter()
                    .enumerate()
                    .filter_map(|(k, s)| {
                        let (x, y) = (s.lon - cx, (s.lat - cy) * 1.5);
                        let along = x * dx + y * dy;
                        let across = (-x * dy + y * dx).abs();
                        (across < width).then_some((along, k))
                    })
                    .collect();
                if near.len() >= 8 || width > 0.05 {
                    near.sort_by(|a, b| a.0.total_cmp(&b.0));
                    let max = r.range(10, 16) as usize;
                    let skip = near.len().saturating_sub(max) / 2;
                    break near
                        .into_iter()
                        .skip(skip)
                        .take(max)
                        .map(|(_, k)| k)
                        .collect::<Vec<_>>();
                }
                width *= 1.5;
            };
            let length_km = chosen
                .windows(2)
                .map(|w| {
                    let (a, b) = (&stops[w[0]], &stops[w[1]]);
                    let dlat = (a.lat - b.lat) * 111.2;
                    let dlon = (a.lon - b.lon) * 73.0;
                    (dlat * dlat + dlon * dlon).sqrt()
                })
                .sum::<f64>()
                * 1.25;
            let carrier = if mode == Mode::Bus { 1 + i % 4 } else { 0 };
            let vehicles = match mode {
                Mode::Tram => r.range(4, 7),
                Mode::Trolleybus => r.range(4, 8),
                Mode::Bus => r.range(3, 8),
            };
            Route {
                number,
                mode,
                stops: chosen,
                carrier,
                vehicles,
                interval_min: r.range(8, 20),
                length_km: (length_km * 10.0).round() / 10.0,
            }
        })
        .collect()
}
