//! The city's space: urban planning, addresses, building passports, outdoor
//! advertising, temporary structures and trade, works permits, repairs of
//! roads and buildings, fairs and utility tariffs.

use chrono::{Datelike, Duration, NaiveDate};

use super::{Ctx, doc_url, round};
use crate::gazetteer::{Addr, STREETS};
use crate::table::{Table, Val, coord, dec, money, row};

/// OMS-04: outdoor advertising structures.
pub(crate) fn advertising(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("permitNumber", "номер дозволу"),
        ("address", "місце розташування"),
        ("latitude", "широта"),
        ("longitude", "довгота"),
        ("adType", "вид рекламного засобу"),
        ("width", "ширина, м"),
        ("height", "висота, м"),
        ("sides", "кількість сторін"),
        ("distributor", "розповсюджувач зовнішньої реклами"),
        ("distributorEdrpou", "код ЄДРПОУ розповсюджувача"),
        ("distributorPhone", "телефон розповсюджувача"),
        ("distributorEmail", "електронна пошта розповсюджувача"),
        ("permitDate", "дата видачі дозволу"),
        ("permitValidUntil", "дозвіл дійсний до"),
        (
            "contractNumber",
            "номер договору (якщо місце комунальної власності)",
        ),
        ("contractDate", "дата договору"),
    ]);
    let types = [
        ("білборд", 6.0, 3.0),
        ("сітілайт", 1.2, 1.8),
        ("призматрон", 6.0, 3.0),
        ("світлодіодний екран", 4.0, 3.0),
        ("лайтбокс на опорі", 1.2, 1.8),
        ("банер на фасаді", 8.0, 5.0),
    ];
    let w = c.world;
    let distributors: Vec<&crate::world::Org> = w
        .firms
        .iter()
        .filter(|f| {
            ["Реклама", "Медіа", "Сіті-Лайт", "Рекламний"]
                .iter()
                .any(|k| f.name.contains(k))
        })
        .collect();
    for n in 1..=120 {
        let a = c.addr();
        let (kind, wd, ht) = c.pick(&types);
        let d = c.days_ago(10, 1800);
        let until = d + Duration::days(5 * 365);
        let f = distributors[c.rng.below(distributors.len())];
        let (num, date) = if c.chance(0.6) {
            (
                Val::from(format!("Р-{n:04}")),
                Val::Date(d + Duration::days(c.int(5, 30))),
            )
        } else {
            (Val::Empty, Val::Empty)
        };
        t.push(row![
            format!("{}/{n}", d.year()),
            a.line(),
            coord(a.lat),
            coord(a.lon),
            kind,
            dec(wd, 1),
            dec(ht, 1),
            if kind == "банер на фасаді" {
                1
            } else {
                2
            },
            &f.name,
            &f.edrpou,
            &f.phone,
            &f.email,
            d,
            until,
            num,
            date
        ]);
    }
    t
}

fn street_parts(street: &str) -> (&'static str, &str) {
    for (abbr, full) in [
        ("вул. ", "вулиця"),
        ("просп. ", "проспект"),
        ("бульв. ", "бульвар"),
        ("пров. ", "провулок"),
        ("пл. ", "площа"),
    ] {
        if let Some(rest) = street.strip_prefix(abbr) {
            return (full, rest);
        }
    }
    ("вулиця", street)
}

