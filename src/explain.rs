//! `pol explain`: the long explanation of every diagnostic code.
//!
//! Input: a [`Code`]. Output: its explanation (from `docs/codes/CODE.md`): what it means, why it
//! matters, an example that produces it and the same example fixed. Guarantee: every code has
//! one, and a test checks that each wrong example reports its code and each fixed one checks
//! clean.
//!
//! Examples leave out the policy header when it plays no part; [`example_source`] puts
//! [`EXAMPLE_HEADER`] in front of them. In examples, `\x{HH}` stands for the byte `HH`, for
//! codes about bytes a text cannot show (invalid UTF-8, NUL).

use crate::diagnostic::Code;

/// The header put in front of an example that has none.
#[cfg(any(test, feature = "cli"))]
pub const EXAMPLE_HEADER: &str = "policy \"示例〔2023〕1号\" {
  title \"示例\"
  issued 2023-07-24
  effective 2023-08-01 to 2025-12-31
  funding { 市级财政: 100% }
  same_matter highest
}
";

const EXPLANATIONS: &[(Code, &str)] = &[
    (Code::SyntaxError, include_str!("../docs/codes/E0101.md")),
    (Code::FullWidth, include_str!("../docs/codes/E0102.md")),
    (Code::BadNumber, include_str!("../docs/codes/E0103.md")),
    (Code::BadDate, include_str!("../docs/codes/E0104.md")),
    (Code::TooDeep, include_str!("../docs/codes/E0105.md")),
    (
        Code::ScaleWithoutUnit,
        include_str!("../docs/codes/E0106.md"),
    ),
    (Code::NotUtf8, include_str!("../docs/codes/E0107.md")),
    (
        Code::ControlCharacter,
        include_str!("../docs/codes/E0108.md"),
    ),
    (Code::UndefinedName, include_str!("../docs/codes/E0201.md")),
    (Code::DuplicateName, include_str!("../docs/codes/E0202.md")),
    (Code::UnknownSubject, include_str!("../docs/codes/E0203.md")),
    (Code::UnknownType, include_str!("../docs/codes/E0204.md")),
    (Code::NotAVariant, include_str!("../docs/codes/E0205.md")),
    (
        Code::WrongKindOfName,
        include_str!("../docs/codes/E0206.md"),
    ),
    (Code::Shadowing, include_str!("../docs/codes/W0201.md")),
    (Code::UnitMismatch, include_str!("../docs/codes/E0301.md")),
    (
        Code::IncomparableKinds,
        include_str!("../docs/codes/E0302.md"),
    ),
    (
        Code::ConditionNotBool,
        include_str!("../docs/codes/E0303.md"),
    ),
    (Code::CapOnNonMoney, include_str!("../docs/codes/E0304.md")),
    (Code::OperandKind, include_str!("../docs/codes/E0305.md")),
    (Code::AmountNotMoney, include_str!("../docs/codes/E0306.md")),
    (
        Code::TableKeyNotEnum,
        include_str!("../docs/codes/E0307.md"),
    ),
    (
        Code::TableNotExhaustive,
        include_str!("../docs/codes/E0308.md"),
    ),
    (Code::BracketOrder, include_str!("../docs/codes/E0309.md")),
    (Code::RowKindsDiffer, include_str!("../docs/codes/E0310.md")),
    (
        Code::ValueTypeMismatch,
        include_str!("../docs/codes/E0311.md"),
    ),
    (Code::RateOfBase, include_str!("../docs/codes/E0312.md")),
    (Code::InputTypeClash, include_str!("../docs/codes/E0313.md")),
    (
        Code::ClaimInputOutsideClaim,
        include_str!("../docs/codes/E0314.md"),
    ),
    (Code::DuplicateRow, include_str!("../docs/codes/E0315.md")),
    (Code::CircularLet, include_str!("../docs/codes/E0316.md")),
    (Code::DatedOrder, include_str!("../docs/codes/E0317.md")),
    (
        Code::BoundPerUnawardedKind,
        include_str!("../docs/codes/E0318.md"),
    ),
    (
        Code::BranchKindsDiffer,
        include_str!("../docs/codes/E0319.md"),
    ),
    (Code::ArgumentCount, include_str!("../docs/codes/E0320.md")),
    (
        Code::TableArgumentKind,
        include_str!("../docs/codes/E0321.md"),
    ),
    (Code::NestedTable, include_str!("../docs/codes/E0322.md")),
    (Code::NegativeAmount, include_str!("../docs/codes/E0323.md")),
    (
        Code::SignedParameter,
        include_str!("../docs/codes/E0324.md"),
    ),
    (Code::StageShares, include_str!("../docs/codes/E0330.md")),
    (
        Code::RangeOnUnordered,
        include_str!("../docs/codes/E0340.md"),
    ),
    (Code::RangeBoundKind, include_str!("../docs/codes/E0341.md")),
    (Code::RangeReversed, include_str!("../docs/codes/E0342.md")),
    (
        Code::DefaultOutOfRange,
        include_str!("../docs/codes/E0343.md"),
    ),
    (Code::NotASeries, include_str!("../docs/codes/E0360.md")),
    (
        Code::SeriesWithoutYear,
        include_str!("../docs/codes/E0361.md"),
    ),
    (
        Code::YearRangeMisplaced,
        include_str!("../docs/codes/E0362.md"),
    ),
    (Code::YearNotWhole, include_str!("../docs/codes/E0363.md")),
    (
        Code::SeriesMisplaced,
        include_str!("../docs/codes/E0364.md"),
    ),
    (Code::RunMisplaced, include_str!("../docs/codes/E0365.md")),
    (Code::ReservedColumn, include_str!("../docs/codes/E0366.md")),
    (Code::UncleanKey, include_str!("../docs/codes/E0350.md")),
    (Code::SharesNotWhole, include_str!("../docs/codes/E0401.md")),
    (Code::WindowReversed, include_str!("../docs/codes/E0402.md")),
    (Code::MissingHeader, include_str!("../docs/codes/E0403.md")),
    (
        Code::DuplicateHeader,
        include_str!("../docs/codes/E0404.md"),
    ),
    (Code::MissingSource, include_str!("../docs/codes/E0405.md")),
    (Code::MissingAward, include_str!("../docs/codes/E0406.md")),
    (
        Code::DuplicateClauseItem,
        include_str!("../docs/codes/E0407.md"),
    ),
    (Code::BadRounding, include_str!("../docs/codes/E0408.md")),
    (
        Code::AmbiguousSubject,
        include_str!("../docs/codes/E0409.md"),
    ),
    (
        Code::DuplicateDocument,
        include_str!("../docs/codes/E0410.md"),
    ),
    (
        Code::ItemNotPerClaim,
        include_str!("../docs/codes/E0411.md"),
    ),
    (Code::CapNeverBinds, include_str!("../docs/codes/W0301.md")),
    (Code::CapAlwaysBinds, include_str!("../docs/codes/W0302.md")),
    (Code::UnreachableRow, include_str!("../docs/codes/W0303.md")),
    (Code::NeverTrue, include_str!("../docs/codes/W0304.md")),
    (Code::AlwaysTrue, include_str!("../docs/codes/W0305.md")),
    (Code::UnusedInput, include_str!("../docs/codes/W0306.md")),
    (Code::UnusedLet, include_str!("../docs/codes/W0307.md")),
    (Code::UnusedParam, include_str!("../docs/codes/W0308.md")),
    (
        Code::UnspecifiedParam,
        include_str!("../docs/codes/W0309.md"),
    ),
    (
        Code::MatterSubjectsDiffer,
        include_str!("../docs/codes/W0310.md"),
    ),
    (Code::LimitNotFed, include_str!("../docs/codes/W0311.md")),
    (Code::PercentOver100, include_str!("../docs/codes/W0312.md")),
    (
        Code::DateOutsideWindow,
        include_str!("../docs/codes/W0313.md"),
    ),
    (Code::BoundWording, include_str!("../docs/codes/W0314.md")),
    (Code::ConfusableName, include_str!("../docs/codes/W0315.md")),
    (Code::BidiInComment, include_str!("../docs/codes/W0316.md")),
    (Code::BoundSomeKinds, include_str!("../docs/codes/W0317.md")),
    (Code::UnusedTable, include_str!("../docs/codes/W0318.md")),
    (
        Code::MatterNotShared,
        include_str!("../docs/codes/W0319.md"),
    ),
    (
        Code::ItemNamedLikeClause,
        include_str!("../docs/codes/W0320.md"),
    ),
    (Code::EmptyYearRange, include_str!("../docs/codes/W0330.md")),
];

