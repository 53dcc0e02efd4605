//! The 12 categories (groups) of data.gov.ua, as every install seeds them
//! (`misto_core::themes::NATIONAL_THEMES`).

use misto_core::themes::NATIONAL_THEMES;

use crate::DemoTheme;

pub(crate) fn themes() -> Vec<DemoTheme> {
    NATIONAL_THEMES
        .iter()
        .map(|&(name, title, title_en)| DemoTheme {
            name: name.to_string(),
            title: title.to_string(),
            title_en: title_en.to_string(),
        })
        .collect()
}
