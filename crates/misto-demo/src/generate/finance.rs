//! Money: the budget and its holders, communal enterprises' finances,
//! targeted programmes, the participatory budget, charity, international aid,
//! rent income, investment agreements and shared-participation payments.

use chrono::{Datelike, Duration, NaiveDate};

use super::{Ctx, doc_url, round};
use crate::gazetteer::{DISTRICTS, STREETS};
use crate::publishers::seed;
use crate::table::{Table, Val, dec, money, row};

/// Local targeted programmes: topic (genitive, after «Програма»), executor,
/// first year relative to the current one, length in years, yearly cost in
/// millions of hryvnias.
pub(crate) const PROGRAMMES: &[(&str, &str, i32, i32, f64)] = &[
    ("розвитку освіти", "upravlinnia-osvity", -2, 3, 48.0),
    (
        "«Здоров'я громади»",
        "upravlinnia-okhorony-zdorovia",
        -2,
        3,
        22.0,
    ),
    (
        "соціального захисту та підтримки окремих категорій громадян",
        "upravlinnia-sotsialnoho-zakhystu",
        -1,
        3,
        31.0,
    ),
    (
        "підтримки Захисників і Захисниць України та членів їхніх сімей",
        "upravlinnia-sotsialnoho-zakhystu",
        -1,
        3,
        18.5,
    ),
    (
        "благоустрою Демо-міської територіальної громади",
        "departament-zhkh",
        -2,
        3,
        96.0,
    ),
    (
        "утримання та ремонту автомобільних доріг",
        "departament-zhkh",
        -2,
        3,
        74.0,
    ),
    (
        "розвитку міського пасажирського транспорту",
        "upravlinnia-transportu",
        -3,
        4,
        40.0,
    ),
    ("розвитку культури і туризму", "viddil-kultury", -2, 3, 9.5),
    ("захисту прав дітей", "sluzhba-u-spravakh-ditei", -2, 3, 2.4),
    (
        "енергоефективності та енергозбереження",
        "departament-zhkh",
        -3,
        5,
        35.0,
    ),
    (
        "цифрової трансформації громади",
        "viddil-tsyfrovoi-transformatsii",
        -2,
        3,
        6.8,
    ),
    (
        "«Безпечне місто»",
        "upravlinnia-tsyvilnoho-zakhystu",
        -2,
        3,
        12.0,
    ),
    (
        "захисту населення і територій від надзвичайних ситуацій",
        "upravlinnia-tsyvilnoho-zakhystu",
        -1,
        3,
        15.0,
    ),
    (
        "фінансової підтримки комунальних підприємств",
        "departament-ekonomichnoho-rozvytku",
        -1,
        3,
        28.0,
    ),
    (
        "розвитку малого та середнього підприємництва",
        "departament-ekonomichnoho-rozvytku",
        -2,
        3,
        3.2,
    ),
    (
        "громадського (партисипативного) бюджету",
        "departament-finansiv",
        -3,
        5,
        10.0,
    ),
    (
        "управління комунальним майном",
        "upravlinnia-komunalnoi-vlasnosti",
        -2,
        3,
        4.1,
    ),
    (
        "проведення земельних торгів та інвентаризації земель",
        "upravlinnia-komunalnoi-vlasnosti",
        -2,
        3,
        2.2,
    ),
    (
        "розроблення містобудівної документації",
        "upravlinnia-mistobuduvannia",
        -3,
        4,
        4.8,
    ),
    (
        "розвитку фізичної культури і спорту",
        "upravlinnia-osvity",
        -2,
        3,
        11.0,
    ),
    (
        "поводження з твердими побутовими відходами",
        "departament-zhkh",
        -2,
        5,
        19.0,
    ),
    (
        "регулювання чисельності безпритульних тварин гуманними методами",
        "departament-zhkh",
        -2,
        3,
        1.6,
    ),
    (
        "безбар'єрності «Місто для всіх»",
        "upravlinnia-sotsialnoho-zakhystu",
        -2,
        3,
        5.5,
    ),
    (
        "підтримки внутрішньо переміщених осіб",
        "upravlinnia-sotsialnoho-zakhystu",
        -1,
        2,
        7.0,
    ),
];

/// «розвитку освіти на 2024–2026 роки».
pub(crate) fn programme_name(topic: &str, year: i32, start: i32, len: i32) -> String {
    let from = year + start;
    if len == 1 {
        format!("{topic} на {from} рік")
    } else {
        format!("{topic} на {from}–{} роки", from + len - 1)
    }
}

