//! People's services: schools and kindergartens, health care, social
//! protection, the administrative-services centre, the city hotline and the
//! housing queue.

use chrono::{Datelike, Duration, NaiveDate};

use super::{Ctx, round};
use crate::gazetteer::STREETS;
use crate::table::{Table, Val, coord, dec, money, row};
use crate::world::Org;

const DRUGS: &[(&str, &str, &str, f64)] = &[
    (
        "Інсулін людський",
        "розчин для ін'єкцій 100 МО/мл, флакон 10 мл",
        "флакон",
        240.0,
    ),
    ("Метформін", "таблетки 850 мг", "таблетка", 1.8),
    ("Амлодипін", "таблетки 10 мг", "таблетка", 0.9),
    ("Еналаприл", "таблетки 10 мг", "таблетка", 0.6),
    ("Бісопролол", "таблетки 5 мг", "таблетка", 1.1),
    ("Аторвастатин", "таблетки 20 мг", "таблетка", 2.2),
    (
        "Сальбутамол",
        "аерозоль для інгаляцій 100 мкг/доза",
        "балон",
        95.0,
    ),
    ("Левотироксин", "таблетки 50 мкг", "таблетка", 1.5),
    ("Парацетамол", "таблетки 500 мг", "таблетка", 0.4),
    ("Ібупрофен", "таблетки 200 мг", "таблетка", 0.9),
    ("Амоксицилін", "капсули 500 мг", "капсула", 3.1),
    ("Цетиризин", "таблетки 10 мг", "таблетка", 0.7),
    ("Омепразол", "капсули 20 мг", "капсула", 1.4),
    (
        "Натрію хлорид",
        "розчин для інфузій 0,9 %, 200 мл",
        "пляшка",
        28.0,
    ),
    ("Глюкоза", "розчин для інфузій 5 %, 200 мл", "пляшка", 31.0),
    (
        "Дексаметазон",
        "розчин для ін'єкцій 4 мг/мл, ампула 1 мл",
        "ампула",
        12.0,
    ),
    (
        "Епінефрин",
        "розчин для ін'єкцій 1,8 мг/мл, ампула 1 мл",
        "ампула",
        18.0,
    ),
];

/// OMS-11: medicines bought from the budget, where they went and what is left.
pub(crate) fn medicines(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("reportPeriod", "звітний місяць (РРРР-ММ)"),
        ("facility", "структурний підрозділ (амбулаторія)"),
        ("drugName", "міжнародна непатентована назва"),
        ("dosageForm", "форма випуску та дозування"),
        ("unit", "одиниця обліку"),
        ("unitPrice", "ціна за одиницю, грн"),
        ("receivedQty", "отримано за місяць"),
        ("receivedAmount", "сума отриманого, грн"),
        ("usedQty", "використано за місяць"),
        ("remainderQty", "залишок на кінець місяця"),
        ("fundingSource", "джерело фінансування"),
    ]);
    let period = c.as_of.format("%Y-%m").to_string();
    for n in 1..=8 {
        let facility = format!("Амбулаторія загальної практики – сімейної медицини № {n}");
        for &(name, form, unit, price) in DRUGS {
            if c.chance(0.12) {
                continue;
            }
            let big = if price < 5.0 { 30 } else { 1 };
            let received = c.int(2, 40) * big;
            let opening = c.int(0, 20) * big;
            let used = c.int(0, received + opening);
            let p = round(price * c.float(0.95, 1.1), 2);
            t.push(row![
                &period,
                &facility,
                name,
                form,
                unit,
                money(p),
                received,
                money(p * received as f64),
                used,
                received + opening - used,
                "місцева програма «Здоров'я громади»"
            ]);
        }
    }
    t
}

