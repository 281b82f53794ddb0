//! Diagnostics: what pol reports about a policy, as data, and their rendering.
//!
//! Input: diagnostics built by every phase (syntax, names, types, header). Output: human text
//! through miette (a primary label on the exact span, secondary labels, help) or JSON records
//! for programs. Guarantee: every diagnostic has a stable [`Code`], a one-sentence message and
//! help that says how to fix it; rendering never needs anything but the source text.

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use serde::Serialize;

use crate::ast::Span;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The policy cannot be compiled.
    Error,
    /// The policy compiles, but something looks wrong.
    Warning,
}

macro_rules! codes {
    ($($variant:ident = $code:literal, $sev:ident, $title:literal;)*) => {
        /// Every diagnostic code pol can report. Codes are never reused or renumbered.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum Code { $(#[doc = $title] $variant,)* }

        impl Code {
            /// All codes, in numeric order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as printed, e.g. `E0201`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// Whether this code is an error or a warning.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$sev,)* }
            }

            /// A short title of what the code means.
            pub fn title(self) -> &'static str {
                match self { $(Code::$variant => $title,)* }
            }

            /// Looks a code up by its printed form (case-insensitive).
            pub fn parse(text: &str) -> Option<Code> {
                let upper = text.trim().to_ascii_uppercase();
                Code::ALL.iter().copied().find(|c| c.as_str() == upper)
            }
        }
    };
}