/// Budget programmes: main spender's code, programme code (КПКВКМБ), name,
/// general-fund appropriation in millions.
const BUDGET: &[(&str, &str, &str, f64)] = &[
    (
        "02",
        "0210150",
        "Організаційне, інформаційно-аналітичне та матеріально-технічне забезпечення діяльності міської ради та її виконавчого комітету",
        95.0,
    ),
    (
        "02",
        "0210180",
        "Інша діяльність у сфері державного управління",
        6.5,
    ),
    (
        "02",
        "0218110",
        "Заходи із запобігання та ліквідації надзвичайних ситуацій та наслідків стихійного лиха",
        24.0,
    ),
    (
        "02",
        "0218230",
        "Інші заходи громадського порядку та безпеки",
        18.0,
    ),
    ("06", "0611010", "Надання дошкільної освіти", 310.0),
    (
        "06",
        "0611021",
        "Надання загальної середньої освіти закладами загальної середньої освіти",
        540.0,
    ),
    (
        "06",
        "0611070",
        "Надання позашкільної освіти закладами позашкільної освіти, заходи із позашкільної роботи з дітьми",
        42.0,
    ),
    (
        "06",
        "0611141",
        "Забезпечення діяльності інших закладів у сфері освіти",
        19.0,
    ),
    (
        "06",
        "0615031",
        "Утримання та навчально-тренувальна робота комунальних дитячо-юнацьких спортивних шкіл",
        26.0,
    ),
    (
        "07",
        "0712010",
        "Багатопрофільна стаціонарна медична допомога населенню",
        88.0,
    ),
    (
        "07",
        "0712111",
        "Первинна медична допомога населенню, що надається центрами первинної медичної (медико-санітарної) допомоги",
        31.0,
    ),
    (
        "07",
        "0712152",
        "Інші програми та заходи у сфері охорони здоров'я",
        14.0,
    ),
    (
        "08",
        "0813104",
        "Забезпечення соціальними послугами за місцем проживання громадян, які не здатні до самообслуговування у зв'язку з похилим віком, хворобою, інвалідністю",
        27.0,
    ),
    (
        "08",
        "0813242",
        "Інші заходи у сфері соціального захисту і соціального забезпечення",
        35.0,
    ),
    (
        "10",
        "1011080",
        "Надання спеціалізованої освіти мистецькими школами",
        38.0,
    ),
    ("10", "1014030", "Забезпечення діяльності бібліотек", 16.0),
    (
        "10",
        "1014040",
        "Забезпечення діяльності музеїв i виставок",
        5.5,
    ),
    (
        "10",
        "1014060",
        "Забезпечення діяльності палаців i будинків культури, клубів, центрів дозвілля та iнших клубних закладів",
        21.0,
    ),
    (
        "12",
        "1216011",
        "Експлуатація та технічне обслуговування житлового фонду",
        12.0,
    ),
    (
        "12",
        "1216030",
        "Організація благоустрою населених пунктів",
        185.0,
    ),
    (
        "12",
        "1217461",
        "Утримання та розвиток автомобільних доріг та дорожньої інфраструктури за рахунок коштів місцевого бюджету",
        120.0,
    ),
    (
        "12",
        "1217670",
        "Внески до статутного капіталу суб'єктів господарювання",
        30.0,
    ),
    (
        "14",
        "1417426",
        "Інші заходи у сфері електротранспорту",
        64.0,
    ),
    ("14", "1417413", "Інші заходи у сфері автотранспорту", 22.0),
    (
        "15",
        "1517350",
        "Розроблення схем планування та забудови територій (містобудівної документації)",
        4.8,
    ),
    ("31", "3117130", "Здійснення заходів із землеустрою", 3.2),
    (
        "31",
        "3117650",
        "Проведення експертної грошової оцінки земельної ділянки чи права на неї",
        0.9,
    ),
    (
        "37",
        "3710160",
        "Керівництво і управління у відповідній сфері у містах, селищах, селах, територіальних громадах",
        21.0,
    ),
    ("37", "3718710", "Резервний фонд місцевого бюджету", 8.0),
    ("37", "3719770", "Інші субвенції з місцевого бюджету", 12.0),
];

/// Main spenders' codes and the publishers they are.
const SPENDERS: &[(&str, &str)] = &[
    ("02", "aparat-miskoi-rady"),
    ("06", "upravlinnia-osvity"),
    ("07", "upravlinnia-okhorony-zdorovia"),
    ("08", "upravlinnia-sotsialnoho-zakhystu"),
    ("10", "viddil-kultury"),
    ("12", "departament-zhkh"),
    ("14", "upravlinnia-transportu"),
    ("15", "upravlinnia-mistobuduvannia"),
    ("31", "upravlinnia-komunalnoi-vlasnosti"),
    ("37", "departament-finansiv"),
];

fn spender_title(code: &str) -> &'static str {
    let name = SPENDERS
        .iter()
        .find(|(c, _)| *c == code)
        .expect("spender")
        .1;
    if code == "02" {
        "Виконавчий комітет Демо-міської ради"
    } else {
        seed(name).title
    }
}

