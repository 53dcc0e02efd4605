//! Environment, energy and safety: green plantings, waste, stray animals,
//! playgrounds and dog areas, utility consumption and energy management,
//! public toilets, special vehicles, cameras and shelters.

use chrono::{Datelike, Duration, NaiveDate};

use super::{Ctx, round};
use crate::gazetteer::{Addr, TREES};
use crate::table::{Table, Val, coord, dec, list, money, row};
use crate::world::Org;

/// OMS-14: green plantings to be removed under inspection acts.
pub(crate) fn trees_to_remove(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("actNumber", "номер акта обстеження"),
        ("actDate", "дата акта"),
        ("address", "місце зростання"),
        ("latitude", "широта"),
        ("longitude", "довгота"),
        ("species", "порода"),
        ("quantity", "кількість, шт"),
        ("trunkDiameterCm", "діаметр стовбура на висоті 1,3 м, см"),
        ("condition", "стан насадження"),
        ("reason", "підстава видалення"),
        (
            "restorationValue",
            "відновна вартість, грн (0 — звільнено від сплати)",
        ),
        ("removalDeadline", "строк видалення"),
    ]);
    let reasons = [
        ("аварійне", "загроза падіння на пішохідну частину"),
        ("сухостійне", "всихання"),
        ("пошкоджене хворобами", "ураження омелою та гниллю"),
        ("задовільне", "будівництво згідно з дозвільними документами"),
        ("аварійне", "нахил стовбура над проїжджою частиною"),
    ];
    let mut dates: Vec<NaiveDate> = (0..100).map(|_| c.days_ago(0, 300)).collect();
    dates.sort();
    for (i, d) in dates.into_iter().enumerate() {
        let a = c.addr();
        let (cond, reason) = c.pick(&reasons);
        let value = if cond == "задовільне" {
            c.money(8_000.0, 90_000.0)
        } else {
            0.0
        };
        t.push(row![
            format!("{}/{}", i + 1, d.year()),
            d,
            a.line(),
            coord(a.lat),
            coord(a.lon),
            c.pick(TREES),
            c.int(1, 4),
            c.int(12, 95),
            cond,
            reason,
            money(value),
            d + Duration::days(c.int(14, 60))
        ]);
    }
    t
}

/// OMS-24: special vehicles for utilities, landscaping and repairs.
pub(crate) fn special_vehicles(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("vehicleType", "вид спецтехніки"),
        ("make", "марка, модель"),
        ("plateNumber", "державний номерний знак"),
        ("owner", "балансоутримувач"),
        ("ownerEdrpou", "код ЄДРПОУ балансоутримувача"),
        ("purpose", "призначення"),
        ("baseAddress", "місце базування"),
        ("latitude", "широта місця базування"),
        ("longitude", "довгота місця базування"),
        ("gpsTracker", "обладнано GPS-трекером"),
        ("yearManufactured", "рік випуску"),
    ]);
    let kinds = [
        (
            "сміттєвоз з боковим завантаженням",
            "МАЗ 5337 КО-440",
            "Спецкомунтранс",
            "вивезення побутових відходів",
            2006,
        ),
        (
            "сміттєвоз із заднім завантаженням",
            "Mercedes-Benz Econic",
            "Спецкомунтранс",
            "вивезення побутових відходів",
            2012,
        ),
        (
            "підмітально-прибиральна машина",
            "МТЗ 82 МПМ",
            "Спецкомунтранс",
            "прибирання вулиць",
            2004,
        ),
        (
            "піскорозкидач",
            "КрАЗ 65055 КДМ",
            "Спецкомунтранс",
            "зимове утримання доріг",
            2007,
        ),
        (
            "автогідропідіймач",
            "ГАЗ 3309 АГП-18",
            "Міськсвітло",
            "ремонт зовнішнього освітлення",
            2005,
        ),
        (
            "екскаватор-навантажувач",
            "JCB 3CX",
            "Міськводоканал",
            "аварійні роботи на мережах",
            2010,
        ),
        (
            "асенізаційна машина",
            "ГАЗ 3309 КО-503",
            "Міськводоканал",
            "відкачування стоків",
            2003,
        ),
        (
            "автовишка",
            "ЗІЛ 130 АП-17",
            "Зеленбуд",
            "обрізування дерев",
            1986,
        ),
        (
            "трактор з косаркою",
            "Беларус 320",
            "Зеленбуд",
            "косіння газонів",
            2009,
        ),
        (
            "поливомийна машина",
            "КамАЗ 53213 КО-806",
            "Спецкомунтранс",
            "полив і миття вулиць",
            2008,
        ),
    ];
    let w = c.world;
    let bases: Vec<(&Org, Addr)> = w.enterprises.iter().map(|e| (e, e.addr.clone())).collect();
    for _ in 0..50 {
        let (kind, make, owner, purpose, since) = c.pick(&kinds);
        let (org, addr) = bases
            .iter()
            .find(|(e, _)| e.short.contains(owner))
            .expect("owner");
        let a = c.pick(&['А', 'В', 'Е', 'К', 'М', 'Н', 'Р', 'С', 'Т', 'Х']);
        t.push(row![
            kind,
            make,
            format!("СА {:04} {a}Х", c.int(1, 9999)),
            &org.name,
            &org.edrpou,
            purpose,
            addr.line(),
            coord(addr.lat),
            coord(addr.lon),
            c.chance(0.8),
            c.int(since, (since + 12).min(c.year() as i64 - 1))
        ]);
    }
    t
}

