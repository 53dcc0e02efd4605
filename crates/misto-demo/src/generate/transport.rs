//! Public transport, parking and charging: vehicles, stops, routes and
//! carriers, timetables, live positions, parking lots and fines, charging
//! stations.

use chrono::{Duration, NaiveTime};

use super::{Ctx, round};
use crate::gazetteer::district_of;
use crate::table::{Table, Val, coord, dec, list, money, row};
use crate::world::{Mode, Route};

/// Make, model, first and last year built, capacity, low floor.
const MODELS: &[(Mode, &str, &str, i64, i64, i64, bool)] = &[
    (Mode::Tram, "Tatra", "T3SUCS", 1979, 1988, 110, false),
    (Mode::Tram, "Електрон", "T5L64", 2014, 2023, 180, true),
    (Mode::Tram, "Tatra", "KT4SU", 1984, 1990, 160, false),
    (Mode::Trolleybus, "ЛАЗ", "E183", 2008, 2014, 100, true),
    (Mode::Trolleybus, "Богдан", "T70117", 2013, 2021, 100, true),
    (
        Mode::Trolleybus,
        "Електрон",
        "Т19102",
        2015,
        2023,
        105,
        true,
    ),
    (Mode::Trolleybus, "ЗіУ", "682В", 1986, 1992, 120, false),
    (Mode::Bus, "Богдан", "А092", 2005, 2014, 50, false),
    (Mode::Bus, "Ataman", "A092H6", 2016, 2022, 55, false),
    (Mode::Bus, "ЗАЗ", "A10C I-VAN", 2010, 2020, 95, true),
    (Mode::Bus, "Еталон", "А08116", 2006, 2012, 45, false),
    (Mode::Bus, "МАЗ", "203", 2012, 2019, 100, true),
    (Mode::Bus, "Електрон", "А185", 2019, 2024, 100, true),
];

const PLATE_LETTERS: &[char] = &['А', 'В', 'Е', 'І', 'К', 'М', 'Н', 'О', 'Р', 'С', 'Т', 'Х'];

fn plate(c: &mut Ctx) -> String {
    let a = c.pick(PLATE_LETTERS);
    let b = c.pick(PLATE_LETTERS);
    format!("СА {:04} {a}{b}", c.int(1, 9999))
}

fn route_label(r: &Route) -> String {
    format!("{} {}", r.mode.label(), r.number)
}

/// One vehicle of a route: its id (plate or board number), make and model,
/// year, capacity and low floor.
struct Vehicle {
    id: String,
    make: &'static str,
    model: &'static str,
    year: i64,
    capacity: i64,
    low_floor: bool,
}

fn fleet(c: &mut Ctx) -> Vec<(usize, Vehicle)> {
    let w = c.world;
    let mut board = 100;
    let mut out = Vec::new();
    for (ri, r) in w.routes.iter().enumerate() {
        let models: Vec<_> = MODELS.iter().filter(|m| m.0 == r.mode).collect();
        for _ in 0..r.vehicles {
            let &&(_, make, model, y0, y1, cap, low) = c.rng.pick(&models);
            let id = if r.mode == Mode::Bus {
                plate(c)
            } else {
                board += c.int(1, 7);
                format!("{board}")
            };
            let year = c.int(y0, y1);
            out.push((
                ri,
                Vehicle {
                    id,
                    make,
                    model,
                    year,
                    capacity: cap,
                    low_floor: low,
                },
            ));
        }
    }
    out
}

/// OMS-09: vehicles serving the routes.
pub(crate) fn vehicles(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("routeNumber", "номер маршруту"),
        ("transportType", "вид транспорту"),
        ("carrier", "перевізник"),
        ("carrierEdrpou", "код ЄДРПОУ перевізника"),
        ("make", "марка"),
        ("model", "модель"),
        (
            "plateNumber",
            "державний номерний знак (для трамваїв і тролейбусів — бортовий номер)",
        ),
        ("capacity", "пасажиромісткість, осіб"),
        ("yearManufactured", "рік випуску"),
        (
            "lowFloor",
            "низькопідлоговий (доступний для маломобільних пасажирів)",
        ),
    ]);
    let w = c.world;
    for (ri, v) in fleet(c) {
        let r = &w.routes[ri];
        let carrier = &w.carriers[r.carrier];
        t.push(row![
            r.number,
            r.mode.label(),
            &carrier.name,
            &carrier.edrpou,
            v.make,
            v.model,
            v.id,
            v.capacity,
            v.year,
            v.low_floor
        ]);
    }
    t
}

