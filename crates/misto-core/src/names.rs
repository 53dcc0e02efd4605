//! URL names (slugs) of datasets, publishers, themes and users, with CKAN's
//! rules: 2 to 100 characters of lowercase latin letters, digits, `-` and `_`.

pub fn is_valid_name(s: &str) -> bool {
    (2..=100).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// A tag may hold letters of any script, digits, spaces and `-_.`, 1 to 100 characters.
pub fn is_valid_tag(s: &str) -> bool {
    let n = s.chars().count();
    (1..=100).contains(&n)
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | '\'' | 'ʼ' | '’'))
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
    fn transliteration() {
        assert_eq!(slugify("Бюджет міста 2024"), "biudzhet-mista-2024");
        assert_eq!(
            slugify("Житомир, Юрій — Їжакевич"),
            "zhytomyr-yurii-yizhakevych"
        );
        assert_eq!(slugify("Знам'янка"), "znamianka");
    }
}