/// OMS-30: utilities consumed by communal institutions, by month.
pub(crate) fn utility_consumption(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("institution", "заклад (установа)"),
        ("edrpou", "код ЄДРПОУ"),
        ("period", "місяць (РРРР-ММ)"),
        ("electricityKwh", "електрична енергія, кВт·год"),
        ("heatGcal", "теплова енергія, Гкал"),
        ("gasM3", "природний газ, куб. м"),
        ("coldWaterM3", "холодна вода, куб. м"),
        ("hotWaterM3", "гаряча вода, куб. м"),
        (
            "renewableSharePercent",
            "частка відновлюваних джерел енергії, %",
        ),
    ]);
    let w = c.world;
    let insts: Vec<&Org> = w
        .schools
        .iter()
        .take(8)
        .chain(w.kindergartens.iter().take(6))
        .chain(w.health.iter().take(3))
        .chain(w.culture.iter().take(3))
        .collect();
    let mut months = Vec::new();
    let mut d = c.as_of.with_day(1).expect("day");
    for _ in 0..12 {
        d = (d - Duration::days(1)).with_day(1).expect("day");
        months.push(d);
    }
    months.reverse();
    for o in insts {
        let size = c.float(0.5, 2.0);
        let gas_heated = c.chance(0.3);
        let solar = c.chance(0.25);
        for m in &months {
            let winter = matches!(m.month(), 11 | 12 | 1 | 2 | 3);
            let heating = matches!(m.month(), 10..=12 | 1..=4);
            let elec = round(
                size * c.float(3_000.0, 6_500.0) * if winter { 1.3 } else { 1.0 },
                0,
            );
            let heat = if heating && !gas_heated {
                Val::Dec(round(size * c.float(15.0, 60.0), 3), 3)
            } else {
                Val::Dec(0.0, 3)
            };
            let gas = if heating && gas_heated {
                Val::Dec(round(size * c.float(2_000.0, 7_000.0), 0), 0)
            } else {
                Val::Dec(0.0, 0)
            };
            let renewable = if solar {
                c.float(8.0, if winter { 12.0 } else { 35.0 })
            } else {
                0.0
            };
            t.push(row![
                &o.name,
                &o.edrpou,
                m.format("%Y-%m").to_string(),
                dec(elec, 0),
                heat,
                gas,
                dec(round(size * c.float(40.0, 160.0), 1), 1),
                dec(round(size * c.float(0.0, 25.0), 1), 1),
                dec(renewable, 1)
            ]);
        }
    }
    t
}