/// OMS-23: medical equipment of communal health facilities.
pub(crate) fn medical_equipment(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("facility", "заклад охорони здоров'я"),
        ("facilityEdrpou", "код ЄДРПОУ закладу"),
        ("department", "відділення"),
        ("equipmentName", "найменування обладнання"),
        ("inventoryNumber", "інвентарний номер"),
        ("yearManufactured", "рік виготовлення"),
        ("yearCommissioned", "рік введення в експлуатацію"),
        ("condition", "технічний стан"),
        ("cost", "балансова вартість, грн"),
        ("fundingSource", "джерело придбання"),
    ]);
    let items = [
        (
            "Апарат ультразвукової діагностики",
            "діагностичне відділення",
            1_400_000.0,
        ),
        (
            "Рентгенівський апарат цифровий",
            "рентгенологічне відділення",
            4_800_000.0,
        ),
        (
            "Комп'ютерний томограф 64-зрізовий",
            "рентгенологічне відділення",
            28_000_000.0,
        ),
        (
            "Електрокардіограф 12-канальний",
            "функціональної діагностики",
            65_000.0,
        ),
        (
            "Аналізатор біохімічний автоматичний",
            "клініко-діагностична лабораторія",
            950_000.0,
        ),
        (
            "Аналізатор гематологічний",
            "клініко-діагностична лабораторія",
            620_000.0,
        ),
        (
            "Апарат штучної вентиляції легень",
            "відділення інтенсивної терапії",
            1_150_000.0,
        ),
        (
            "Монітор пацієнта",
            "відділення інтенсивної терапії",
            120_000.0,
        ),
        ("Дефібрилятор", "приймальне відділення", 180_000.0),
        ("Концентратор кисню", "терапевтичне відділення", 45_000.0),
        (
            "Стоматологічна установка",
            "стоматологічне відділення",
            390_000.0,
        ),
        (
            "Ендоскопічна стійка",
            "ендоскопічне відділення",
            2_300_000.0,
        ),
        (
            "Інкубатор для новонароджених",
            "відділення неонатології",
            760_000.0,
        ),
        (
            "Автоклав",
            "центральне стерилізаційне відділення",
            340_000.0,
        ),
    ];
    let w = c.world;
    let facilities: Vec<&Org> = w.health.iter().collect();
    for n in 0..120 {
        let f = facilities[n % facilities.len()];
        let (name, dept, price) = c.pick(&items);
        let made = c.int(2005, c.year() as i64 - 1);
        let commissioned = made + c.int(0, 1);
        let condition = if made < 2012 && c.chance(0.4) {
            "потребує ремонту"
        } else if c.chance(0.05) {
            "несправне"
        } else {
            "справне"
        };
        let source = c.pick(&[
            "бюджет громади",
            "державний бюджет (НСЗУ)",
            "благодійна допомога",
            "міжнародна технічна допомога",
        ]);
        t.push(row![
            &f.name,
            &f.edrpou,
            dept,
            name,
            format!("10{:06}", 4000 + n * 13),
            made,
            commissioned.min(c.year() as i64),
            condition,
            money(round(price * c.float(0.8, 1.2), 2)),
            source
        ]);
    }
    t
}

/// OMS-15: accessibility of buildings.
pub(crate) fn accessibility(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("objectName", "назва об'єкта"),
        ("objectType", "тип об'єкта"),
        ("address", "адреса"),
        ("latitude", "широта"),
        ("longitude", "довгота"),
        ("ramp", "пандус або підйомник біля входу"),
        (
            "accessibleEntrance",
            "вхід без сходинок, двері шириною від 0,9 м",
        ),
        ("elevator", "ліфт або підйомник між поверхами"),
        ("accessibleToilet", "облаштована вбиральня"),
        ("tactileNavigation", "тактильна навігація та шрифт Брайля"),
        (
            "disabledParking",
            "місця паркування для осіб з інвалідністю",
        ),
        ("assessmentDate", "дата обстеження"),
        (
            "accessibilityLevel",
            "загальна оцінка: доступний, частково доступний, недоступний",
        ),
    ]);
    let w = c.world;
    let orgs: Vec<&Org> = w.institutions().collect();
    for o in orgs.iter().take(70) {
        let flags: Vec<bool> = (0..6)
            .map(|i| c.chance(if i < 2 { 0.75 } else { 0.4 }))
            .collect();
        let score = flags.iter().filter(|f| **f).count();
        let level = match score {
            5.. => "доступний",
            2..=4 => "частково доступний",
            _ => "недоступний",
        };
        t.push(row![
            &o.name,
            o.kind,
            o.addr.line(),
            coord(o.addr.lat),
            coord(o.addr.lon),
            flags[0],
            flags[1],
            flags[2],
            flags[3],
            flags[4],
            flags[5],
            c.days_ago(5, 330),
            level
        ]);
    }
    t
}

