//! Text encodings: byte order marks, UTF-8, and a guess among legacy
//! encodings (windows-1251 above all) for files that are not UTF-8.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1251};

/// Text decoded from a file, with what was found about its encoding.
#[derive(Debug, Clone)]
pub struct Decoded<'a> {
    pub text: Cow<'a, str>,
    /// WHATWG name: `UTF-8`, `UTF-16LE`, `UTF-16BE`, `windows-1251`, ...
    pub encoding: &'static str,
    /// Whether the file started with a byte order mark (removed from `text`).
    pub bom: bool,
    /// Whether the encoding was guessed (no BOM, not valid UTF-8).
    pub guessed: bool,
    /// Number of byte sequences that were not valid in the encoding and became
    /// U+FFFD.
    pub replacements: usize,
}

/// Decodes `bytes`: a BOM wins; then valid UTF-8; then `chardetng`'s guess
/// for a Ukrainian (`.ua`) file, which in practice means windows-1251 (or
/// KOI8-U / IBM866 for old files). Never fails: bytes that do not fit become
/// U+FFFD and are counted.
pub fn decode(bytes: &[u8]) -> Decoded<'_> {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let body = &bytes[bom_len..];
        return finish(enc, body, true, false);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Decoded {
            text: Cow::Borrowed(text),
            encoding: UTF_8.name(),
            bom: false,
            guessed: false,
            replacements: 0,
        };
    }
    let enc = guess_legacy(bytes);
    finish(enc, bytes, false, true)
}

/// Bytes of a file the legacy-encoding guess looks at.
pub(crate) const GUESS_SAMPLE: usize = 256 * 1024;

fn guess_legacy(bytes: &[u8]) -> &'static Encoding {
    // Enough text for a confident guess; the detector is linear anyway.
    let sample = &bytes[..bytes.len().min(GUESS_SAMPLE)];
    guess_legacy_sample(sample, sample.len() == bytes.len())
}

/// The legacy encoding of a file from its first [`GUESS_SAMPLE`] bytes
/// (`whole`: the sample is the whole file).
pub(crate) fn guess_legacy_sample(sample: &[u8], whole: bool) -> &'static Encoding {
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(sample, whole);
    let enc = det.guess(Some(b"ua"), chardetng::Utf8Detection::Deny);
    if enc == UTF_16BE || enc == UTF_16LE {
        WINDOWS_1251
    } else {
        enc
    }
}

fn finish<'a>(enc: &'static Encoding, body: &'a [u8], bom: bool, guessed: bool) -> Decoded<'a> {
    let (text, had_errors) = enc.decode_without_bom_handling(body);
    let replacements = if had_errors {
        text.chars().filter(|c| *c == '\u{fffd}').count()
    } else {
        0
    };
    Decoded {
        text,
        encoding: enc.name(),
        bom,
        guessed,
        replacements,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        let text = "Назва;Сума\nШкола №1;12,5\nДитячий садок «Сонечко»;3\n";
        let (cp1251, _, _) = WINDOWS_1251.encode(text);
        let mut bom8 = vec![0xEF, 0xBB, 0xBF];
        bom8.extend_from_slice(text.as_bytes());
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for u in text.encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
            be.extend_from_slice(&u.to_be_bytes());
        }
        let cases: Vec<(&[u8], &str, bool, bool)> = vec![
            (text.as_bytes(), "UTF-8", false, false),
            (&bom8, "UTF-8", true, false),
            (&le, "UTF-16LE", true, false),
            (&be, "UTF-16BE", true, false),
            (&cp1251, "windows-1251", false, true),
        ];
        for (bytes, enc, bom, guessed) in cases {
            let d = decode(bytes);
            assert_eq!(d.encoding, enc);
            assert_eq!(d.bom, bom, "{enc}");
            assert_eq!(d.guessed, guessed, "{enc}");
            assert_eq!(d.text, text, "{enc}");
            assert_eq!(d.replacements, 0);
        }
    }
}
