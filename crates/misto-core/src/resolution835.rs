//! The Resolution 835 list of datasets that local self-government bodies
//! must publish: the section "Органи місцевого самоврядування" (OMS-xx) and
//! the section binding every holder of information (ALL-xx), as of the
//! October 2024 version of the list. Ids are positional within each section,
//! not official item numbers.

/// One item of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    pub id: &'static str,
    pub name_uk: &'static str,
    pub name_en: &'static str,
    /// Our own classification, e.g. `local_government/finance`.
    pub category: &'static str,
}

pub fn find(id: &str) -> Option<&'static Item> {
    ITEMS.iter().find(|i| i.id == id)
}

/// One item of the list in force: the built-in list, or one a sysadmin
/// imported to replace it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListItem {
    pub id: String,
    pub name_uk: String,
    pub name_en: String,
    pub category: String,
    /// How often the list expects the data to be updated, when it says.
    pub update_frequency: Option<crate::UpdateFrequency>,
}

impl ListItem {
    /// The name in the page's language (Ukrainian when there is no English).
    pub fn name(&self, english: bool) -> &str {
        if english && !self.name_en.is_empty() {
            &self.name_en
        } else {
            &self.name_uk
        }
    }
}

impl From<&Item> for ListItem {
    fn from(i: &Item) -> Self {
        ListItem {
            id: i.id.to_string(),
            name_uk: i.name_uk.to_string(),
            name_en: i.name_en.to_string(),
            category: i.category.to_string(),
            update_frequency: None,
        }
    }
}

/// The built-in list as [`ListItem`]s.
pub fn builtin() -> Vec<ListItem> {
    ITEMS.iter().map(ListItem::from).collect()
}