/// OMS-20: the address register.
pub(crate) fn addresses(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("addressId", "ідентифікатор адреси"),
        ("streetType", "тип вулиці"),
        ("streetName", "назва вулиці"),
        ("buildingNumber", "номер будинку"),
        ("postcode", "поштовий індекс"),
        ("district", "мікрорайон"),
        ("objectType", "тип об'єкта адресації"),
        ("floors", "поверховість"),
        ("latitude", "широта (WGS 84)"),
        ("longitude", "довгота (WGS 84)"),
        ("katottg", "код КАТОТТГ населеного пункту"),
    ]);
    let mut all: Vec<(usize, i64, String, Addr)> = Vec::new();
    for (i, _) in STREETS.iter().enumerate() {
        let k = c.int(4, 9);
        let mut numbers: Vec<i64> = (0..k).map(|_| c.int(1, 120)).collect();
        numbers.sort_unstable();
        numbers.dedup();
        for n in numbers {
            let mut a = Addr::on_street(&mut c.rng, i);
            let suffix = if c.chance(0.08) { "а" } else { "" };
            a.house = format!("{n}{suffix}");
            all.push((i, n, a.house.clone(), a));
        }
    }
    all.truncate(300);
    for (k, (i, _, house, a)) in all.into_iter().enumerate() {
        let (kind, name) = street_parts(STREETS[i].0);
        let object = *c.rng.weighted(&[
            ("житловий будинок", 6),
            ("багатоквартирний будинок", 3),
            ("нежитлова будівля", 2),
        ]);
        let floors = match object {
            "житловий будинок" => c.int(1, 2),
            "багатоквартирний будинок" => *c.rng.pick(&[5, 5, 9, 9, 10, 16]),
            _ => c.int(1, 4),
        };
        t.push(row![
            format!("ADR-{:05}", k + 1),
            kind,
            name,
            house,
            format!("2095{}", i % 10),
            a.district(),
            object,
            floors,
            coord(a.lat),
            coord(a.lon),
            crate::KATOTTG
        ]);
    }
    t
}

/// OMS-22: building passports issued.
pub(crate) fn building_passports(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("passportNumber", "номер будівельного паспорта"),
        ("issueDate", "дата видачі"),
        (
            "customerType",
            "замовник: фізична або юридична особа (дані фізичних осіб не наводяться)",
        ),
        ("address", "адреса земельної ділянки"),
        ("cadastralNumber", "кадастровий номер"),
        ("plannedObject", "запланований об'єкт"),
        ("landArea", "площа ділянки, га"),
        ("status", "стан"),
    ]);
    let objects = [
        "садибний житловий будинок",
        "садовий будинок",
        "господарська будівля",
        "гараж",
        "реконструкція садибного житлового будинку",
        "огорожа",
    ];
    let mut rows = Vec::new();
    for _ in 0..60 {
        let d = c.days_ago(0, 540);
        let a = c.addr();
        let cad = c.cadastral();
        rows.push((d, a.line(), cad));
    }
    rows.sort_by_key(|r| r.0);
    for (i, (d, a, cad)) in rows.into_iter().enumerate() {
        let customer = if c.chance(0.9) {
            "фізична особа"
        } else {
            "юридична особа"
        };
        let status = if c.chance(0.94) {
            "чинний"
        } else {
            "скасований"
        };
        t.push(row![
            format!("БП-{}-{:03}", d.year(), i + 1),
            d,
            customer,
            a,
            cad,
            c.pick(&objects),
            dec(round(c.float(0.04, 0.15), 4), 4),
            status
        ]);
    }
    t
}

const ZONES: &[(&str, &str)] = &[
    ("Ж-1", "зона садибної забудови"),
    ("Ж-2", "зона змішаної житлової забудови"),
    (
        "Ж-3",
        "зона багатоквартирної забудови середньої поверховості",
    ),
    (
        "Ж-4",
        "зона багатоквартирної забудови підвищеної поверховості",
    ),
    ("Г-1", "громадсько-житлова зона"),
    ("Г-2", "ділова зона"),
    ("В-1", "виробнича зона"),
    ("К-1", "комунальна зона"),
    (
        "Р-2",
        "рекреаційна зона озеленених територій загального користування",
    ),
    ("ТР-2", "зона транспортної інфраструктури"),
];

/// OMS-27: objects of the urban-planning cadastre (points of zoning areas).
pub(crate) fn cadastre(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("objectId", "ідентифікатор об'єкта кадастру"),
        ("layer", "шар кадастру"),
        ("zoneCode", "код функціональної зони"),
        ("zoneName", "назва зони"),
        (
            "sourceDocument",
            "містобудівна документація, з якої взято дані",
        ),
        ("area", "площа, га"),
        ("nearestAddress", "найближча адреса"),
        ("latitude", "широта центроїда"),
        ("longitude", "довгота центроїда"),
        ("geometryUrl", "посилання на геометрію у форматі GeoJSON"),
    ]);
    let y = c.year();
    let docs = [
        format!("План зонування території Демо-міста ({} р.)", y - 4),
        format!("Генеральний план Демо-міста ({} р.)", y - 6),
        "Детальний план території мікрорайону Сонячний".to_string(),
    ];
    for n in 1..=80 {
        let a = c.addr();
        let (code, name) = c.pick(ZONES);
        let layer = if n % 4 == 0 {
            "функціональне зонування генерального плану"
        } else {
            "зонування території"
        };
        let doc = docs[c.rng.below(docs.len())].clone();
        t.push(row![
            format!("MK-{n:04}"),
            layer,
            code,
            name,
            doc,
            dec(round(c.float(0.5, 40.0), 2), 2),
            a.line(),
            coord(a.lat),
            coord(a.lon),
            doc_url("gis/geojson", format!("MK-{n:04}"))
        ]);
    }
    t
}