codes! {
    SyntaxError = "E0101", Error, "the text does not follow the grammar of a policy";
    FullWidth = "E0102", Error, "a full-width character stands where pol expects its half-width form";
    BadNumber = "E0103", Error, "a number cannot be represented exactly";
    BadDate = "E0104", Error, "a date does not exist in the calendar";
    TooDeep = "E0105", Error, "brackets or an expression are nested too deeply";
    ScaleWithoutUnit = "E0106", Error, "an amount is written with a scale such as 万 but without 元";
    NotUtf8 = "E0107", Error, "the file is not UTF-8 text";
    ControlCharacter = "E0108", Error, "the file contains a control character such as NUL";
    UndefinedName = "E0201", Error, "a name is used but never declared";
    DuplicateName = "E0202", Error, "a name is declared twice";
    UnknownSubject = "E0203", Error, "a subject or claim kind that pol does not know";
    UnknownType = "E0204", Error, "a type name that is neither built in nor a declared enum";
    NotAVariant = "E0205", Error, "a name is not a variant of the enum it is used with";
    WrongKindOfName = "E0206", Error, "a name is used as something it is not";
    Shadowing = "W0201", Warning, "a clause's own let hides a name declared for the whole policy";
    UnitMismatch = "E0301", Error, "amounts in different units are added or subtracted";
    IncomparableKinds = "E0302", Error, "two values that cannot be compared";
    ConditionNotBool = "E0303", Error, "a condition is not a yes/no value";
    CapOnNonMoney = "E0304", Error, "a cap or limit is attached to an award that is not money";
    OperandKind = "E0305", Error, "an operator is applied to a value of the wrong kind";
    AmountNotMoney = "E0306", Error, "an award, cap or limit amount is not money";
    TableKeyNotEnum = "E0307", Error, "a tier table is keyed by a value that is neither an enum nor yes/no";
    TableNotExhaustive = "E0308", Error, "a tier table misses variants and has no else row";
    BracketOrder = "E0309", Error, "bracket thresholds are out of order, overlap or are not fixed amounts";
    RowKindsDiffer = "E0310", Error, "the rows of a table or bracket give values of different kinds";
    ValueTypeMismatch = "E0311", Error, "a parameter's value does not match its declared type";
    RateOfBase = "E0312", Error, "a percentage award is not a ratio of a money base";
    InputTypeClash = "E0313", Error, "one input is declared with different types for different subjects";
    ClaimInputOutsideClaim = "E0314", Error, "a claim's input is used by a clause that is not evaluated per claim";
    DuplicateRow = "E0315", Error, "a tier table names the same variant twice";
    CircularLet = "E0316", Error, "let definitions depend on each other in a circle";
    DatedOrder = "E0317", Error, "the dates of a parameter's values are not in increasing order";
    BoundPerUnawardedKind = "E0318", Error, "a cap or limit counts per a kind of subject or claim that its clause never awards";
    BranchKindsDiffer = "E0319", Error, "the two branches of an `if` give values of different kinds";
    ArgumentCount = "E0320", Error, "a function is given the wrong number of values";
    TableArgumentKind = "E0321", Error, "a named table is looked up with a value of another kind than its rows are chosen by";
    NestedTable = "E0322", Error, "the rows of a named table look up another named table";
    NegativeAmount = "E0323", Error, "a cap, limit, budget or money parameter is written as a negative amount";
    SignedParameter = "E0324", Error, "a parameter is declared `signed`";
    StageShares = "E0330", Error, "the stages of an award are not fixed shares adding up to exactly 100%";
    RangeOnUnordered = "E0340", Error, "a range is declared on an input whose values have no order";
    RangeBoundKind = "E0341", Error, "a bound of an input's range is not a value of the input's type";
    RangeReversed = "E0342", Error, "an input's range ends below where it starts";
    DefaultOutOfRange = "E0343", Error, "an input's default lies outside its declared range";
    NotASeries = "E0360", Error, "a value that is not a yearly series is read at a year";
    SeriesWithoutYear = "E0361", Error, "a yearly series is used without saying which year";
    YearRangeMisplaced = "E0362", Error, "a range of years is used where one value is needed";
    YearNotWhole = "E0363", Error, "a year is not a whole number";
    SeriesMisplaced = "E0364", Error, "`by year` is declared where a yearly series cannot be";
    RunMisplaced = "E0365", Error, "a run of years (`for N years from ...`) that cannot be evaluated";
    ReservedColumn = "E0366", Error, "an input is named like a column a population reserves";
    UncleanKey = "E0350", Error, "a document number, matter, department or payer holds a hidden or look-alike character, or a space at an end";
    SharesNotWhole = "E0401", Error, "funding shares do not add up to exactly 100%";
    WindowReversed = "E0402", Error, "an effective window ends before it starts";
    MissingHeader = "E0403", Error, "the policy header or one of its required lines is missing";
    DuplicateHeader = "E0404", Error, "the policy header, or a line in it, is given twice";
    MissingSource = "E0405", Error, "a clause does not say which article it comes from";
    MissingAward = "E0406", Error, "a clause has no award";
    DuplicateClauseItem = "E0407", Error, "a clause gives the same line twice";
    BadRounding = "E0408", Error, "the rounding step is not a positive money amount";
    AmbiguousSubject = "E0409", Error, "a clause does not say which kind of subject it is for";
    DuplicateDocument = "E0410", Error, "two files give the same policy (the same document number, or the same title and day of issue)";
    ItemNotPerClaim = "E0411", Error, "a clause names an application item but is not evaluated per claim";
    CapNeverBinds = "W0301", Warning, "a cap can never change the award it limits";
    CapAlwaysBinds = "W0302", Warning, "a cap cuts every award, so the award as written is never paid";
    UnreachableRow = "W0303", Warning, "a row of a table or bracket can never be used";
    NeverTrue = "W0304", Warning, "a condition can never be true";
    AlwaysTrue = "W0305", Warning, "a condition is always true";
    UnusedInput = "W0306", Warning, "an input is declared but no clause uses it";
    UnusedLet = "W0307", Warning, "a let is defined but nothing uses it";
    UnusedParam = "W0308", Warning, "a parameter is declared but nothing uses it";
    UnspecifiedParam = "W0309", Warning, "a parameter has no value: the policy leaves it open";
    MatterSubjectsDiffer = "W0310", Warning, "clauses share a matter but award different kinds of subject";
    LimitNotFed = "W0311", Warning, "a limit or cap that no award is counted against";
    PercentOver100 = "W0312", Warning, "an award's rate is above 100%";
    DateOutsideWindow = "W0313", Warning, "a date lies outside the policy's window";
    BoundWording = "W0314", Warning, "a bound does not match the wording (以上, 超过, ...) quoted beside it";
    ConfusableName = "W0315", Warning, "a name holds an invisible character or a letter that looks like another";
    BidiInComment = "W0316", Warning, "a comment or text holds a character that reorders how the line is shown";
    BoundSomeKinds = "W0317", Warning, "a cap or limit bounds the awards of only some of the kinds its clause awards";
    UnusedTable = "W0318", Warning, "a named table is declared but nothing looks it up";
    MatterNotShared = "W0319", Warning, "clauses of two documents reward the same thing but share no matter, where one pays the highest only";
    ItemNamedLikeClause = "W0320", Warning, "a per-claim clause is named like another clause's application item, so claims for it go to both";
    EmptyYearRange = "W0330", Warning, "a range of years ends before it starts, so it holds no year";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A span with an optional text shown next to it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What to say there.
    pub text: Option<String>,
}

