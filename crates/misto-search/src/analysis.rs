//! Text analysis shared by indexing and querying: lowercasing, word
//! splitting, a few stop words, and light stemmers for Ukrainian and English.
//!
//! The goal is recall for the word forms people type into a city portal's
//! search box (`бюджет` finds `бюджетні`, `школа` finds `шкіл`), not
//! linguistic accuracy. The same analysis runs on documents and queries, so a
//! stem only has to be *consistent* across the forms of a word, not a real
//! root.

/// Longest token kept; longer ones (hashes, base64, glued URLs) are dropped.
pub const MAX_TOKEN_CHARS: usize = 40;

/// Shortest stem a suffix may leave behind.
const MIN_STEM: usize = 3;

/// Words so common in titles and descriptions that requiring them would only
/// lose results (`бюджет на 2024` should find a title without `на`).
#[rustfmt::skip]
const STOP_WORDS: &[&str] = &[
    // Ukrainian conjunctions and prepositions.
    "і", "й", "та", "в", "у", "на", "з", "із", "зі", "зо", "до", "по", "за", "від", "для", "що",
    "як", "а", "але", "або", "чи", "це", "про", "при", "о", "об", "під", "над", "через",
    // English.
    "the", "a", "an", "of", "and", "or", "in", "on", "for", "to", "by", "with", "at", "from", "is",
    "are",
];

/// Ukrainian inflectional endings (nouns and adjectives), longest first.
#[rustfmt::skip]
const UK_ENDINGS: &[&str] = &[
    "ього", "ьому", "ами", "ями", "ого", "ому", "ими", "іми", "ові", "еві", "єві", "ьою", "ьої",
    "ий", "ій", "ом", "ем", "єм", "ам", "ям", "ах", "ях", "им", "ім", "их", "іх", "ів", "їв", "ою",
    "ею", "єю", "ої", "а", "я", "о", "е", "є", "у", "ю", "і", "ї", "и", "ь", "й",
];

/// Ukrainian derivational suffixes that turn a noun into an adjective
/// (`бюджет` → `бюджетн-ий`, `житл-о` → `житлов-ий`, `київ` → `київськ-ий`).
const UK_DERIVATIONAL: &[&str] = &["ськ", "цьк", "зьк", "ов", "ев", "єв", "н"];

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | 'ʼ' | '’' | '`' | '‘')
}

fn is_cyrillic(c: char) -> bool {
    ('\u{0400}'..='\u{04FF}').contains(&c)
}

/// Calls `f` with every index term of `text`, in order, duplicates included.
pub fn for_each_term(text: &str, f: impl FnMut(&str)) {
    for_each_term_in(&mut TermBuffers::default(), text, f);
}

/// The working buffers of [`for_each_term_in`]: kept by a caller that
/// analyses many values (a table's cells), so that each value costs no
/// allocation.
#[derive(Debug, Default)]
pub struct TermBuffers {
    word: Vec<char>,
    out: String,
}

/// [`for_each_term`] with the caller's buffers.
pub fn for_each_term_in(buffers: &mut TermBuffers, text: &str, mut f: impl FnMut(&str)) {
    let TermBuffers { word, out } = buffers;
    word.clear();
    let mut chars = text.chars();
    loop {
        let c = chars.next();
        match c {
            Some(c) if is_apostrophe(c) => {}
            Some(c) if c.is_alphanumeric() => {
                if c.is_ascii() {
                    word.push(c.to_ascii_lowercase());
                } else {
                    for lc in c.to_lowercase() {
                        word.push(if lc == 'ё' { 'е' } else { lc });
                    }
                }
            }
            _ => {
                if !word.is_empty() {
                    if term_of_word(word, out) {
                        f(out);
                    }
                    word.clear();
                }
                if c.is_none() {
                    break;
                }
            }
        }
    }
}

/// The index terms of `text`, in order.
pub fn analyze(text: &str) -> Vec<String> {
    let mut v = Vec::new();
    for_each_term(text, |t| v.push(t.to_owned()));
    v
}