/// ALL-07: this year's budget by programme.
pub(crate) fn budget(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        (
            "programCode",
            "код програмної класифікації видатків місцевого бюджету (КПКВКМБ)",
        ),
        ("programName", "назва бюджетної програми"),
        (
            "mainSpenderCode",
            "код головного розпорядника бюджетних коштів",
        ),
        ("mainSpender", "головний розпорядник бюджетних коштів"),
        ("generalFund", "загальний фонд, грн"),
        ("specialFund", "спеціальний фонд, грн"),
        ("developmentBudget", "у т. ч. бюджет розвитку, грн"),
        ("total", "усього, грн"),
    ]);
    for &(spender, code, name, mln) in BUDGET {
        let general = round(mln * 1e6 * c.float(0.9, 1.1), 2);
        let special = if c.chance(0.5) {
            round(general * c.float(0.02, 0.35), 2)
        } else {
            0.0
        };
        let development = round(special * c.float(0.0, 0.9), 2);
        t.push(row![
            code,
            name,
            spender,
            spender_title(spender),
            money(general),
            money(special),
            money(development),
            money(general + special)
        ]);
    }
    t
}

/// ALL-07, second file: the budget holders (розпорядники бюджетних коштів).
pub(crate) fn budget_holders(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("holderCode", "код розпорядника в мережі"),
        ("name", "найменування"),
        ("edrpou", "код ЄДРПОУ"),
        (
            "level",
            "рівень: головний розпорядник, розпорядник нижчого рівня, одержувач бюджетних коштів",
        ),
        ("mainSpenderCode", "код головного розпорядника"),
        ("address", "місцезнаходження"),
    ]);
    for &(code, name) in SPENDERS {
        let p = seed(name);
        t.push(row![
            code,
            spender_title(code),
            p.edrpou(),
            "головний розпорядник",
            code,
            p.address
        ]);
    }
    let w = c.world;
    let lower = [
        ("06", &w.schools),
        ("06", &w.kindergartens),
        ("10", &w.culture),
    ];
    let mut n = 0;
    for (code, orgs) in lower {
        for o in orgs.iter() {
            if o.short == "Центральна бібліотека"
                || o.kind == "заклад дошкільної освіти" && c.chance(0.5)
            {
                continue;
            }
            n += 1;
            t.push(row![
                format!("{code}-{n:03}"),
                &o.name,
                &o.edrpou,
                "розпорядник нижчого рівня",
                code,
                o.addr.full()
            ]);
        }
    }
    let lib = seed("tsentralna-miska-biblioteka");
    t.push(row![
        format!("10-{:03}", n + 1),
        lib.title,
        lib.edrpou(),
        "розпорядник нижчого рівня",
        "10",
        lib.address
    ]);
    for o in w.health.iter() {
        t.push(row![
            Val::Empty,
            &o.name,
            &o.edrpou,
            "одержувач бюджетних коштів",
            "07",
            o.addr.full()
        ]);
    }
    for o in w.enterprises.iter() {
        let code = if o.short.contains("електротранс") {
            "14"
        } else {
            "12"
        };
        t.push(row![
            Val::Empty,
            &o.name,
            &o.edrpou,
            "одержувач бюджетних коштів",
            code,
            o.addr.full()
        ]);
    }
    t
}

/// A communal enterprise's size: yearly revenue in millions.
fn enterprise_scale(name: &str) -> f64 {
    if name.contains("водоканал") {
        310.0
    } else if name.contains("електротранс") {
        190.0
    } else if name.contains("теплоенерго") {
        420.0
    } else if name.contains("Спецкомунтранс") {
        95.0
    } else {
        35.0
    }
}

/// ALL-13: yearly key figures of the communal enterprises' financial plans.
pub(crate) fn enterprise_plans_annual(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("edrpou", "код ЄДРПОУ підприємства"),
        ("enterpriseName", "найменування підприємства"),
        ("year", "звітний рік"),
        ("netIncomePlan", "чистий дохід — план, тис. грн"),
        ("netIncomeActual", "чистий дохід — факт, тис. грн"),
        ("expensesPlan", "витрати — план, тис. грн"),
        ("expensesActual", "витрати — факт, тис. грн"),
        (
            "netProfitPlan",
            "чистий фінансовий результат — план, тис. грн",
        ),
        (
            "netProfitActual",
            "чистий фінансовий результат — факт, тис. грн",
        ),
        ("executionPercent", "виконання плану за доходами, %"),
        ("employees", "середньооблікова чисельність, осіб"),
        ("averageSalary", "середньомісячна заробітна плата, грн"),
    ]);
    let w = c.world;
    for y in [c.year() - 2, c.year() - 1] {
        for o in &w.enterprises {
            let scale = enterprise_scale(&o.name) * 1000.0;
            let income_plan = round(scale * c.float(0.9, 1.1), 1);
            let income = round(income_plan * c.float(0.86, 1.08), 1);
            let exp_plan = round(income_plan * c.float(0.95, 1.02), 1);
            let exp = round(income * c.float(0.94, 1.05), 1);
            let employees = (scale / 1000.0 * c.float(2.0, 3.2)) as i64 + 8;
            t.push(row![
                &o.edrpou,
                &o.name,
                y,
                dec(income_plan, 1),
                dec(income, 1),
                dec(exp_plan, 1),
                dec(exp, 1),
                dec(income_plan - exp_plan, 1),
                dec(income - exp, 1),
                dec(income / income_plan * 100.0, 1),
                employees,
                money(c.money(14500.0, 24000.0))
            ]);
        }
    }
    t
}