/// OMS-10: stops of public transport.
pub(crate) fn stops(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("stopId", "ідентифікатор зупинки"),
        ("stopName", "назва зупинки"),
        ("street", "вулиця"),
        ("district", "мікрорайон"),
        ("latitude", "широта (WGS 84)"),
        ("longitude", "довгота (WGS 84)"),
        ("routes", "маршрути, що обслуговують зупинку"),
        ("hasShelter", "є павільйон"),
        (
            "accessible",
            "облаштована для маломобільних груп (пониження бордюру, тактильна плитка)",
        ),
    ]);
    let w = c.world;
    for (i, s) in w.stops.iter().enumerate() {
        let routes: Vec<String> = w
            .routes
            .iter()
            .filter(|r| r.stops.contains(&i))
            .map(route_label)
            .collect();
        t.push(row![
            &s.id,
            &s.name,
            s.street,
            district_of(s.lat, s.lon),
            coord(s.lat),
            coord(s.lon),
            list(&routes),
            c.chance(0.7),
            c.chance(0.55)
        ]);
    }
    t
}

/// OMS-38: carriers and the routes they serve.
pub(crate) fn carriers_and_routes(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("routeNumber", "номер маршруту"),
        ("transportType", "вид транспорту"),
        ("routeName", "назва маршруту (кінцеві зупинки)"),
        ("carrier", "перевізник"),
        ("carrierEdrpou", "код ЄДРПОУ перевізника"),
        ("carrierPhone", "телефон перевізника"),
        ("contractNumber", "номер договору на перевезення"),
        ("contractDate", "дата договору"),
        ("contractUntil", "строк дії договору"),
        (
            "vehiclesOnRoute",
            "кількість транспортних засобів на маршруті",
        ),
        ("intervalMin", "інтервал руху в години пік, хв"),
        ("lengthKm", "довжина маршруту, км"),
        ("stopsCount", "кількість зупинок"),
        ("fare", "вартість проїзду, грн"),
    ]);
    let w = c.world;
    for r in &w.routes {
        let carrier = &w.carriers[r.carrier];
        let d = c.days_ago(200, 1500);
        let fare = if r.mode == Mode::Bus { 15.0 } else { 10.0 };
        t.push(row![
            r.number,
            r.mode.label(),
            w.route_name(r),
            &carrier.name,
            &carrier.edrpou,
            &carrier.phone,
            format!("П-{}-{}", d.format("%Y"), c.int(1, 40)),
            d,
            d + Duration::days(5 * 365),
            r.vehicles,
            r.interval_min,
            dec(r.length_km, 1),
            r.stops.len(),
            money(fare)
        ]);
    }
    t
}

/// OMS-39: timetables — departures from each terminus.
pub(crate) fn timetable(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("routeNumber", "номер маршруту"),
        ("transportType", "вид транспорту"),
        ("fromStop", "кінцева зупинка відправлення"),
        ("toStop", "кінцева зупинка прибуття"),
        ("dayType", "дні: робочі або вихідні"),
        ("firstDeparture", "перше відправлення (ГГ:ХХ)"),
        ("lastDeparture", "останнє відправлення (ГГ:ХХ)"),
        ("tripMinutes", "тривалість рейсу, хв"),
        ("departures", "усі відправлення (ГГ:ХХ)"),
    ]);
    let w = c.world;
    for r in &w.routes {
        let first = &w.stops[r.stops[0]].name;
        let last = &w.stops[*r.stops.last().expect("stops")].name;
        let trip = (r.length_km / 16.0 * 60.0).round() as i64 + 4;
        for (from, to) in [(first, last), (last, first)] {
            for day in ["робочі", "вихідні"] {
                let interval = if day == "робочі" {
                    r.interval_min
                } else {
                    r.interval_min + c.int(4, 10)
                };
                let mut time = NaiveTime::from_hms_opt(5, c.int(20, 55) as u32, 0).expect("time");
                let end = NaiveTime::from_hms_opt(22, c.int(0, 45) as u32, 0).expect("time");
                let mut deps = Vec::new();
                while time <= end {
                    deps.push(time.format("%H:%M").to_string());
                    let peak = (7..10)
                        .contains(&time.format("%H").to_string().parse::<i32>().unwrap_or(0));
                    let step = if peak {
                        interval
                    } else {
                        interval + interval / 2
                    };
                    time += Duration::minutes(step);
                }
                t.push(row![
                    r.number,
                    r.mode.label(),
                    from,
                    to,
                    day,
                    deps[0].clone(),
                    deps[deps.len() - 1].clone(),
                    trip,
                    list(&deps)
                ]);
            }
        }
    }
    t
}

