//! Facts: what is known about one applicant, and their binding to a program's input slots.
//!
//! Input: facts as JSON text (or built in code), and a compiled [`Program`]. Output: values in
//! the program's slots, or every problem found, each naming the field, the type the policy
//! declares, the value found and the line that declares it. Guarantee: numbers are read from
//! their JSON text exactly (never through a float); a missing input is not an error here (the
//! clause that needs it becomes "undetermined").

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::json::{self, Json, Node};
use super::value::Value;
use crate::ast::Literal;
use crate::check::closest;
use crate::check::types::Flavor;
use crate::compile::{InputDef, Kind, Program};
use crate::diagnostic::line_col;
use crate::problem::ProblemCode;
use crate::syntax::literal::{self, LiteralError};
use crate::units::Unit;

/// One attribute value as given, before it is read against a declaration.
#[derive(Clone, Debug, PartialEq)]
pub enum FactValue {
    /// A JSON number, kept as its exact text.
    Number(String),
    /// A JSON string (held inline when short, as most cells of a population are).
    Text(compact_str::CompactString),
    /// A JSON boolean.
    Bool(bool),
    /// JSON `null`: the same as leaving the attribute out.
    Null,
}

/// A borrowed view of one value as given: what reading against a declaration looks at, so a
/// CSV cell can be read without copying it into a [`FactValue`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FactRef<'a> {
    /// A JSON number's exact text.
    Number(&'a str),
    /// Text (a JSON string or a CSV cell).
    Text(&'a str),
    /// A JSON boolean.
    Bool(bool),
    /// Not given.
    Null,
}

impl FactValue {
    /// The value as a [`FactRef`].
    pub fn as_ref(&self) -> FactRef<'_> {
        match self {
            FactValue::Number(n) => FactRef::Number(n),
            FactValue::Text(t) => FactRef::Text(t),
            FactValue::Bool(b) => FactRef::Bool(*b),
            FactValue::Null => FactRef::Null,
        }
    }
}

impl<'a> FactRef<'a> {
    /// A CSV cell: empty (after trimming) is not given.
    pub fn cell(text: &'a str) -> FactRef<'a> {
        if trim(text).is_empty() {
            FactRef::Null
        } else {
            FactRef::Text(text)
        }
    }
}

/// `text` without leading and trailing whitespace, as `str::trim` gives it, checking only the
/// two ends when they are plain ASCII (as nearly every cell of a population is).
pub fn trim(text: &str) -> &str {
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(&a), Some(&z)) if a.is_ascii_graphic() && z.is_ascii_graphic() => text,
        // A byte-order mark is trimmed like white space: the CSV reader drops one only at the
        // start of its input (a chunk's start), so a cell must read the same with or without it.
        _ => text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}'),
    }
}

/// A plain decimal (`1234.50`, `-7`) read digit by digit: the value and decimal places
/// `Decimal::from_str_exact` gives, for the texts it recognises; `None` sends anything else
/// (units, exponents, signs of zero, more than 18 digits) to the general reader.
fn plain_decimal(t: &str) -> Option<Decimal> {
    plain_decimal_bytes(t.as_bytes())
}

/// [`plain_decimal`] of text given as bytes. Always inlined where a population's cells are
/// bound: `Decimal::new` is then inlined too, where it was a call per cell.
#[inline(always)]
fn plain_decimal_bytes(t: &[u8]) -> Option<Decimal> {
    let (negative, digits) = match t {
        [b'-', rest @ ..] => (true, rest),
        all => (false, all),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    // At most 19 digits: below u64::MAX.
    let mut mantissa: u64 = 0;
    let mut dot = None;
    for (i, &c) in digits.iter().enumerate() {
        let digit = c.wrapping_sub(b'0');
        if digit < 10 {
            mantissa = mantissa * 10 + u64::from(digit);
        } else if c == b'.' && dot.is_none() {
            dot = Some(i);
        } else {
            return None;
        }
    }
    // A point needs digits on both sides.
    let scale = match dot {
        Some(i) if i == 0 || i + 1 == digits.len() => return None,
        Some(i) => Some((digits.len() - i - 1) as u32),
        None => None,
    };
    if digits.len() > 18 + usize::from(scale.is_some()) || (negative && mantissa == 0) {
        return None;
    }
    // 18 digits fit an i64.
    let mantissa = mantissa as i64;
    let mantissa = if negative { -mantissa } else { mantissa };
    Some(Decimal::new(mantissa, scale.unwrap_or(0)))
}

/// One claim of the subject: a project, contract or application.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimFacts {
    /// Its id, unique among the subject's claims.
    pub id: String,
    /// The date of the event it claims for (certification, completion, payment).
    pub date: NaiveDate,
    /// The application item it is for (`"item"`), compared as a key; see `eval::items`.
    pub item: Option<String>,
    /// The document of the item (`"document"`), needed when several declare its name.
    pub document: Option<String>,
    /// Its attributes.
    pub attributes: BTreeMap<String, FactValue>,
}

/// Everything known about one subject.
#[derive(Clone, Debug, PartialEq)]
pub struct Facts {
    /// The subject's kind.
    pub kind: Kind,
    /// The subject's id (held inline when short, so a decision copies it without touching the heap).
    pub id: compact_str::CompactString,
    /// Its attributes.
    pub attributes: BTreeMap<String, FactValue>,
    /// Its claims.
    pub claims: Vec<ClaimFacts>,
    /// What it has already been paid: earlier grants, each naming the clause that paid it
    /// (see [`super::history`]).
    pub history: Vec<super::history::PastGrant>,
}

/// A problem with facts, a population cell or a setting: its code and the fields its text is
/// made from. The text is written in one place, [`FactProblem::message`] and
/// [`FactProblem::help`], so it can be translated without touching the readers.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct FactProblem {
    /// The stable code (`F0110`); it also fixes the severity.
    pub code: ProblemCode,
    /// Where in the facts: `attributes.研发费用`, `claims[2].date`, `setting 一定比例`.
    pub path: String,
    /// The field, key or setting the problem is about.
    pub name: Option<String>,
    /// What the policy (or the format) expects there, in plain words.
    pub expected: Option<String>,
    /// The value found, as written (texts in quotes).
    pub found: Option<String>,
    /// Where the policy declares the field (`嘉政发〔2023〕15号 line 12`).
    pub declared_at: Option<String>,
    /// The bytes of the declaration in the policy's source, for editors.
    pub declared_span: Option<crate::ast::Span>,
    /// Where in the file the problem is (`line 4`), when known.
    pub place: Option<String>,
    /// For something given twice: where it was given first.
    pub first_place: Option<String>,
    /// A suggestion (`did you mean ...`) or the reason a value is refused.
    pub hint: Option<String>,
}

impl FactProblem {
    /// A problem with `code` at `path`, its other fields empty.
    pub fn new(code: ProblemCode, path: impl Into<String>) -> Self {
        FactProblem {
            code,
            path: path.into(),
            name: None,
            expected: None,
            found: None,
            declared_at: None,
            declared_span: None,
            place: None,
            first_place: None,
            hint: None,
        }
    }