/// OMS-02: quarterly reports on the enterprises' financial plans.
pub(crate) fn enterprise_plans_quarterly(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("edrpou", "код ЄДРПОУ підприємства"),
        ("enterpriseName", "найменування підприємства"),
        ("year", "рік"),
        ("quarter", "квартал (наростаючим підсумком з початку року)"),
        ("incomePlan", "доходи — план, тис. грн"),
        ("incomeActual", "доходи — факт, тис. грн"),
        ("expensesPlan", "витрати — план, тис. грн"),
        ("expensesActual", "витрати — факт, тис. грн"),
        (
            "netResultActual",
            "чистий фінансовий результат — факт, тис. грн",
        ),
        ("budgetPaymentsActual", "сплачено до бюджетів, тис. грн"),
        (
            "capitalInvestmentsActual",
            "капітальні інвестиції — факт, тис. грн",
        ),
    ]);
    let w = c.world;
    let mut quarters = Vec::new();
    let (mut y, mut q) = (c.year(), (c.as_of.month() - 1) / 3);
    for _ in 0..4 {
        if q == 0 {
            y -= 1;
            q = 4;
        }
        quarters.push((y, q));
        q -= 1;
    }
    quarters.reverse();
    for o in &w.enterprises {
        let scale = enterprise_scale(&o.name) * 1000.0;
        for &(y, q) in &quarters {
            let share = f64::from(q) / 4.0;
            let plan = round(scale * share * c.float(0.95, 1.05), 1);
            let fact = round(plan * c.float(0.85, 1.07), 1);
            let eplan = round(plan * c.float(0.96, 1.01), 1);
            let efact = round(fact * c.float(0.95, 1.05), 1);
            t.push(row![
                &o.edrpou,
                &o.name,
                y,
                format!("{q} квартал"),
                dec(plan, 1),
                dec(fact, 1),
                dec(eplan, 1),
                dec(efact, 1),
                dec(fact - efact, 1),
                dec(fact * c.float(0.15, 0.25), 1),
                dec(fact * c.float(0.0, 0.12), 1)
            ]);
        }
    }
    t
}