/// OMS-16: calls to the city hotline and the emergency services.
pub(crate) fn hotline(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("requestId", "номер звернення"),
        ("receivedDate", "дата надходження"),
        ("channel", "канал надходження"),
        ("category", "категорія"),
        ("subject", "суть звернення"),
        ("street", "вулиця (номер будинку не наводиться)"),
        ("district", "мікрорайон"),
        ("executor", "виконавець"),
        ("status", "стан"),
        ("resolvedDate", "дата виконання"),
    ]);
    let topics = [
        (
            "водопостачання",
            "відсутнє холодне водопостачання",
            "КП «Міськводоканал»",
        ),
        (
            "водопостачання",
            "витік води на вулиці",
            "КП «Міськводоканал»",
        ),
        (
            "водовідведення",
            "засмічення каналізації",
            "КП «Міськводоканал»",
        ),
        (
            "теплопостачання",
            "низька температура в квартирі",
            "КП «Міськтеплоенерго»",
        ),
        ("благоустрій", "невивезене сміття", "КП «Спецкомунтранс»"),
        ("благоустрій", "аварійне дерево", "КП «Зеленбуд»"),
        (
            "зовнішнє освітлення",
            "не працює вуличне освітлення",
            "КП «Міськсвітло»",
        ),
        (
            "дороги",
            "вибоїна на дорозі",
            "Департамент житлово-комунального господарства",
        ),
        (
            "транспорт",
            "порушення графіка руху",
            "Управління транспорту та зв'язку",
        ),
        ("житловий фонд", "протікання покрівлі", "КП «Житлосервіс»"),
        ("житловий фонд", "не працює ліфт", "КП «Житлосервіс»"),
    ];
    let channels = [
        ("телефон 15-80", 6),
        ("чат-бот", 3),
        ("сайт міської ради", 1),
        ("аварійно-диспетчерська служба водоканалу", 2),
    ];
    let mut dates: Vec<NaiveDate> = (0..300).map(|_| c.days_ago(0, 60)).collect();
    dates.sort();
    for (i, d) in dates.into_iter().enumerate() {
        let (cat, subject, executor) = c.pick(&topics);
        let channel = if cat == "водопостачання" || cat == "водовідведення"
        {
            c.pick(&["аварійно-диспетчерська служба водоканалу", "телефон 15-80"])
        } else {
            *c.rng.weighted(&channels)
        };
        let a = c.addr();
        let days = c.int(0, 12);
        let (status, resolved) = if (c.as_of - d).num_days() < days {
            ("в роботі", Val::Empty)
        } else {
            ("виконано", Val::Date(d + Duration::days(days)))
        };
        t.push(row![
            format!("{}-{:05}", d.format("%y%m"), i + 1),
            d,
            channel,
            cat,
            subject,
            a.street,
            a.district(),
            executor,
            status,
            resolved
        ]);
    }
    t
}

const SERVICES: &[(&str, &str, i64)] = &[
    ("00050", "Реєстрація місця проживання особи", 380),
    (
        "00051",
        "Зняття із задекларованого/зареєстрованого місця проживання",
        160,
    ),
    (
        "01350",
        "Оформлення паспорта громадянина України у формі ID-картки",
        420,
    ),
    (
        "01352",
        "Оформлення паспорта громадянина України для виїзду за кордон",
        260,
    ),
    (
        "00625",
        "Державна реєстрація фізичної особи — підприємця",
        70,
    ),
    (
        "00630",
        "Державна реєстрація припинення підприємницької діяльності фізичної особи — підприємця",
        45,
    ),
    (
        "00112",
        "Державна реєстрація права власності на нерухоме майно",
        210,
    ),
    (
        "01901",
        "Державна реєстрація народження дитини (комплексна послуга «єМалятко»)",
        55,
    ),
    (
        "00049",
        "Надання витягу з Державного земельного кадастру про земельну ділянку",
        150,
    ),
    ("00154", "Призначення житлової субсидії", 240),
    ("00162", "Призначення допомоги при народженні дитини", 50),
    (
        "01720",
        "Видача довідки про взяття на облік внутрішньо переміщеної особи",
        130,
    ),
    (
        "00217",
        "Видача дозволу на порушення об'єктів благоустрою",
        12,
    ),
    ("01228", "Присвоєння адреси об'єкту нерухомого майна", 35),
    (
        "00064",
        "Видача будівельного паспорта забудови земельної ділянки",
        9,
    ),
    (
        "00065",
        "Видача містобудівних умов та обмежень забудови земельної ділянки",
        6,
    ),
    ("00311", "Взяття громадян на квартирний облік", 14),
    (
        "00185",
        "Видача посвідчення особи з інвалідністю внаслідок війни",
        28,
    ),
    ("00710", "Державна реєстрація юридичної особи", 10),
    (
        "01001",
        "Видача довідки про склад сім'ї або зареєстрованих у житловому приміщенні осіб",
        190,
    ),
];