/// OMS-57: buildings with energy management — their characteristics.
pub(crate) fn energy_buildings(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("building", "будівля (заклад)"),
        ("edrpou", "код ЄДРПОУ закладу"),
        ("address", "адреса"),
        ("yearBuilt", "рік побудови"),
        ("floors", "поверховість"),
        ("heatedArea", "опалювана площа, кв. м"),
        ("energyClass", "клас енергетичної ефективності (A–G)"),
        (
            "specificHeatConsumption",
            "питоме споживання теплової енергії, кВт·год/кв. м на рік",
        ),
        (
            "hasIndividualHeatingPoint",
            "є індивідуальний тепловий пункт",
        ),
        ("thermalModernization", "проведено термомодернізацію"),
        (
            "smartMeters",
            "є автоматизований облік (дистанційне зчитування)",
        ),
        ("energyManager", "відповідальний енергоменеджер"),
    ]);
    let w = c.world;
    let insts: Vec<&Org> = w.institutions().collect();
    for o in insts.iter().take(40) {
        let modern = c.chance(0.35);
        let specific = if modern {
            c.float(70.0, 120.0)
        } else {
            c.float(140.0, 260.0)
        };
        let class = match specific as i64 {
            ..=90 => "B",
            91..=120 => "C",
            121..=160 => "D",
            161..=200 => "E",
            201..=230 => "F",
            _ => "G",
        };
        t.push(row![
            &o.name,
            &o.edrpou,
            o.addr.line(),
            c.int(1958, 1995),
            c.int(1, 4),
            dec(round(c.float(800.0, 7500.0), 1), 1),
            class,
            dec(round(specific, 1), 1),
            modern || c.chance(0.3),
            modern,
            c.chance(0.6),
            c.person().short()
        ]);
    }
    t
}

/// OMS-37: public toilets.
pub(crate) fn toilets(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("toiletId", "ідентифікатор"),
        ("address", "адреса або орієнтир"),
        ("latitude", "широта"),
        ("longitude", "довгота"),
        ("toiletType", "тип: стаціонарна, модульна"),
        ("workingHours", "час роботи"),
        ("isFree", "безоплатна"),
        ("price", "вартість відвідування, грн"),
        ("accessible", "пристосована для осіб з інвалідністю"),
        ("babyChanging", "є сповивальний столик"),
        ("operator", "балансоутримувач"),
    ]);
    let w = c.world;
    let operators: Vec<&Org> = w
        .enterprises
        .iter()
        .filter(|e| {
            e.short.contains("Житлосервіс")
                || e.short.contains("ринок")
                || e.short.contains("Зеленбуд")
        })
        .collect();
    let landmarks = [
        "Парк Перемоги",
        "Центральний ринок",
        "Вокзал",
        "Площа Соборна",
        "Набережна",
        "Автостанція",
        "Стадіон «Колос»",
        "Сквер Шевченка",
        "Кладовище",
        "Лісопарк",
    ];
    for n in 1..=26 {
        let a = c.addr();
        let place = if n <= landmarks.len() {
            format!("{} ({})", landmarks[n - 1], a.line())
        } else {
            a.line()
        };
        let free = c.chance(0.4);
        let op = operators[c.rng.below(operators.len())];
        let hours = c.pick(&[
            "08:00–20:00",
            "07:00–22:00",
            "цілодобово",
            "09:00–18:00 (травень–вересень)",
        ]);
        t.push(row![
            format!("WC-{n:02}"),
            place,
            coord(a.lat),
            coord(a.lon),
            c.pick(&["стаціонарна", "модульна"]),
            hours,
            free,
            if free {
                Val::Empty
            } else {
                money(*c.rng.pick(&[5.0, 10.0]))
            },
            c.chance(0.6),
            c.chance(0.35),
            &op.name
        ]);
    }
    t
}

const CONTAINER_KINDS: &[(&str, f64, u32)] = &[
    ("змішані відходи", 1.1, 10),
    ("пластик", 1.1, 4),
    ("скло", 1.1, 3),
    ("папір і картон", 1.1, 2),
    ("органічні відходи", 0.24, 1),
    ("небезпечні відходи (батарейки, лампи)", 0.12, 1),
    ("великогабаритні відходи", 8.0, 1),
];