/// OMS-35: planning documentation of the community.
pub(crate) fn planning_documents(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("documentType", "вид містобудівної документації"),
        ("title", "назва"),
        ("developer", "розробник"),
        ("developerEdrpou", "код ЄДРПОУ розробника"),
        (
            "decisionNumber",
            "номер рішення про розроблення або затвердження",
        ),
        ("decisionDate", "дата рішення"),
        (
            "status",
            "стан: розробляється, громадські слухання, затверджено",
        ),
        ("area", "площа території, га"),
        ("url", "посилання на документацію"),
    ]);
    let y = c.year();
    let mut docs: Vec<(String, &str)> = vec![
        (
            "Комплексний план просторового розвитку території Демо-міської територіальної громади"
                .into(),
            "Комплексний план",
        ),
        ("Генеральний план Демо-міста".into(), "Генеральний план"),
        (
            "План зонування території Демо-міста".into(),
            "План зонування",
        ),
    ];
    for (i, s) in STREETS
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
        .take(19)
    {
        docs.push((
            format!(
                "Детальний план території в районі {} ({} квартал)",
                s.0.replace("вул. ", "вулиці "),
                i + 1
            ),
            "Детальний план території",
        ));
    }
    let firms: Vec<&crate::world::Org> = c
        .world
        .firms
        .iter()
        .filter(|f| f.name.contains("Простір") || f.name.contains("Проєкт"))
        .collect();
    for (i, (title, kind)) in docs.into_iter().enumerate() {
        let f = firms[i % firms.len()];
        let (num, date) = c.decision(60, 2000);
        let status = if kind == "Комплексний план" {
            "розробляється"
        } else {
            c.pick(&[
                "затверджено",
                "затверджено",
                "громадські слухання",
                "розробляється",
            ])
        };
        let area = match kind {
            "Комплексний план" => 18_400.0,
            "Генеральний план" | "План зонування" => 3_650.0,
            _ => round(c.float(2.0, 60.0), 2),
        };
        t.push(row![
            kind,
            title,
            &f.name,
            &f.edrpou,
            format!("{num}-{}-VIII", c.int(10, 60)),
            date,
            status,
            dec(area, 2),
            doc_url(&format!("mistobuduvannia/{}", y), i + 1)
        ]);
    }
    t
}

