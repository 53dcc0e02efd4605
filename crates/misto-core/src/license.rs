//! Licences: CKAN's default list (same ids, titles and URLs, so clients that
//! match on them keep working) plus Creative Commons Attribution 4.0, the
//! default for Ukrainian open data.

use serde::Serialize;

/// The licence given to a dataset when none is chosen.
pub const DEFAULT_LICENSE_ID: &str = "cc-by-4.0";

#[derive(Debug, Clone, Serialize)]
pub struct License {
    pub id: &'static str,
    pub title: &'static str,
    /// Ukrainian title shown in the UI.
    pub title_uk: &'static str,
    pub url: &'static str,
    pub od_conformance: &'static str,
    pub osd_conformance: &'static str,
    pub family: &'static str,
    pub maintainer: &'static str,
    pub status: &'static str,
    pub is_generic: bool,
    pub domain_content: bool,
    pub domain_data: bool,
    pub domain_software: bool,
}

impl License {
    /// CKAN's `isopen`: the licence conforms to the Open Definition.
    pub fn is_open(&self) -> bool {
        self.od_conformance == "approved" || self.osd_conformance == "approved"
    }
}

const fn lic(
    id: &'static str,
    title: &'static str,
    title_uk: &'static str,
    url: &'static str,
    od: &'static str,
    generic: bool,
    (content, data, software): (bool, bool, bool),
) -> License {
    License {
        id,
        title,
        title_uk,
        url,
        od_conformance: od,
        osd_conformance: "not reviewed",
        family: "",
        maintainer: "",
        status: "active",
        is_generic: generic,
        domain_content: content,
        domain_data: data,
        domain_software: software,
    }
}

static LICENSES: [License; 16] = [
    lic(
        "cc-by-4.0",
        "Creative Commons Attribution 4.0",
        "Creative Commons Із Зазначенням Авторства 4.0",
        "https://creativecommons.org/licenses/by/4.0/",
        "approved",
        false,
        (true, true, false),
    ),
    lic(
        "notspecified",
        "License not specified",
        "Ліцензію не вказано",
        "",
        "not reviewed",
        true,
        (false, false, false),
    ),
    lic(
        "odc-pddl",
        "Open Data Commons Public Domain Dedication and License (PDDL)",
        "Open Data Commons PDDL (суспільне надбання)",
        "http://www.opendefinition.org/licenses/odc-pddl",
        "approved",
        false,
        (false, true, false),
    ),
    lic(
        "odc-odbl",
        "Open Data Commons Open Database License (ODbL)",
        "Open Data Commons ODbL",
        "http://www.opendefinition.org/licenses/odc-odbl",
        "approved",
        false,
        (false, true, false),
    ),
    lic(
        "odc-by",
        "Open Data Commons Attribution License",
        "Open Data Commons Із Зазначенням Авторства",
        "http://www.opendefinition.org/licenses/odc-by",
        "approved",
        false,
        (false, true, false),
    ),
    lic(
        "cc-zero",
        "Creative Commons CCZero",
        "Creative Commons CC0",
        "http://www.opendefinition.org/licenses/cc-zero",
        "approved",
        false,
        (true, true, false),
    ),
    lic(
        "cc-by",
        "Creative Commons Attribution",
        "Creative Commons Із Зазначенням Авторства",
        "http://www.opendefinition.org/licenses/cc-by",
        "approved",
        false,
        (true, false, false),
    ),
    lic(
        "cc-by-sa",
        "Creative Commons Attribution Share-Alike",
        "Creative Commons Із Зазначенням Авторства — Поширення На Тих Самих Умовах",
        "http://www.opendefinition.org/licenses/cc-by-sa",
        "approved",
        false,
        (true, false, false),
    ),
    lic(
        "gfdl",
        "GNU Free Documentation License",
        "GNU Free Documentation License",
        "http://www.opendefinition.org/licenses/gfdl",
        "approved",
        false,
        (true, false, false),
    ),
    lic(
        "other-open",
        "Other (Open)",
        "Інша (відкрита)",
        "",
        "approved",
        true,
        (true, false, false),
    ),
    lic(
        "other-pd",
        "Other (Public Domain)",
        "Інша (суспільне надбання)",
        "",
        "approved",
        true,
        (true, false, false),
    ),
    lic(
        "other-at",
        "Other (Attribution)",
        "Інша (із зазначенням авторства)",
        "",
        "approved",
        true,
        (true, false, false),
    ),
    lic(
        "uk-ogl",
        "UK Open Government Licence (OGL)",
        "UK Open Government Licence (OGL)",
        "http://reference.data.gov.uk/id/open-government-licence",
        "approved",
        false,
        (true, false, false),
    ),
    lic(
        "cc-nc",
        "Creative Commons Non-Commercial (Any)",
        "Creative Commons Некомерційна",
        "http://creativecommons.org/licenses/by-nc/2.0/",
        "not reviewed",
        false,
        (true, false, false),
    ),
    lic(
        "other-nc",
        "Other (Non-Commercial)",
        "Інша (некомерційна)",
        "",
        "not reviewed",
        true,
        (true, false, false),
    ),
    lic(
        "other-closed",
        "Other (Not Open)",
        "Інша (не відкрита)",
        "",
        "not reviewed",
        true,
        (true, false, false),
    ),
];

pub fn all() -> &'static [License] {
    &LICENSES
}

pub fn find(id: &str) -> Option<&'static License> {
    LICENSES.iter().find(|l| l.id == id)
}

#[cfg(test)]
mod tests {
    #[test]
    fn default_is_listed_and_open() {
        let l = super::find(super::DEFAULT_LICENSE_ID).expect("default licence");
        assert!(l.is_open());
        assert!(!super::find("other-closed").unwrap().is_open());
        assert!(super::find("nope").is_none());
    }
}