/// OMS-48: containers, container sites and collection points.
pub(crate) fn containers(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("siteId", "ідентифікатор контейнерного майданчика"),
        ("address", "адреса"),
        ("latitude", "широта"),
        ("longitude", "довгота"),
        ("containerCategory", "категорія відходів"),
        ("containerVolume", "об'єм контейнера, куб. м"),
        ("containerCount", "кількість контейнерів"),
        ("owner", "власник контейнерів"),
        ("collectionDays", "дні вивезення"),
    ]);
    let w = c.world;
    let owner = w
        .enterprises
        .iter()
        .find(|e| e.short.contains("Спецкомунтранс"))
        .expect("waste");
    let weighted: Vec<((&str, f64), u32)> = CONTAINER_KINDS
        .iter()
        .map(|&(k, v, n)| ((k, v), n))
        .collect();
    let schedules = [
        "щодня",
        "пн, ср, пт",
        "вт, чт, сб",
        "щопонеділка",
        "за заявкою",
    ];
    let mut n = 0;
    while t.rows.len() < 240 {
        n += 1;
        let a = c.addr();
        let kinds = c.int(1, 3);
        let mut used: Vec<&str> = Vec::new();
        for _ in 0..kinds {
            let (kind, vol) = *c.rng.weighted(&weighted);
            if used.contains(&kind) {
                continue;
            }
            used.push(kind);
            let schedule = if kind.starts_with("змішані") {
                "щодня"
            } else {
                c.pick(&schedules)
            };
            t.push(row![
                format!("KMD-{n:04}"),
                a.line(),
                coord(a.lat),
                coord(a.lon),
                kind,
                dec(vol, 2),
                c.int(1, 4),
                &owner.name,
                schedule
            ]);
        }
    }
    t
}

/// OMS-49: waste-management facilities.
pub(crate) fn waste_facilities(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("facilityName", "назва об'єкта"),
        ("facilityType", "тип об'єкта"),
        ("address", "місце розташування"),
        ("latitude", "широта"),
        ("longitude", "довгота"),
        ("areaHa", "площа, га"),
        ("intakeTonsLastYear", "обсяг надходжень за минулий рік, т"),
        ("operator", "оператор"),
    ]);
    let facilities = [
        (
            "Полігон твердих побутових відходів",
            "полігон ТПВ",
            12.5,
            38_000.0,
        ),
        (
            "Сміттєсортувальна лінія",
            "сортувальна станція",
            0.8,
            9_500.0,
        ),
        ("Компостний майданчик", "компостування", 1.2, 1_800.0),
        (
            "Пункт прийому небезпечних відходів",
            "пункт прийому",
            0.05,
            12.0,
        ),
        (
            "Пункт прийому вторинної сировини № 1",
            "пункт прийому вторсировини",
            0.03,
            420.0,
        ),
        (
            "Пункт прийому вторинної сировини № 2",
            "пункт прийому вторсировини",
            0.03,
            380.0,
        ),
        (
            "Пункт прийому вторинної сировини № 3",
            "пункт прийому вторсировини",
            0.02,
            260.0,
        ),
        (
            "Майданчик для будівельних відходів",
            "тимчасове зберігання",
            0.6,
            2_400.0,
        ),
        (
            "Станція перевантаження відходів",
            "перевантажувальна станція",
            0.4,
            6_000.0,
        ),
        (
            "Пункт прийому великогабаритних відходів",
            "пункт прийому",
            0.1,
            900.0,
        ),
        (
            "Пункт прийому органічних відходів",
            "пункт прийому",
            0.05,
            300.0,
        ),
        (
            "Пункт прийому текстилю",
            "пункт прийому вторсировини",
            0.01,
            45.0,
        ),
        (
            "Еко-станція «Північна»",
            "пункт прийому вторсировини",
            0.02,
            160.0,
        ),
        (
            "Еко-станція «Набережна»",
            "пункт прийому вторсировини",
            0.02,
            140.0,
        ),
        (
            "Пункт прийому батарейок у ЦНАП",
            "пункт прийому",
            0.001,
            0.8,
        ),
        ("Пункт прийому шин", "пункт прийому", 0.05, 110.0),
        (
            "Пункт прийому електронних відходів",
            "пункт прийому",
            0.01,
            35.0,
        ),
        (
            "Ділянка рекультивації старого звалища",
            "рекультивація",
            4.5,
            0.0,
        ),
        (
            "Майданчик зберігання зеленої маси",
            "компостування",
            0.3,
            700.0,
        ),
        (
            "Пункт прийому скла",
            "пункт прийому вторсировини",
            0.02,
            210.0,
        ),
    ];
    let w = c.world;
    let op = w
        .enterprises
        .iter()
        .find(|e| e.short.contains("Спецкомунтранс"))
        .expect("waste");
    for (name, kind, area, tons) in facilities {
        let a = c.addr();
        t.push(row![
            name,
            kind,
            a.line(),
            coord(a.lat),
            coord(a.lon),
            dec(area, 3),
            dec(round(tons * c.float(0.9, 1.1), 1), 1),
            &op.name
        ]);
    }
    t
}

