//! The rules for the ids of facts: which characters an id may not hold, and when two claim ids
//! are one claim. Facts files and populations both check their ids here, so the two can never
//! accept different ids.
//!
//! Input: a subject or claim id as given. Output: the problem with it (F0181, F0180), or the
//! place of an earlier claim with the same id (F0108). Guarantee: every rule is written once:
//! a character hidden or looking like a Latin letter is refused in every id; a subject id also
//! refuses the other characters that read as another; claim ids are compared in the compared
//! form of keys ([`crate::keys::key`]).

use std::collections::HashMap;

use crate::eval::facts::FactProblem;
use crate::problem::ProblemCode;

/// A character no reader can see, or a letter that looks like a Latin one: refused in every
/// id.
fn hidden_or_look_alike(c: char) -> bool {
    crate::eval::format::is_hidden(c) || crate::keys::looks_alike(c)
}

/// A character of a subject id that readers take for another one (see
/// [`subject_id_problem`]).
fn reads_as_another(c: char) -> bool {
    hidden_or_look_alike(c)
        || matches!(c,
            '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}'
            | '\u{FF0D}' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}')
        // Digits of another form: superscript, subscript, circled (`²`, `₂`, `①`).
        || (c.is_numeric() && !c.is_ascii_digit() && crate::keys::key(c.encode_utf8(&mut [0; 4])).bytes().all(|b| b.is_ascii_digit() || b == b'(' || b == b')' || b == b'.'))
}

/// The problem with a subject id (F0181), if it has one: a character that reads as another, a
/// hidden character, a Cyrillic or Greek letter, a full-width letter or digit (`Ｅ1` for `E1`),
/// a superscript or circled digit, a dash other than `-`, or white space at an end. Two such
/// spellings of one firm would be two subjects, each with its own caps. Full-width punctuation
/// and CJK brackets, normal in Chinese names (`嘉兴某某（集团）有限公司`), are kept as written.
pub fn subject_id_problem(id: &str) -> Option<FactProblem> {
    // Printable ASCII (register codes, numbers: most ids) has no character of the kinds above.
    if crate::keys::is_plain(id) {
        return None;
    }
    let found = match id.chars().find(|c| reads_as_another(*c)) {
        Some(c) => format!("U+{:04X}", u32::from(c)),
        None if id.trim() != id => "white space at an end".to_string(),
        None => return None,
    };
    Some(
        FactProblem::new(ProblemCode::SubjectIdNotPlain, "id")
            .name(crate::eval::format::escape(id).into_owned())
            .found(found),
    )
}

/// The problem with a subject id given as the JSON number `number` (as written) that has a
/// fraction part or an exponent (F0214), if it has one. Ids are text, compared as written: a
/// program that writes an integer column with gaps as floats (`1.0`) or in exponent form
/// (`1e0`) would name another subject than the `1` of the population or the history, and the
/// grants of one would never reach the other. A whole number (`1`, `-7`) is its own text.
pub fn number_id_problem(number: &str) -> Option<FactProblem> {
    number_id_problem_at(number, "id")
}

/// [`number_id_problem`] for the id at `path`: a claim's (`claims[2].id`, `claim.id`) is
/// refused alike, as claim ids are compared as written too.
pub fn number_id_problem_at(number: &str, path: &str) -> Option<FactProblem> {
    number.contains(['.', 'e', 'E']).then(|| {
        FactProblem::new(ProblemCode::IdNumberNotWhole, path)
            .name(crate::eval::format::escape(number).into_owned())
    })
}

/// The problem with a claim id that holds a hidden or control character, a letter that looks
/// like a Latin one, or white space at an end (a blank id too) (F0180), if it does: such an id
/// cannot be read back or shown as given, or reads as another claim's id (`C1 ` and `C1`).
/// `path` names the claim (`claims[2]`, a row). An empty id is no id, the caller's F0105.
pub fn claim_id_problem(id: &str, path: &str) -> Option<FactProblem> {
    let found = match id.chars().find(|c| hidden_or_look_alike(*c)) {
        Some(c) => format!("U+{:04X}", u32::from(c)),
        None if id.trim() != id => "white space at an end".to_string(),
        None => return None,
    };
    Some(
        FactProblem::new(ProblemCode::HiddenInClaimId, format!("{path}.id"))
            .name(crate::eval::format::escape(id).into_owned())
            .found(found),
    )
}

/// The claim ids of one subject met so far, each with the place it was met (`P`: an index in
/// a facts file, a line in a population), compared as keys: look-alike ids are one claim.
#[derive(Debug)]
pub(crate) struct ClaimIds<P> {
    first: HashMap<String, P>,
}

impl<P: Copy> ClaimIds<P> {
    /// Room for `n` ids.
    pub(crate) fn with_capacity(n: usize) -> ClaimIds<P> {
        ClaimIds {
            first: HashMap::with_capacity(n),
        }
    }

    /// Notes claim `id` met at `place`: the place of an earlier claim with the same id, if any
    /// (the id is then not noted again).
    pub(crate) fn repeat(&mut self, id: &str, place: P) -> Option<P> {
        let key = crate::keys::key(id).into_owned();
        match self.first.get(&key) {
            Some(&first) => Some(first),
            None => {
                self.first.insert(key, place);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_kinds_of_id_refuse_hidden_and_look_alike_characters() {
        for id in ["E\u{200B}1", "Rеsearch"] {
            assert!(subject_id_problem(id).is_some(), "{id}");
            assert!(claim_id_problem(id, "claims[0]").is_some(), "{id}");
        }
        // Only a subject id refuses full-width letters: a claim id is compared as a key.
        assert!(subject_id_problem("Ｅ1").is_some());
        assert!(claim_id_problem("Ｅ1", "claims[0]").is_none());
        assert!(subject_id_problem("嘉兴某某（集团）有限公司").is_none());
    }

    #[test]
    fn a_claim_id_with_white_space_at_an_end_or_blank_is_refused() {
        for id in ["C1 ", " C1", "C1\u{3000}", " ", "\u{3000}", "\t"] {
            let p = claim_id_problem(id, "claims[0]").expect(id);
            assert_eq!(p.code, ProblemCode::HiddenInClaimId, "{id:?}");
        }
        assert!(claim_id_problem("C 1", "claims[0]").is_none());
    }

    #[test]
    fn a_number_id_with_a_fraction_or_an_exponent_is_refused() {
        for n in ["1.0", "1e0", "1E2", "-2.5", "10.00"] {
            let p = number_id_problem(n).expect(n);
            assert_eq!(p.code, ProblemCode::IdNumberNotWhole, "{n}");
        }
        for n in ["1", "-7", "12345678901234567890"] {
            assert!(number_id_problem(n).is_none(), "{n}");
        }
    }

    #[test]
    fn claim_ids_that_look_alike_are_one_claim() {
        let mut ids = ClaimIds::with_capacity(2);
        assert_eq!(ids.repeat("C1", 1), None);
        assert_eq!(ids.repeat("Ｃ１", 2), Some(1));
        assert_eq!(ids.repeat("C2", 3), None);
    }
}
