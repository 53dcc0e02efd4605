//! The publishers (розпорядники інформації) of the demo city: executive
//! bodies of the council, communal enterprises and institutions.
//!
//! EDRPOU codes are completed with their check digit from seven-digit
//! prefixes in the 4999xxxx range, which the state register has not reached,
//! so that no code belongs to a real legal entity.

use misto_core::PublisherKind;
use misto_core::codes::edrpou_complete;

use crate::{DOMAIN, DemoPublisher};

/// A publisher as the demo defines it, with the person responsible for its
/// open data (who becomes the maintainer of its datasets).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PublisherSeed {
    pub name: &'static str,
    pub title: &'static str,
    pub title_en: &'static str,
    pub short: &'static str,
    pub kind: PublisherKind,
    pub prefix: &'static str,
    pub mailbox: &'static str,
    pub phone: &'static str,
    pub address: &'static str,
    pub about: &'static str,
    /// The responsible person: full name and mailbox.
    pub contact: (&'static str, &'static str),
}

impl PublisherSeed {
    pub(crate) fn edrpou(&self) -> String {
        edrpou_complete(self.prefix).expect("a seven-digit prefix")
    }
    pub(crate) fn email(&self) -> String {
        format!("{}@{DOMAIN}", self.mailbox)
    }
    pub(crate) fn website(&self) -> String {
        format!("https://{DOMAIN}/{}", self.mailbox)
    }
    pub(crate) fn contact_email(&self) -> String {
        format!("{}@{DOMAIN}", self.contact.1)
    }
}

use PublisherKind::{CommunalEnterprise as Kp, ExecutiveBody as Exec, Institution as Inst};

macro_rules! seed {
    ($name:literal, $title:literal, $en:literal, $short:literal, $kind:expr, $prefix:literal,
     $mailbox:literal, $phone:literal, $address:literal, $about:literal, $contact:literal, $cmail:literal) => {
        PublisherSeed {
            name: $name,
            title: $title,
            title_en: $en,
            short: $short,
            kind: $kind,
            prefix: $prefix,
            mailbox: $mailbox,
            phone: $phone,
            address: $address,
            about: $about,
            contact: ($contact, $cmail),
        }
    };
}