    /// With the field's name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// With what is expected.
    pub fn expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self
    }

    /// With the value found.
    pub fn found(mut self, found: impl Into<String>) -> Self {
        self.found = Some(found.into());
        self
    }

    /// With where the policy declares the field.
    pub fn declared_at(mut self, at: impl Into<String>) -> Self {
        self.declared_at = Some(at.into());
        self
    }

    /// With where `input` is declared in `program`: its document and line, and its bytes.
    fn declared_in(mut self, program: &Program, input: &InputDef) -> Self {
        self.declared_span = Some(input.span);
        self.declared_at(declared_at(program, input))
    }

    /// With the place in the file.
    pub fn place(mut self, place: impl Into<String>) -> Self {
        self.place = Some(place.into());
        self
    }

    /// With the place of the first of two.
    pub fn first_place(mut self, place: impl Into<String>) -> Self {
        self.first_place = Some(place.into());
        self
    }

    /// With a suggestion or reason.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// `error` (no decision is made) or `warning`, as the code says.
    pub fn severity(&self) -> crate::diagnostic::Severity {
        self.code.severity()
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity() == crate::diagnostic::Severity::Error
    }

    /// What is wrong, in one plain sentence.
    pub fn message(&self) -> String {
        self.text().0
    }

    /// How to fix it.
    pub fn help(&self) -> String {
        self.text().1
    }

    /// The message and the help: the one place a problem's fields become words.
    fn text(&self) -> (String, String) {
        let f = |x: &Option<String>| x.clone().unwrap_or_default();
        let t = Fields {
            name: f(&self.name),
            expected: f(&self.expected),
            found: f(&self.found),
            hint: f(&self.hint),
            declared: self
                .declared_at
                .as_ref()
                .map(|d| format!("the policy declares it at {d}"))
                .unwrap_or_default(),
            place: f(&self.place),
            first: f(&self.first_place),
            given: if self.path.starts_with("setting ") {
                "the setting gives"
            } else {
                "the facts give"
            },
        };
        self.shape_text(&t)
            .or_else(|| super::series::problem_text(self.code, &t.name, &t.found))
            .or_else(|| super::items::words(self))
            .or_else(|| self.value_text(&t))
            .or_else(|| self.setting_text(&t))
            .or_else(|| self.settlement_text(&t))
            .or_else(|| super::history::words(self))
            .unwrap_or_else(|| (self.code.title().to_string(), String::new()))
    }

    /// The words of a subject that cannot be settled (F04xx, F0901), where it is reported as
    /// one more problem (`Evaluator::evaluate`): `hint` holds the settlement's own sentence.
    fn settlement_text(&self, t: &Fields) -> Option<(String, String)> {
        use ProblemCode as C;
        let help = match self.code {
            C::SumOverflow | C::SummaryOverflow => {
                "amounts up to about 7.9 × 10^26 元 can be held to the fen; check the facts for a misplaced scale or exponent"
            }
            C::Internal => {
                "this is a bug in pol, not in the input: please report it with the command, the policies and the facts"
            }
            _ => return None,
        };
        Some((t.hint.clone(), help.to_string()))
    }

    /// The words of a problem with the shape of the facts or a population (F01xx): what is
    /// missing, unknown, given twice or unreadable.
    fn shape_text(&self, t: &Fields) -> Option<(String, String)> {
        use ProblemCode as C;
        let Fields {
            name,
            expected,
            found,
            hint,
            place,
            first,
            ..
        } = t;
        Some(match self.code {
            C::NotJson => (
                format!("the facts are not valid JSON at {place}: {found}"),
                "check the quotes, commas and braces near that place".into(),
            ),
            C::WrongShape => (
                format!("`{name}` must be {expected}, but it is {found}"),
                match name.as_str() {
                    "attributes" => "write e.g. \"attributes\": { \"研发费用\": \"600万元\" }".into(),
                    "claims" => "write \"claims\": [ {...}, {...} ]".into(),
                    "the facts" => "write {\"kind\": \"enterprise\", \"id\": \"...\", \"attributes\": {...}}".into(),
                    _ => "write {\"id\": \"...\", \"date\": \"2024-03-01\", \"attributes\": {...}}".into(),
                },
            ),
            C::NotSingleValue => (
                format!("`{name}` is {found}, not a single value"),
                "give one value: a number, a text in quotes, true or false".into(),
            ),
            C::UnknownKind => (
                format!("`{found}` is not a kind of subject"),
                "use enterprise, institution, person or region".into(),
            ),
            C::MissingField => match name.as_str() {
                "kind" => (
                    "the facts do not say what kind of subject they describe".into(),
                    "add \"kind\": \"enterprise\" (or institution, person, region)".into(),
                ),
                "id" => (
                    "the subject has no id".into(),
                    "add \"id\": \"...\" (e.g. the unified social credit code)".into(),
                ),
                "claim id" => (
                    "the claim has no id".into(),
                    "give each claim an id, e.g. the contract number".into(),
                ),
                _ => (
                    "the claim has no date".into(),
                    "add the date of the event it claims for, e.g. \"date\": \"2024-03-01\"".into(),
                ),
            },
            C::UnknownKey => (
                format!("`{name}` ({place}) is not {}", if expected.is_empty() { "a key of the facts format (kind, id, attributes, claims, history)" } else { expected.as_str() }),
                if hint.is_empty() {
                    "put the values under \"attributes\"".into()
                } else {
                    format!("did you mean `{hint}`?")
                },
            ),
            C::HiddenInClaimId if !found.starts_with("U+") => (
                format!("the claim id `{name}` has {found}"),
                "write the id without spaces at its ends: ids are compared and shown as given, and `C1 ` would be another claim than `C1`".into(),
            ),
            C::HiddenInClaimId => (
                format!("the claim id `{name}` holds the hidden or look-alike character {found}"),
                "retype the id in plain characters: ids are compared and shown as given, and two ids that look the same must be one claim".into(),
            ),
            C::SubjectIdNotPlain => (
                format!("the subject id `{name}` holds a character that reads as another ({found})"),
                "write it with plain letters, digits and `-`: ids that look the same must be one subject, or its caps and limits would count twice".into(),
            ),
            C::IdNumberNotWhole => (
                {
                    let whose = if self.path == "id" { "subject" } else { "claim" };
                    format!("the {whose} id is the JSON number {name}, with a fraction part or an exponent: an id is never a measured number, and ids are compared as written, so it is not the {whose} written as a whole number")
                },
                "write the id as text or as a whole number (\"1\" or 1, not 1.0 or 1e0)".into(),
            ),
            C::OtherKindRow => (
                format!("the row's `kind` is `{name}`, but this run evaluates every subject as `{expected}` (`--kind {expected}`), so the row would be paid as one"),
                "run the subjects of each kind on their own, with their `--kind` (enterprise, institution, person or region); an empty cell is the run's kind".into(),
            ),
            C::DuplicateClaim => (
                format!("two claims have the id `{name}` ({first} and {place})"),
                "give each claim its own id".into(),
            ),
            C::NotUtf8 => (
                format!("`{name}` is not UTF-8 text"),
                "save the population as UTF-8".into(),
            ),
            C::UnusedAttribute => {
                let what = if self.path.starts_with("claims[") { "claim attribute" } else { "attribute" };
                let unset = if found.is_empty() { String::new() } else { format!(" ({found})") };
                (
                    format!("no policy uses the {what} `{name}`; it is ignored{unset}"),
                    if hint.is_empty() {
                        "remove it, or check the policy's inputs with `pol check`".into()
                    } else {
                        format!("did you mean `{hint}`? Otherwise remove it")
                    },
                )
            }
            C::DuplicateKey => (
                format!("`{name}` is given twice in `{}`, at {first} and at {place}, and pol will not guess which is meant", parent_of(&self.path)),
                "keep one of the two and delete the other".into(),
            ),
            _ => return None,
        })
    }

    /// The words of a value of the facts or a cell that does not fit its input (F01xx).
    fn value_text(&self, t: &Fields) -> Option<(String, String)> {
        use ProblemCode as C;
        let Fields {
            name,
            expected,
            found,
            hint,
            declared,
            place,
            given,
            ..
        } = t;
        Some(match self.code {
            C::NotADate => (
                match &self.place {
                    Some(column) => format!("{found} in {column} is not a date: {hint}"),
                    None => format!("`{name}` must be a date, but {given} {found}: {hint}"),
                },
                join_help("write the date as year-month-day, e.g. \"2024-03-01\"", declared),
            ),
            C::Negative if self.path.starts_with("setting ") => (
                format!("`{name}` cannot be negative, but {given} {found}"),
                format!("give an amount of at least 0 ({declared}; a parameter's amount is never negative)"),
            ),
            C::Negative => (
                format!("`{name}` cannot be negative, but {given} {found}"),
                format!("give an amount of at least 0; {declared} (write `signed money` there if negative amounts are meant)"),
            ),
            C::WrongType => (
                format!("`{name}` must be {expected}, but {given} {found}"),
                if hint.is_empty() {
                    declared.clone()
                } else {
                    join_help(&format!("did you mean \"{hint}\"?"), declared)
                },
            ),
            C::BarePercent => (
                format!("`{name}` is a percentage, but {given} the bare number {found}, which as a ratio is more than 100%"),
                join_help(
                    &format!("did you mean `{hint}`? Write percentages with `%`; a bare number is read as a ratio only from -1 to 1 (0.79 is 79%)"),
                    declared,
                ),
            ),
            C::AmbiguousPercent => (
                format!("`{name}` is a percentage, but {given} the bare number {found}, which could mean {hint}"),
                join_help(
                    &format!("write {hint}: a bare 1 is 100% as a ratio, but 1% in a column of percentage points"),
                    declared,
                ),
            ),
            C::BareRatio => (
                format!("`{name}` is a percentage, and {given} the bare number {found}, read as the ratio {hint}, while bare percentages elsewhere in these facts were refused as percentage points (F0114, F0172)"),
                format!("check it: write `{expected}` if that is meant, or `{hint}`; a bare number is a ratio, so write percentages with `%`"),
            ),
            C::AmbiguousNumber => (
                format!("`{name}` must be {expected}, but {found} is written in a way pol refuses: {hint}"),
                join_help("write it as in a policy, e.g. `1,000元`, `600万元` or `15%`", declared),
            ),
            C::OutOfRange => (
                format!("`{name}` must be within `{expected}`, but the facts give {found}"),
                join_help(
                    "give a value within the range, both bounds included; check for a misplaced unit or scale",
                    declared,
                ),
            ),
            C::TooManyDigits => (
                format!("`{name}` must be {expected} that pol can hold exactly, but {given} {found}"),
                "pol keeps at most 28 significant digits; write the amount with a larger unit such as 万元 or 亿元, or with fewer decimals".into(),
            ),
            C::RowsDisagree => (
                format!("the subject's input `{name}` is {expected} on its first row but {found} on {place}, and a subject has one value for each of its inputs"),
                "give the subject's inputs on its first row and leave them empty on its claim rows, or give the same value on every row".into(),
            ),
            _ => return None,
        })
    }

    /// The words of a problem with a setting (F03xx).
    fn setting_text(&self, t: &Fields) -> Option<(String, String)> {
        use ProblemCode as C;
        let f = |x: &Option<String>| x.clone().unwrap_or_default();
        let Fields {
            name,
            expected,
            found,
            hint,
            place,
            first,
            ..
        } = t;
        Some(match self.code {
            C::FixedParameter => (
                format!("`{name}` is fixed by {}; it cannot be set", f(&self.declared_at)),
                "only parameters the policy leaves open (declared without a value) take settings; remove this one".into(),
            ),
            C::BadSetting => (
                format!("{found} is not a value for `{name}`, which is {expected}"),
                join_help(hint, "write it as in a policy, e.g. `10%` or `50万元`"),
            ),
            C::UnknownParameter => (
                format!("no policy has a parameter `{name}`"),
                match (hint.is_empty(), expected.is_empty()) {
                    (false, _) => format!("did you mean `{hint}`?"),
                    (true, true) => "these policies leave no parameter open".into(),
                    (true, false) => format!("the open parameters are: {expected}"),
                },
            ),
            C::SettingSyntax => (
                format!("`--set {found}` must be written NAME=VALUE"),
                "write e.g. --set 一定比例=10%".into(),
            ),
            C::SettingsFile => (
                format!("the settings file `{place}` {found}"),
                "write a JSON object of names and single values, e.g. {\"一定比例\": \"10%\"}".into(),
            ),
            C::DuplicateSetting => (
                format!("the setting `{name}` is given twice ({first} and {place}), and pol will not guess which is meant"),
                "give each setting once".into(),
            ),
            C::BadDateSetting => (
                format!("the evaluation date {found} is not a day of the calendar: {hint}"),
                "write it as year-month-day, e.g. `--date 2024-05-01`".into(),
            ),
            _ => return None,
        })
    }
}

