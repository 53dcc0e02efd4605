//! Site settings a sysadmin changes in the browser without a restart: the
//! city's name, description, logo, colours and contact address, and the
//! council's territory (KATOTTG code, place name, centre) that the DCAT-AP
//! and schema.org views give as spatial coverage.

use serde::{Deserialize, Serialize};

use crate::FieldErrors;

/// The portal's own look and contacts. Empty English texts fall back to the
/// Ukrainian ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct SiteSettings {
    pub title: String,
    pub title_en: String,
    pub description: String,
    pub description_en: String,
    /// Main colour of links and buttons, `#rrggbb`; empty for the default.
    pub primary_color: String,
    /// Highlight colour, `#rrggbb`; empty for the default.
    pub accent_color: String,
    /// Where residents write to the open-data team.
    pub contact_email: String,
    /// Blob key of the uploaded logo, with its media type.
    pub logo_key: Option<String>,
    pub logo_type: Option<String>,
    /// The council's territory as a KATOTTG code (`UA` and 17 digits);
    /// empty when not set.
    pub katottg: String,
    /// The name of that territory (`Житомирська міська територіальна
    /// громада`, or the city's name); empty when not set.
    pub place_name: String,
    /// The territory's centre in WGS 84 decimal degrees (`50.2547`,
    /// `28.6587`); both empty when not set.
    pub latitude: String,
    pub longitude: String,
}

/// A decimal number of degrees within `-limit..=limit` (a decimal comma is
/// accepted).
fn degrees(s: &str, limit: f64) -> Option<f64> {
    let v: f64 = s.trim().replace(',', ".").parse().ok()?;
    (v.is_finite() && v.abs() <= limit).then_some(v)
}

/// `#rrggbb` as three bytes.
pub fn parse_color(s: &str) -> Option<[u8; 3]> {
    let hex = s.strip_prefix('#')?;
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}

/// WCAG 2.1 relative luminance.
fn luminance([r, g, b]: [u8; 3]) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

/// WCAG contrast ratio of two colours (1 to 21).
pub fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

/// The colour darkened by `percent` (for hover states).
pub fn darken(c: [u8; 3], percent: u8) -> [u8; 3] {
    let f = f64::from(100 - percent.min(100)) / 100.0;
    c.map(|v| (f64::from(v) * f).round() as u8)
}

pub fn hex([r, g, b]: [u8; 3]) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Least contrast of text colours against white (WCAG AA for body text).
pub const MIN_CONTRAST: f64 = 4.5;