/// OMS-36: where each vehicle on the line is now.
pub(crate) fn live_positions(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("vehicleId", "бортовий або державний номер"),
        ("routeNumber", "номер маршруту"),
        ("transportType", "вид транспорту"),
        ("latitude", "широта (WGS 84)"),
        ("longitude", "довгота (WGS 84)"),
        ("speedKmh", "швидкість, км/год"),
        ("bearing", "напрямок руху, градуси від півночі"),
        ("timestamp", "час отримання координат (UTC)"),
        ("nextStopId", "наступна зупинка"),
        ("nextStopName", "назва наступної зупинки"),
        (
            "arrivalInSeconds",
            "прогноз прибуття на наступну зупинку, с",
        ),
        (
            "delaySeconds",
            "відхилення від розкладу, с (додатне — запізнення)",
        ),
    ]);
    let w = c.world;
    let at = c.updated;
    for (ri, v) in fleet(c) {
        if c.chance(0.15) {
            continue; // in the depot
        }
        let r = &w.routes[ri];
        let k = c.rng.below(r.stops.len() - 1);
        let (a, b) = (&w.stops[r.stops[k]], &w.stops[r.stops[k + 1]]);
        let f = c.float(0.1, 0.9);
        let lat = a.lat + (b.lat - a.lat) * f;
        let lon = a.lon + (b.lon - a.lon) * f;
        let bearing = ((b.lon - a.lon) * 0.66)
            .atan2(b.lat - a.lat)
            .to_degrees()
            .rem_euclid(360.0);
        let speed = if c.chance(0.2) {
            0.0
        } else {
            c.float(8.0, 42.0)
        };
        let ts = at - Duration::seconds(c.int(2, 40));
        t.push(row![
            v.id,
            r.number,
            r.mode.label(),
            coord(lat),
            coord(lon),
            dec(speed, 1),
            bearing.round() as i64,
            ts,
            &b.id,
            &b.name,
            c.int(15, 240),
            c.int(-120, 420)
        ]);
    }
    t
}

/// OMS-19: parking lots.
pub(crate) fn parking(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("parkingId", "ідентифікатор майданчика"),
        ("address", "адреса"),
        ("latitude", "широта"),
        ("longitude", "довгота"),
        ("operator", "оператор"),
        ("operatorEdrpou", "код ЄДРПОУ оператора"),
        ("totalPlaces", "кількість місць"),
        ("placesForDisabled", "з них для осіб з інвалідністю"),
        ("paid", "платний"),
        (
            "tariffPerHour",
            "вартість години, грн (порожньо — безоплатно)",
        ),
        ("paymentMethods", "способи оплати"),
        ("equipment", "обладнання"),
        ("workingHours", "час роботи"),
    ]);
    let w = c.world;
    let operators: Vec<&crate::world::Org> = w
        .firms
        .iter()
        .filter(|f| f.name.contains("Паркінг"))
        .chain(
            w.enterprises
                .iter()
                .filter(|e| e.short.contains("варта") || e.short.contains("ринок")),
        )
        .collect();
    for n in 1..=40 {
        let a = c.addr();
        let op = operators[c.rng.below(operators.len())];
        let places = c.int(10, 180);
        let paid = c.chance(0.65);
        let methods: Vec<&str> = if paid {
            vec!["паркомат", "мобільний застосунок", "банківська картка"][..c.int(1, 3) as usize]
                .to_vec()
        } else {
            vec![]
        };
        let mut equipment = vec!["дорожня розмітка", "інформаційний знак"];
        if paid {
            equipment.push(c.pick(&["паркомат", "шлагбаум", "камери фіксації номерів"]));
        }
        let hours = if paid {
            "08:00–20:00 (платно), решта часу — безоплатно"
        } else {
            "цілодобово"
        };
        t.push(row![
            format!("P-{n:03}"),
            a.line(),
            coord(a.lat),
            coord(a.lon),
            &op.name,
            &op.edrpou,
            places,
            (places / 10).max(1),
            paid,
            if paid {
                money(*c.rng.pick(&[10.0, 15.0, 20.0]))
            } else {
                Val::Empty
            },
            list(&methods),
            list(&equipment),
            hours
        ]);
    }
    t
}

