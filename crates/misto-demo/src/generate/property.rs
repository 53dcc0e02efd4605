//! Communal property and land: objects, leases, lists for lease, land plots
//! on offer, land tenants and applications for free privatisation.

use chrono::{Duration, NaiveDate};

use super::{Ctx, round};
use crate::gazetteer::{Addr, STREETS};
use crate::table::{Table, Val, coord, dec, money, row};

/// Land-use purposes (КВЦПЗ code and name) with a typical plot size in hectares.
const PURPOSES: &[(&str, &str, f64, f64)] = &[
    (
        "02.01",
        "Для будівництва і обслуговування житлового будинку, господарських будівель і споруд (присадибна ділянка)",
        0.06,
        0.10,
    ),
    (
        "02.03",
        "Для будівництва і обслуговування багатоквартирного житлового будинку",
        0.3,
        1.5,
    ),
    (
        "02.05",
        "Для будівництва індивідуальних гаражів",
        0.002,
        0.01,
    ),
    (
        "03.07",
        "Для будівництва та обслуговування будівель торгівлі",
        0.01,
        0.5,
    ),
    (
        "03.15",
        "Для будівництва та обслуговування інших будівель громадської забудови",
        0.05,
        0.8,
    ),
    (
        "11.02",
        "Для розміщення та експлуатації основних, підсобних і допоміжних будівель та споруд підприємств переробної, машинобудівної та іншої промисловості",
        0.3,
        4.0,
    ),
    ("01.05", "Для індивідуального садівництва", 0.04, 0.12),
    (
        "01.03",
        "Для ведення особистого селянського господарства",
        0.1,
        0.5,
    ),
    (
        "12.04",
        "Для розміщення та експлуатації будівель і споруд автомобільного транспорту та дорожнього господарства",
        0.05,
        0.6,
    ),
    (
        "07.01",
        "Для будівництва та обслуговування об'єктів рекреаційного призначення",
        0.1,
        2.0,
    ),
];

/// OMS-01: objects of communal property.
pub(crate) fn property_objects(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("objectId", "інвентарний (обліковий) номер об'єкта"),
        ("name", "найменування об'єкта"),
        ("objectType", "тип: будівля, нежитлове приміщення, споруда"),
        ("address", "адреса"),
        ("district", "мікрорайон"),
        ("totalArea", "загальна площа, кв. м"),
        ("yearBuilt", "рік побудови"),
        ("balanceHolder", "балансоутримувач"),
        ("balanceHolderEdrpou", "код ЄДРПОУ балансоутримувача"),
        ("currentUse", "поточне використання"),
        ("latitude", "широта (WGS 84)"),
        ("longitude", "довгота (WGS 84)"),
    ]);
    let w = c.world;
    let mut n = 0;
    for o in w.institutions() {
        n += 1;
        let area = c.float(600.0, 9000.0);
        t.push(row![
            format!("KM-{n:04}"),
            format!("Будівля закладу «{}»", o.short),
            "будівля",
            o.addr.line(),
            o.addr.district(),
            dec(round(area, 1), 1),
            c.int(1955, 1992),
            &o.name,
            &o.edrpou,
            "використовується за призначенням",
            coord(o.addr.lat),
            coord(o.addr.lon)
        ]);
    }
    let uses = [
        "передано в оренду",
        "вільне",
        "використовується за призначенням",
        "потребує капітального ремонту",
        "пункт незламності",
        "укриття",
    ];
    let holders: Vec<&crate::world::Org> = w.enterprises.iter().collect();
    while t.rows.len() < 150 {
        n += 1;
        let a = c.addr();
        let kind = *c
            .rng
            .weighted(&[("нежитлове приміщення", 6), ("будівля", 2), ("споруда", 1)]);
        let name = match kind {
            "нежитлове приміщення" => format!(
                "Нежитлове приміщення на {} поверсі житлового будинку",
                c.pick(&["першому", "цокольному", "другому"])
            ),
            "будівля" => c
                .pick(&[
                    "Адміністративна будівля",
                    "Будівля колишньої котельні",
                    "Будівля лазні",
                    "Гаражі",
                    "Склад",
                ])
                .to_string(),
            _ => c
                .pick(&[
                    "Трансформаторна підстанція",
                    "Артезіанська свердловина",
                    "Павільйон зупинки",
                    "Водонапірна башта",
                ])
                .to_string(),
        };
        let h = holders[c.rng.below(holders.len())];
        let area = if kind == "нежитлове приміщення" {
            c.float(18.0, 420.0)
        } else {
            c.float(40.0, 2500.0)
        };
        let year = c.int(1950, 2010);
        let usage = c.pick(&uses);
        t.push(row![
            format!("KM-{n:04}"),
            name,
            kind,
            a.line(),
            a.district(),
            dec(round(area, 1), 1),
            year,
            &h.name,
            &h.edrpou,
            usage,
            coord(a.lat),
            coord(a.lon)
        ]);
    }
    t
}