/// OMS-21: administrative services provided, by month.
pub(crate) fn admin_services(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("period", "звітний місяць (РРРР-ММ)"),
        (
            "serviceCode",
            "ідентифікатор послуги в Реєстрі адміністративних послуг",
        ),
        ("serviceName", "назва адміністративної послуги"),
        ("requests", "надійшло заяв"),
        ("provided", "надано послуг"),
        ("refused", "відмовлено"),
        ("onlineSharePercent", "частка заяв, поданих онлайн, %"),
        ("avgDays", "середній строк надання, днів"),
    ]);
    let mut d = c.as_of.with_day(1).expect("day");
    let mut months = Vec::new();
    for _ in 0..12 {
        d = (d - Duration::days(1)).with_day(1).expect("day");
        months.push(d);
    }
    months.reverse();
    for m in months {
        for &(code, name, base) in SERVICES {
            let req = (base as f64 * c.float(0.75, 1.25)).round() as i64;
            let refused = c.int(0, (req / 20).max(1));
            let provided = req - refused - c.int(0, (req / 30).max(1));
            t.push(row![
                m.format("%Y-%m").to_string(),
                code,
                name,
                req,
                provided.max(0),
                refused,
                dec(c.float(0.0, 45.0), 1),
                dec(c.float(0.5, 12.0), 1)
            ]);
        }
    }
    t
}

/// OMS-25: the queue for kindergartens (no personal data).
pub(crate) fn kindergarten_queue(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("applicationId", "номер заяви в електронній черзі"),
        ("registrationDate", "дата реєстрації заяви"),
        ("birthYear", "рік народження дитини"),
        ("desiredInstitution", "бажаний заклад дошкільної освіти"),
        ("desiredStartYear", "бажаний рік зарахування"),
        (
            "benefit",
            "пільгова категорія (позачергове чи першочергове зарахування)",
        ),
        ("queuePosition", "місце в черзі до закладу"),
        ("status", "стан: у черзі, видано направлення"),
    ]);
    let w = c.world;
    let y = c.year();
    let mut apps = Vec::new();
    for _ in 0..250 {
        let d = c.days_ago(0, 1000);
        let birth = (i64::from(d.year()) - c.int(0, 2)).min(i64::from(y));
        let k = c.rng.below(w.kindergartens.len());
        let benefit = *c.rng.weighted(&[
            ("немає", 14),
            ("дитина учасника бойових дій", 3),
            ("дитина з інвалідністю", 1),
            ("дитина внутрішньо переміщених осіб", 2),
            ("дитина з багатодітної сім'ї", 1),
        ]);
        apps.push((d, birth, k, benefit));
    }
    apps.sort_by_key(|a| a.0);
    let mut positions = vec![0i64; w.kindergartens.len()];
    for (i, (d, birth, k, benefit)) in apps.into_iter().enumerate() {
        let start = (birth + 3).max(y as i64);
        let referred = birth + 3 <= y as i64 && c.chance(0.5);
        let (pos, status) = if referred {
            (Val::Empty, "видано направлення")
        } else {
            positions[k] += 1;
            (Val::Int(positions[k]), "у черзі")
        };
        t.push(row![
            format!("ДНЗ-{:05}", 10000 + i),
            d,
            birth,
            &w.kindergartens[k].short,
            start,
            benefit,
            pos,
            status
        ]);
    }
    t
}