/// A problem's fields as text (empty when not given), for the functions that word it.
struct Fields {
    name: String,
    expected: String,
    found: String,
    hint: String,
    declared: String,
    place: String,
    first: String,
    /// Who gives the value: "the facts give", or "the setting gives" for a value from
    /// `--set` or `--settings`.
    given: &'static str,
}

/// Two parts of a help text, either of which may be empty.
fn join_help(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => {
            let a = a.trim_end_matches([' ', ';']);
            // A question or a sentence already ends; a phrase is continued with `;`.
            if a.ends_with(['?', '.']) {
                format!("{a} {b}")
            } else {
                format!("{a}; {b}")
            }
        }
    }
}

/// The path of the object holding the key at `path` (`attributes` for `attributes.研发费用`).
fn parent_of(path: &str) -> &str {
    match path.rsplit_once('.') {
        Some((parent, _)) => parent,
        None => "the facts",
    }
}

impl Serialize for FactProblem {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("code", self.code.as_str())?;
        m.serialize_entry("severity", &self.severity())?;
        m.serialize_entry("path", &self.path)?;
        for (key, v) in [
            ("name", &self.name),
            ("expected", &self.expected),
            ("found", &self.found),
            ("declared_at", &self.declared_at),
            ("place", &self.place),
            ("first_place", &self.first_place),
            ("hint", &self.hint),
        ] {
            if let Some(v) = v {
                m.serialize_entry(key, v)?;
            }
        }
        if let Some(span) = self.declared_span {
            m.serialize_entry("declared_span", &[span.start, span.end])?;
        }
        let (message, help) = self.text();
        m.serialize_entry("message", &message)?;
        m.serialize_entry("help", &help)?;
        m.end()
    }
}

impl std::fmt::Display for FactProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at {}: {}", self.code, self.path, self.message())
    }
}

impl std::error::Error for FactProblem {}

/// A fact's value as given in JSON (`None` for lists and objects). Numbers keep their text.
pub fn node_value(v: &Json<'_>) -> Option<FactValue> {
    Some(match v {
        Json::Null => FactValue::Null,
        Json::Bool(b) => FactValue::Bool(*b),
        Json::Number(n) => FactValue::Number((*n).to_string()),
        Json::Text(s) => FactValue::Text(s.as_str().into()),
        Json::List(_) | Json::Object(_) => return None,
    })
}

/// Reads JSON facts: walks the tree, collecting every problem with its place in the text.
pub(super) struct Reader<'t> {
    text: &'t str,
    lines: Option<json::LineIndex>,
    pub(super) problems: Vec<FactProblem>,
}

impl<'t> Reader<'t> {
    /// `line N` of byte offset `at` (the line index is built on the first problem only).
    pub(super) fn place(&mut self, at: usize) -> String {
        let text = self.text;
        let lines = self.lines.get_or_insert_with(|| json::LineIndex::new(text));
        format!("line {}", lines.line(at))
    }

    /// `line N, column M` of byte offset `at`: where the value given at `at` starts.
    fn place_in_line(&mut self, at: usize) -> String {
        let text = self.text;
        let lines = self.lines.get_or_insert_with(|| json::LineIndex::new(text));
        format!("line {}, column {}", lines.line(at), lines.column(text, at))
    }

    /// The pairs of an object, reporting every key given more than once (with both lines).
    pub(super) fn unique<'n>(
        &mut self,
        pairs: &'n [(String, Node<'t>)],
        path: &str,
    ) -> &'n [(String, Node<'t>)] {
        if pairs.len() > 1 {
            let mut seen: HashMap<&str, usize> = HashMap::with_capacity(pairs.len());
            for (k, v) in pairs {
                // The first place a key is given stays the one later copies are named against.
                if let Some(&first_at) = seen.get(k.as_str()) {
                    let (mut first, mut place) = (self.place(first_at), self.place(v.at));
                    // Two copies on one line (a facts file written on one line) are told apart
                    // by their columns: "at line 1 and at line 1" names neither.
                    if first == place {
                        first = self.place_in_line(first_at);
                        place = self.place_in_line(v.at);
                    }
                    self.problems.push(
                        FactProblem::new(ProblemCode::DuplicateKey, join_path(path, k))
                            .name(k.as_str())
                            .first_place(first)
                            .place(place),
                    );
                } else {
                    seen.insert(k, v.at);
                }
            }
        }
        pairs
    }

    fn attributes(&mut self, v: Option<&Node<'t>>, path: &str) -> BTreeMap<String, FactValue> {
        let mut out = BTreeMap::new();
        match v.map(|n| &n.value) {
            None | Some(Json::Null) => {}
            Some(Json::Object(pairs)) => {
                let mut seen: std::collections::HashSet<&str> = Default::default();
                for (k, v) in self.unique(pairs, path) {
                    // A key given twice was reported by `unique`; one year given both as
                    // `"销售收入[2023]"` and in `"销售收入": {"2023": ...}` is reported here.
                    let again = !seen.insert(k.as_str());
                    // Keys are names: read as CSV headers and JSON Lines keys are (spaces at
                    // the ends dropped) and compared in the form the policies' names are. A
                    // year of a series is one key however its brackets and digits are typed.
                    let named = crate::keys::written_name(k);
                    let folded = super::series::series_key(&named);
                    let k: &str = &folded;
                    match node_value(&v.value) {
                        Some(fv) => {
                            if out.insert(k.to_string(), fv).is_some() && !again {
                                self.given_twice(k, path, v.at);
                            }
                        }
                        None if matches!(v.value, Json::Object(_)) => {
                            self.series_object(k, v, path, &mut out);
                        }
                        None => {
                            let place = self.place(v.at);
                            self.problems.push(
                                FactProblem::new(ProblemCode::NotSingleValue, join_path(path, k))
                                    .name(k)
                                    .found(v.value.kind_words())
                                    .place(place),
                            );
                        }
                    }
                }
            }
            Some(other) => self.problems.push(
                FactProblem::new(ProblemCode::WrongShape, path)
                    .name("attributes")
                    .expected("an object of names and values")
                    .found(other.kind_words()),
            ),
        }
        out
    }
}

pub(super) fn join_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The text of an id: a JSON string, or a number as written.
/// An id as written: an empty text is no id (F0105), as an empty cell is in a population.
fn id_of(v: Option<&Node<'_>>) -> Option<String> {
    match v.map(|n| &n.value) {
        Some(Json::Text(s)) if s.is_empty() => None,
        Some(Json::Text(s)) => Some(s.clone()),
        Some(Json::Number(n)) => Some((*n).to_string()),
        _ => None,
    }
}

fn get<'n, 't>(pairs: &'n [(String, Node<'t>)], key: &str) -> Option<&'n Node<'t>> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

