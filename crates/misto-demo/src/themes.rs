//! The 12 categories (groups) of data.gov.ua, with its slugs and titles.

use crate::DemoTheme;

pub(crate) const THEMES: [(&str, &str, &str); 12] = [
    ("derzhava", "Держава", "State"),
    (
        "podatky",
        "Державні доходи і видатки",
        "Public revenue and expenditure",
    ),
    ("ekonomika", "Економіка та бізнес", "Economy and business"),
    ("energetyka", "Енергетика", "Energy"),
    (
        "transport",
        "Інфраструктура і транспорт",
        "Infrastructure and transport",
    ),
    ("ekolohiia", "Навколишнє середовище", "Environment"),
    (
        "molod-i-sport",
        "Освіта, культура, спорт",
        "Education, culture and sport",
    ),
    ("okhorona-zdorovia", "Охорона здоров'я", "Health"),
    (
        "rehionalnyi-rozvytok",
        "Регіональний розвиток",
        "Regional development",
    ),
    ("sotsialnyi-zakhyst", "Суспільство", "Society"),
    ("finansy", "Фінанси", "Finance"),
    (
        "iustytsiia",
        "Юстиція та судочинство",
        "Justice and the courts",
    ),
];

pub(crate) fn themes() -> Vec<DemoTheme> {
    THEMES
        .iter()
        .map(|&(name, title, title_en)| DemoTheme {
            name: name.to_string(),
            title: title.to_string(),
            title_en: title_en.to_string(),
        })
        .collect()
}