/// Turns one lowercased word into its term in `out`; false when the word is
/// dropped (stop word or too long).
fn term_of_word(word: &mut Vec<char>, out: &mut String) -> bool {
    out.clear();
    if word.len() > MAX_TOKEN_CHARS {
        return false;
    }
    if word.len() <= 5 {
        out.extend(word.iter());
        if STOP_WORDS.contains(&out.as_str()) {
            return false;
        }
    }
    if word.iter().any(|c| is_cyrillic(*c)) {
        stem_uk(word);
    } else if word.iter().all(char::is_ascii_alphabetic) {
        stem_en(word);
    }
    out.clear();
    out.extend(word.iter());
    true
}

fn ends_with(w: &[char], suffix: &str) -> bool {
    let n = suffix.chars().count();
    w.len() >= n && w[w.len() - n..].iter().copied().eq(suffix.chars())
}

/// Strips the first suffix of `list` that `w` ends with and that leaves at
/// least [`MIN_STEM`] characters.
fn strip_one(w: &mut Vec<char>, list: &[&str]) -> bool {
    for s in list {
        let n = s.chars().count();
        if w.len() >= n + MIN_STEM && ends_with(w, s) {
            w.truncate(w.len() - n);
            return true;
        }
    }
    false
}

fn is_uk_vowel(c: char) -> bool {
    matches!(c, 'а' | 'е' | 'є' | 'и' | 'і' | 'ї' | 'о' | 'у' | 'ю' | 'я')
}

/// The і/о and ї/є alternation of a closed last syllable (`шкіл` / `школа`,
/// `київ` / `києва`): the last vowel, when followed by a consonant, becomes
/// the vowel of the open forms.
fn alternate(w: &mut [char]) {
    if w.len() < MIN_STEM {
        return;
    }
    if let Some(i) = w.iter().rposition(|c| is_uk_vowel(*c))
        && i + 1 < w.len()
    {
        match w[i] {
            'і' => w[i] = 'о',
            'ї' => w[i] = 'є',
            _ => {}
        }
    }
}

/// A light Ukrainian stemmer: inflectional ending, vowel alternation,
/// adjective-forming suffixes, soft sign, alternation again.
pub(crate) fn stem_uk(w: &mut Vec<char>) {
    strip_one(w, UK_ENDINGS);
    alternate(w);
    while strip_one(w, UK_DERIVATIONAL) {}
    if w.len() > MIN_STEM && w.last() == Some(&'ь') {
        w.pop();
    }
    alternate(w);
}

fn is_en_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
}