/// OMS-52: fines for parking violations.
pub(crate) fn parking_fines(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("resolutionNumber", "номер постанови"),
        ("violationDate", "дата порушення"),
        ("street", "вулиця, де зафіксовано порушення"),
        ("district", "мікрорайон"),
        ("violation", "суть порушення"),
        ("legalBasis", "стаття КУпАП"),
        ("fineAmount", "сума штрафу, грн"),
        ("paid", "сплачено"),
        ("appealed", "оскаржено"),
    ]);
    let kinds = [
        ("неоплата вартості паркування", 340.0, 6),
        ("паркування в місці, де стоянку заборонено", 340.0, 4),
        (
            "паркування на місці для транспортних засобів осіб з інвалідністю",
            1700.0,
            1,
        ),
        (
            "паркування на тротуарі з перешкоджанням руху пішоходів",
            510.0,
            2,
        ),
    ];
    let weighted: Vec<((&str, f64), u32)> = kinds.iter().map(|&(k, f, w)| ((k, f), w)).collect();
    let mut rows = Vec::new();
    for _ in 0..260 {
        let d = c.days_ago(0, 180);
        let (kind, fine) = *c.rng.weighted(&weighted);
        let a = c.addr();
        let paid = (c.as_of - d).num_days() > 10 && c.chance(0.78);
        rows.push((d, a.street, a.district(), kind, fine, paid, c.chance(0.04)));
    }
    rows.sort_by_key(|r| r.0);
    for (i, (d, street, district, kind, fine, paid, appealed)) in rows.into_iter().enumerate() {
        t.push(row![
            format!("ПП-{:06}", 12000 + i),
            d,
            street,
            district,
            kind,
            "ст. 152-1",
            money(fine),
            paid,
            appealed
        ]);
    }
    t
}

/// OMS-56: charging stations for electric vehicles.
pub(crate) fn charging_stations(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("stationId", "ідентифікатор станції"),
        ("address", "адреса"),
        ("latitude", "широта"),
        ("longitude", "довгота"),
        ("operator", "оператор"),
        ("connectors", "типи роз'ємів"),
        ("maxPowerKw", "максимальна потужність, кВт"),
        ("chargePoints", "кількість точок заряджання"),
        ("tariffPerKwh", "вартість 1 кВт·год, грн"),
        ("workingHours", "час роботи"),
    ]);
    let w = c.world;
    let operators: Vec<&crate::world::Org> = w
        .firms
        .iter()
        .filter(|f| {
            f.name.contains("Електрозаряд")
                || f.name.contains("Енергосервіс")
                || f.name.contains("Техносвіт")
        })
        .collect();
    for n in 1..=30 {
        let a = c.addr();
        let fast = c.chance(0.35);
        let connectors: Vec<&str> = if fast {
            vec!["CCS2", "CHAdeMO", "Type 2"]
        } else if c.chance(0.3) {
            vec!["Type 2", "GB/T"]
        } else {
            vec!["Type 2"]
        };
        let power = if fast {
            *c.rng.pick(&[50.0, 60.0, 120.0])
        } else {
            *c.rng.pick(&[7.4, 11.0, 22.0])
        };
        let tariff = if fast {
            c.float(14.0, 18.0)
        } else {
            c.float(9.0, 12.5)
        };
        let op = operators[c.rng.below(operators.len())];
        t.push(row![
            format!("EV-{n:03}"),
            a.line(),
            coord(a.lat),
            coord(a.lon),
            &op.name,
            list(&connectors),
            dec(power, 1),
            c.int(1, 4),
            money(round(tariff, 2)),
            "цілодобово"
        ]);
    }
    t
}