impl Facts {
    /// Reads facts from JSON text, reporting every problem of shape it finds; warnings (keys
    /// that are not part of the format) come back with the facts. A byte-order mark at the
    /// start is ignored; a key given twice is an error naming both lines.
    ///
    /// The shape is `{"kind": "enterprise", "id": "...", "attributes": {...},
    /// "claims": [{"id": "...", "date": "2024-03-01", "attributes": {...}}]}`.
    pub fn from_json(text: &str) -> Result<(Facts, Vec<FactProblem>), Vec<FactProblem>> {
        // Editors on Windows start UTF-8 files with a byte-order mark; policies and CSV
        // populations accept one, so facts do too.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let root = json::parse(text).map_err(|e| vec![not_json(&e)])?;
        let Json::Object(pairs) = &root.value else {
            return Err(vec![FactProblem::new(
                ProblemCode::WrongShape,
                "(top level)",
            )
            .name("the facts")
            .expected("a JSON object")
            .found(root.value.kind_words())]);
        };
        let mut r = Reader {
            text,
            lines: None,
            problems: Vec::new(),
        };
        let obj = r.unique(pairs, "");
        let kind = match get(obj, "kind").map(|n| &n.value) {
            Some(Json::Text(k)) => match Kind::parse(k) {
                Some(Kind::Project) | None => {
                    r.problems
                        .push(FactProblem::new(ProblemCode::UnknownKind, "kind").found(k.as_str()));
                    None
                }
                Some(kind) => Some(kind),
            },
            _ => {
                r.problems
                    .push(FactProblem::new(ProblemCode::MissingField, "kind").name("kind"));
                None
            }
        };
        let id = id_of(get(obj, "id")).unwrap_or_else(|| {
            r.problems
                .push(FactProblem::new(ProblemCode::MissingField, "id").name("id"));
            String::new()
        });
        r.problems.extend(subject_id_problem(&id));
        if let Some(Json::Number(n)) = get(obj, "id").map(|n| &n.value) {
            r.problems.extend(crate::ids::number_id_problem(n));
        }
        // A misspelt `history` or `claims` would drop the grants or claims it holds, and pay
        // again: an unknown key at the top is an error, with the closest key.
        unknown_keys(
            &mut r,
            obj,
            &["kind", "id", "attributes", "claims", "history"],
            "",
        );
        let attrs = r.attributes(get(obj, "attributes"), "attributes");
        let claims = match get(obj, "claims").map(|n| &n.value) {
            None | Some(Json::Null) => Vec::new(),
            Some(Json::List(list)) => read_claims(&mut r, list),
            Some(other) => {
                r.problems.push(
                    FactProblem::new(ProblemCode::WrongShape, "claims")
                        .name("claims")
                        .expected("a list")
                        .found(other.kind_words()),
                );
                Vec::new()
            }
        };
        let history = match get(obj, "history").map(|n| &n.value) {
            None | Some(Json::Null) => Vec::new(),
            Some(Json::List(list)) => {
                // A key given twice in a grant is refused as anywhere else (F0113).
                for (i, n) in list.iter().enumerate() {
                    if let Json::Object(pairs) = &n.value {
                        r.unique(pairs, &format!("history[{i}]"));
                    }
                }
                let mut problems = std::mem::take(&mut r.problems);
                let history = super::history::read(list, &mut |at| r.place(at), &mut problems);
                r.problems = problems;
                history
            }
            Some(other) => {
                r.problems.push(
                    FactProblem::new(ProblemCode::WrongShape, "history")
                        .name("history")
                        .expected("a list")
                        .found(other.kind_words()),
                );
                Vec::new()
            }
        };
        match kind {
            Some(kind) if !r.problems.iter().any(FactProblem::is_error) => Ok((
                Facts {
                    kind,
                    id: id.into(),
                    attributes: attrs,
                    claims,
                    history,
                },
                r.problems,
            )),
            _ => Err(r.problems),
        }
    }
}

/// The problem of text that is not JSON, with serde_json's description and position.
fn not_json(e: &json::Error) -> FactProblem {
    // serde_json ends its description with the position, given separately here.
    let what = e.to_string();
    let what = what.split(" at line ").next().unwrap_or(&what).to_string();
    FactProblem::new(
        ProblemCode::NotJson,
        format!("line {}, column {}", e.line(), e.column()),
    )
    .found(what)
    .place(format!("line {}, column {}", e.line(), e.column()))
}

pub use crate::ids::{claim_id_problem, subject_id_problem};

/// Reads the claims: ids are checked for uniqueness through a map, so many claims load in
/// time linear in their number.
fn read_claims<'t>(r: &mut Reader<'t>, list: &[Node<'t>]) -> Vec<ClaimFacts> {
    let mut claims = Vec::with_capacity(list.len());
    let mut ids = crate::ids::ClaimIds::with_capacity(list.len());
    for (i, c) in list.iter().enumerate() {
        let path = format!("claims[{i}]");
        let Json::Object(pairs) = &c.value else {
            r.problems.push(
                FactProblem::new(ProblemCode::WrongShape, path.as_str())
                    .name(path)
                    .expected("an object")
                    .found(c.value.kind_words()),
            );
            continue;
        };
        let c = r.unique(pairs, &path);
        // A misspelt `attributes` or `item` would drop what it holds: refused as at the top.
        unknown_keys(
            r,
            c,
            &["id", "date", "item", "document", "attributes"],
            &path,
        );
        let id = id_of(get(c, "id"));
        if let Some(p) = id.as_deref().and_then(|id| claim_id_problem(id, &path)) {
            r.problems.push(p);
        }
        if let Some(Json::Number(n)) = get(c, "id").map(|n| &n.value) {
            let p = crate::ids::number_id_problem_at(n, &format!("{path}.id"));
            r.problems.extend(p);
        }
        if id.is_none() {
            r.problems.push(
                FactProblem::new(ProblemCode::MissingField, format!("{path}.id")).name("claim id"),
            );
        }
        let date = match get(c, "date").map(|n| &n.value) {
            Some(Json::Text(d)) => match literal::read_date(d) {
                Ok(d) => Some(d),
                Err(why) => {
                    r.problems.push(
                        FactProblem::new(ProblemCode::NotADate, format!("{path}.date"))
                            .name("date")
                            .found(show_found(FactRef::Text(d)))
                            .hint(why),
                    );
                    None
                }
            },
            // A date given, but not as text (`20240301`): the claim has a date, in a form pol
            // does not read, and is told so rather than that it has none.
            Some(other @ (Json::Number(_) | Json::Bool(_) | Json::List(_) | Json::Object(_))) => {
                let found = match other {
                    Json::Number(n) => format!("the number {n}"),
                    _ => other.kind_words().to_string(),
                };
                r.problems.push(
                    FactProblem::new(ProblemCode::NotADate, format!("{path}.date"))
                        .name("date")
                        .found(found)
                        .hint("a date is written as a text in quotes"),
                );
                None
            }
            _ => {
                r.problems.push(
                    FactProblem::new(ProblemCode::MissingField, format!("{path}.date"))
                        .name("claim date"),
                );
                None
            }
        };
        let attrs = r.attributes(get(c, "attributes"), &format!("{path}.attributes"));
        let item = text_field(r, get(c, "item"), &path, "item");
        let document = text_field(r, get(c, "document"), &path, "document");
        if let (Some(id), Some(date)) = (id, date) {
            // The comparison `pol simulate` makes too: look-alike ids are one claim.
            if let Some(first) = ids.repeat(&id, i) {
                r.problems.push(
                    FactProblem::new(ProblemCode::DuplicateClaim, format!("{path}.id"))
                        .name(id.as_str())
                        .first_place(format!("claims[{first}]"))
                        .place(path),
                );
            }
            claims.push(ClaimFacts {
                id,
                date,
                item,
                document,
                attributes: attrs,
            });
        }
    }
    claims
}

/// Refuses (F0106) each key of `obj` that is not one of `known`, naming the closest known key;
/// `path` is where `obj` is (empty at the top).
fn unknown_keys(r: &mut Reader<'_>, obj: &[(String, Node<'_>)], known: &[&str], path: &str) {
    for (key, v) in obj {
        if known.contains(&key.as_str()) {
            continue;
        }
        let place = r.place(v.at);
        let name = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        let what = if path.is_empty() {
            "the facts format"
        } else {
            "a claim"
        };
        let p = FactProblem::new(ProblemCode::UnknownKey, name.as_str())
            .name(key.as_str())
            .expected(format!("a key of {what} ({})", known.join(", ")))
            .place(place);
        let near = crate::check::suggest::closest(key.trim(), known.iter().copied())
            .or_else(|| known.iter().copied().find(|t| key.trim() == *t));
        r.problems.push(match near {
            Some(h) => p.hint(h),
            None => p,
        });
    }
}

/// A claim's text field (`item`, `document`): a text, or absent (`null` too); anything else
/// is refused (F0102) rather than read as absent.
fn text_field(r: &mut Reader<'_>, v: Option<&Node<'_>>, path: &str, name: &str) -> Option<String> {
    match v.map(|n| &n.value) {
        None | Some(Json::Null) => None,
        Some(Json::Text(t)) => Some(t.to_string()),
        Some(other) => {
            r.problems.push(
                FactProblem::new(ProblemCode::WrongShape, format!("{path}.{name}"))
                    .name(name)
                    .expected("a text in quotes")
                    .found(other.kind_words()),
            );
            None
        }
    }
}

/// Facts bound to one program's slots.
#[derive(Clone, Debug, Default)]
pub struct Bound {
    /// Subject input values by slot (`None`: not given).
    pub subject: Vec<Option<Value>>,
    /// Claims sorted by date, then id.
    pub claims: Vec<BoundClaim>,
    /// Texts given in the facts; a [`Value::Text`] at or past the program's own texts
    /// indexes this list.
    pub texts: Vec<String>,
    /// The subject's earlier grants, matched to the clauses of the whole policy set (the same
    /// list in every program's bound facts).
    pub history: std::sync::Arc<super::history::History>,
    /// The years given for the subject's yearly series (empty when the policy has none).
    pub series: Vec<super::series::SeriesValues>,
}

/// One claim bound to a program's claim slots.
#[derive(Clone, Debug)]
pub struct BoundClaim {
    /// Its id.
    pub id: String,
    /// Its event date.
    pub date: NaiveDate,
    /// Claim input values by slot.
    pub values: Vec<Option<Value>>,
    /// The item of this program it is addressed to ([`crate::compile::ClauseDef::item`]);
    /// `None` when it is addressed to another policy's item: no clause here evaluates it.
    pub item: Option<u32>,
}

/// Where an input is declared, as `line N` of the policy.
fn declared_at(program: &Program, input: &InputDef) -> String {
    let (line, _) = line_col(&program.source, input.span.start);
    format!("{} line {line}", program.header.document)
}