/// OMS-43: the register of urban-planning conditions and restrictions.
pub(crate) fn planning_conditions(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("registrationNumber", "реєстраційний номер"),
        ("issueDate", "дата надання"),
        ("customer", "замовник (фізичні особи не називаються)"),
        ("objectName", "назва об'єкта будівництва"),
        ("constructionType", "вид будівництва"),
        ("address", "адреса (місце розташування)"),
        ("cadastralNumber", "кадастровий номер земельної ділянки"),
        ("maxHeight", "граничнодопустима висотність, м"),
        (
            "maxBuildingDensity",
            "максимально допустимий відсоток забудови, %",
        ),
        (
            "maxPopulationDensity",
            "максимально допустима щільність населення, осіб/га",
        ),
        (
            "minSetback",
            "мінімально допустимі відступи від червоних ліній, м",
        ),
        ("restrictions", "планувальні обмеження (охоронні зони тощо)"),
        ("status", "стан: чинні, скасовані, втратили чинність"),
    ]);
    let objects = [
        ("Будівництво багатоквартирного житлового будинку", 36.0, 400),
        ("Будівництво магазину продовольчих товарів", 9.0, 0),
        ("Реконструкція нежитлової будівлі під офіс", 15.0, 0),
        (
            "Будівництво станції технічного обслуговування автомобілів",
            8.0,
            0,
        ),
        ("Будівництво складу", 12.0, 0),
        ("Будівництво садибного житлового будинку", 9.0, 0),
        ("Реконструкція котельні", 14.0, 0),
    ];
    let restrictions = [
        "охоронна зона ЛЕП 10 кВ",
        "санітарно-захисна зона",
        "охоронна зона газопроводу",
        "зона охорони пам'яток історії",
        "обмеження відсутні",
        "прибережна захисна смуга",
    ];
    let mut rows = Vec::new();
    for _ in 0..60 {
        let d = c.days_ago(0, 1100);
        rows.push(d);
    }
    rows.sort();
    for (i, d) in rows.into_iter().enumerate() {
        let &(obj, h, dens) = c.rng.pick(&objects);
        let customer = if obj.contains("садибного") {
            "фізична особа".to_string()
        } else {
            c.firm().name.clone()
        };
        let a = c.addr();
        let status = if c.chance(0.05) {
            "скасовані"
        } else if (c.as_of - d).num_days() > 900 {
            "втратили чинність"
        } else {
            "чинні"
        };
        let density = if dens > 0 { Val::Int(dens) } else { Val::Empty };
        t.push(row![
            format!("МУО-{}-{:03}", d.year(), i + 1),
            d,
            customer,
            obj,
            if obj.starts_with("Реконструкція") {
                "реконструкція"
            } else {
                "нове будівництво"
            },
            a.line(),
            c.cadastral(),
            dec(h, 1),
            c.int(30, 60),
            density,
            dec(*c.rng.pick(&[3.0, 5.0, 6.0, 10.0]), 1),
            c.pick(&restrictions),
            status
        ]);
    }
    t
}

/// OMS-47: temporary structures for business.
pub(crate) fn temporary_structures(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("passportNumber", "номер паспорта прив'язки"),
        ("address", "місце розташування"),
        ("latitude", "широта"),
        ("longitude", "довгота"),
        ("owner", "власник (суб'єкт господарювання)"),
        ("ownerEdrpou", "код ЄДРПОУ (для юридичних осіб)"),
        ("structureType", "тип тимчасової споруди"),
        ("activity", "вид діяльності"),
        ("area", "площа, кв. м"),
        ("passportDate", "дата видачі паспорта прив'язки"),
        ("validUntil", "строк дії"),
        ("contractNumber", "номер договору про розміщення"),
    ]);
    let activities = [
        "продовольчі товари",
        "кава та напої",
        "квіти",
        "преса",
        "хлібобулочні вироби",
        "ремонт взуття",
        "мобільний зв'язок",
        "овочі та фрукти",
        "аптечний пункт",
    ];
    for n in 1..=90 {
        let a = c.addr();
        let (owner, code) = if c.chance(0.45) {
            let f = c.firm();
            (f.name.clone(), Val::from(&f.edrpou))
        } else {
            (format!("ФОП {}", c.person().short()), Val::Empty)
        };
        let kind = c.pick(&[
            "кіоск",
            "павільйон",
            "торговий павільйон із зупинкою",
            "літній майданчик",
        ]);
        let d = c.days_ago(20, 1400);
        t.push(row![
            format!("ТС-{n:04}"),
            a.line(),
            coord(a.lat),
            coord(a.lon),
            owner,
            code,
            kind,
            c.pick(&activities),
            dec(round(c.float(4.0, 30.0), 1), 1),
            d,
            d + Duration::days(365 * c.int(1, 5)),
            format!("ТС/{n}")
        ]);
    }
    t
}