/// OMS-26, first file: the schools.
pub(crate) fn schools(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("edrpou", "код ЄДРПОУ"),
        ("name", "повна назва закладу"),
        ("shortName", "скорочена назва"),
        ("address", "адреса"),
        ("latitude", "широта"),
        ("longitude", "довгота"),
        ("director", "директор"),
        ("phone", "телефон"),
        ("email", "електронна пошта"),
        ("capacity", "проєктна потужність, учнів"),
        ("pupils", "кількість учнів"),
        ("shelterCapacity", "місткість укриття, осіб"),
        ("inclusiveClasses", "є інклюзивні класи"),
    ]);
    for s in &c.world.schools {
        let pupils = (s.capacity as f64 * c.float(0.7, 1.05)) as i64;
        t.push(row![
            &s.edrpou,
            &s.name,
            &s.short,
            s.addr.line(),
            coord(s.addr.lat),
            coord(s.addr.lon),
            s.head.full(),
            &s.phone,
            &s.email,
            s.capacity,
            pupils,
            (pupils as f64 * c.float(0.4, 0.9)) as i64,
            c.chance(0.6)
        ]);
    }
    t
}

/// OMS-26, second file: which streets each school serves.
pub(crate) fn school_catchments(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("school", "заклад загальної середньої освіти"),
        ("schoolEdrpou", "код ЄДРПОУ закладу"),
        ("street", "вулиця"),
        ("buildings", "номери будинків (усі або діапазон)"),
        ("district", "мікрорайон"),
    ]);
    let w = c.world;
    for (street, lat, lon) in STREETS {
        let mut by_distance: Vec<(f64, &Org)> = w
            .schools
            .iter()
            .filter(|s| !s.short.starts_with("Ліцей"))
            .map(|s| {
                (
                    ((s.addr.lat - lat) * 1.5).powi(2) + (s.addr.lon - lon).powi(2),
                    s,
                )
            })
            .collect();
        by_distance.sort_by(|a, b| a.0.total_cmp(&b.0));
        let district = crate::gazetteer::district_of(*lat, *lon);
        if c.chance(0.3) {
            let split = c.int(30, 80);
            t.push(row![
                &by_distance[0].1.short,
                &by_distance[0].1.edrpou,
                *street,
                format!("1–{split}"),
                district
            ]);
            t.push(row![
                &by_distance[1].1.short,
                &by_distance[1].1.edrpou,
                *street,
                format!("{}–до кінця", split + 1),
                district
            ]);
        } else {
            t.push(row![
                &by_distance[0].1.short,
                &by_distance[0].1.edrpou,
                *street,
                "усі",
                district
            ]);
        }
    }
    t
}

/// OMS-29: the housing queue (no personal data).
pub(crate) fn housing_queue(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("queueNumber", "номер у загальній черзі"),
        ("registrationDate", "дата взяття на облік"),
        (
            "queueType",
            "вид черги: загальна, першочергова, позачергова",
        ),
        ("category", "підстава пільгової черги"),
        ("familySize", "склад сім'ї, осіб"),
        ("status", "стан"),
    ]);
    let mut dates: Vec<NaiveDate> = (0..200).map(|_| c.days_ago(0, 365 * 25)).collect();
    dates.sort();
    let mut n = 0;
    for d in dates {
        let (kind, cat) = *c.rng.weighted(&[
            (("загальна", "—"), 10),
            (("першочергова", "учасник бойових дій"), 4),
            (("першочергова", "багатодітна сім'я"), 1),
            (("позачергова", "особа з інвалідністю I групи"), 1),
            (("позачергова", "дитина-сирота"), 1),
            (("першочергова", "внутрішньо переміщена особа"), 2),
        ]);
        let status = if c.chance(0.06) {
            "отримали житло"
        } else if c.chance(0.04) {
            "знято з обліку"
        } else {
            "перебувають на обліку"
        };
        let number = if status == "перебувають на обліку" {
            n += 1;
            Val::Int(n)
        } else {
            Val::Empty
        };
        t.push(row![number, d, kind, cat, c.int(1, 6), status]);
    }
    t
}