#[rustfmt::skip]
pub static ITEMS: &[Item] = &[
    Item { id: "ALL-01", name_uk: "Довідник підприємств, установ, організацій та територіальних органів розпорядника інформації та організацій, що належать до сфери його управління, у тому числі їх ідентифікаційних кодів в Єдиному державному реєстрі юридичних осіб, фізичних осіб - підприємців та громадських формувань, офіційних веб-сайтів, адрес електронної пошти, номерів телефонів, місцезнаходження", name_en: "Directory of enterprises, institutions, organisations and territorial bodies of the information holder and of organisations under its management, incl. EDR (EDRPOU) codes, websites, e-mails, phones, addresses", category: "all_holders/organisation" },
    Item { id: "ALL-02", name_uk: "Інформація про структуру (організаційну структуру) розпорядника інформації", name_en: "Information on the (organisational) structure of the information holder", category: "all_holders/organisation" },
    Item { id: "ALL-03", name_uk: "Нормативи, що затверджуються та підлягають оприлюдненню відповідно до закону розпорядником інформації", name_en: "Norms approved by the information holder that must be published by law", category: "all_holders/legal" },
    Item { id: "ALL-04", name_uk: "Переліки національних стандартів для цілей застосування технічних регламентів", name_en: "Lists of national standards for the application of technical regulations", category: "all_holders/legal" },
    Item { id: "ALL-05", name_uk: "Звіти, у тому числі щодо задоволення запитів на інформацію", name_en: "Reports, incl. on handling of information requests", category: "all_holders/reporting" },
    Item { id: "ALL-06", name_uk: "Реєстр наборів даних, що перебувають у володінні розпорядника інформації", name_en: "Register of datasets held by the information holder", category: "all_holders/open-data-governance" },
    Item { id: "ALL-07", name_uk: "Адміністративні дані в значенні Закону України “Про офіційну статистику”, що збираються (обробляються) та підлягають оприлюдненню відповідно до вимог закону розпорядником інформації", name_en: "Administrative data (per the Law on Official Statistics) collected/processed and subject to publication by law", category: "all_holders/statistics" },
    Item { id: "ALL-08", name_uk: "Переліки нормативно-правових актів, актів індивідуальної дії (крім внутрішньоорганізаційних), прийнятих розпорядником інформації, проекти нормативно-правових актів", name_en: "Lists of regulatory legal acts and individual acts (except internal) adopted by the holder; draft regulatory acts", category: "all_holders/legal" },
    Item { id: "ALL-09", name_uk: "Переліки регуляторних актів із зазначенням дати набрання чинності, строку проведення базового, повторного та періодичного відстеження їх результативності та інформації про джерело їх оприлюднення", name_en: "Lists of regulatory acts with date of entry into force, timing of baseline/repeat/periodic effectiveness tracking and publication source", category: "all_holders/legal" },
    Item { id: "ALL-10", name_uk: "План діяльності з підготовки проектів регуляторних актів із зазначенням видів і назв проектів, цілей їх прийняття, строків підготовки проектів, найменування органів і підрозділів, відповідальних за розроблення проектів, дати їх внесення на розгляд регуляторного органу та посилання на джерело оприлюднення", name_en: "Plan for preparing draft regulatory acts (types, titles, goals, deadlines, responsible units, submission date, publication link)", category: "all_holders/legal" },
    Item { id: "ALL-11", name_uk: "Інформація про нормативно-правові засади діяльності розпорядника інформації", name_en: "Information on the legal basis of the holder's activity", category: "all_holders/legal" },
    Item { id: "ALL-12", name_uk: "Фінансова звітність суб’єктів господарювання державного та комунального сектору економіки", name_en: "Financial statements of state- and municipal-sector business entities", category: "all_holders/finance" },
    Item { id: "ALL-13", name_uk: "Річні зведені основні фінансові показники виконання фінансових планів підприємств державного та комунального сектору економіки", name_en: "Annual consolidated key financial indicators of execution of financial plans of state/municipal-sector enterprises", category: "all_holders/finance" },
    Item { id: "ALL-14", name_uk: "Інформація про отримане майно (обладнання, програмне забезпечення) у рамках міжнародної технічної допомоги", name_en: "Information on property (equipment, software) received under international technical assistance", category: "all_holders/finance" },
    Item { id: "ALL-15", name_uk: "Інформація із системи обліку публічної інформації", name_en: "Information from the public-information accounting system", category: "all_holders/open-data-governance" },
    Item { id: "ALL-16", name_uk: "Результати інформаційного аудиту", name_en: "Results of the information audit", category: "all_holders/open-data-governance" },
    Item { id: "OMS-01", name_uk: "Перелік об’єктів комунальної власності", name_en: "List of municipal property objects", category: "oms/property" },
    Item { id: "OMS-02", name_uk: "Звіти про виконання фінансових планів комунальних підприємств", name_en: "Reports on execution of financial plans of municipal enterprises", category: "oms/finance" },
    Item { id: "OMS-03", name_uk: "Титульні списки на проведення капітального та поточного ремонту, будівництва, реконструкції та благоустрою", name_en: "Title lists for capital and current repairs, construction, reconstruction and landscaping", category: "oms/infrastructure" },
    Item { id: "OMS-04", name_uk: "Інформація про рекламні засоби (дані про місце розміщення рекламного засобу, його вид і розміри, найменування розповсюджувача зовнішньої реклами, номер телефону розміщувача реклами, адреса електронної пошти, дата видачі дозволу та строк його дії, номер і дата укладення договору, якщо місце розміщення рекламного засобу належить до комунальної власності)", name_en: "Information on advertising structures (location, type, size, distributor, contacts, permit date/term, contract if site is municipal)", category: "oms/permits" },
    Item { id: "OMS-05", name_uk: "Перелік інвестиційних договорів, додатків, додаткових угод та інших матеріалів до них, умов, у тому числі посилань на оприлюднені ресурси в Інтернеті", name_en: "List of investment agreements, annexes, amendments and related materials and conditions, incl. links to published resources", category: "oms/finance" },
    Item { id: "OMS-06", name_uk: "Дані про об’єкти та засоби торгівлі (пересувної, сезонної тощо)", name_en: "Data on trade facilities and outlets (mobile, seasonal, etc.)", category: "oms/economy" },
    Item { id: "OMS-07", name_uk: "Відомості про ярмарки (строк проведення, місце, кількість та вартість місць), організаторів ярмарків, договори, укладені з організаторами таких ярмарків", name_en: "Information on fairs (dates, location, number and price of places), organisers and contracts with them", category: "oms/economy" },
    Item { id: "OMS-08", name_uk: "Відомості про залучення, розрахунок розміру і використання коштів пайової участі у розвитку інфраструктури населеного пункту", name_en: "Information on raising, calculation and use of shared-participation (пайова участь) contributions to settlement infrastructure", category: "oms/finance" },
    Item { id: "OMS-09", name_uk: "Відомості про транспортні засоби, які обслуговують пасажирські автобусні, тролейбусні та трамвайні маршрути перевезення (кількість транспортних засобів на кожному маршруті, марка, модель, державний номер, пасажиромісткість)", name_en: "Vehicles serving bus, trolleybus and tram routes (number per route, make, model, plate, capacity)", category: "oms/transport" },
    Item { id: "OMS-10", name_uk: "Дані про місце розміщення зупинок міського електричного та автомобільного транспорту", name_en: "Locations of urban electric and road transport stops", category: "oms/transport" },
    Item { id: "OMS-11", name_uk: "Відомості про лікарські засоби/препарати, придбані за бюджетні кошти, відомості про розподілення таких ліків між закладами охорони здоров’я та їх залишки в кожному з них", name_en: "Medicines purchased from budget funds, their distribution among health facilities and remaining stock", category: "oms/health" },
    Item { id: "OMS-12", name_uk: "Поіменні результати голосування депутатів на пленарних засіданнях органу місцевого самоврядування", name_en: "Roll-call voting results of deputies at plenary sessions of the local council", category: "oms/governance" },
    Item { id: "OMS-13", name_uk: "Дані про депутатів місцевих рад, у тому числі контактну інформацію та графік прийому", name_en: "Data on local council deputies, incl. contacts and reception schedule", category: "oms/governance" },
    Item { id: "OMS-14", name_uk: "Дані про зелені насадження, що підлягають видаленню, відповідно до виданих актів обстеження зелених насаджень", name_en: "Green plantings to be removed under issued inspection acts", category: "oms/environment" },
    Item { id: "OMS-15", name_uk: "Дані про доступність будівель для осіб з інвалідністю та інших маломобільних груп населення", name_en: "Accessibility of buildings for persons with disabilities and other low-mobility groups", category: "oms/social" },
    Item { id: "OMS-16", name_uk: "Дані про надходження звернень на телефонні “гарячі лінії”, в аварійно-диспетчерські служби, телефонні центри тощо", name_en: "Calls to hotlines, emergency-dispatch services, call centres, etc.", category: "oms/services" },
    Item { id: "OMS-17", name_uk: "Дані про електронні петиції, у тому числі осіб, що їх підписали, та результати розгляду", name_en: "E-petitions, incl. signatories and review results", category: "oms/governance" },
    Item { id: "OMS-18", name_uk: "Дані громадського бюджету, бюджету участі тощо, у тому числі про проекти, результати голосування, реалізацію підтриманих проектів", name_en: "Participatory/public budget data: projects, voting results, implementation of supported projects", category: "oms/governance" },
    Item { id: "OMS-19", name_uk: "Дані про паркування, у тому числі розміщення майданчиків, їх операторів, обладнання та функціонування", name_en: "Parking data: lots, operators, equipment and operation", category: "oms/transport" },
    Item { id: "OMS-20", name_uk: "Адресний реєстр", name_en: "Address register", category: "oms/geo/registers" },
    Item { id: "OMS-21", name_uk: "Дані про надані адміністративні послуги", name_en: "Administrative services provided", category: "oms/services" },
    Item { id: "OMS-22", name_uk: "Дані про видані будівельні паспорти", name_en: "Issued building passports", category: "oms/urban-planning" },
    Item { id: "OMS-23", name_uk: "Дані про медичне обладнання комунальних закладів охорони здоров’я", name_en: "Medical equipment of municipal health-care facilities", category: "oms/health" },
    Item { id: "OMS-24", name_uk: "Дані про розміщення спецтехніки, що використовується для надання комунальних послуг, благоустрою, виконання будівельних та ремонтних робіт", name_en: "Location of special vehicles used for utility services, landscaping, construction and repair works", category: "oms/services" },
    Item { id: "OMS-25", name_uk: "Дані про черги дітей у дошкільні навчальні заклади", name_en: "Queues of children for pre-school institutions", category: "oms/education" },
    Item { id: "OMS-26", name_uk: "Території обслуговування загальноосвітніх навчальних закладів", name_en: "Service (catchment) areas of general secondary schools", category: "oms/education" },
    Item { id: "OMS-27", name_uk: "Дані містобудівного кадастру, у тому числі геопросторові дані", name_en: "Urban-planning cadastre data, incl. geospatial data", category: "oms/urban-planning" },
    Item { id: "OMS-28", name_uk: "Дані про видані дозволи на порушення об’єктів благоустрою", name_en: "Issued permits to disturb landscaping (благоустрій) objects", category: "oms/permits" },
    Item { id: "OMS-29", name_uk: "Дані про облік громадян, які потребують поліпшення житлових умов (квартирний облік)", name_en: "Register of citizens needing better housing (housing queue)", category: "oms/social" },
    Item { id: "OMS-30", name_uk: "Дані про споживання комунальних послуг (електрична енергія, теплова енергія, природний газ, тверде паливо, рідке паливо холодна та гаряча вода із зазначенням частки відновлюваних джерел енергії) комунальними підприємствами, установами та організаціями", name_en: "Consumption of utilities (electricity, heat, gas, solid/liquid fuel, cold/hot water, share of renewables) by municipal enterprises, institutions and organisations", category: "oms/energy" },
    Item { id: "OMS-31", name_uk: "Надходження і використання благодійної допомоги", name_en: "Receipt and use of charitable aid", category: "oms/finance" },
    Item { id: "OMS-32", name_uk: "Планові та фактичні показники сплати за договорами оренди комунальної власності, розміщення тимчасових споруд, розміщення рекламних засобів", name_en: "Planned vs actual payments under leases of municipal property, temporary structures and advertising placements", category: "oms/finance" },
    Item { id: "OMS-33", name_uk: "Перелік об’єктів комунальної власності, що передані в оренду чи інше право користування (з даними про умови передачі об’єктів в оренду чи умови іншого користування) до закінчення строку, встановленого пунктом 6 розділу “Прикінцеві та перехідні положення” Закону України “Про оренду державного та комунального майна”", name_en: "Municipal property leased or otherwise in use (with terms) — until the deadline set by the Law on Lease of State and Municipal Property", category: "oms/property" },
    Item { id: "OMS-34", name_uk: "Перелік об’єктів комунальної власності, які можуть бути передані в оренду (до дати, визначеної підпунктом 1 пункту 1 розділу “Прикінцеві та перехідні положення” Закону України “Про оренду державного та комунального майна”)", name_en: "Municipal property that may be leased (until the date set by the Law on Lease of State and Municipal Property)", category: "oms/property" },
    Item { id: "OMS-35", name_uk: "Схеми планування території областей, схеми планування території районів, генеральні плани населених пунктів, плани зонування території, детальні плани території, містобудівна документація територіальних громад, їх проекти (відповідно до повноважень)", name_en: "Regional/district spatial plans, master plans of settlements, zoning plans, detailed plans, hromada planning documentation and drafts (per competence)", category: "oms/urban-planning" },
    Item { id: "OMS-36", name_uk: "Дані про місцезнаходження міського електричного та пасажирського автомобільного транспорту в режимі реального часу, у тому числі короткострокові зміни в русі транспорту та час прибуття транспорту на зупинки в режимі реального часу", name_en: "Real-time location of urban electric and bus transport, incl. short-term changes and real-time arrival at stops", category: "oms/transport" },
    Item { id: "OMS-37", name_uk: "Дані про розміщення громадських вбиралень комунальної власності", name_en: "Location of municipally owned public toilets", category: "oms/services" },
    Item { id: "OMS-38", name_uk: "Перелік перевізників, що надають транспортні послуги з перевезення пасажирів міським електричним та автомобільним транспортом, у тому числі маршрути перевезень", name_en: "Carriers providing urban electric and road passenger transport, incl. routes", category: "oms/transport" },
    Item { id: "OMS-39", name_uk: "Розклад руху міського електричного та автомобільного транспорту", name_en: "Timetables of urban electric and road transport", category: "oms/transport" },
    Item { id: "OMS-40", name_uk: "Перелік земельних ділянок комунальної власності, що пропонуються для передачі у власність громадян та юридичних осіб або для надання у користування", name_en: "Municipal land plots offered for ownership transfer or use to citizens and legal entities", category: "oms/land" },
    Item { id: "OMS-41", name_uk: "Перелік орендарів, з якими укладено договори оренди землі комунальної власності", name_en: "Tenants with whom municipal land lease agreements are concluded", category: "oms/land" },
    Item { id: "OMS-42", name_uk: "Дані щодо ремонту автомобільних доріг місцевого значення", name_en: "Repairs of local roads", category: "oms/infrastructure" },
    Item { id: "OMS-43", name_uk: "Реєстр містобудівних умов та обмежень", name_en: "Register of urban-planning conditions and restrictions", category: "oms/urban-planning" },
    Item { id: "OMS-44", name_uk: "Дані про тарифи на комунальні послуги, які затверджуються органом місцевого самоврядування", name_en: "Utility tariffs approved by the local self-government body", category: "oms/economy" },
    Item { id: "OMS-45", name_uk: "Перелік цільових місцевих програм, змін до цільових місцевих програм та звітів про виконання цільових місцевих програм", name_en: "Local targeted programmes, their amendments and implementation reports", category: "oms/finance" },
    Item { id: "OMS-46", name_uk: "Перелік заяв щодо безоплатної приватизації земельних ділянок громадянами", name_en: "Applications for free privatisation of land plots by citizens", category: "oms/land" },
    Item { id: "OMS-47", name_uk: "Дані про розміщення тимчасових споруд для провадження підприємницької діяльності", name_en: "Placement of temporary structures for business activity", category: "oms/permits" },
    Item { id: "OMS-48", name_uk: "Дані про місцезнаходження комунальних контейнерів (за категоріями), контейнерних майданчиків, місць прийому небезпечних відходів, вторинної сировини", name_en: "Locations of municipal waste containers (by category), container sites, hazardous-waste and recyclables collection points", category: "oms/environment" },
    Item { id: "OMS-49", name_uk: "Дані про місцезнаходження комунальних об’єктів управління відходами, їх площі та обсяги надходжень", name_en: "Locations of municipal waste-management facilities, their area and intake volumes", category: "oms/environment" },
    Item { id: "OMS-50", name_uk: "Дані про вилов, стерилізацію та ідентифікацію безпритульних тварин", name_en: "Catching, sterilisation and identification of stray animals", category: "oms/environment" },
    Item { id: "OMS-51", name_uk: "Дані про дитячі, спортивні та інші майданчики для дозвілля та відпочинку, що перебувають у комунальній власності", name_en: "Municipally owned children's, sports and other leisure playgrounds", category: "oms/social" },
    Item { id: "OMS-52", name_uk: "Дані про накладені штрафи за порушення правил паркування транспортних засобів", name_en: "Fines imposed for parking violations", category: "oms/transport" },
    Item { id: "OMS-53", name_uk: "Дані про місцезнаходження зон для вигулу домашніх тварин", name_en: "Locations of dog-walking (pet) areas", category: "oms/environment" },
    Item { id: "OMS-54", name_uk: "Дані щодо місцезнаходження камер відеоспостереження, що перебувають у комунальній власності", name_en: "Locations of municipally owned CCTV cameras", category: "oms/safety" },
    Item { id: "OMS-55", name_uk: "Дані про розташування захисних споруд цивільного захисту комунальної власності", name_en: "Locations of municipally owned civil-protection shelters", category: "oms/safety" },
    Item { id: "OMS-56", name_uk: "Дані про місцезнаходження зарядних станцій для електричного транспорту", name_en: "Locations of EV charging stations", category: "oms/transport" },
    Item { id: "OMS-57", name_uk: "Дані про експлуатаційні характеристики будівель комунальних підприємств, установ (закладів) та організацій, в яких впроваджено системи енергетичного менеджменту.", name_en: "Operational characteristics of buildings of municipal enterprises/institutions with energy-management systems", category: "oms/energy" },
];

#[cfg(test)]
mod tests {
    #[test]
    fn list_is_complete_and_unique() {
        assert_eq!(super::ITEMS.len(), 73);
        let mut ids: Vec<&str> = super::ITEMS.iter().map(|i| i.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 73);
        assert!(super::find("OMS-57").is_some());
        assert!(super::find("OMS-58").is_none());
    }
}
