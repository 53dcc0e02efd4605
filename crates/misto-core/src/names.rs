//! URL names (slugs) of datasets, publishers, themes and users, with CKAN's
//! rules: 2 to 100 characters of lowercase latin letters, digits, `-` and `_`.

pub fn is_valid_name(s: &str) -> bool {
    (2..=100).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// The apostrophe Ukrainian orthography prescribes (U+02BC MODIFIER LETTER
/// APOSTROPHE). CKAN's tag rule accepts it as a letter.
pub const APOSTROPHE: char = 'ʼ';

/// Characters typed in place of [`APOSTROPHE`]: the ASCII apostrophe, the
/// right and left single quotation marks, the grave accent, the modifier
/// letters prime and turned comma, and the prime.
pub fn is_apostrophe_lookalike(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | '`' | 'ʹ' | 'ʻ' | '′')
}

/// Every apostrophe look-alike replaced by [`APOSTROPHE`].
pub fn normalize_apostrophes(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().any(is_apostrophe_lookalike) {
        s.chars()
            .map(|c| {
                if is_apostrophe_lookalike(c) {
                    APOSTROPHE
                } else {
                    c
                }
            })
            .collect::<String>()
            .into()
    } else {
        s.into()
    }
}

/// A tag as misto stores it: trimmed, apostrophes as [`APOSTROPHE`] (CKAN
/// rejects `'` and `’` in tags and accepts `ʼ`, so a tag written with any of
/// them is stored in the form CKAN clients and harvesters accept).
pub fn normalize_tag(s: &str) -> String {
    normalize_apostrophes(s.trim()).into_owned()
}

/// A tag may hold letters of any script (`ʼ` included), digits, spaces and
/// `-_.`, 1 to 100 characters, as CKAN's `tag_name_validator` (so not `'`
/// or `’`: [`normalize_tag`] turns them into `ʼ` first).
pub fn is_valid_tag(s: &str) -> bool {
    let n = s.chars().count();
    (1..=100).contains(&n)
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.'))
}

/// Whether `s` has the form of a UUID (8-4-4-4-12 hexadecimal digits), the
/// form of every id misto and CKAN make; a client that brings its own id
/// (a sysadmin loading a dump) must give one of this form.
pub fn is_uuid_like(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Turns a Ukrainian or English title into a URL name by the national
/// transliteration (Resolution No. 55 of 27.01.2010).
pub fn slugify(title: &str) -> String {
    let mut out = String::new();
    let mut prev_dash = true;
    let chars: Vec<char> = title.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let lower: String = c.to_lowercase().collect();
        let at_word_start =
            i == 0 || !(chars[i - 1].is_alphanumeric() || matches!(chars[i - 1], '\'' | 'ʼ' | '’'));
        let piece: &str = match lower.as_str() {
            "а" => "a",
            "б" => "b",
            "в" => "v",
            "г" => "h",
            "ґ" => "g",
            "д" => "d",
            "е" => "e",
            "є" => {
                if at_word_start {
                    "ye"
                } else {
                    "ie"
                }
            }
            "ж" => "zh",
            "з" => "z",
            "и" => "y",
            "і" => "i",
            "ї" => {
                if at_word_start {
                    "yi"
                } else {
                    "i"
                }
            }
            "й" => {
                if at_word_start {
                    "y"
                } else {
                    "i"
                }
            }
            "к" => "k",
            "л" => "l",
            "м" => "m",
            "н" => "n",
            "о" => "o",
            "п" => "p",
            "р" => "r",
            "с" => "s",
            "т" => "t",
            "у" => "u",
            "ф" => "f",
            "х" => "kh",
            "ц" => "ts",
            "ч" => "ch",
            "ш" => "sh",
            "щ" => "shch",
            "ь" => "",
            "ю" => {
                if at_word_start {
                    "yu"
                } else {
                    "iu"
                }
            }
            "я" => {
                if at_word_start {
                    "ya"
                } else {
                    "ia"
                }
            }
            "'" | "ʼ" | "’" => "",
            s if s.len() == 1 && s.as_bytes()[0].is_ascii_alphanumeric() => s,
            _ => "-",
        };
        if piece == "-" {
            if !prev_dash {
                out.push('-');
                prev_dash = true;
            }
        } else if !piece.is_empty() {
            out.push_str(piece);
            prev_dash = false;
        }
    }
    let trimmed = out.trim_matches('-');
    let mut s: String = trimmed.chars().take(90).collect();
    while s.ends_with('-') {
        s.pop();
    }
    if s.len() < 2 {
        s = format!("dataset-{s}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_valid_name("budget-2024"));
        assert!(!is_valid_name("Budget"));
        assert!(!is_valid_name("a"));
        assert!(!is_valid_name("бюджет"));
        assert!(is_valid_tag("бюджет міста"));
        assert!(!is_valid_tag("a,b"));
    }

    #[test]
    fn tags_take_the_ukrainian_apostrophe() {
        let cases = [
            ("здоров'я", "здоровʼя"),
            ("здоров’я", "здоровʼя"),
            ("здоровʼя", "здоровʼя"),
            ("  сім‘я ", "сімʼя"),
            ("м`ясо", "мʼясо"),
            ("бюджет", "бюджет"),
        ];
        for (given, stored) in cases {
            assert_eq!(normalize_tag(given), stored, "{given}");
            assert!(is_valid_tag(&normalize_tag(given)), "{given}");
        }
        // As CKAN: the ASCII apostrophe and U+2019 are not tag characters.
        assert!(!is_valid_tag("здоров'я"));
        assert!(!is_valid_tag("здоров’я"));
        assert!(is_valid_tag("здоровʼя"));
    }

    #[test]
    fn uuid_like_ids() {
        assert!(is_uuid_like("7f0c1a3e-5b1e-4c0a-9e0d-1b2c3d4e5f60"));
        assert!(is_uuid_like("7F0C1A3E-5B1E-4C0A-9E0D-1B2C3D4E5F60"));
        assert!(!is_uuid_like("7f0c1a3e5b1e4c0a9e0d1b2c3d4e5f60"));
        assert!(!is_uuid_like("7f0c1a3e-5b1e-4c0a-9e0d-1b2c3d4e5f6g"));
        assert!(!is_uuid_like("budget-2024"));
        assert!(!is_uuid_like(""));
    }

    #[test]
    fn transliteration() {
        assert_eq!(slugify("Бюджет міста 2024"), "biudzhet-mista-2024");
        assert_eq!(
            slugify("Житомир, Юрій — Їжакевич"),
            "zhytomyr-yurii-yizhakevych"
        );
        assert_eq!(slugify("Знам'янка"), "znamianka");
    }
}