fn describe_flavor(program: &Program, input: &InputDef) -> String {
    match input.flavor {
        Flavor::Enum => {
            let variants = input
                .enum_id
                .and_then(|e| program.enums.get(e as usize))
                .map(|e| e.variants.join(", "))
                .unwrap_or_default();
            format!("one of: {variants}")
        }
        flavor => flavor_words(flavor, &input.unit),
    }
}

/// What a value of `flavor` looks like, in plain words with an example.
pub(crate) fn flavor_words(flavor: Flavor, unit: &Unit) -> String {
    match flavor {
        Flavor::Money => "money (an amount in 元, e.g. \"600万元\" or 6000000)".to_string(),
        Flavor::Percent => "a percentage (e.g. \"15%\", or the ratio 0.15)".to_string(),
        Flavor::Number => "a number".to_string(),
        Flavor::Count => "a whole number of at least 0".to_string(),
        Flavor::Quantity if unit.is_none() => "a quantity".to_string(),
        Flavor::Quantity => format!("a quantity in {unit} (e.g. \"500{unit}\")"),
        Flavor::Bool => "true or false".to_string(),
        Flavor::Date => "a date such as \"2024-03-01\"".to_string(),
        Flavor::Text => "a text".to_string(),
        Flavor::Enum => "one of the policy's words".to_string(),
    }
}

/// The value as given, for messages: texts in quotes, numbers as written.
pub(crate) fn show_found(v: FactRef<'_>) -> String {
    match v {
        FactRef::Number(n) => n.to_string(),
        FactRef::Text(t) => format!("\"{}\"", crate::eval::format::escape(t)),
        FactRef::Bool(b) => b.to_string(),
        FactRef::Null => "null".to_string(),
    }
}

/// Why a value was not read: each becomes a problem with its own code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Not a value of the declared type (with a suggestion, if any).
    WrongType(Option<String>),
    /// A bare number above 1 given for a percentage; the suggestion (`79%`).
    BarePercent(String),
    /// A bare 1 or -1 given for a percentage: 100% as a ratio, or 1% in percentage points;
    /// the two readings (`100% or 1%`).
    AmbiguousPercent(String),
    /// A notation refused as ambiguous, and why.
    Ambiguous(String),
    /// More digits than can be held.
    TooLarge,
    /// Not a date, and why.
    NotADate(String),
}

impl Refusal {
    fn of(e: LiteralError) -> Refusal {
        match e {
            LiteralError::NotALiteral => Refusal::WrongType(None),
            LiteralError::TooLarge => Refusal::TooLarge,
            e @ (LiteralError::Ambiguous(_) | LiteralError::ScaleWithoutUnit(_)) => {
                Refusal::Ambiguous(e.reason())
            }
        }
    }

    /// The problem this refusal makes for the field `name` at `path`.
    pub(crate) fn problem(
        self,
        code: ProblemCode,
        path: String,
        name: &str,
        expected: String,
        found: FactRef<'_>,
    ) -> FactProblem {
        let p = |code| {
            FactProblem::new(code, path)
                .name(name)
                .expected(expected)
                .found(show_found(found))
        };
        match self {
            Refusal::WrongType(hint) => {
                let p = p(code);
                match hint {
                    Some(h) => p.hint(h),
                    None => p,
                }
            }
            Refusal::BarePercent(suggestion) => p(ProblemCode::BarePercent).hint(suggestion),
            Refusal::AmbiguousPercent(readings) => p(ProblemCode::AmbiguousPercent).hint(readings),
            Refusal::Ambiguous(why) => p(ProblemCode::AmbiguousNumber).hint(why),
            Refusal::TooLarge => p(ProblemCode::TooManyDigits),
            Refusal::NotADate(why) => p(ProblemCode::NotADate).hint(why),
        }
    }
}

/// A number as written (a JSON number's text, or a text without the spaces at its ends).
fn written(v: FactRef<'_>) -> &str {
    match v {
        FactRef::Number(n) | FactRef::Text(n) => trim(n),
        FactRef::Bool(_) | FactRef::Null => "",
    }
}

/// A number given as a JSON number or as text, read with the one literal grammar.
fn literal_of(v: FactRef<'_>) -> Result<Literal, Refusal> {
    match v {
        FactRef::Number(raw) => literal::read_json_number(raw)
            .map(|value| Literal {
                value,
                unit: Unit::none(),
                percent: false,
            })
            .map_err(Refusal::of),
        FactRef::Text(t) => literal::read_quantity(t).map_err(Refusal::of),
        FactRef::Bool(_) | FactRef::Null => Err(Refusal::WrongType(None)),
    }
}

/// Reads a value of a number, truth or date type (`unit`: the declared unit of a quantity,
/// `None` when any unit is taken). Text and enum values are read by the caller.
pub(crate) fn read_scalar(
    flavor: Flavor,
    unit: Option<&Unit>,
    v: FactRef<'_>,
) -> Result<Value, Refusal> {
    let wrong = || Refusal::WrongType(None);
    Ok(match flavor {
        Flavor::Money => match literal_of(v)? {
            l if !l.percent && (l.unit.is_none() || l.unit.is_money()) => Value::Num(l.value),
            _ => return Err(wrong()),
        },
        Flavor::Percent => percent_value(literal_of(v)?, v)?,
        Flavor::Number => match literal_of(v)? {
            l if l.unit.is_none() => Value::Num(l.value),
            _ => return Err(wrong()),
        },
        Flavor::Count => match literal_of(v)? {
            l if !l.percent
                && l.unit.is_none()
                && l.value.fract().is_zero()
                && !l.value.is_sign_negative() =>
            {
                Value::Num(l.value.normalize())
            }
            _ => return Err(wrong()),
        },
        Flavor::Quantity => match literal_of(v)? {
            l if !l.percent && (l.unit.is_none() || unit.is_none_or(|u| *u == l.unit)) => {
                Value::Num(l.value)
            }
            _ => return Err(wrong()),
        },
        Flavor::Bool => match v {
            FactRef::Bool(b) => Value::Bool(b),
            FactRef::Text(t) => Value::Bool(literal::read_bool(t).ok_or_else(wrong)?),
            _ => return Err(wrong()),
        },
        Flavor::Date => match v {
            FactRef::Text(t) => Value::Date(literal::read_date(t).map_err(Refusal::NotADate)?),
            _ => return Err(wrong()),
        },
        Flavor::Text | Flavor::Enum => return Err(wrong()),
    })
}

/// Reads one fact against its declaration.
fn read_value(
    program: &Program,
    input: &InputDef,
    v: FactRef<'_>,
    texts: &mut Vec<String>,
) -> Result<Option<Value>, Refusal> {
    Ok(Some(match (input.flavor, v) {
        (_, FactRef::Null) => return Ok(None),
        (Flavor::Text, FactRef::Text(t)) => {
            texts.push(t.to_string());
            Value::Text((program.texts.len() + texts.len() - 1) as u32)
        }
        (Flavor::Enum, FactRef::Text(t)) => {
            let e = input.enum_id.and_then(|e| program.enums.get(e as usize));
            match e.and_then(|e| e.variants.iter().position(|x| x == t.trim())) {
                Some(i) => Value::Enum(i as u16),
                None => {
                    let hint =
                        e.and_then(|e| closest(t.trim(), e.variants.iter().map(String::as_str)));
                    return Err(Refusal::WrongType(hint.map(str::to_string)));
                }
            }
        }
        (Flavor::Percent, v) => read_percent(input, v)?,
        (flavor, v) => read_scalar(flavor, Some(&input.unit), v)?,
    }))
}

/// Reads a value of the percentage input `input`.
fn read_percent(input: &InputDef, v: FactRef<'_>) -> Result<Value, Refusal> {
    percent_of(input, literal_of(v)?, v)
}

/// The value of `l`, read from `v`, for the percentage input `input`.
fn percent_of(input: &InputDef, l: Literal, v: FactRef<'_>) -> Result<Value, Refusal> {
    let value = l.value;
    match percent_value(l, v) {
        // A bare number beyond ±1 is taken as a ratio only where the declared range
        // explicitly reaches it (`percent in 0%..10000%`).
        Err(refusal @ (Refusal::BarePercent(_) | Refusal::AmbiguousPercent(_))) => {
            match &input.range {
                Some(range) if range.reads_bare_ratios(value) => Ok(Value::Num(value)),
                _ => Err(refusal),
            }
        }
        read => read,
    }
}

/// The value of `l`, read from `v`, for a percentage (an input's declared range aside).
fn percent_value(l: Literal, v: FactRef<'_>) -> Result<Value, Refusal> {
    Ok(match l {
        l if l.percent => Value::Num(l.value),
        l if !l.unit.is_none() => return Err(Refusal::WrongType(None)),
        // A bare 1 is 100% as a ratio but 1% in a column written in percentage points
        // (3, 79, 1, 0.8): either could be meant, so it is refused.
        l if l.value.abs() == Decimal::ONE => {
            let sign = if l.value.is_sign_negative() { "-" } else { "" };
            return Err(Refusal::AmbiguousPercent(format!("{sign}100% or {sign}1%")));
        }
        // A bare number is a ratio (0.15 is 15%); above 1 it is far more likely a
        // percentage written without its sign (79 for 79%), so it is refused.
        l if l.value.abs() > Decimal::ONE => {
            return Err(Refusal::BarePercent(format!("{}%", written(v))));
        }
        l => Value::Num(l.value),
    })
}