/// The explanation of `code`, as Markdown text.
pub fn explanation(code: Code) -> &'static str {
    EXPLANATIONS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("", |(_, text)| text)
}

impl Code {
    /// The long explanation (Markdown), from `docs/codes/CODE.md`, as `pol explain CODE`
    /// prints it: what the code means, why it matters, an example that produces it and the
    /// example fixed.
    ///
    /// ```
    /// assert!(pol::Code::TooDeep.explanation().starts_with("# E0105"));
    /// ```
    pub fn explanation(self) -> &'static str {
        explanation(self)
    }
}

/// The code blocks of an explanation: the wrong example, then the fixed one.
#[cfg(any(test, feature = "cli"))]
pub fn examples(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("```pol\n") {
        let body = &rest[start + "```pol\n".len()..];
        let Some(end) = body.find("```") else { break };
        out.push(&body[..end]);
        rest = &body[end + 3..];
    }
    out
}

/// The bytes of a file holding `example`: `\x{HH}` decoded, and [`EXAMPLE_HEADER`] in front
/// unless the example has a `policy` header of its own.
#[cfg(test)]
pub fn example_source(example: &str) -> Vec<u8> {
    let mut out = Vec::new();
    if !example.lines().any(|l| l.starts_with("policy ")) {
        out.extend_from_slice(EXAMPLE_HEADER.as_bytes());
        out.push(b'\n');
    }
    let mut rest = example;
    while let Some(i) = rest.find("\\x{") {
        out.extend_from_slice(&rest.as_bytes()[..i]);
        let after = &rest[i + 3..];
        match after
            .find('}')
            .and_then(|e| u8::from_str_radix(&after[..e], 16).ok().map(|b| (b, e)))
        {
            Some((byte, e)) => {
                out.push(byte);
                rest = &after[e + 1..];
            }
            None => {
                out.extend_from_slice(b"\\x{");
                rest = after;
            }
        }
    }
    out.extend_from_slice(rest.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_an_explanation_with_two_examples() {
        for code in Code::ALL {
            let text = explanation(*code);
            assert!(
                text.starts_with(&format!("# {code}: {}\n", code.title())),
                "{code}: the explanation must start with its code and title"
            );
            assert_eq!(
                examples(text).len(),
                2,
                "{code}: a wrong and a fixed example"
            );
        }
        assert_eq!(EXPLANATIONS.len(), Code::ALL.len());
    }

    #[test]
    fn byte_escapes_and_the_header() {
        assert_eq!(
            example_source("policy \"x\" {}\n# a\\x{00}b"),
            b"policy \"x\" {}\n# a\0b"
        );
        let with_header = example_source("let x = 1元\n");
        assert!(with_header.starts_with(EXAMPLE_HEADER.as_bytes()));
    }
}