/// OMS-06: mobile and seasonal trade outlets.
pub(crate) fn trade_outlets(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("outletId", "ідентифікатор"),
        ("outletType", "вид об'єкта торгівлі"),
        ("specialization", "асортимент"),
        ("address", "місце розміщення"),
        ("latitude", "широта"),
        ("longitude", "довгота"),
        ("operator", "суб'єкт господарювання"),
        ("seasonal", "сезонна торгівля"),
        ("periodStart", "початок періоду"),
        ("periodEnd", "кінець періоду"),
        ("permitNumber", "номер погодження"),
    ]);
    let kinds = [
        ("пересувна кав'ярня (автомобіль)", "кава та напої"),
        ("лоток", "овочі та фрукти"),
        ("холодильний прилавок", "морозиво"),
        ("торговий автомат", "напої та снеки"),
        ("літній майданчик кафе", "громадське харчування"),
        ("ялинковий базар", "новорічні ялинки"),
        ("баштан", "кавуни та дині"),
        ("лоток", "квіти"),
    ];
    let y = c.year();
    for n in 1..=100 {
        let (kind, spec) = c.pick(&kinds);
        let a = c.addr();
        let operator = if c.chance(0.6) {
            format!("ФОП {}", c.person().short())
        } else {
            c.firm().name.clone()
        };
        let (seasonal, from, to) = match spec {
            "новорічні ялинки" => (
                true,
                NaiveDate::from_ymd_opt(y - 1, 12, 10),
                NaiveDate::from_ymd_opt(y - 1, 12, 31),
            ),
            "кавуни та дині" | "морозиво" | "громадське харчування" => {
                (
                    true,
                    NaiveDate::from_ymd_opt(y, 4, 15),
                    NaiveDate::from_ymd_opt(y, 10, 15),
                )
            }
            _ => (false, Some(c.days_ago(30, 500)), None),
        };
        t.push(row![
            format!("TR-{n:03}"),
            kind,
            spec,
            a.line(),
            coord(a.lat),
            coord(a.lon),
            operator,
            seasonal,
            from,
            to,
            format!("{}/{n}", y)
        ]);
    }
    t
}

/// OMS-07: fairs, their organisers and contracts.
pub(crate) fn fairs(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("fairName", "назва ярмарку"),
        ("organizer", "організатор"),
        ("organizerEdrpou", "код ЄДРПОУ організатора"),
        ("location", "місце проведення"),
        ("startDate", "дата початку"),
        ("endDate", "дата закінчення"),
        ("placesCount", "кількість торговельних місць"),
        ("placePrice", "вартість одного місця за день, грн"),
        ("contractNumber", "номер договору з організатором"),
        ("contractDate", "дата договору"),
    ]);
    // Name and the months it may be held in.
    let names: [(&str, &[u32]); 8] = [
        (
            "Сільськогосподарський ярмарок «Смак Демо-міста»",
            &[3, 4, 5, 6, 7, 8, 9, 10, 11],
        ),
        ("Великодній ярмарок", &[4]),
        ("Ярмарок до Дня міста", &[9]),
        ("Осінній ярмарок «Дари осені»", &[9, 10]),
        ("Різдвяний ярмарок", &[12]),
        ("Ярмарок майстрів народних промислів", &[5, 6, 8]),
        ("Ярмарок меду", &[8, 9]),
        ("Шкільний ярмарок", &[8]),
    ];
    let places = [
        "Площа Соборна",
        "Парк Перемоги",
        "територія Центрального ринку",
        "вул. Героїв Майдану (пішохідна частина)",
        "Набережна",
    ];
    let w = c.world;
    let market = w
        .enterprises
        .iter()
        .find(|e| e.short.contains("ринок"))
        .expect("market");
    let organizers: Vec<&crate::world::Org> = w
        .firms
        .iter()
        .filter(|f| {
            ["Ярмарок-Плюс", "Добробут", "Колос", "Біла Хата"]
                .iter()
                .any(|k| f.name.contains(k))
        })
        .collect();
    for n in 1..=26 {
        let (name, months) = c.pick(&names);
        let month = months[c.rng.below(months.len())];
        let day = c.int(1, 25) as u32;
        let year = c.year() - c.int(0, 1) as i32;
        let mut start = NaiveDate::from_ymd_opt(year, month, day).expect("date");
        if start > c.as_of + Duration::days(60) {
            start = NaiveDate::from_ymd_opt(year - 1, month, day).expect("date");
        }
        let days = c.int(1, 4);
        let org = if c.chance(0.5) {
            market
        } else {
            organizers[c.rng.below(organizers.len())]
        };
        let contract = start - Duration::days(c.int(7, 30));
        t.push(row![
            name,
            &org.name,
            &org.edrpou,
            c.pick(&places),
            start,
            start + Duration::days(days - 1),
            c.int(20, 120),
            money(*c.rng.pick(&[50.0, 80.0, 100.0, 150.0])),
            format!("Я-{n:03}"),
            contract
        ]);
    }
    t.rows.sort_by_key(|r| match &r[4] {
        Val::Date(d) => *d,
        _ => NaiveDate::MIN,
    });
    t
}

