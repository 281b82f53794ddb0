//! Problem codes: the stable codes of what is wrong with what an applicant or a run gives pol,
//! as opposed to what is wrong with a policy (those are [`crate::diagnostic::Code`]).
//!
//! Input: nothing; this module is a registry. Output: [`ProblemCode`], its printed form, title,
//! severity and long explanation (`docs/problems/CODE.md`, shown by `pol explain CODE`).
//! Guarantee: a code is never reused or renumbered, and every code has an explanation page.
//!
//! The families:
//! - `F01xx`: a facts file or one value in it (JSON facts, a population cell, a `--set` value).
//! - `F02xx`: a population file or one of its rows as a whole.
//! - `F03xx`: command-line settings and files (outputs, paths, counts).
//! - `F04xx`: sums: an amount that cannot be held, a settlement that does not add up.
//! - `F09xx`: pol's own broken rules (internal errors): never the user's fault.

use std::fmt;

use crate::diagnostic::Severity;

macro_rules! problem_codes {
    ($($variant:ident = $code:literal, $sev:ident, $title:literal;)*) => {
        /// Every problem code pol can report about facts, populations and runs.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum ProblemCode { $(#[doc = $title] $variant,)* }

        impl ProblemCode {
            /// All codes, in numeric order.
            pub const ALL: &'static [ProblemCode] = &[$(ProblemCode::$variant,)*];

            /// The code as printed, e.g. `F0901`.
            pub fn as_str(self) -> &'static str {
                match self { $(ProblemCode::$variant => $code,)* }
            }

            /// Whether a problem with this code stops a decision or only warns.
            pub fn severity(self) -> Severity {
                match self { $(ProblemCode::$variant => Severity::$sev,)* }
            }

            /// A short title of what the code means.
            pub fn title(self) -> &'static str {
                match self { $(ProblemCode::$variant => $title,)* }
            }

            /// The long explanation (Markdown), from `docs/problems/CODE.md`.
            pub fn explanation(self) -> &'static str {
                match self {
                    $(ProblemCode::$variant => include_str!(concat!("../docs/problems/", $code, ".md")),)*
                }
            }

            /// Looks a code up by its printed form (case-insensitive).
            pub fn parse(text: &str) -> Option<ProblemCode> {
                let upper = text.trim().to_ascii_uppercase();
                ProblemCode::ALL.iter().copied().find(|c| c.as_str() == upper)
            }
        }
    };
}