/// A percentage given as a bare number (no `%`, no unit): how it was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Bare {
    /// Refused as a percentage written without its sign (F0114, F0172).
    Refused,
    /// Read as a ratio (`0.8` is 80%).
    Ratio,
}

/// How the value `v` of the input `input` reads when it is a percentage given as a bare number
/// (`None`: not a percentage input, not a bare number, or refused for another reason). A bare
/// number read as a ratio cannot be told from a percentage written without its sign (`0.8`
/// meant as 0.8%), which only its neighbours refused as such betray (F0173).
pub(crate) fn bare_percent(input: &InputDef, v: FactRef<'_>) -> Option<Bare> {
    if input.flavor != Flavor::Percent {
        return None;
    }
    // A `%` anywhere is no bare number: the usual cell of a percentage is passed at once.
    if let FactRef::Text(t) = v {
        if t.contains('%') {
            return None;
        }
    }
    // Read once: the plain decimals a column is mostly made of at once, as `bind` reads them.
    let l = match v {
        FactRef::Text(t) => plain_decimal(t).map(|value| Literal {
            value,
            unit: Unit::none(),
            percent: false,
        }),
        _ => None,
    };
    let l = match l {
        Some(l) => l,
        None => literal_of(v).ok()?,
    };
    if l.percent || !l.unit.is_none() {
        return None;
    }
    match percent_of(input, l, v) {
        Err(Refusal::BarePercent(_) | Refusal::AmbiguousPercent(_)) => Some(Bare::Refused),
        Ok(_) => Some(Bare::Ratio),
        Err(_) => None,
    }
}

/// Whether `a` and `b`, given for the subject input `name` of a `kind` subject, are the same
/// value: each policy declaring the input reads both alike (`true` and `1`, `1,000元` and
/// `1000元`). An input no policy declares compares its texts, spaces around them aside.
pub(crate) fn same_fact(
    programs: &[Program],
    kind: Kind,
    name: &str,
    a: FactRef<'_>,
    b: FactRef<'_>,
) -> bool {
    let mut declared = false;
    for program in programs {
        let inputs = program.subject_inputs.iter();
        for input in inputs.filter(|i| i.name == name && i.kinds.contains(&kind)) {
            declared = true;
            let (mut ta, mut tb) = (Vec::new(), Vec::new());
            let read_a = read_value(program, input, a, &mut ta);
            let read_b = read_value(program, input, b, &mut tb);
            let same = match (read_a, read_b) {
                // Texts are held by their place: compare what they say.
                (Ok(Some(Value::Text(_))), Ok(Some(Value::Text(_)))) => {
                    ta.first().map(|t| t.trim()) == tb.first().map(|t| t.trim())
                }
                (Ok(x), Ok(y)) => x == y,
                _ => false,
            };
            if !same {
                return false;
            }
        }
    }
    declared
        || match (a, b) {
            (FactRef::Text(x), FactRef::Text(y)) => x.trim() == y.trim(),
            _ => a == b,
        }
}

/// Whether `value` lies outside the range `input` declares (never, without a range).
fn out_of_range(input: &InputDef, value: &Option<Value>) -> bool {
    match (&input.range, value) {
        (Some(range), Some(Value::Num(d))) => !range.contains(*d),
        _ => false,
    }
}

pub(super) fn bind_attributes<'v>(
    program: &Program,
    inputs: &[InputDef],
    lookup: impl Fn(usize, &InputDef) -> Option<FactRef<'v>>,
    path: &str,
    out: &mut [Option<Value>],
    texts: &mut Vec<String>,
    problems: &mut Vec<FactProblem>,
) {
    for (slot, input) in inputs.iter().enumerate() {
        let Some(v) = lookup(slot, input) else {
            out[slot] = input.default;
            continue;
        };
        // The cells a register is mostly made of, a plain amount or a 0/1 flag, read at once;
        // anything else (units, words, errors) takes the general reader below.
        if let FactRef::Text(t) = v {
            match (input.flavor, t.as_bytes()) {
                (Flavor::Bool, b"1") => {
                    out[slot] = Some(Value::Bool(true));
                    continue;
                }
                (Flavor::Bool, b"0") => {
                    out[slot] = Some(Value::Bool(false));
                    continue;
                }
                // A ranged amount takes the general reader, which checks the range.
                (Flavor::Money, [b'0'..=b'9', ..]) if input.range.is_none() => {
                    if let Some(d) = plain_decimal(t) {
                        out[slot] = Some(Value::Num(d));
                        continue;
                    }
                }
                _ => {}
            }
        }
        let negative = |x: &Option<Value>| matches!(x, Some(Value::Num(d)) if d.is_sign_negative() && !d.is_zero());
        let at = || format!("{path}.{}", input.name);
        match read_value(program, input, v, texts) {
            Ok(value)
                if negative(&value)
                    && !input.signed
                    && matches!(input.flavor, Flavor::Money | Flavor::Quantity) =>
            {
                problems.push(
                    FactProblem::new(ProblemCode::Negative, at())
                        .name(input.name.as_str())
                        .found(show_found(v))
                        .declared_in(program, input),
                )
            }
            Ok(value) if out_of_range(input, &value) => problems.push(
                FactProblem::new(ProblemCode::OutOfRange, at())
                    .name(input.name.as_str())
                    .expected(
                        input
                            .range
                            .as_ref()
                            .map_or(String::new(), |r| r.text.clone()),
                    )
                    .found(show_found(v))
                    .declared_in(program, input),
            ),
            Ok(value) => out[slot] = value.or(input.default),
            Err(refusal) => problems.push(
                refusal
                    .problem(
                        ProblemCode::WrongType,
                        at(),
                        &input.name,
                        describe_flavor(program, input),
                        v,
                    )
                    .declared_in(program, input),
            ),
        }
    }
}

/// Binds facts to the slots of `program`, reporting values that do not fit their declaration.
/// `items[k]` is the item of this program claim `k` of the facts is addressed to (`None`: one
/// of another policy, or none), as `eval::items` resolved it.
pub fn bind(
    program: &Program,
    facts: &Facts,
    items: &[Option<u32>],
) -> Result<Bound, Vec<FactProblem>> {
    let mut problems = Vec::new();
    let mut bound = Bound {
        subject: vec![None; program.subject_inputs.len()],
        claims: Vec::with_capacity(facts.claims.len()),
        texts: Vec::new(),
        history: std::sync::Arc::default(),
        series: Vec::new(),
    };
    super::series::bind_series(program, &facts.attributes, &mut bound, &mut problems);
    bind_attributes(
        program,
        &program.subject_inputs,
        |_, input| facts.attributes.get(&input.name).map(FactValue::as_ref),
        "attributes",
        &mut bound.subject,
        &mut bound.texts,
        &mut problems,
    );
    for (i, c) in facts.claims.iter().enumerate() {
        let mut values = vec![None; program.claim_inputs.len()];
        bind_attributes(
            program,
            &program.claim_inputs,
            |_, input| c.attributes.get(&input.name).map(FactValue::as_ref),
            &format!("claims[{i}].attributes"),
            &mut values,
            &mut bound.texts,
            &mut problems,
        );
        bound.claims.push(BoundClaim {
            id: c.id.clone(),
            date: c.date,
            values,
            item: items.get(i).copied().flatten(),
        });
    }
    bound
        .claims
        .sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
    if problems.is_empty() {
        Ok(bound)
    } else {
        Err(problems)
    }
}