/// A light English stemmer: plurals, `-ing`, `-ed`, final `-e`.
pub(crate) fn stem_en(w: &mut Vec<char>) {
    if w.len() <= 3 {
        return;
    }
    if w.len() > 4 && ends_with(w, "ies") {
        w.truncate(w.len() - 3);
        w.push('y');
    } else if ends_with(w, "sses")
        || ends_with(w, "xes")
        || ends_with(w, "zes")
        || ends_with(w, "ches")
        || ends_with(w, "shes")
    {
        w.truncate(w.len() - 2);
    } else if ends_with(w, "ss") || ends_with(w, "us") || ends_with(w, "is") {
    } else if w.last() == Some(&'s') {
        w.pop();
    }
    for suffix in ["ing", "ed"] {
        let n = suffix.len();
        if w.len() >= n + MIN_STEM
            && ends_with(w, suffix)
            && w[..w.len() - n].iter().any(|c| is_en_vowel(*c))
        {
            w.truncate(w.len() - n);
            let k = w.len();
            if k >= 2 && w[k - 1] == w[k - 2] && !is_en_vowel(w[k - 1]) && !"lsz".contains(w[k - 1])
            {
                w.pop();
            }
            break;
        }
    }
    if w.len() > MIN_STEM && w.last() == Some(&'e') {
        w.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &[&str]) {
        assert_eq!(analyze(input), expected, "analyze({input:?})");
    }

    #[test]
    fn tokenizer_table() {
        let cases: &[(&str, &[&str])] = &[
            ("", &[]),
            ("  ,.;  ", &[]),
            ("Бюджет міста 2024", &["бюджет", "мост", "2024"]),
            ("COVID-19", &["covid", "19"]),
            ("biudzhet-mista_2024", &["biudzhet", "mista", "2024"]),
            // Apostrophes of every kind join the word and are dropped.
            ("Сім'я", &["сом"]),
            ("сімʼя", &["сом"]),
            ("сім’я", &["сом"]),
            ("сім`я", &["сом"]),
            ("сім'ї", &["сом"]),
            // Stop words go; ё folds to е.
            (
                "Дані про бюджет на 2024 рік",
                &["дан", "бюджет", "2024", "рок"],
            ),
            ("the list of schools", &["list", "school"]),
            ("ёлка", &["елк"]),
            // Over-long tokens are dropped.
            (
                "a0b1c2d3e4f5a0b1c2d3e4f5a0b1c2d3e4f5a0b1c2d3e4f5 ok",
                &["ok"],
            ),
        ];
        for (input, expected) in cases {
            check(input, expected);
        }
    }

    /// Every word of a group must analyze to the same single term.
    fn same_stem(words: &[&str]) {
        let first = analyze(words[0]);
        assert_eq!(first.len(), 1, "{:?} → {first:?}", words[0]);
        for w in &words[1..] {
            assert_eq!(analyze(w), first, "{w:?} should stem like {:?}", words[0]);
        }
    }

    #[test]
    fn ukrainian_word_forms() {
        let groups: &[&[&str]] = &[
            &[
                "бюджет",
                "бюджету",
                "бюджетом",
                "бюджетні",
                "бюджетний",
                "бюджетних",
                "Бюджетові",
            ],
            &[
                "школа",
                "школи",
                "школах",
                "школам",
                "шкіл",
                "школою",
                "шкільний",
                "шкільних",
            ],
            &[
                "транспорт",
                "транспортний",
                "транспорту",
                "транспортні",
                "транспортом",
            ],
            &["житло", "житловий", "житлового", "житлових", "житлові"],
            &[
                "вулиця",
                "вулиці",
                "вулиць",
                "вулицями",
                "вулицю",
                "вулицях",
            ],
            &["дитячі", "дитячих", "дитячий", "дитячого"],
            &[
                "освіта",
                "освіти",
                "освітні",
                "освітній",
                "освіту",
                "освітніх",
            ],
            &["дані", "даних", "даними"],
            &["місто", "міста", "місті", "містом"],
            &["рік", "року", "роки", "років"],
            &["київ", "києва", "києві", "київський", "київська"],
            &["львів", "львова", "львівський"],
            &["ліс", "лісу", "лісовий"],
            &["оновлення", "оновлений", "оновленого"],
            &["водопостачання", "водопостачанню", "водопостачанням"],
        ];
        for g in groups {
            same_stem(g);
        }
    }

    #[test]
    fn english_word_forms() {
        let groups: &[&[&str]] = &[
            &["school", "schools"],
            &["budget", "budgets", "budgeted", "budgeting"],
            &["city", "cities"],
            &["park", "parks", "parking", "parked"],
            &["update", "updates", "updated", "updating"],
            &["plan", "plans", "planning", "planned"],
            &["box", "boxes"],
            &["watch", "watches"],
            &["license", "licenses", "licensed"],
        ];
        for g in groups {
            same_stem(g);
        }
    }

    #[test]
    fn stem_table() {
        let cases = [
            ("бюджетних", "бюджет"),
            ("школах", "школ"),
            ("шкіл", "школ"),
            ("житлових", "житл"),
            ("вулиць", "вулиц"),
            ("дитячих", "дитяч"),
            ("освітні", "освот"),
            ("транспортний", "транспорт"),
            ("status", "status"),
            ("analysis", "analysis"),
            ("class", "class"),
            ("bus", "bus"),
            ("data", "data"),
            ("csv", "csv"),
            ("2024", "2024"),
            ("covid19", "covid19"),
        ];
        for (input, expected) in cases {
            check(input, &[expected]);
        }
    }

    #[test]
    fn short_words_do_not_collapse() {
        // Stems never get shorter than three characters.
        let cases = [
            ("дім", "дом"),
            ("дах", "дах"),
            ("ціна", "цон"),
            ("ціни", "цон"),
            ("мова", "мов"),
        ];
        for (input, expected) in cases {
            check(input, &[expected]);
        }
        for w in [
            "школа",
            "вулиця",
            "бюджет",
            "дані",
            "ринок",
            "план",
            "рада",
            "ради",
            "сад",
        ] {
            for t in analyze(w) {
                assert!(t.chars().count() >= 3, "{w} → {t}");
            }
        }
        // Distinct short words stay distinct.
        assert_ne!(analyze("рада"), analyze("ряд"));
        assert_ne!(analyze("сад"), analyze("сало"));
    }
}