/// One problem found in a policy file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Diagnostic {
    /// The stable code.
    pub code: Code,
    /// One sentence in plain words, lowercase, no final period.
    pub message: String,
    /// The exact place of the problem.
    pub primary: Label,
    /// Related places ("first declared here").
    pub secondary: Vec<Label>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with `code`, `message` and a primary label at `span`.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            primary: Label { span, text: None },
            secondary: Vec::new(),
            help: None,
        }
    }

    /// Sets the text of the primary label.
    pub fn label(mut self, text: impl Into<String>) -> Self {
        self.primary.text = Some(text.into());
        self
    }

    /// Adds a secondary label.
    pub fn with_secondary(mut self, span: Span, text: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            text: Some(text.into()),
        });
        self
    }

    /// Sets the help text.
    pub fn help(mut self, text: impl Into<String>) -> Self {
        self.help = Some(text.into());
        self
    }

    /// The code's severity.
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity() == Severity::Error
    }
}

/// Sorts diagnostics by position, then by code, so output is stable.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (a.primary.span.start, a.primary.span.end, a.code).cmp(&(
            b.primary.span.start,
            b.primary.span.end,
            b.code,
        ))
    });
}

/// Line and column (both from 1; the column counts characters) of a byte offset.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(source, offset.min(source.len()));
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = source[line_start..offset].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The JSON record of one diagnostic (`pol check --format json`).
#[derive(Clone, Debug, Serialize)]
pub struct JsonDiagnostic<'a> {
    /// The stable code.
    pub code: &'static str,
    /// `error` or `warning`.
    pub severity: Severity,
    /// The message.
    pub message: &'a str,
    /// The file as given on the command line.
    pub file: &'a str,
    /// Line of the primary span's start, from 1.
    pub line: usize,
    /// Column (characters) of the primary span's start, from 1.
    pub column: usize,
    /// Byte offsets of the primary span.
    pub span: JsonSpan,
    /// The primary label's text.
    pub label: Option<&'a str>,
    /// How to fix it.
    pub help: Option<&'a str>,
}

/// A byte range in JSON output.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct JsonSpan {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Diagnostic {
    /// The JSON record of this diagnostic in `file` whose text is `source`.
    pub(crate) fn to_json<'a>(&'a self, file: &'a str, source: &str) -> JsonDiagnostic<'a> {
        let (line, column) = line_col(source, self.primary.span.start);
        JsonDiagnostic {
            code: self.code.as_str(),
            severity: self.severity(),
            message: &self.message,
            file,
            line,
            column,
            span: JsonSpan {
                start: self.primary.span.start,
                end: self.primary.span.end,
            },
            label: self.primary.text.as_deref(),
            help: self.help.as_deref(),
        }
    }
}

/// Options for human-readable rendering.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct RenderOptions {
    /// Use colour and Unicode box drawing for a terminal.
    pub color: bool,
    /// The width to wrap text at.
    pub width: usize,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            color: false,
            width: 100,
        }
    }
}

/// A diagnostic bound to its source, in the form miette renders.
struct Report<'a> {
    diag: &'a Diagnostic,
    source: NamedSource<String>,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl std::error::Error for Report<'_> {}

fn source_span(span: Span) -> SourceSpan {
    SourceSpan::new(span.start.into(), span.len())
}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diag.code.as_str()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity() {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diag
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let primary = LabeledSpan::new_primary_with_span(
            self.diag.primary.text.clone(),
            source_span(self.diag.primary.span),
        );
        let secondary = self
            .diag
            .secondary
            .iter()
            .map(|l| LabeledSpan::new_with_span(l.text.clone(), source_span(l.span)));
        Some(Box::new(std::iter::once(primary).chain(secondary)))
    }
}

/// Renders `diag` found in `file` (whose text is `source`) as human-readable text.
pub fn render(diag: &Diagnostic, file: &str, source: &str, options: RenderOptions) -> String {
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(options.width)
        .with_links(false)
        .with_context_lines(1);
    let report = Report {
        diag,
        // A file name may hold terminal escapes: shown escaped, as in every other message.
        source: NamedSource::new(crate::eval::format::escape(file), source.to_string()),
    };
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        // Rendering into a String cannot fail on IO; keep a plain fallback all the same.
        out = format!(
            "{}: {} at byte {}\n",
            diag.code, diag.message, diag.primary.span.start
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_grouped() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "duplicate {code}");
            let first = code.as_str().as_bytes()[0];
            match code.severity() {
                Severity::Error => assert_eq!(first, b'E', "{code}"),
                Severity::Warning => assert_eq!(first, b'W', "{code}"),
            }
            assert_eq!(Code::parse(&code.as_str().to_lowercase()), Some(*code));
        }
    }

    #[test]
    fn line_col_counts_characters() {
        let src = "甲乙\n丙x";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 3), (1, 2));
        assert_eq!(line_col(src, 7), (2, 1));
        assert_eq!(line_col(src, 10), (2, 2));
    }
}