/// OMS-50: catching, sterilisation and identification of stray animals.
pub(crate) fn stray_animals(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("animalId", "обліковий номер тварини"),
        ("species", "вид"),
        ("sex", "стать"),
        ("catchDate", "дата відлову"),
        ("catchStreet", "вулиця, де відловлено"),
        ("sterilized", "стерилізовано"),
        ("sterilizationDate", "дата стерилізації"),
        ("vaccinated", "щеплено від сказу"),
        ("chipNumber", "номер мікрочипа (ISO 11784)"),
        ("outcome", "подальша доля"),
    ]);
    let mut dates: Vec<NaiveDate> = (0..200).map(|_| c.days_ago(0, 365)).collect();
    dates.sort();
    for (i, d) in dates.into_iter().enumerate() {
        let species = if c.chance(0.7) {
            "собака"
        } else {
            "кіт"
        };
        let sex = if c.chance(0.5) {
            "самець"
        } else {
            "самка"
        };
        let steril = c.chance(0.85);
        let sdate = if steril {
            Val::Date(d + Duration::days(c.int(1, 7)))
        } else {
            Val::Empty
        };
        let chip = format!("804098{:09}", 100_000_000 + i * 7919 % 900_000_000);
        let outcome = *c.rng.weighted(&[
            ("повернуто в місце відлову", 6),
            ("передано новим власникам", 3),
            ("утримується в притулку", 2),
            ("повернуто власнику", 1),
        ]);
        let street = c.addr().street;
        t.push(row![
            format!("БТ-{}-{:04}", d.year(), i + 1),
            species,
            sex,
            d,
            street,
            steril,
            sdate,
            c.chance(0.95),
            chip,
            outcome
        ]);
    }
    t
}

/// OMS-51: playgrounds and sports grounds.
pub(crate) fn playgrounds(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("playgroundId", "ідентифікатор майданчика"),
        ("playgroundType", "тип майданчика"),
        ("address", "адреса"),
        ("latitude", "широта"),
        ("longitude", "довгота"),
        ("areaSqM", "площа, кв. м"),
        ("surface", "покриття"),
        ("equipment", "обладнання"),
        ("yearBuilt", "рік облаштування"),
        ("condition", "технічний стан"),
        (
            "inclusive",
            "інклюзивний (доступний для дітей з інвалідністю)",
        ),
        ("balanceHolder", "балансоутримувач"),
    ]);
    let kinds: &[(&str, &[&str])] = &[
        (
            "дитячий",
            &[
                "гойдалка",
                "гірка",
                "пісочниця",
                "карусель",
                "ігровий комплекс",
                "балансир",
            ],
        ),
        (
            "спортивний",
            &[
                "футбольні ворота",
                "баскетбольні щити",
                "волейбольна сітка",
                "тенісний стіл",
            ],
        ),
        (
            "воркаут",
            &["турнік", "бруси", "шведська стінка", "лава для пресу"],
        ),
        (
            "універсальний",
            &["гойдалка", "турнік", "тенісний стіл", "лавки"],
        ),
    ];
    let w = c.world;
    let holder = w
        .enterprises
        .iter()
        .find(|e| e.short.contains("Зеленбуд"))
        .expect("green");
    for n in 1..=80 {
        let (kind, items) = c.pick(kinds);
        let a = c.addr();
        let k = c.int(2, items.len() as i64) as usize;
        let picked: Vec<&str> = c
            .rng
            .sample(items.len(), k)
            .into_iter()
            .map(|i| items[i])
            .collect();
        let year = c.int(2005, c.year() as i64);
        let condition = if year < 2012 {
            c.pick(&["задовільний", "потребує ремонту"])
        } else {
            c.pick(&["добрий", "задовільний"])
        };
        t.push(row![
            format!("PG-{n:03}"),
            kind,
            a.line(),
            coord(a.lat),
            coord(a.lon),
            c.int(60, 1200),
            c.pick(&["гумова крихта", "пісок", "штучна трава", "асфальт", "ґрунт"]),
            list(&picked),
            year,
            condition,
            c.chance(0.2),
            &holder.name
        ]);
    }
    t
}