/// ALL-12: the water company's own financial statements (forms 1 and 2).
pub(crate) fn water_company_statements(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("reportYear", "звітний рік"),
        ("form", "форма звітності"),
        ("lineCode", "код рядка"),
        ("indicator", "стаття"),
        (
            "currentPeriod",
            "на кінець звітного періоду / за звітний період, тис. грн",
        ),
        (
            "previousPeriod",
            "на початок звітного року / за аналогічний період попереднього року, тис. грн",
        ),
    ]);
    const F1: &str = "Ф1 Баланс (Звіт про фінансовий стан)";
    const F2: &str = "Ф2 Звіт про фінансові результати (Звіт про сукупний дохід)";
    let mut prev: Option<Vec<f64>> = None;
    for y in c.year() - 3..c.year() {
        let fixed = c.float(380_000.0, 420_000.0);
        let wear = fixed * c.float(0.55, 0.65);
        let non_current = fixed - wear + c.float(5_000.0, 9_000.0);
        let stock = c.float(9_000.0, 14_000.0);
        let receivable = c.float(30_000.0, 48_000.0);
        let cash = c.float(3_000.0, 12_000.0);
        let current = stock + receivable + cash + c.float(1_000.0, 3_000.0);
        let total = non_current + current;
        let long = c.float(10_000.0, 25_000.0);
        let payable = c.float(20_000.0, 35_000.0);
        let short = payable + c.float(8_000.0, 15_000.0);
        let equity = total - long - short;
        let revenue = c.float(290_000.0, 330_000.0);
        let cost = revenue * c.float(0.82, 0.9);
        let gross = revenue - cost;
        let admin = c.float(18_000.0, 24_000.0);
        let sales = c.float(3_000.0, 6_000.0);
        let other_income = c.float(4_000.0, 9_000.0);
        let other_exp = c.float(2_000.0, 7_000.0);
        let net = gross - admin - sales - other_exp + other_income;
        let values = vec![
            fixed,
            wear,
            non_current,
            stock,
            receivable,
            cash,
            current,
            total,
            equity,
            long,
            payable,
            short,
            total,
            revenue,
            cost,
            gross,
            admin,
            sales,
            other_income,
            other_exp,
            net,
        ];
        let lines: [(&str, &str, &str); 21] = [
            (F1, "1011", "Основні засоби: первісна вартість"),
            (F1, "1012", "Основні засоби: знос"),
            (F1, "1095", "Усього за розділом I (необоротні активи)"),
            (F1, "1100", "Запаси"),
            (
                F1,
                "1125",
                "Дебіторська заборгованість за продукцію, товари, роботи, послуги",
            ),
            (F1, "1165", "Гроші та їх еквіваленти"),
            (F1, "1195", "Усього за розділом II (оборотні активи)"),
            (F1, "1300", "Баланс (актив)"),
            (F1, "1495", "Усього за розділом I (власний капітал)"),
            (
                F1,
                "1595",
                "Усього за розділом II (довгострокові зобов'язання)",
            ),
            (
                F1,
                "1615",
                "Поточна кредиторська заборгованість за товари, роботи, послуги",
            ),
            (F1, "1695", "Усього за розділом III (поточні зобов'язання)"),
            (F1, "1900", "Баланс (пасив)"),
            (
                F2,
                "2000",
                "Чистий дохід від реалізації продукції (товарів, робіт, послуг)",
            ),
            (
                F2,
                "2050",
                "Собівартість реалізованої продукції (товарів, робіт, послуг)",
            ),
            (F2, "2090", "Валовий прибуток"),
            (F2, "2130", "Адміністративні витрати"),
            (F2, "2150", "Витрати на збут"),
            (F2, "2120", "Інші операційні доходи"),
            (F2, "2180", "Інші операційні витрати"),
            (F2, "2350", "Чистий фінансовий результат"),
        ];
        for (i, (form, code, name)) in lines.iter().enumerate() {
            let before = prev.as_ref().map(|p| Val::Dec(round(p[i], 1), 1));
            t.push(row![
                y,
                *form,
                *code,
                *name,
                dec(round(values[i], 1), 1),
                before
            ]);
        }
        prev = Some(values);
    }
    t
}

const PB_TEMPLATES: &[&str] = &[
    "Сучасний спортивний майданчик у мікрорайоні {district}",
    "Інклюзивний дитячий майданчик на {street}",
    "Облаштування скверу на {street}",
    "Книжковий коворкінг у бібліотеці-філії",
    "Шкільна робототехніка для {school}",
    "Велопарковки біля шкіл і ЦНАП",
    "Освітлення пішохідної доріжки на {street}",
    "Генератор і обладнання для укриття {school}",
    "Літній кінотеатр у парку Перемоги",
    "Зона для вигулу собак у мікрорайоні {district}",
    "Тренажерний майданчик для ветеранів на {street}",
    "Безбар'єрний вхід до {school}",
    "Мистецька галерея просто неба на {street}",
    "Сенсорна кімната для дітей з особливими потребами в {school}",
];

/// OMS-18: the participatory budget, its projects and votes.
pub(crate) fn participatory_budget(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("projectId", "номер проєкту"),
        ("year", "рік реалізації"),
        ("title", "назва проєкту"),
        ("category", "категорія: малий (до 300 тис. грн) або великий"),
        ("district", "мікрорайон"),
        ("requestedAmount", "вартість проєкту, грн"),
        ("votes", "кількість голосів"),
        ("winner", "чи переміг у голосуванні"),
        ("implementationStatus", "стан реалізації"),
        ("spentAmount", "освоєно коштів, грн"),
    ]);
    let w = c.world;
    for y in c.year() - 2..=c.year() {
        let voted = y < c.year() || c.as_of.month() >= 6;
        for n in 1..=20 {
            let school = &w.schools[c.rng.below(w.schools.len())].short;
            let title = PB_TEMPLATES[(n + y as usize) % PB_TEMPLATES.len()]
                .replace("{district}", c.pick(DISTRICTS))
                .replace("{street}", c.pick(STREETS).0)
                .replace("{school}", school);
            let big = c.chance(0.35);
            let amount = if big {
                c.money(300_000.0, 1_000_000.0)
            } else {
                c.money(60_000.0, 299_000.0)
            };
            let votes = if voted { c.int(40, 1900) } else { 0 };
            let winner = voted && votes > 700;
            let (status, spent) = if !voted {
                ("голосування ще не відбулося", Val::Empty)
            } else if !winner {
                ("не переміг", Val::Empty)
            } else if y < c.year() - 1 || y < c.year() && c.chance(0.7) {
                ("реалізовано", money(amount * c.float(0.9, 1.0)))
            } else {
                ("в процесі реалізації", money(amount * c.float(0.0, 0.6)))
            };
            t.push(row![
                format!("ГБ-{y}-{n:02}"),
                y,
                title,
                if big { "великий" } else { "малий" },
                c.pick(DISTRICTS),
                money(amount),
                votes,
                winner,
                status,
                spent
            ]);
        }
    }
    t
}

