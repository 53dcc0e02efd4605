//! National identifiers: EDRPOU (ЄДРПОУ, 8 digits with a check digit) and
//! KATOTTG (КАТОТТГ, the codifier of administrative-territorial units).

/// Returns true when `code` is eight ASCII digits whose last digit is the
/// EDRPOU check digit of the first seven.
pub fn edrpou_is_valid(code: &str) -> bool {
    if code.len() != 8 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let digits: Vec<u32> = code.bytes().map(|b| u32::from(b - b'0')).collect();
    edrpou_check_digit(&digits[..7]) == Some(digits[7])
}

/// The check digit for the first seven digits of an EDRPOU code, following the
/// State Statistics Service algorithm: weights 1..7 (or 7,1..6 for codes
/// between 30000000 and 60000000), modulo 11; a remainder of 10 retries with
/// weights raised by 2, and a second 10 gives 0.
pub fn edrpou_check_digit(first7: &[u32]) -> Option<u32> {
    if first7.len() != 7 || first7.iter().any(|d| *d > 9) {
        return None;
    }
    let value = first7.iter().fold(0u32, |acc, d| acc * 10 + d) * 10;
    let weights: [u32; 7] = if !(30_000_000..=60_000_000).contains(&value) {
        [1, 2, 3, 4, 5, 6, 7]
    } else {
        [7, 1, 2, 3, 4, 5, 6]
    };
    let sum = |extra: u32| -> u32 {
        first7
            .iter()
            .zip(weights.iter())
            .map(|(d, w)| d * (w + extra))
            .sum::<u32>()
            % 11
    };
    let mut check = sum(0);
    if check == 10 {
        check = sum(2);
        if check == 10 {
            check = 0;
        }
    }
    Some(check)
}

/// Completes a seven-digit prefix into a valid EDRPOU code.
pub fn edrpou_complete(first7: &str) -> Option<String> {
    if first7.len() != 7 || !first7.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits: Vec<u32> = first7.bytes().map(|b| u32::from(b - b'0')).collect();
    edrpou_check_digit(&digits).map(|c| format!("{first7}{c}"))
}

/// A KATOTTG code is `UA` followed by 17 digits (e.g. `UA80000000000093317`).
pub fn katottg_is_well_formed(code: &str) -> bool {
    code.len() == 19
        && code.starts_with("UA")
        && code.as_bytes()[2..].iter().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edrpou_known_codes() {
        // Real codes of public bodies.
        for code in ["00022473", "26255795", "04011686", "37508596", "43220851"] {
            assert!(edrpou_is_valid(code), "{code} should be valid");
        }
        for code in ["00022474", "2625579", "abcdefgh", "262557950", ""] {
            assert!(!edrpou_is_valid(code), "{code} should be invalid");
        }
    }

    #[test]
    fn edrpou_complete_roundtrip() {
        for prefix in ["0402214", "3750859", "4322085", "1234567", "3000000"] {
            let code = edrpou_complete(prefix).expect("complete");
            assert!(edrpou_is_valid(&code), "{code}");
        }
    }

    #[test]
    fn katottg_forms() {
        assert!(katottg_is_well_formed("UA80000000000093317"));
        assert!(!katottg_is_well_formed("UA8000000000009331"));
        assert!(!katottg_is_well_formed("8000000000009331700"));
    }
}
