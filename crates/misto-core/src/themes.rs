//! The 12 categories of data.gov.ua, seeded as themes (CKAN groups) in every
//! install: (slug, Ukrainian title, English title).

pub const NATIONAL_THEMES: [(&str, &str, &str); 12] = [
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
        "Education, culture, sport",
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
        "Justice and legal system",
    ),
];