/// OMS-31: charitable aid received and how it was used.
pub(crate) fn charity(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("receivedDate", "дата надходження"),
        ("recipientName", "отримувач допомоги"),
        ("recipientEdrpou", "код ЄДРПОУ отримувача"),
        ("donor", "благодійник (фізичні особи не називаються)"),
        ("aidType", "вид допомоги: грошова або матеріальна"),
        ("description", "опис допомоги"),
        ("amount", "сума або вартість, грн"),
        ("usedAmount", "використано, грн"),
        ("purpose", "напрям використання"),
    ]);
    let goods = [
        (
            "Генератор дизельний 30 кВт",
            "забезпечення безперебійної роботи закладу",
        ),
        (
            "Медикаменти та перев'язувальні матеріали",
            "надання медичної допомоги",
        ),
        ("Ковдри та постільна білизна", "облаштування укриття"),
        (
            "Продуктові набори",
            "допомога внутрішньо переміщеним особам",
        ),
        ("Ноутбуки (комплект)", "дистанційне навчання"),
        ("Будівельні матеріали", "ремонт пошкоджених вікон"),
        ("Павербанки та ліхтарі", "пункт незламності"),
        ("Іграшки та канцтовари", "заходи для дітей"),
    ];
    let w = c.world;
    let recipients: Vec<&crate::world::Org> = w.institutions().collect();
    let mut rows = Vec::new();
    for _ in 0..80 {
        let d = c.days_ago(0, 365);
        let r = recipients[c.rng.below(recipients.len())];
        let money_aid = c.chance(0.35);
        let donor = if c.chance(0.4) {
            "фізична особа".to_string()
        } else {
            c.firm().name.clone()
        };
        let (desc, purpose, amount) = if money_aid {
            (
                "Грошові кошти",
                "поточні потреби закладу",
                c.money(2_000.0, 150_000.0),
            )
        } else {
            let (g, p) = c.pick(&goods);
            (g, p, c.money(5_000.0, 400_000.0))
        };
        let used = if (c.as_of - d).num_days() > 60 {
            amount
        } else {
            round(amount * c.float(0.0, 1.0), 2)
        };
        rows.push((
            d,
            row![
                d,
                &r.name,
                &r.edrpou,
                donor,
                if money_aid {
                    "грошова"
                } else {
                    "матеріальна"
                },
                desc,
                money(amount),
                money(used),
                purpose
            ],
        ));
    }
    rows.sort_by_key(|(d, _)| *d);
    for (_, r) in rows {
        t.push(r);
    }
    t
}

/// OMS-45: targeted local programmes, funding and reports.
pub(crate) fn programmes(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("programName", "назва цільової програми"),
        ("responsibleExecutor", "відповідальний виконавець"),
        ("approvalDecision", "номер рішення ради про затвердження"),
        ("approvalDate", "дата затвердження"),
        ("periodStart", "початок дії"),
        ("periodEnd", "закінчення дії"),
        (
            "totalPlannedFunding",
            "загальний обсяг фінансування за програмою, грн",
        ),
        ("plannedFundingThisYear", "заплановано на поточний рік, грн"),
        (
            "actualFundingThisYear",
            "профінансовано з початку року, грн",
        ),
        ("amendmentsCount", "кількість змін до програми"),
        ("lastAmendmentDate", "дата останніх змін"),
        (
            "reportUrl",
            "посилання на звіт про виконання за попередній рік",
        ),
    ]);
    let y = c.year();
    let done = f64::from(c.as_of.ordinal()) / 365.0;
    for (i, &(topic, executor, start, len, mln)) in PROGRAMMES.iter().enumerate() {
        let from = NaiveDate::from_ymd_opt(y + start, 1, 1).expect("date");
        let to = NaiveDate::from_ymd_opt(y + start + len - 1, 12, 31).expect("date");
        let approved = from - Duration::days(c.int(14, 60));
        let yearly = round(mln * 1e6 * c.float(0.9, 1.1), 2);
        let amendments = c.int(0, 4);
        let last = if amendments > 0 {
            Val::Date(c.between(approved + Duration::days(30), c.as_of))
        } else {
            Val::Empty
        };
        let report = if start < 0 {
            Val::Text(doc_url(
                "docs/programy/zvit",
                format!("{}-{}", y - 1, i + 1),
            ))
        } else {
            Val::Empty
        };
        t.push(row![
            format!("Програма {}", programme_name(topic, y, start, len)),
            seed(executor).title,
            format!("{}-{}-VIII", c.int(100, 2400), c.int(20, 60)),
            approved,
            from,
            to,
            money(yearly * f64::from(len)),
            money(yearly),
            money(round(yearly * done * c.float(0.6, 1.0), 2)),
            amendments,
            last,
            report
        ]);
    }
    t
}