impl SiteSettings {
    /// Checks every field; messages name the field.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        if self.title.trim().is_empty() {
            errors.add("title", "Missing value");
        }
        for (field, value) in [("title", &self.title), ("title_en", &self.title_en)] {
            if value.chars().count() > 200 {
                errors.add(field, "Must be at most 200 characters");
            }
        }
        for (field, value) in [
            ("description", &self.description),
            ("description_en", &self.description_en),
        ] {
            if value.chars().count() > 2000 {
                errors.add(field, "Must be at most 2000 characters");
            }
        }
        if !self.primary_color.is_empty() {
            match parse_color(&self.primary_color) {
                None => errors.add("primary_color", "Must be a colour like #0b5394"),
                Some(c) if contrast(c, [255, 255, 255]) < MIN_CONTRAST => errors.add(
                    "primary_color",
                    "Too light: text in this colour on white must have a contrast of at least 4.5:1",
                ),
                Some(_) => {}
            }
        }
        if !self.accent_color.is_empty() && parse_color(&self.accent_color).is_none() {
            errors.add("accent_color", "Must be a colour like #ffd43b");
        }
        if !self.contact_email.is_empty() && !crate::validate::is_valid_email(&self.contact_email) {
            errors.add("contact_email", "Email address is not valid");
        }
        if !self.katottg.trim().is_empty()
            && !crate::codes::katottg_is_well_formed(self.katottg.trim())
        {
            errors.add("katottg", "KATOTTG code must be UA followed by 17 digits");
        }
        if self.place_name.chars().count() > 200 {
            errors.add("place_name", "Must be at most 200 characters");
        }
        let (lat, lon) = (self.latitude.trim(), self.longitude.trim());
        if !lat.is_empty() && degrees(lat, 90.0).is_none() {
            errors.add("latitude", "Must be a latitude in degrees, -90 to 90");
        }
        if !lon.is_empty() && degrees(lon, 180.0).is_none() {
            errors.add("longitude", "Must be a longitude in degrees, -180 to 180");
        }
        if lat.is_empty() != lon.is_empty() {
            let field = if lat.is_empty() {
                "latitude"
            } else {
                "longitude"
            };
            errors.add(
                field,
                "Give both the latitude and the longitude, or neither",
            );
        }
        errors.into_result()
    }

    /// The territory's centre as (longitude, latitude), when both are set
    /// and valid.
    pub fn centre(&self) -> Option<(f64, f64)> {
        Some((
            degrees(&self.longitude, 180.0)?,
            degrees(&self.latitude, 90.0)?,
        ))
    }

    /// The title in a language (`en` falls back to Ukrainian).
    pub fn title_in(&self, lang: &str) -> &str {
        if lang == "en" && !self.title_en.trim().is_empty() {
            &self.title_en
        } else {
            &self.title
        }
    }

    pub fn description_in(&self, lang: &str) -> &str {
        if lang == "en" && !self.description_en.trim().is_empty() {
            &self.description_en
        } else {
            &self.description
        }
    }

    /// The stylesheet that applies the colours (empty when both are default).
    pub fn theme_css(&self) -> String {
        let mut css = String::new();
        if let Some(c) = parse_color(&self.primary_color) {
            css.push_str(&format!(
                "--brand: {}; --brand-dark: {}; ",
                hex(c),
                hex(darken(c, 25))
            ));
        }
        if let Some(c) = parse_color(&self.accent_color) {
            css.push_str(&format!("--accent: {}; ", hex(c)));
        }
        if css.is_empty() {
            String::new()
        } else {
            format!(":root {{ {} }}\n", css.trim_end())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok() -> SiteSettings {
        SiteSettings {
            title: "Відкриті дані Житомира".into(),
            ..SiteSettings::default()
        }
    }

    #[test]
    fn colours_must_parse_and_keep_contrast() {
        let mut s = ok();
        s.primary_color = "#0b5394".into();
        s.accent_color = "#ffd43b".into();
        assert!(s.validate().is_ok());
        assert_eq!(
            s.theme_css(),
            ":root { --brand: #0b5394; --brand-dark: #083e6f; --accent: #ffd43b; }\n"
        );
        s.primary_color = "#ffff00".into();
        let e = s.validate().unwrap_err();
        assert!(e.0["primary_color"][0].contains("4.5:1"));
        s.primary_color = "blue".into();
        assert!(s.validate().unwrap_err().0.contains_key("primary_color"));
    }

    #[test]
    fn title_required_and_english_falls_back() {
        let mut s = ok();
        assert_eq!(s.title_in("en"), "Відкриті дані Житомира");
        s.title_en = "Zhytomyr open data".into();
        assert_eq!(s.title_in("en"), "Zhytomyr open data");
        s.title = " ".into();
        s.contact_email = "nope".into();
        let e = s.validate().unwrap_err();
        assert!(e.0.contains_key("title") && e.0.contains_key("contact_email"));
    }

    #[test]
    fn territory_code_and_centre() {
        let mut s = ok();
        assert_eq!(s.centre(), None);
        s.katottg = "UA18040470010071716".into();
        s.latitude = "50,2547".into();
        s.longitude = "28.6587".into();
        assert!(s.validate().is_ok());
        assert_eq!(s.centre(), Some((28.6587, 50.2547)));
        s.katottg = "UA1804".into();
        s.latitude = "91".into();
        s.longitude = String::new();
        let e = s.validate().unwrap_err();
        assert!(e.0.contains_key("katottg") && e.0.contains_key("latitude"));
        assert_eq!(s.centre(), None);
        s.latitude = String::new();
        s.longitude = "NaN".into();
        let e = s.validate().unwrap_err();
        assert!(e.0.contains_key("longitude") && e.0.contains_key("latitude"));
    }

    #[test]
    fn contrast_matches_wcag_examples() {
        assert!((contrast([0, 0, 0], [255, 255, 255]) - 21.0).abs() < 0.01);
        assert!((contrast([0x76, 0x76, 0x76], [255, 255, 255]) - 4.54).abs() < 0.01);
    }
}