/// OMS-53: areas for walking pets.
pub(crate) fn dog_areas(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("areaId", "ідентифікатор"),
        ("address", "розташування"),
        ("latitude", "широта"),
        ("longitude", "довгота"),
        ("areaSqM", "площа, кв. м"),
        ("fenced", "огороджена"),
        ("agilityEquipment", "є обладнання для дресирування"),
        ("lighting", "є освітлення"),
        ("wasteBins", "є урни та пакети для прибирання"),
    ]);
    for n in 1..=22 {
        let a = c.addr();
        t.push(row![
            format!("DOG-{n:02}"),
            a.line(),
            coord(a.lat),
            coord(a.lon),
            c.int(200, 2500),
            c.chance(0.8),
            c.chance(0.5),
            c.chance(0.6),
            c.chance(0.9)
        ]);
    }
    t
}

/// OMS-54: CCTV cameras of the "Safe City" system.
pub(crate) fn cameras(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("cameraId", "ідентифікатор камери"),
        ("address", "місце встановлення"),
        ("latitude", "широта"),
        ("longitude", "довгота"),
        (
            "cameraType",
            "тип: оглядова, розпізнавання номерних знаків, купольна поворотна",
        ),
        ("installYear", "рік встановлення"),
        ("status", "стан"),
        ("owner", "власник"),
    ]);
    let owner = crate::publishers::seed("upravlinnia-tsyvilnoho-zakhystu");
    for n in 1..=120 {
        let a = c.addr();
        let kind = *c.rng.weighted(&[
            ("оглядова", 6),
            ("розпізнавання номерних знаків", 2),
            ("купольна поворотна", 2),
        ]);
        let status = if c.chance(0.92) {
            "працює"
        } else {
            "на ремонті"
        };
        t.push(row![
            format!("CAM-{n:04}"),
            a.line(),
            coord(a.lat),
            coord(a.lon),
            kind,
            c.int(2018, c.year() as i64),
            status,
            owner.title
        ]);
    }
    t
}

/// OMS-55: civil-protection shelters.
pub(crate) fn shelters(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("shelterId", "обліковий номер захисної споруди"),
        (
            "shelterType",
            "тип: сховище, протирадіаційне укриття, споруда подвійного призначення, найпростіше укриття",
        ),
        ("address", "адреса"),
        ("latitude", "широта"),
        ("longitude", "довгота"),
        ("capacity", "місткість, осіб"),
        ("accessible", "доступна для маломобільних груп"),
        ("openingMode", "режим доступу"),
        ("balanceHolder", "балансоутримувач"),
        ("contactPhone", "телефон відповідальної особи"),
        ("lastInspection", "дата останньої перевірки готовності"),
        ("readiness", "оцінка готовності"),
    ]);
    let w = c.world;
    let insts: Vec<&Org> = w.institutions().collect();
    let mut n = 0;
    for o in &insts {
        n += 1;
        let kind = if o.kind.contains("освіти") {
            "протирадіаційне укриття"
        } else {
            c.pick(&[
                "сховище",
                "протирадіаційне укриття",
                "споруда подвійного призначення",
            ])
        };
        t.push(row![
            format!("{:05}", 71000 + n),
            kind,
            o.addr.line(),
            coord(o.addr.lat),
            coord(o.addr.lon),
            c.int(60, 600),
            c.chance(0.5),
            "під час повітряної тривоги",
            &o.name,
            &o.phone,
            c.days_ago(5, 200),
            *c.rng
                .weighted(&[("готове", 7), ("обмежено готове", 2), ("не готове", 1)])
        ]);
    }
    let holder = w
        .enterprises
        .iter()
        .find(|e| e.short.contains("Житлосервіс"))
        .expect("housing");
    while t.rows.len() < 100 {
        n += 1;
        let a = c.addr();
        let kind = c.pick(&[
            "найпростіше укриття",
            "найпростіше укриття",
            "споруда подвійного призначення",
        ]);
        let phone = c.phone();
        t.push(row![
            format!("{:05}", 71000 + n),
            kind,
            a.line(),
            coord(a.lat),
            coord(a.lon),
            c.int(30, 250),
            c.chance(0.3),
            c.pick(&["цілодобово", "під час повітряної тривоги"]),
            &holder.name,
            phone,
            c.days_ago(5, 200),
            *c.rng
                .weighted(&[("готове", 6), ("обмежено готове", 3), ("не готове", 1)])
        ]);
    }
    t
}