/// OMS-44: utility tariffs the council approves.
pub(crate) fn tariffs(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("service", "комунальна послуга"),
        ("provider", "виконавець послуги"),
        ("providerEdrpou", "код ЄДРПОУ виконавця"),
        ("consumerCategory", "категорія споживачів"),
        ("unit", "одиниця виміру"),
        ("tariff", "тариф з ПДВ, грн"),
        ("decisionNumber", "номер рішення виконавчого комітету"),
        ("decisionDate", "дата рішення"),
        ("validFrom", "діє з"),
    ]);
    let w = c.world;
    let by = |short: &str| {
        w.enterprises
            .iter()
            .find(|e| e.short.contains(short))
            .expect("enterprise")
    };
    let list = [
        ("централізоване водопостачання", "водоканал", "куб. м", 28.5),
        ("централізоване водовідведення", "водоканал", "куб. м", 22.1),
        ("постачання теплової енергії", "теплоенерго", "Гкал", 2850.0),
        ("постачання гарячої води", "теплоенерго", "куб. м", 118.0),
        (
            "вивезення побутових відходів (змішані)",
            "Спецкомунтранс",
            "куб. м",
            295.0,
        ),
        (
            "вивезення великогабаритних відходів",
            "Спецкомунтранс",
            "куб. м",
            410.0,
        ),
        (
            "управління багатоквартирним будинком",
            "Житлосервіс",
            "кв. м на місяць",
            7.8,
        ),
        (
            "проїзд у трамваї та тролейбусі",
            "електротранс",
            "поїздка",
            10.0,
        ),
    ];
    for (service, who, unit, base) in list {
        let p = by(who);
        let (num, date) = c.decision(30, 400);
        for (cat, k) in [
            ("населення", 1.0),
            ("бюджетні установи", 1.18),
            ("інші споживачі", 1.25),
        ] {
            let households_only =
                service.starts_with("проїзд") || service.starts_with("управління");
            if households_only && cat != "населення" {
                continue;
            }
            t.push(row![
                service,
                &p.name,
                &p.edrpou,
                cat,
                unit,
                money(round(base * k, 2)),
                &num,
                date,
                date + Duration::days(30)
            ]);
        }
    }
    t
}

/// OMS-03: title lists of repairs, construction and landscaping.
pub(crate) fn title_lists(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("objectName", "назва об'єкта"),
        ("workType", "вид робіт"),
        ("address", "адреса"),
        ("customer", "замовник"),
        ("estimatedCost", "кошторисна вартість, грн"),
        ("plannedThisYear", "передбачено на поточний рік, грн"),
        ("fundingSource", "джерело фінансування"),
        ("status", "стан виконання"),
    ]);
    let w = c.world;
    let kinds = [
        ("капітальний ремонт", "Капітальний ремонт покрівлі"),
        ("капітальний ремонт", "Капітальний ремонт укриття"),
        ("поточний ремонт", "Поточний ремонт харчоблоку"),
        (
            "реконструкція",
            "Реконструкція системи опалення з встановленням ІТП",
        ),
        ("капітальний ремонт", "Термомодернізація будівлі"),
        ("благоустрій", "Облаштування прибудинкової території"),
        ("будівництво", "Будівництво спортивного майданчика"),
        ("поточний ремонт", "Заміна вікон"),
    ];
    let insts: Vec<&crate::world::Org> = w.institutions().collect();
    for _ in 0..80 {
        let (kind, what) = c.pick(&kinds);
        let (name, addr, customer) = if kind == "благоустрій" {
            let a = c.addr();
            (
                format!("{what} будинку на {}", a.line()),
                a.line(),
                "departament-zhkh",
            )
        } else {
            let o = insts[c.rng.below(insts.len())];
            let customer = match o.parent {
                "upravlinnia-osvity" | "upravlinnia-okhorony-zdorovia" | "viddil-kultury" => {
                    o.parent
                }
                _ => "departament-zhkh",
            };
            (format!("{what}: {}", o.short), o.addr.line(), customer)
        };
        let cost = c.money(150_000.0, 12_000_000.0);
        let status = c.pick(&["проєктування", "тендер", "виконуються роботи", "виконано"]);
        let source = c.pick(&[
            "бюджет громади",
            "бюджет громади",
            "державний фонд регіонального розвитку",
            "кошти міжнародних партнерів",
        ]);
        t.push(row![
            name,
            kind,
            addr,
            crate::publishers::seed(customer).title,
            money(cost),
            money(round(cost * c.float(0.3, 1.0), 2)),
            source,
            status
        ]);
    }
    t
}