/// OMS-33: property leased under the old law, as the list stood when the
/// transitional period ended.
pub(crate) fn leased_before_2020(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("contractNumber", "номер договору оренди"),
        ("contractDate", "дата укладення"),
        ("tenant", "орендар"),
        ("tenantEdrpou", "код ЄДРПОУ орендаря (для юридичних осіб)"),
        ("address", "адреса об'єкта"),
        ("area", "площа, кв. м"),
        ("purpose", "цільове використання"),
        ("monthlyRent", "орендна плата за місяць, грн без ПДВ"),
        ("rentRatePercent", "орендна ставка, %"),
        ("contractEnd", "дата закінчення договору"),
    ]);
    let purposes = [
        "офіс",
        "магазин непродовольчих товарів",
        "аптека",
        "перукарня",
        "громадська організація",
        "склад",
        "кафе",
        "навчальний центр",
    ];
    let cutoff = NaiveDate::from_ymd_opt(2020, 1, 31).expect("date");
    let mut dates: Vec<NaiveDate> = (0..60)
        .map(|_| cutoff - Duration::days(c.rng.range(30, 1800)))
        .collect();
    dates.sort();
    for (n, d) in dates.into_iter().enumerate() {
        let n = n + 1;
        let (tenant, code) = if c.chance(0.6) {
            let f = c.firm();
            (f.name.clone(), Val::from(&f.edrpou))
        } else {
            (format!("ФОП {}", c.person().short()), Val::Empty)
        };
        let a = c.addr();
        let area = round(c.float(12.0, 300.0), 1);
        let rate = *c.rng.pick(&[4.0, 7.0, 10.0, 12.0, 15.0]);
        t.push(row![
            format!("{n}/{}", d.format("%Y")),
            d,
            tenant,
            code,
            a.line(),
            dec(area, 1),
            c.pick(&purposes),
            money(area * c.float(40.0, 160.0) * rate / 10.0),
            dec(rate, 1),
            d + Duration::days(c.int(365, 5 * 365))
        ]);
    }
    t
}

/// OMS-34: property that may be leased (lists of the first and second type).
pub(crate) fn lease_lists(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("objectId", "ідентифікатор об'єкта"),
        (
            "listType",
            "перелік: першого типу (аукціон) або другого типу (без аукціону)",
        ),
        ("address", "адреса"),
        ("area", "площа, кв. м"),
        ("floor", "поверх"),
        ("condition", "технічний стан"),
        ("proposedUse", "запропоноване використання"),
        ("startingRent", "стартова орендна плата за місяць, грн"),
        ("decisionDate", "дата рішення про включення до переліку"),
        ("auctionUrl", "посилання на аукціон"),
    ]);
    let conditions = [
        "задовільний",
        "потребує поточного ремонту",
        "добрий",
        "потребує капітального ремонту",
    ];
    let uses = [
        "будь-яке",
        "офіс",
        "торгівля",
        "надання побутових послуг",
        "освітня діяльність",
        "громадська організація",
    ];
    for n in 1..=40 {
        let first = c.chance(0.75);
        let a = c.addr();
        let area = round(c.float(10.0, 350.0), 1);
        let d = c.days_ago(10, 500);
        let url = if first {
            Val::from(format!(
                "https://prozorro.sale/auction/LLE001-UA-{}-{:05}",
                d.format("%Y%m%d"),
                c.int(10000, 99999)
            ))
        } else {
            Val::Empty
        };
        t.push(row![
            format!("OR-{n:03}"),
            if first {
                "першого типу"
            } else {
                "другого типу"
            },
            a.line(),
            dec(area, 1),
            c.pick(&["цокольний", "1", "1", "2", "3"]),
            c.pick(&conditions),
            c.pick(&uses),
            money(area * c.float(60.0, 180.0)),
            d,
            url
        ]);
    }
    t
}

fn plot(c: &mut Ctx) -> (String, Addr, &'static str, &'static str, f64) {
    let (code, name, lo, hi) = *c.rng.pick(PURPOSES);
    let area = round(c.float(lo, hi), 4);
    (c.cadastral(), c.addr(), code, name, area)
}