// Keep each family's codes together and in numeric order; add new codes at the end of their
// family. Each code needs `docs/problems/CODE.md` starting with `# CODE: title`.
problem_codes! {
    // F01xx: facts and values.
    NotJson = "F0101", Error, "the facts are not valid JSON";
    WrongShape = "F0102", Error, "a part of the facts has the wrong shape";
    NotSingleValue = "F0103", Error, "an attribute holds a list or an object instead of one value";
    UnknownKind = "F0104", Error, "the facts name a kind of subject that does not exist";
    MissingField = "F0105", Error, "a field the facts must have is missing";
    UnknownKey = "F0106", Error, "a key at the top of the facts is not part of the facts format";
    NotADate = "F0107", Error, "a date is not a day of the calendar written year-month-day";
    DuplicateClaim = "F0108", Error, "two claims have the same id";
    Negative = "F0109", Error, "an amount that cannot be negative is negative";
    WrongType = "F0110", Error, "a value does not fit the type the policy declares";
    NotUtf8 = "F0111", Error, "a file or a cell is not UTF-8 text";
    UnusedAttribute = "F0112", Warning, "no policy uses an attribute, so it is ignored";
    DuplicateKey = "F0113", Error, "a key is given twice";
    BarePercent = "F0114", Error, "a percentage is given as a bare number above 1";
    AmbiguousNumber = "F0115", Error, "a number is written in a notation that could mean two things";
    TooManyDigits = "F0116", Error, "a number has more digits than pol can hold exactly";
    UnknownItem = "F0120", Error, "a claim is addressed to an item no loaded policy declares";
    AmbiguousItem = "F0121", Error, "a claim's item is declared by several documents and the claim does not say which";
    ClaimWithoutItem = "F0122", Error, "a claim does not say which item it is for, and the policies have several";
    OutOfRange = "F0150", Error, "a value lies outside the range its input declares";
    BadGrant = "F0160", Error, "a grant of the history has a key the format does not have, or lacks one it needs";
    UnknownGrant = "F0161", Error, "a grant of the history names a document or clause no policy given has, or an item or matter its clause does not pay";
    FutureGrant = "F0162", Error, "a grant of the history is dated after the evaluation date";
    GrantBeforeIssue = "F0163", Error, "a grant of the history is dated before its policy was issued";
    GrantWithoutClaim = "F0164", Error, "a grant of the history of a per-claim clause names no claim";
    BadYearKey = "F0165", Error, "a yearly series gives a value under a key that is not a year from 0001 to 9999 written with four digits";
    SeriesShape = "F0166", Error, "a yearly series is given as one value, or a value that is not a series is given per year";
    GrantClaimOfSubject = "F0167", Error, "a grant of the history of a clause not evaluated per claim names an item or a claim";
    GrantOtherKind = "F0168", Error, "a grant of the history is of a clause for another kind of subject";
    HiddenInGrant = "F0169", Error, "a grant of the history names its document, clause, item or matter with a hidden or look-alike character";
    GrantOfStagedClause = "F0170", Error, "a grant of the history of a clause paid in stages or over a run of years does not say which stage or year it paid";
    DuplicateGrant = "F0171", Error, "a grant of the history is listed twice";
    AmbiguousPercent = "F0172", Error, "a percentage is given as a bare 1, which could mean 100% or 1%";
    BareRatio = "F0173", Warning, "a percentage is given as a bare number read as a ratio, where others given so were refused as percentage points";
    UnknownGrantStage = "F0175", Error, "a grant of the history names a stage its clause does not have";
    GrantYearOutsideRun = "F0176", Error, "a grant of the history names a year that is not a year of its clause's run";
    GrantPartPaidTwice = "F0177", Error, "two grants of the history pay the same stage of one award, or the same year of a run";
    HiddenInClaimId = "F0180", Error, "a claim's id holds a hidden, control or look-alike character, or white space at an end";
    SubjectIdNotPlain = "F0181", Error, "a subject's id holds a character that reads as another";
    // F02xx: population files and rows.
    SubjectTooLarge = "F0201", Error, "one subject has more rows than pol holds for a subject";
    SubjectTooManyBytes = "F0202", Error, "one subject's rows take more bytes than pol holds for a subject";
    HeaderTooLong = "F0203", Error, "the first line of a population is too long to be a header";
    NotCsv = "F0204", Error, "a row of a CSV population cannot be read as CSV";
    NotJsonObject = "F0205", Error, "a line of a JSON Lines population is not a JSON object";
    NoSubjectId = "F0206", Error, "a row of a population has no subject id";
    SubjectNotRead = "F0207", Error, "a subject is not evaluated because one of its rows cannot be read";
    NoClaimDate = "F0208", Error, "a claim row of a population has no claim date";
    NoClaimId = "F0209", Error, "a subject has several rows but one of them has no claim id";
    RowsDisagree = "F0210", Error, "rows of one subject give different values for one of its inputs";
    OutOfOrder = "F0211", Error, "the population's subjects are not sorted by id";
    TextAfterQuote = "F0212", Error, "a quoted CSV cell has text after its closing quote";
    UnclosedQuote = "F0213", Error, "a quote opened in a CSV file is never closed, so the rest of the file would be one cell";
    IdNumberNotWhole = "F0214", Error, "a subject or claim id is a JSON number with a fraction part or an exponent";
    OtherKindRow = "F0215", Error, "a row of a population names another kind of subject than the run's";
    SharedBudget = "F0216", Warning, "a budget also pays clauses for a kind of subject the run does not evaluate";
    CutBeforeReduction = "F0217", Warning, "a cap or limit cut an award by room that an award reduced pro rata no longer uses";
    HistoryOutOfOrder = "F0260", Error, "the history file's rows are not sorted by subject id like the population";
    HistoryUnreadable = "F0261", Error, "a row of the history file cannot be read";
    // F03xx: command-line settings and files.
    FixedParameter = "F0301", Error, "a setting names a parameter the policy fixes";
    BadSetting = "F0302", Error, "a setting's value does not fit its parameter";
    UnknownParameter = "F0303", Error, "a setting names no parameter of the policies";
    SettingSyntax = "F0304", Error, "a setting is not written as NAME=VALUE";
    SettingsFile = "F0305", Error, "the settings file is not a JSON object of single values";
    DuplicateSetting = "F0306", Error, "a setting is given twice";
    BadDateSetting = "F0307", Error, "the evaluation date is not a day of the calendar written year-month-day";
    OutputIsInput = "F0350", Error, "an output file is one of the command's input files";
    OutputsCollide = "F0351", Error, "two outputs of one command are the same file";
    BadThreads = "F0352", Error, "the number of worker threads is out of range";
    BadMaxErrors = "F0353", Error, "`--max-errors` is zero";
    BadChunkSize = "F0354", Error, "the chunk size is out of range";
    TwoPassesFromStdin = "F0355", Error, "a budget reduced pro rata needs the population twice, but it comes on standard input or another stream";
    FileTooLarge = "F0370", Error, "a file is larger than pol reads";
    KindNotAwarded = "F0371", Error, "no clause of the policies is for the kind of subject given";
    // F04xx: sums and settlement.
    SumOverflow = "F0401", Error, "a sum of amounts is too large to hold exactly";
    SummaryOverflow = "F0402", Error, "a total over the whole population is too large to hold exactly";
    ProRataRange = "F0403", Error, "a budget reduced pro rata is overrun by awards whose amounts are ranges";
    ChangedBetweenPasses = "F0404", Error, "the population or its history changed between the two passes of a run with a budget reduced pro rata";
    // F09xx: internal errors.
    Internal = "F0901", Error, "pol broke one of its own rules: this is a bug in pol, not in the input";
}

impl fmt::Display for ProblemCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_page_that_starts_with_its_code_and_title() {
        for code in ProblemCode::ALL {
            let page = code.explanation();
            assert!(
                page.starts_with(&format!("# {code}: {}\n", code.title())),
                "{code}: docs/problems/{code}.md must start with `# {code}: {}`",
                code.title()
            );
        }
    }

    #[test]
    fn codes_are_unique_sorted_and_parse_back() {
        let printed: Vec<&str> = ProblemCode::ALL.iter().map(|c| c.as_str()).collect();
        let mut sorted = printed.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(printed, sorted, "codes must be unique and in numeric order");
        for code in ProblemCode::ALL {
            assert_eq!(
                ProblemCode::parse(&code.as_str().to_lowercase()),
                Some(*code)
            );
        }
        assert_eq!(ProblemCode::parse("F9999"), None);
    }
}