/// OMS-28: permits for works that disturb landscaping.
pub(crate) fn landscaping_permits(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("permitNumber", "номер дозволу"),
        ("issueDate", "дата видачі"),
        ("applicant", "заявник"),
        ("applicantEdrpou", "код ЄДРПОУ заявника"),
        ("address", "місце проведення робіт"),
        ("workType", "вид робіт"),
        ("startDate", "початок робіт"),
        ("endDate", "закінчення робіт"),
        ("restorationDeadline", "строк відновлення благоустрою"),
        ("status", "стан"),
    ]);
    let works = [
        "аварійний ремонт водопроводу",
        "прокладання кабельної лінії",
        "заміна ділянки теплової мережі",
        "підключення до каналізації",
        "ремонт газопроводу",
        "влаштування в'їзду",
    ];
    let w = c.world;
    let mut applicants: Vec<&crate::world::Org> = w.enterprises.iter().take(6).collect();
    applicants.extend(w.firms.iter().take(10));
    let mut dates: Vec<NaiveDate> = (0..80).map(|_| c.days_ago(0, 365)).collect();
    dates.sort();
    for (i, d) in dates.into_iter().enumerate() {
        let a = applicants[c.rng.below(applicants.len())];
        let addr = c.addr();
        let start = d + Duration::days(c.int(0, 5));
        let end = start + Duration::days(c.int(1, 20));
        let restore = end + Duration::days(c.int(5, 30));
        let status = if restore < c.as_of {
            if c.chance(0.9) {
                "благоустрій відновлено"
            } else {
                "порушено строк відновлення"
            }
        } else {
            "роботи тривають"
        };
        t.push(row![
            format!("ПБ-{}/{}", d.year(), i + 1),
            d,
            &a.name,
            &a.edrpou,
            addr.line(),
            c.pick(&works),
            start,
            end,
            restore,
            status
        ]);
    }
    t
}

/// OMS-42: repairs of local roads.
pub(crate) fn road_repairs(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("objectName", "об'єкт (вулиця, ділянка)"),
        ("workType", "вид ремонту"),
        ("lengthM", "протяжність, м"),
        ("areaSqM", "площа, кв. м"),
        ("contractor", "підрядник"),
        ("contractorEdrpou", "код ЄДРПОУ підрядника"),
        ("cost", "вартість робіт, грн"),
        ("startDate", "початок робіт"),
        ("endDate", "закінчення робіт (план або факт)"),
        ("status", "стан"),
        ("procurementId", "ідентифікатор закупівлі в Prozorro"),
    ]);
    let w = c.world;
    let contractors: Vec<&crate::world::Org> = w
        .firms
        .iter()
        .filter(|f| {
            ["Дорбуд", "Автошлях", "Граніт", "Бетон"]
                .iter()
                .any(|k| f.name.contains(k))
        })
        .collect();
    for _ in 0..50 {
        let s = c.pick(STREETS).0;
        let from = c.int(1, 60);
        let kind = *c.rng.weighted(&[
            ("поточний ямковий ремонт", 5),
            ("поточний середній ремонт", 3),
            ("капітальний ремонт", 1),
        ]);
        let len = c.int(80, 900);
        let area = len * c.int(6, 12);
        let rate = match kind {
            "капітальний ремонт" => 2600.0,
            "поточний середній ремонт" => 1100.0,
            _ => 450.0,
        };
        let f = contractors[c.rng.below(contractors.len())];
        let start = c.days_ago(-30, 540);
        let end = start + Duration::days(c.int(10, 90));
        let status = if start > c.as_of {
            "заплановано"
        } else if end < c.as_of {
            "виконано"
        } else {
            "виконується"
        };
        let tender = start - Duration::days(c.int(20, 60));
        t.push(row![
            format!("{s}, від буд. {from} до буд. {}", from + c.int(10, 60)),
            kind,
            len,
            area,
            &f.name,
            &f.edrpou,
            money(round(area as f64 * rate * c.float(0.85, 1.15), 2)),
            start,
            end,
            status,
            c.prozorro(tender)
        ]);
    }
    t
}