/// Binds the attributes of a subject without claims given as a row of cells, into `bound`
/// (whose buffers are reused): `cell(columns[slot])` holds the value of subject input `slot`
/// (`None` in `columns`: no such column). The same values and problems as [`bind`] on facts
/// with those attributes, without building them (the path for populations read row by row).
pub fn bind_cells<'c>(
    program: &Program,
    columns: &[Option<usize>],
    cell: impl Fn(usize) -> Option<&'c [u8]>,
    bound: &mut Bound,
) -> Result<(), Vec<FactProblem>> {
    let mut problems = Vec::new();
    let inputs = &program.subject_inputs;
    // Every slot is written below: sized once, then written in place.
    bound.subject.resize(inputs.len(), None);
    bound.claims.clear();
    bound.texts.clear();
    // Policies with yearly series are bound from facts, not cells (their rows take that path).
    bound.series.clear();
    for (slot, input) in inputs.iter().enumerate() {
        let Some(text) = columns.get(slot).copied().flatten().and_then(&cell) else {
            bound.subject[slot] = input.default;
            continue;
        };
        // The cells a register is mostly made of, a plain amount or a 0/1 flag, read at once;
        // anything else (blanks, units, words, errors) is read as `bind` reads it.
        let quick = match (input.flavor, text) {
            (Flavor::Bool, b"1") => Some(Value::Bool(true)),
            (Flavor::Bool, b"0") => Some(Value::Bool(false)),
            (Flavor::Money, [b'0'..=b'9', ..]) if input.range.is_none() => {
                plain_decimal_bytes(text).map(Value::Num)
            }
            _ => None,
        };
        bound.subject[slot] = quick;
        if quick.is_none() {
            bind_cell(program, input, text, slot, bound, &mut problems);
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Binds one cell as [`bind`] reads it, into `slot` of `bound.subject`.
#[cold]
#[inline(never)]
fn bind_cell(
    program: &Program,
    input: &InputDef,
    text: &[u8],
    slot: usize,
    bound: &mut Bound,
    problems: &mut Vec<FactProblem>,
) {
    let Ok(text) = std::str::from_utf8(text) else {
        problems.push(
            FactProblem::new(ProblemCode::NotUtf8, format!("attributes.{}", input.name))
                .name(input.name.as_str()),
        );
        return;
    };
    bind_attributes(
        program,
        std::slice::from_ref(input),
        |_, _| Some(FactRef::cell(text)),
        "attributes",
        &mut bound.subject[slot..=slot],
        &mut bound.texts,
        problems,
    );
}

/// [`bare_percent`] of a value read by several declarations of one name (policies read
/// together): refused if one of them refuses it, else read as a ratio (with the declaration
/// that reads it so) if one reads it so.
pub(crate) fn bare_percent_among<'i>(
    inputs: impl IntoIterator<Item = &'i InputDef>,
    v: FactRef<'_>,
) -> Option<(Bare, &'i InputDef)> {
    let mut found = None;
    for input in inputs {
        match bare_percent(input, v) {
            Some(Bare::Refused) => return Some((Bare::Refused, input)),
            Some(Bare::Ratio) => found = found.or(Some((Bare::Ratio, input))),
            None => {}
        }
    }
    found
}

/// Warnings for `facts` whose `problems` refuse a percentage given as a bare number (F0114,
/// F0172): each other percentage of the facts given as a bare number, read as a ratio, may be a
/// percentage written without its sign too (F0173), one warning per value, in the order of the
/// facts. None when no such refusal is among `problems`.
pub fn bare_ratio_warnings(
    programs: &[&Program],
    facts: &Facts,
    problems: &[FactProblem],
) -> Vec<FactProblem> {
    let refused = |p: &FactProblem| {
        matches!(
            p.code,
            ProblemCode::BarePercent | ProblemCode::AmbiguousPercent
        )
    };
    if !problems.iter().any(refused) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut warn =
        |inputs: &mut dyn Iterator<Item = &InputDef>, path: String, name: &str, v: &FactValue| {
            let v = v.as_ref();
            let Some((Bare::Ratio, input)) = bare_percent_among(inputs, v) else {
                return;
            };
            let Ok(Value::Num(d)) = read_percent(input, v) else {
                return;
            };
            let reading = d
                .checked_mul(Decimal::ONE_HUNDRED)
                .map_or_else(|| d.to_string(), |p| format!("{}%", p.normalize()));
            out.push(
                FactProblem::new(ProblemCode::BareRatio, path)
                    .name(name)
                    .found(show_found(v))
                    .expected(format!("{}%", written(v)))
                    .hint(reading),
            );
        };
    for (name, v) in &facts.attributes {
        let base = super::series::series_name(name).map_or(name.as_str(), |(n, _)| n);
        let mut inputs = programs
            .iter()
            .flat_map(|p| &p.subject_inputs)
            .filter(|i| i.name == base);
        warn(&mut inputs, format!("attributes.{name}"), name, v);
    }
    for (k, c) in facts.claims.iter().enumerate() {
        for (name, v) in &c.attributes {
            let mut inputs = programs
                .iter()
                .flat_map(|p| &p.claim_inputs)
                .filter(|i| i.name == *name);
            warn(
                &mut inputs,
                format!("claims[{k}].attributes.{name}"),
                name,
                v,
            );
        }
    }
    out
}

/// An input that nothing given names (no attribute of the facts, no column of a population),
/// while something given is ignored: its default, or no value, applies to every subject, which
/// is what a misnamed column (`失信(是/否)` for `失信`) silently does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct UnsetInput {
    /// The input's name.
    pub name: String,
    /// Its default as written in a policy, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

impl UnsetInput {
    /// The input in words for a population (`many`) or one subject's facts.
    pub fn words(&self, many: bool) -> String {
        let name = super::format::escape(&self.name);
        match (&self.default, many) {
            (Some(d), true) => {
                format!("`{name}` is given by no column: every subject takes its default {d}")
            }
            (None, true) => {
                format!("`{name}` is given by no column: no subject has a value for it")
            }
            (Some(d), false) => format!("`{name}` is not given: its default {d} applies"),
            (None, false) => format!("`{name}` is not given"),
        }
    }
}

/// The inputs of subjects of `kind` (and, with `claims`, the claim inputs) for which `given`
/// holds for no name, each once, in policy order. A series input is given by any of its year
/// names (`销售收入[2023]`): `given` is asked for its bare name, the caller folding those.
pub fn unset_inputs(
    programs: &[&Program],
    kind: Kind,
    claims: bool,
    given: &dyn Fn(&str) -> bool,
) -> Vec<UnsetInput> {
    let mut out: Vec<UnsetInput> = Vec::new();
    for p in programs {
        let subject = p.subject_inputs.iter().filter(|i| i.kinds.contains(&kind));
        let claim = p.claim_inputs.iter().filter(|_| claims);
        for i in subject.chain(claim) {
            if given(&i.name) || out.iter().any(|u| u.name == i.name) {
                continue;
            }
            let texts = |t: u32| p.texts.get(t as usize).cloned().unwrap_or_default();
            let default = i
                .default
                .map(|d| super::format::value(p, &texts, i.show, d));
            out.push(UnsetInput {
                name: i.name.clone(),
                default,
            });
        }
    }
    out
}

/// The inputs of the facts' kind none of whose attributes names them (claim inputs: when the
/// facts have claims, given by none of them), in words, or `None` when all are given.
fn unset_in_facts(programs: &[&Program], facts: &Facts) -> Option<String> {
    let given = |name: &str| {
        facts
            .attributes
            .keys()
            .any(|k| k == name || super::series::series_name(k).is_some_and(|(n, _)| n == name))
            || facts.claims.iter().any(|c| c.attributes.contains_key(name))
    };
    let unset = unset_inputs(programs, facts.kind, !facts.claims.is_empty(), &given);
    let words: Vec<String> = unset.iter().map(|u| u.words(false)).collect();
    (!words.is_empty()).then(|| words.join("; "))
}

/// Attributes that no program of the set declares: warnings, so typos do not go unnoticed. Each
/// names the inputs the facts give no value (F5 of attack run 6: `失信(是/否)` ignored while
/// `失信` took its default).
pub fn unknown_attributes(programs: &[&Program], facts: &Facts) -> Vec<FactProblem> {
    let mut out = Vec::new();
    let known_subject = |name: &str| {
        let name = super::series::series_name(name).map_or(name, |(n, _)| n);
        programs
            .iter()
            .any(|p| p.subject_inputs.iter().any(|i| i.name == name))
    };
    let known_claim = |name: &str| {
        programs
            .iter()
            .any(|p| p.claim_inputs.iter().any(|i| i.name == name))
    };
    // The suggestions are only looked for when an attribute is unknown, which is rare.
    let hint = |name: &str, claim: bool| {
        let all = programs.iter().flat_map(|p| {
            let inputs = if claim {
                &p.claim_inputs
            } else {
                &p.subject_inputs
            };
            inputs.iter().map(|i| i.name.as_str())
        });
        closest(name, all).map(str::to_string)
    };
    let mut unset = None;
    let mut unused = |path: String, name: &str, claim: bool| {
        let mut p = FactProblem::new(ProblemCode::UnusedAttribute, path).name(name);
        if let Some(words) = unset.get_or_insert_with(|| unset_in_facts(programs, facts)) {
            p = p.found(words.clone());
        }
        match hint(name, claim) {
            Some(h) => p.hint(h),
            None => p,
        }
    };
    for name in facts.attributes.keys() {
        if !known_subject(name) {
            out.push(unused(format!("attributes.{name}"), name, false));
        }
    }
    for (i, c) in facts.claims.iter().enumerate() {
        for name in c.attributes.keys() {
            if !known_claim(name) {
                out.push(unused(format!("claims[{i}].attributes.{name}"), name, true));
            }
        }
    }
    out
}

/// Reads a setting (`--set name=value`, or a value of a settings file) for a parameter of
/// type `flavor`, with the grammar facts are read with.
/// `unit` is the unit a quantity parameter is declared in.
pub(crate) fn parse_setting(v: FactRef<'_>, flavor: Flavor, unit: &Unit) -> Result<Value, Refusal> {
    read_scalar(flavor, Some(unit), v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn plain_decimals_read_as_the_general_reader_reads_them(t in "-?[0-9.]{0,22}") {
            if let Some(d) = plain_decimal(&t) {
                let general = Decimal::from_str_exact(&t).unwrap();
                // Same value and same decimal places.
                prop_assert_eq!(d.to_string(), general.to_string());
                prop_assert_eq!(d.scale(), general.scale());
            }
        }

        #[test]
        fn trimming_by_the_ends_is_trimming(t in "[ \t\u{3000}a-z0-9.]{0,6}") {
            prop_assert_eq!(trim(&t), t.trim());
        }
    }

    #[test]
    fn the_plain_reader_takes_the_common_cells() {
        assert_eq!(
            plain_decimal("101533312.40"),
            Some(Decimal::new(10153331240, 2))
        );
        assert_eq!(plain_decimal("0.00"), Some(Decimal::new(0, 2)));
        assert_eq!(plain_decimal("-7"), Some(Decimal::new(-7, 0)));
        for other in [
            "",
            "-",
            ".5",
            "5.",
            "1.2.3",
            "-0",
            "1e3",
            "20万元",
            "1234567890123456789",
        ] {
            assert_eq!(plain_decimal(other), None, "{other}");
        }
    }

    fn read(flavor: Flavor, v: FactRef<'_>) -> Result<Value, Refusal> {
        read_scalar(flavor, None, v)
    }

    #[test]
    fn numbers_as_staff_and_programs_write_them() {
        let num = |d: Decimal| Ok(Value::Num(d));
        let money = |t| read(Flavor::Money, FactRef::Text(t));
        assert_eq!(money("600万元"), num(Decimal::from(6_000_000)));
        assert_eq!(money("6000000"), num(Decimal::from(6_000_000)));
        assert_eq!(money("1,000元"), num(Decimal::from(1000)));
        assert_eq!(money("0.1"), num(Decimal::new(1, 1)));
        assert_eq!(money("-3元"), num(Decimal::from(-3)));
        assert_eq!(money("+5"), money("+5元"));
        assert_eq!(
            read(Flavor::Money, FactRef::Number("1e3")),
            num(Decimal::from(1000))
        );
        assert_eq!(
            read(Flavor::Percent, FactRef::Text("15%")),
            num(Decimal::new(15, 2))
        );
        assert_eq!(money("abc"), Err(Refusal::WrongType(None)));
        assert_eq!(
            read(Flavor::Money, FactRef::Number("1e400")),
            Err(Refusal::TooLarge)
        );
    }

    #[test]
    fn one_notation_for_every_input() {
        // The same refusals with and without a unit: nothing is accepted bare and refused
        // with 元, or the other way round.
        for (bare, with_unit) in [
            ("1_5", "1_5元"),
            ("1e3", "1e3元"),
            ("1,5", "1,5元"),
            (".5", ".5元"),
        ] {
            let a = read(Flavor::Money, FactRef::Text(bare));
            let b = read(Flavor::Money, FactRef::Text(with_unit));
            assert!(matches!(a, Err(Refusal::Ambiguous(_))), "{bare}: {a:?}");
            assert!(
                matches!(b, Err(Refusal::Ambiguous(_))),
                "{with_unit}: {b:?}"
            );
        }
        assert!(matches!(
            read(Flavor::Money, FactRef::Text("5万")),
            Err(Refusal::Ambiguous(_))
        ));
        assert_eq!(
            read(Flavor::Money, FactRef::Text("5万元\n另有说明")),
            Err(Refusal::WrongType(None))
        );
    }

    #[test]
    fn a_ranged_input_refuses_values_outside_it_on_both_readers() {
        let text = "policy \"p\" { title \"t\" issued 2023-01-01 effective 2023-01-01 to 2025-12-31 funding { a: 100% } same_matter highest }\n\
            input enterprise { 费用: money in 0元..5亿元  率: percent in 0%..1000% }\n\
            clause c { source \"一\" when 率 > 0% award 10% of 费用 }";
        let program = crate::compile_source(text)
            .program
            .expect("the policy compiles");
        let bind_one = |cost: &str, rate: &str| {
            let (facts, _) = Facts::from_json(&format!(
                r#"{{"kind": "enterprise", "id": "1", "attributes": {{"费用": {cost}, "率": {rate}}}}}"#
            ))
            .unwrap();
            bind(&program, &facts, &[]).map_err(|p| p.iter().map(|p| p.code).collect::<Vec<_>>())
        };
        assert!(bind_one("\"5亿元\"", "\"5%\"").is_ok());
        // The plain amount a register holds and the same amount with a unit, one fen over.
        assert_eq!(
            bind_one("\"500000000.01\"", "\"5%\"").unwrap_err(),
            [ProblemCode::OutOfRange]
        );
        assert_eq!(
            bind_one("500000000.01", "\"5%\"").unwrap_err(),
            [ProblemCode::OutOfRange]
        );
        // A bare 10 is a ratio of 10 (1000%) here: the range writes that bound out.
        let bound = bind_one("1", "10").unwrap();
        assert_eq!(bound.subject[1], Some(Value::Num(Decimal::TEN)));
        assert_eq!(bind_one("1", "11").unwrap_err(), [ProblemCode::BarePercent]);
        // There bare numbers are ratios: a bare 1 is 100%.
        let bound = bind_one("1", "1").unwrap();
        assert_eq!(bound.subject[1], Some(Value::Num(Decimal::ONE)));
        assert_eq!(
            bind_one("1", "\"1001%\"").unwrap_err(),
            [ProblemCode::OutOfRange]
        );
    }

    #[test]
    fn a_bare_percentage_above_one_is_refused_with_a_suggestion() {
        assert_eq!(
            read(Flavor::Percent, FactRef::Number("79")),
            Err(Refusal::BarePercent("79%".into()))
        );
        assert_eq!(
            read(Flavor::Percent, FactRef::Text(" 10 ")),
            Err(Refusal::BarePercent("10%".into()))
        );
        assert_eq!(
            read(Flavor::Percent, FactRef::Number("0.79")),
            Ok(Value::Num(Decimal::new(79, 2)))
        );
        // A bare 1 is 100% as a ratio, 1% in percentage points (attack run F19).
        for (one, readings) in [
            (FactRef::Text("1"), "100% or 1%"),
            (FactRef::Number("1.0"), "100% or 1%"),
            (FactRef::Text("-1"), "-100% or -1%"),
        ] {
            assert_eq!(
                read(Flavor::Percent, one),
                Err(Refusal::AmbiguousPercent(readings.into()))
            );
        }
        assert_eq!(
            read(Flavor::Percent, FactRef::Text("100%")),
            Ok(Value::Num(Decimal::ONE))
        );
        assert_eq!(
            read(Flavor::Percent, FactRef::Text("790%")),
            Ok(Value::Num(Decimal::new(790, 2)))
        );
    }

    #[test]
    fn facts_json_shape_problems_are_all_reported() {
        let err =
            Facts::from_json(r#"{"kind": "firm", "attributes": [], "claims": [{"id": "a"}]}"#)
                .unwrap_err();
        let paths: Vec<&str> = err.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["kind", "id", "attributes", "claims[0].date"]);
        let codes: Vec<&str> = err.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes, ["F0104", "F0105", "F0102", "F0105"]);
        for p in &err {
            // One sentence each, in plain words, with help.
            assert!(!p.message().is_empty() && !p.help().is_empty(), "{p:?}");
            assert!(!p.message().ends_with('.'), "{}", p.message());
        }
    }

    #[test]
    fn numbers_keep_their_exact_text() {
        let (f, warnings) = Facts::from_json(r#"{"kind": "enterprise", "id": "1", "attributes": {"a": 0.1, "b": 12345678901234567890.123}}"#).unwrap();
        assert!(warnings.is_empty());
        assert_eq!(f.attributes["a"], FactValue::Number("0.1".into()));
        assert_eq!(
            f.attributes["b"],
            FactValue::Number("12345678901234567890.123".into())
        );
    }

    #[test]
    fn a_key_given_twice_is_refused_with_both_lines() {
        let text = "{\"kind\": \"enterprise\", \"id\": \"1\",\n \"attributes\": {\"研发费用\": \"600万元\",\n \"研发费用\": \"60万元\"}}";
        let err = Facts::from_json(text).unwrap_err();
        assert_eq!(err.len(), 1, "{err:?}");
        assert_eq!(err[0].code, ProblemCode::DuplicateKey);
        assert_eq!(err[0].path, "attributes.研发费用");
        assert_eq!(err[0].first_place.as_deref(), Some("line 2"));
        assert_eq!(err[0].place.as_deref(), Some("line 3"));
        for twice in [
            r#"{"kind": "enterprise", "id": "1", "id": "2"}"#,
            r#"{"kind": "enterprise", "kind": "person", "id": "1"}"#,
            r#"{"kind": "enterprise", "id": "1", "attributes": {}, "attributes": {}}"#,
            r#"{"kind": "enterprise", "id": "1", "claims": [{"id": "a", "id": "b", "date": "2024-01-01"}]}"#,
        ] {
            let err = Facts::from_json(twice).unwrap_err();
            assert!(
                err.iter().any(|p| p.code == ProblemCode::DuplicateKey),
                "{twice}: {err:?}"
            );
        }
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_facts() {
        let (f, _) = Facts::from_json("\u{feff}{\"kind\": \"enterprise\", \"id\": \"1\"}").unwrap();
        assert_eq!(f.id, "1");
    }

    #[test]
    fn exact_numbers_without_arbitrary_precision() {
        let text = r#"{"kind": "enterprise", "id": "1", "attributes": {"a": 0.1, "b": 1234567890123456789012345678, "c": 1e2, "d": 0.30000000000000004}}"#;
        let (f, _) = Facts::from_json(text).unwrap();
        let v = |k: &str| read(Flavor::Number, f.attributes[k].as_ref()).unwrap();
        assert_eq!(v("a"), Value::Num(Decimal::new(1, 1)));
        assert_eq!(
            v("b"),
            Value::Num(Decimal::from_str_exact("1234567890123456789012345678").unwrap())
        );
        assert_eq!(v("c"), Value::Num(Decimal::from(100)));
        assert_eq!(
            v("d"),
            Value::Num(Decimal::from_str_exact("0.30000000000000004").unwrap())
        );
    }
}