/// ALL-14: property received under international technical assistance.
pub(crate) fn technical_assistance(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("itemName", "найменування майна"),
        ("quantity", "кількість"),
        ("unit", "одиниця виміру"),
        ("unitValue", "вартість одиниці, грн"),
        ("totalValue", "загальна вартість, грн"),
        ("project", "проєкт міжнародної технічної допомоги"),
        ("projectRegistration", "реєстраційний номер проєкту"),
        ("receivedDate", "дата отримання"),
        (
            "recipient",
            "структурний підрозділ, що отримав і використовує майно",
        ),
        ("usage", "призначення"),
    ]);
    let items = [
        ("Ноутбук", "шт", 24_000.0, "робочі місця для відвідувачів"),
        (
            "Портативна зарядна станція 2 кВт·год",
            "шт",
            38_000.0,
            "пункт незламності",
        ),
        (
            "Генератор бензиновий 5 кВт",
            "шт",
            32_000.0,
            "безперебійне живлення",
        ),
        (
            "Супутниковий термінал зв'язку",
            "шт",
            19_000.0,
            "резервний зв'язок",
        ),
        (
            "Багатофункціональний пристрій (принтер-сканер)",
            "шт",
            14_500.0,
            "друк і сканування документів для відвідувачів",
        ),
        (
            "Мультимедійний проєктор",
            "шт",
            21_000.0,
            "проведення заходів",
        ),
        (
            "Інтерактивна панель 65 дюймів",
            "шт",
            56_000.0,
            "освітні заходи",
        ),
        (
            "Планшет",
            "шт",
            9_800.0,
            "цифрова грамотність для людей старшого віку",
        ),
        ("3D-принтер", "шт", 27_000.0, "гурток для підлітків"),
        (
            "Комплект видань для дітей",
            "компл.",
            12_000.0,
            "поповнення фонду",
        ),
        (
            "Меблі для коворкінгу",
            "компл.",
            85_000.0,
            "облаштування коворкінгу",
        ),
        (
            "Маршрутизатор Wi-Fi",
            "шт",
            3_900.0,
            "безоплатний доступ до інтернету",
        ),
        (
            "Джерело безперебійного живлення",
            "шт",
            7_400.0,
            "захист обладнання",
        ),
        ("Сонячна панель 450 Вт", "шт", 6_200.0, "автономне живлення"),
        (
            "Акумуляторний ліхтар",
            "шт",
            1_200.0,
            "освітлення під час відключень",
        ),
    ];
    let projects = [
        ("Проєкт МТД «Цифрові бібліотеки громад»", "4021-06"),
        ("Проєкт МТД «Стійкі громади»", "3977-02"),
        ("Проєкт МТД «Бібліотеки — простори незламності»", "4105-11"),
    ];
    let branches = [
        "Центральна міська бібліотека",
        "Бібліотека-філія № 2 для дітей",
        "Бібліотека-філія № 3",
        "Бібліотека-філія № 4",
        "Бібліотека-філія № 5",
        "Бібліотека-філія № 6",
    ];
    for _ in 0..26 {
        let (name, unit, price, usage) = c.pick(&items);
        let q = if unit == "компл." {
            c.int(1, 3)
        } else {
            c.int(1, 12)
        };
        let price = round(price * c.float(0.85, 1.15), 2);
        let (project, reg) = c.pick(&projects);
        t.push(row![
            name,
            q,
            unit,
            money(price),
            money(price * q as f64),
            project,
            reg,
            c.days_ago(20, 700),
            c.pick(&branches),
            usage
        ]);
    }
    t
}