pub(crate) const PUBLISHERS: &[PublisherSeed] = &[
    seed!(
        "aparat-miskoi-rady",
        "Апарат Демо-міської ради та її виконавчого комітету",
        "Office of the Demo City Council and its Executive Committee",
        "Апарат ради",
        Exec,
        "4999101",
        "rada",
        "+380 47 000 10 01",
        "м. Демо-місто, вул. Соборна, 1",
        "Організаційне, правове та документальне забезпечення роботи міської ради, її виконавчого комітету та міського голови: рішення, сесії, депутати, петиції, звернення громадян.",
        "Гончаренко Світлана Дмитрівна",
        "s.honcharenko"
    ),
    seed!(
        "viddil-tsyfrovoi-transformatsii",
        "Відділ цифрової трансформації та відкритих даних",
        "Digital Transformation and Open Data Division",
        "Відділ цифрової трансформації",
        Exec,
        "4999102",
        "digital",
        "+380 47 000 10 15",
        "м. Демо-місто, вул. Соборна, 1",
        "Координує оприлюднення відкритих даних розпорядниками міста, веде реєстр наборів даних, проводить інформаційний аудит, розвиває електронні сервіси громади.",
        "Литвиненко Андрій Сергійович",
        "a.lytvynenko"
    ),
    seed!(
        "departament-finansiv",
        "Департамент фінансів Демо-міської ради",
        "Finance Department of the Demo City Council",
        "Департамент фінансів",
        Exec,
        "4999103",
        "finance",
        "+380 47 000 11 20",
        "м. Демо-місто, вул. Соборна, 3",
        "Складає проєкт бюджету Демо-міської територіальної громади, організовує його виконання, веде облік розпорядників бюджетних коштів і цільових програм.",
        "Коваленко Оксана Петрівна",
        "o.kovalenko"
    ),
    seed!(
        "departament-ekonomichnoho-rozvytku",
        "Департамент економічного розвитку та торгівлі",
        "Economic Development and Trade Department",
        "Департамент економіки",
        Exec,
        "4999104",
        "economy",
        "+380 47 000 11 45",
        "м. Демо-місто, просп. Незалежності, 20",
        "Регуляторна політика, розвиток підприємництва і торгівлі, інвестиції, тарифи на комунальні послуги, контроль за фінансовими планами комунальних підприємств.",
        "Савченко Ігор Васильович",
        "i.savchenko"
    ),
    seed!(
        "upravlinnia-komunalnoi-vlasnosti",
        "Управління комунальної власності та земельних відносин",
        "Municipal Property and Land Relations Department",
        "Управління комунальної власності",
        Exec,
        "4999105",
        "property",
        "+380 47 000 12 10",
        "м. Демо-місто, вул. Соборна, 3",
        "Облік і управління об'єктами комунальної власності, оренда майна, розпорядження землями громади, земельні торги.",
        "Мельник Тетяна Іванівна",
        "t.melnyk"
    ),
    seed!(
        "upravlinnia-osvity",
        "Управління освіти Демо-міської ради",
        "Education Department of the Demo City Council",
        "Управління освіти",
        Exec,
        "4999106",
        "osvita",
        "+380 47 000 13 00",
        "м. Демо-місто, вул. Університетська, 8",
        "Управління закладами дошкільної, загальної середньої та позашкільної освіти громади, електронна черга до садочків, території обслуговування шкіл.",
        "Ткаченко Ірина Володимирівна",
        "i.tkachenko"
    ),
    seed!(
        "upravlinnia-okhorony-zdorovia",
        "Управління охорони здоров'я Демо-міської ради",
        "Health Care Department of the Demo City Council",
        "Управління охорони здоров'я",
        Exec,
        "4999107",
        "health",
        "+380 47 000 13 40",
        "м. Демо-місто, вул. Лесі Українки, 5",
        "Організація медичної допомоги населенню, управління комунальними некомерційними підприємствами охорони здоров'я, закупівля обладнання та ліків.",
        "Руденко Наталія Сергіївна",
        "n.rudenko"
    ),
    seed!(
        "departament-zhkh",
        "Департамент житлово-комунального господарства",
        "Housing and Utilities Department",
        "Департамент ЖКГ",
        Exec,
        "4999108",
        "zhkh",
        "+380 47 000 14 00",
        "м. Демо-місто, вул. Героїв Майдану, 16",
        "Утримання житлового фонду, доріг і об'єктів благоустрою, квартирний облік, енергоменеджмент бюджетних будівель, контакт-центр міста 15-80.",
        "Бондаренко Віктор Миколайович",
        "v.bondarenko"
    ),
    seed!(
        "upravlinnia-transportu",
        "Управління транспорту та зв'язку",
        "Transport and Communications Department",
        "Управління транспорту",
        Exec,
        "4999109",
        "transport",
        "+380 47 000 14 50",
        "м. Демо-місто, вул. Вокзальна, 2",
        "Організація пасажирських перевезень, маршрутна мережа і розклади, паркування, інспекція з паркування, зарядна інфраструктура для електромобілів.",
        "Шевчук Марко Олегович",
        "m.shevchuk"
    ),
    seed!(
        "upravlinnia-mistobuduvannia",
        "Управління містобудування та архітектури",
        "Urban Planning and Architecture Department",
        "Управління містобудування",
        Exec,
        "4999110",
        "arch",
        "+380 47 000 15 10",
        "м. Демо-місто, вул. Соборна, 3",
        "Містобудівна документація, містобудівний кадастр, містобудівні умови та обмеження, будівельні паспорти, адресний реєстр, зовнішня реклама і тимчасові споруди.",
        "Кравчук Роман Юрійович",
        "r.kravchuk"
    ),
    seed!(
        "upravlinnia-sotsialnoho-zakhystu",
        "Управління соціального захисту населення",
        "Social Protection Department",
        "Управління соцзахисту",
        Exec,
        "4999111",
        "social",
        "+380 47 000 15 60",
        "м. Демо-місто, вул. Івана Франка, 24",
        "Соціальні виплати та пільги, підтримка осіб з інвалідністю, ветеранів і внутрішньо переміщених осіб, моніторинг безбар'єрності.",
        "Поліщук Людмила Василівна",
        "l.polishchuk"
    ),
    seed!(
        "viddil-kultury",
        "Відділ культури Демо-міської ради",
        "Culture Division of the Demo City Council",
        "Відділ культури",
        Exec,
        "4999112",
        "culture",
        "+380 47 000 16 00",
        "м. Демо-місто, вул. Паркова, 2",
        "Палац культури, міський краєзнавчий музей, школи мистецтв і бібліотеки громади; культурно-мистецькі заходи та охорона культурної спадщини.",
        "Левченко Анна Тарасівна",
        "a.levchenko"
    ),
    seed!(
        "sluzhba-u-spravakh-ditei",
        "Служба у справах дітей Демо-міської ради",
        "Children's Affairs Service of the Demo City Council",
        "Служба у справах дітей",
        Exec,
        "4999113",
        "children",
        "+380 47 000 16 30",
        "м. Демо-місто, вул. Садова, 7",
        "Захист прав дітей, опіка і піклування, усиновлення, влаштування дітей-сиріт та дітей, позбавлених батьківського піклування, у сімейні форми виховання.",
        "Романюк Галина Юріївна",
        "h.romaniuk"
    ),
    seed!(
        "tsnap",
        "Центр надання адміністративних послуг",
        "Administrative Services Centre",
        "ЦНАП",
        Exec,
        "4999114",
        "cnap",
        "+380 47 000 17 00",
        "м. Демо-місто, просп. Незалежності, 12",
        "Понад 250 адміністративних послуг в одному місці: реєстрація місця проживання, паспорти, реєстрація бізнесу і нерухомості, соціальні послуги.",
        "Петренко Юлія Петрівна",
        "y.petrenko"
    ),
    seed!(
        "upravlinnia-tsyvilnoho-zakhystu",
        "Управління з питань надзвичайних ситуацій та цивільного захисту населення",
        "Emergencies and Civil Protection Department",
        "Управління цивільного захисту",
        Exec,
        "4999115",
        "dsns",
        "+380 47 000 17 50",
        "м. Демо-місто, вул. Козацька, 9",
        "Захисні споруди цивільного захисту, оповіщення населення, система міського відеоспостереження, пункти незламності.",
        "Клименко Олег Дмитрович",
        "o.klymenko"
    ),
    seed!(
        "kp-miskvodokanal",
        "Комунальне підприємство «Міськводоканал» Демо-міської ради",
        "Municipal Enterprise \"Miskvodokanal\" (water supply and sewerage)",
        "КП «Міськводоканал»",
        Kp,
        "4999116",
        "vodokanal",
        "+380 47 000 18 00",
        "м. Демо-місто, вул. Дніпровська, 40",
        "Централізоване водопостачання та водовідведення Демо-міста, аварійно-диспетчерська служба водоканалу.",
        "Марченко Сергій Олександрович",
        "s.marchenko"
    ),
    seed!(
        "kp-miskelektrotrans",
        "Комунальне підприємство «Міськелектротранс»",
        "Municipal Enterprise \"Miskelektrotrans\" (trams and trolleybuses)",
        "КП «Міськелектротранс»",
        Kp,
        "4999117",
        "elektrotrans",
        "+380 47 000 18 40",
        "м. Демо-місто, вул. Залізнична, 3",
        "Перевезення пасажирів трамваями та тролейбусами, диспетчерська система GPS-моніторингу міського транспорту.",
        "Харченко Дмитро Іванович",
        "d.kharchenko"
    ),
    seed!(
        "kp-spetskomuntrans",
        "Комунальне підприємство «Спецкомунтранс»",
        "Municipal Enterprise \"Spetskomuntrans\" (waste management)",
        "КП «Спецкомунтранс»",
        Kp,
        "4999118",
        "spetskomuntrans",
        "+380 47 000 18 70",
        "м. Демо-місто, вул. Промислова, 15",
        "Збирання та вивезення побутових відходів, роздільне збирання, полігон твердих побутових відходів, спецтехніка для прибирання міста.",
        "Гнатюк Василь Петрович",
        "v.hnatiuk"
    ),
    seed!(
        "kp-zelenbud",
        "Комунальне підприємство «Зеленбуд»",
        "Municipal Enterprise \"Zelenbud\" (parks and greenery)",
        "КП «Зеленбуд»",
        Kp,
        "4999119",
        "zelenbud",
        "+380 47 000 19 00",
        "м. Демо-місто, вул. Лісова, 2",
        "Утримання парків, скверів і зелених насаджень, дитячих і спортивних майданчиків, майданчиків для вигулу тварин.",
        "Кушнір Оксана Андріївна",
        "o.kushnir"
    ),
    seed!(
        "tsentralna-miska-biblioteka",
        "Центральна міська бібліотека імені Лесі Українки",
        "Lesya Ukrainka Central City Library",
        "Центральна міська бібліотека",
        Inst,
        "4999120",
        "library",
        "+380 47 000 19 30",
        "м. Демо-місто, вул. Лесі Українки, 14",
        "Центральна бібліотека та шість бібліотек-філій громади: книжкові фонди, коворкінг, цифрові сервіси, пункт незламності.",
        "Костенко Марія Михайлівна",
        "m.kostenko"
    ),
    seed!(
        "knp-tsentr-pmsd",
        "КНП «Центр первинної медико-санітарної допомоги» Демо-міської ради",
        "Primary Health Care Centre of the Demo City Council",
        "Центр ПМСД",
        Inst,
        "4999121",
        "pmsd",
        "+380 47 000 19 60",
        "м. Демо-місто, вул. Шевченка, 45",
        "Первинна медична допомога: сімейні лікарі, терапевти і педіатри в восьми амбулаторіях загальної практики – сімейної медицини.",
        "Юрченко Катерина Богданівна",
        "k.yurchenko"
    ),
];

pub(crate) fn seed(name: &str) -> &'static PublisherSeed {
    PUBLISHERS
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no publisher {name}"))
}

pub(crate) fn publishers() -> Vec<DemoPublisher> {
    PUBLISHERS
        .iter()
        .map(|p| DemoPublisher {
            name: p.name.to_string(),
            title: p.title.to_string(),
            title_en: p.title_en.to_string(),
            description: p.about.to_string(),
            edrpou: p.edrpou(),
            kind: p.kind,
            email: p.email(),
            phone: p.phone.to_string(),
            website: p.website(),
            address: p.address.to_string(),
        })
        .collect()
}