/// OMS-40: land plots offered for ownership or use.
pub(crate) fn land_offered(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("cadastralNumber", "кадастровий номер"),
        ("address", "місце розташування"),
        ("area", "площа, га"),
        ("purposeCode", "код цільового призначення (КВЦПЗ)"),
        ("purpose", "цільове призначення"),
        (
            "proposedRight",
            "пропоноване право: власність, оренда, суперфіцій",
        ),
        ("saleMethod", "спосіб передачі"),
        ("normativeValue", "нормативна грошова оцінка, грн"),
        ("status", "стан"),
        ("latitude", "широта"),
        ("longitude", "довгота"),
    ]);
    for _ in 0..40 {
        let (cad, a, code, name, area) = plot(c);
        let right = *c
            .rng
            .weighted(&[("оренда", 5), ("власність", 3), ("суперфіцій", 1)]);
        let method = if right == "власність" && code == "02.01" {
            "безоплатно громадянам"
        } else {
            "земельні торги"
        };
        let status = c.pick(&[
            "готується до торгів",
            "оголошено торги",
            "проєкт землеустрою на погодженні",
            "вільна",
        ]);
        t.push(row![
            cad,
            a.line(),
            dec(area, 4),
            code,
            name,
            right,
            method,
            money(area * 10_000.0 * c.float(180.0, 650.0)),
            status,
            coord(a.lat),
            coord(a.lon)
        ]);
    }
    t
}

/// OMS-41: tenants of communal land.
pub(crate) fn land_tenants(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("tenant", "орендар"),
        ("tenantEdrpou", "код ЄДРПОУ (для юридичних осіб)"),
        ("cadastralNumber", "кадастровий номер"),
        ("address", "місце розташування"),
        ("area", "площа, га"),
        ("purpose", "цільове призначення"),
        ("contractDate", "дата договору оренди"),
        ("contractEnd", "дата закінчення договору"),
        ("normativeValue", "нормативна грошова оцінка, грн"),
        ("rentRatePercent", "ставка орендної плати, % НГО"),
        ("annualRent", "річна орендна плата, грн"),
    ]);
    for _ in 0..80 {
        let (cad, a, _, name, area) = plot(c);
        let (tenant, code) = if c.chance(0.7) {
            let f = c.firm();
            (f.name.clone(), Val::from(&f.edrpou))
        } else {
            (format!("ФОП {}", c.person().short()), Val::Empty)
        };
        let d = c.days_ago(60, 3000);
        let value = round(area * 10_000.0 * c.float(180.0, 650.0), 2);
        let rate = *c.rng.pick(&[3.0, 5.0, 8.0, 10.0, 12.0]);
        t.push(row![
            tenant,
            code,
            cad,
            a.line(),
            dec(area, 4),
            name,
            d,
            d + Duration::days(365 * c.int(5, 25)),
            money(value),
            dec(rate, 1),
            money(value * rate / 100.0)
        ]);
    }
    t
}

/// OMS-46: applications for free privatisation of land plots.
pub(crate) fn privatisation_applications(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("applicationNumber", "реєстраційний номер заяви"),
        ("applicationDate", "дата подання"),
        (
            "applicantCategory",
            "категорія заявника (персональні дані не наводяться)",
        ),
        ("purposeCode", "код цільового призначення"),
        ("requestedArea", "бажана площа, га"),
        ("location", "бажане місце розташування"),
        ("status", "стан розгляду"),
        ("decisionNumber", "номер рішення"),
        ("decisionDate", "дата рішення"),
    ]);
    let mut rows = Vec::new();
    for _ in 0..150 {
        let d = c.days_ago(0, 720);
        let cat = *c.rng.weighted(&[
            ("громадянин України", 6),
            ("учасник бойових дій", 4),
            ("член сім'ї загиблого Захисника України", 1),
            ("особа з інвалідністю внаслідок війни", 1),
        ]);
        let (code, area) = *c.rng.pick(&[
            ("02.01", 0.10),
            ("01.05", 0.12),
            ("01.03", 0.25),
            ("02.05", 0.01),
        ]);
        let street = c.pick(STREETS).0;
        let age = (c.as_of - d).num_days();
        let status = if age < 30 {
            "на розгляді"
        } else if c.chance(0.15) {
            "відмовлено"
        } else if age > 300 && c.chance(0.6) {
            "ділянку передано у власність"
        } else {
            "надано дозвіл на розроблення проєкту землеустрою"
        };
        let (num, date) = if status == "на розгляді" {
            (Val::Empty, Val::Empty)
        } else {
            let dd = d + Duration::days(c.int(14, 29));
            (
                Val::from(format!("{}-{}-VIII", c.int(100, 2400), c.int(20, 60))),
                Val::Date(dd),
            )
        };
        rows.push((d, code, area, street, cat, status, num, date));
    }
    rows.sort_by_key(|r| r.0);
    for (i, (d, code, area, street, cat, status, num, date)) in rows.into_iter().enumerate() {
        t.push(row![
            format!("З-{}", 1000 + i),
            d,
            cat,
            code,
            dec(area, 4),
            street,
            status,
            num,
            date
        ]);
    }
    t
}