/// OMS-32: planned and actual income from rent of property, temporary
/// structures and advertising.
pub(crate) fn rent_income(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("year", "рік"),
        ("month", "місяць"),
        ("incomeType", "вид надходжень"),
        ("planned", "план, грн"),
        ("actual", "факт, грн"),
        ("executionPercent", "виконання, %"),
    ]);
    let kinds = [
        ("оренда комунального майна", 1_450_000.0),
        ("розміщення тимчасових споруд", 310_000.0),
        ("розміщення рекламних засобів", 240_000.0),
    ];
    let start = NaiveDate::from_ymd_opt(c.year() - 1, 1, 1).expect("date");
    let mut d = start;
    while d < c.as_of.with_day(1).expect("day") {
        for (kind, base) in kinds {
            let plan = round(base * c.float(0.95, 1.05), 2);
            let fact = round(plan * c.float(0.78, 1.12), 2);
            t.push(row![
                d.year(),
                d.month(),
                kind,
                money(plan),
                money(fact),
                dec(fact / plan * 100.0, 1)
            ]);
        }
        d = (d + Duration::days(32)).with_day(1).expect("day");
    }
    t
}

/// OMS-05: investment agreements.
pub(crate) fn investment_agreements(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("contractNumber", "номер договору"),
        ("contractDate", "дата укладення"),
        ("investor", "інвестор"),
        ("investorEdrpou", "код ЄДРПОУ інвестора"),
        ("subject", "предмет договору"),
        ("address", "адреса об'єкта"),
        ("investmentAmount", "обсяг інвестицій, грн"),
        ("deadline", "строк виконання зобов'язань"),
        ("status", "стан виконання"),
        ("amendments", "додаткові угоди (номер від дата)"),
        ("url", "посилання на текст договору та додатків"),
    ]);
    let subjects = [
        "Реконструкція нежитлової будівлі під центр надання соціальних послуг",
        "Будівництво багатоквартирного житлового будинку з вбудованими приміщеннями",
        "Реконструкція стадіону з облаштуванням трибун",
        "Будівництво сонячної електростанції на території полігону",
        "Будівництво критого ринку",
        "Реконструкція котельні з встановленням когенераційної установки",
        "Будівництво паркінгу",
        "Облаштування індустріального парку",
        "Реконструкція кінотеатру під культурний центр",
        "Будівництво сміттєсортувальної лінії",
        "Будівництво спортивного комплексу з басейном",
    ];
    for n in 1..=22 {
        let f = c.firm();
        let d = c.days_ago(30, 2000);
        let deadline = d + Duration::days(c.int(365, 1460));
        let status = if deadline < c.as_of {
            if c.chance(0.8) {
                "виконано"
            } else {
                "розірвано"
            }
        } else {
            "виконується"
        };
        let amend = if c.chance(0.4) {
            Val::from(format!(
                "№ 1 від {}",
                c.between(d, c.as_of).format("%Y-%m-%d")
            ))
        } else {
            Val::Empty
        };
        let a = c.addr();
        t.push(row![
            format!("ІД-{n:02}"),
            d,
            &f.name,
            &f.edrpou,
            c.pick(&subjects),
            a.line(),
            money(c.money(2e6, 180e6)),
            deadline,
            status,
            amend,
            doc_url("investytsii", n)
        ]);
    }
    t
}

/// OMS-08: shared participation in the development of infrastructure.
pub(crate) fn shared_participation(c: &mut Ctx) -> Table {
    let mut t = Table::new(&[
        ("contractNumber", "номер договору про пайову участь"),
        ("contractDate", "дата укладення"),
        ("customer", "замовник будівництва"),
        ("customerEdrpou", "код ЄДРПОУ замовника"),
        ("objectName", "об'єкт будівництва"),
        ("address", "адреса"),
        ("estimatedCost", "кошторисна вартість будівництва, грн"),
        (
            "sharePercent",
            "розмір пайової участі, % кошторисної вартості",
        ),
        ("contributionAmount", "сума пайової участі, грн"),
        ("paidAmount", "сплачено, грн"),
        ("usage", "напрям використання коштів"),
    ]);
    let objects = [
        "Багатоквартирний житловий будинок",
        "Торговельний центр",
        "Складський комплекс",
        "Офісна будівля",
        "Автозаправна станція",
        "Готельний комплекс",
        "Виробничий цех",
    ];
    let usage = [
        "розвиток вулично-дорожньої мережі",
        "будівництво мереж водопостачання",
        "реконструкція зовнішнього освітлення",
        "облаштування зупинок громадського транспорту",
    ];
    for n in 1..=40 {
        let f = c.firm();
        let d = c.days_ago(400, 2200);
        let cost = c.money(3e6, 120e6);
        let pct = if c.chance(0.6) { 4.0 } else { 2.0 };
        let amount = round(cost * pct / 100.0, 2);
        let paid = if c.chance(0.75) {
            amount
        } else {
            round(amount * c.float(0.2, 0.9), 2)
        };
        let a = c.addr();
        t.push(row![
            format!("ПУ-{n:03}"),
            d,
            &f.name,
            &f.edrpou,
            c.pick(&objects),
            a.line(),
            money(cost),
            dec(pct, 1),
            money(amount),
            money(paid),
            c.pick(&usage)
        ]);
    }
    t
}
