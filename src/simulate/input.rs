//! Reading a population's rows: CSV or JSON Lines, one record per row.
//!
//! Input: a row's text and the column mapping. Output: [`Record`]s with their line numbers, the
//! subject's attributes and the claim's (claim inputs of the policies go to the claim), and the
//! subject id alone for cutting a file into chunks.
//! Guarantee: cells are kept as text (numbers exactly as written); an empty cell is a value
//! not given; a bad row is an error naming its line, and reading goes on.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::NaiveDate;

use super::{row_error, RowError, RowProblem};
use crate::compile::Kind;
use crate::eval::facts::{
    bare_percent_among, node_value, trim, Bare, FactProblem, FactRef, FactValue,
};
use crate::eval::json::{self, Json};
use crate::problem::ProblemCode;

/// Which columns identify a row.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Columns {
    /// The subject id (default `id`).
    pub id: String,
    /// The claim id (default `claim_id`); rows without it describe the subject alone.
    pub claim_id: String,
    /// The claim's event date (default `claim_date`).
    pub claim_date: String,
    /// The item a claim is for (default `item`; see "Order of evaluation" in the README).
    pub item: String,
    /// The item's document, where several declare its name (default `document`).
    pub document: String,
}

impl Default for Columns {
    fn default() -> Self {
        Columns {
            id: "id".to_string(),
            claim_id: "claim_id".to_string(),
            claim_date: "claim_date".to_string(),
            item: "item".to_string(),
            document: "document".to_string(),
        }
    }
}

impl Columns {
    /// Whether `name` is one of the columns that identify a row rather than an input.
    pub(crate) fn is_special(&self, name: &str) -> bool {
        [
            &self.id,
            &self.claim_id,
            &self.claim_date,
            &self.item,
            &self.document,
        ]
        .iter()
        .any(|c| c.as_str() == name)
    }
}

/// The names of the policies' inputs, to tell the columns (CSV header names, JSON Lines keys)
/// that are no input and are ignored: reported once per run, alike in both formats.
#[derive(Clone, Debug, Default)]
pub struct InputNames {
    names: std::collections::BTreeSet<String>,
    /// The percentage inputs (subject or claim) by name, each declaration of the name: their
    /// bare values are counted per column (F0173).
    percent: std::collections::HashMap<String, Vec<crate::compile::InputDef>>,
}

/// A column (a CSV header name or a JSON Lines key) that is no input of the policies, and the
/// closest input's name when one is near.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct IgnoredColumn {
    /// The column's name as read.
    pub name: String,
    /// The input it may have been meant as.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub did_you_mean: Option<String>,
}

impl std::fmt::Display for IgnoredColumn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = crate::eval::format::escape(&self.name);
        write!(
            f,
            "the column `{name}` is not an input of these policies; it is ignored"
        )?;
        if let Some(near) = &self.did_you_mean {
            write!(
                f,
                " (did you mean `{}`?)",
                crate::eval::format::escape(near)
            )?;
        }
        Ok(())
    }
}

impl InputNames {
    /// The subject and claim inputs of `programs`.
    pub fn of(programs: &[crate::compile::Program]) -> InputNames {
        let inputs = || {
            programs
                .iter()
                .flat_map(|p| p.subject_inputs.iter().chain(&p.claim_inputs))
        };
        let mut percent = std::collections::HashMap::<_, Vec<_>>::new();
        for i in inputs().filter(|i| i.flavor == crate::check::types::Flavor::Percent) {
            percent.entry(i.name.clone()).or_default().push(i.clone());
        }
        InputNames {
            names: inputs().map(|i| i.name.clone()).collect(),
            percent,
        }
    }

    /// The declarations of the percentage input the column `name` gives (a series column is
    /// named after its input and year), if it is one.
    pub(crate) fn percent(&self, name: &str) -> Option<&[crate::compile::InputDef]> {
        if self.percent.is_empty() {
            return None;
        }
        let base = crate::eval::series::series_name(name).map_or(name, |(n, _)| n);
        self.percent.get(base).map(Vec::as_slice)
    }

    /// Whether any input is a percentage.
    pub(crate) fn has_percent(&self) -> bool {
        !self.percent.is_empty()
    }

    /// Whether the column `name` is neither an input nor one of the row's `columns`: a series
    /// column is named after its input and year (`销售收入[2023]`).
    pub fn ignores(&self, name: &str, columns: &Columns) -> bool {
        let base = crate::eval::series::series_name(name).map_or(name, |(n, _)| n);
        !columns.is_special(name)
            && !self.names.contains(name)
            && !self.names.contains(base)
            && name != KIND_COLUMN
    }

    /// Whether the column `kind` says each row's kind of subject ([`kind_problem`]): unless a
    /// policy has an input of that name.
    pub fn reads_kind(&self) -> bool {
        !self.names.contains(KIND_COLUMN)
    }

    /// The ignored column `name`, with the closest input's name.
    pub fn ignored(&self, name: &str) -> IgnoredColumn {
        // Full-width letters and look-alike forms are compared in the form keys are.
        let folded = crate::keys::key(name);
        let near = self
            .names
            .iter()
            .find(|n| crate::keys::key(n) == folded)
            .map(String::as_str)
            .or_else(|| {
                crate::check::suggest::closest(name, self.names.iter().map(String::as_str))
            });
        IgnoredColumn {
            name: name.to_string(),
            did_you_mean: near.map(str::to_string),
        }
    }
}

/// A column of percentages (a CSV header name or a JSON Lines key) where bare numbers were
/// refused as percentage points (F0114, F0172) while others were read as ratios: those may be
/// percentage points too (`0.8` meant as 0.8% but read as 80%), so they are reported (F0173).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct BarePercentColumn {
    /// The column's name as read.
    pub name: String,
    /// Its bare numbers refused as percentage points (F0114, F0172).
    pub refused: u64,
    /// Its other bare numbers, read as ratios.
    pub read_as_ratios: u64,
}

impl std::fmt::Display for BarePercentColumn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = crate::eval::format::escape(&self.name);
        let (refused, were) = match self.refused {
            1 => ("1 bare value", "was"),
            n => (&*format!("{n} bare values"), "were"),
        };
        let ratios = match self.read_as_ratios {
            1 => "1 other bare value was read as a ratio".to_string(),
            n => format!("{n} other bare values were read as ratios"),
        };
        write!(
            f,
            "column `{name}`: {refused} {were} refused as percentage points (F0114/F0172) and \
             {ratios} (0.8 = 80%); check them and write each with `%` (`0.8%` or `80%`); see \
             `pol explain F0173`"
        )
    }
}

/// Bare numbers of percentage columns, counted per column in the order first met: what a
/// chunk read, or the run so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BareCounts {
    columns: Vec<BarePercentColumn>,
}

impl BareCounts {
    /// Counts one bare number of the column `name`.
    pub(crate) fn note(&mut self, name: &str, bare: Bare) {
        let c = self.column(name);
        match bare {
            Bare::Refused => c.refused += 1,
            Bare::Ratio => c.read_as_ratios += 1,
        }
    }

    /// The counts of the column `name`, added (at zero) when new.
    fn column(&mut self, name: &str) -> &mut BarePercentColumn {
        let at = match self.columns.iter().position(|c| c.name == name) {
            Some(at) => at,
            None => {
                self.columns.push(BarePercentColumn {
                    name: name.to_string(),
                    refused: 0,
                    read_as_ratios: 0,
                });
                self.columns.len() - 1
            }
        };
        &mut self.columns[at]
    }

    /// Counts the bare numbers among the percentages of `record`.
    pub(crate) fn note_record(&mut self, record: &Record, inputs: &InputNames) {
        if !inputs.has_percent() {
            return;
        }
        for (name, v) in record.subject.iter().chain(&record.claim) {
            if let Some(declared) = inputs.percent(name) {
                if let Some((bare, _)) = bare_percent_among(declared, v.as_ref()) {
                    self.note(name, bare);
                }
            }
        }
    }

    /// The counts so far, column by column: where a run stopped inside a chunk, what the
    /// chunk had counted there ([`BareCounts::add`]).
    pub(crate) fn so_far(&self) -> Vec<(u64, u64)> {
        self.columns
            .iter()
            .map(|c| (c.refused, c.read_as_ratios))
            .collect()
    }

    /// Adds the counts of a later chunk, only as far as `upto` (what it had counted where the
    /// run stopped) when given.
    pub(crate) fn add(&mut self, later: &BareCounts, upto: Option<&[(u64, u64)]>) {
        for (k, c) in later.columns.iter().enumerate() {
            let (refused, ratios) = match upto {
                Some(upto) => match upto.get(k) {
                    Some(&counts) => counts,
                    None => break,
                },
                None => (c.refused, c.read_as_ratios),
            };
            if refused == 0 && ratios == 0 {
                continue;
            }
            let x = self.column(&c.name);
            x.refused += refused;
            x.read_as_ratios += ratios;
        }
    }

    /// The columns to warn about: bare numbers refused and others read as ratios.
    pub fn warnings(&self) -> Vec<BarePercentColumn> {
        self.columns
            .iter()
            .filter(|c| c.refused > 0 && c.read_as_ratios > 0)
            .cloned()
            .collect()
    }
}

/// One row of the population.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// The line it starts on (1 is the first line of the file).
    pub line: u64,
    /// The subject id.
    pub id: String,
    /// The subject's attributes given on this row (names shared with the header).
    pub subject: Vec<(Arc<str>, FactValue)>,
    /// The claim id, if this row is a claim.
    pub claim_id: Option<String>,
    /// The claim's date.
    pub claim_date: Option<NaiveDate>,
    /// The item the claim is for.
    pub item: Option<String>,
    /// The item's document.
    pub document: Option<String>,
    /// The claim's attributes.
    pub claim: Vec<(Arc<str>, FactValue)>,
}

/// A row that cannot be read, and its subject id when that much could be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadRow {
    /// What is wrong, and where.
    pub error: RowError,
    /// The subject id, if known.
    pub id: Option<String>,
}

impl From<RowError> for BadRow {
    fn from(error: RowError) -> BadRow {
        BadRow { error, id: None }
    }
}

/// The name of the column (a CSV header name or a JSON Lines key) that says a row's kind of
/// subject, unless a policy has an input of that name.
pub const KIND_COLUMN: &str = "kind";

/// The problem of a row whose `kind` cell is `value` in a run of subjects of kind `kind`
/// (F0215), if it is not that kind: read as the facts' `kind` is ([`Kind::parse`]), so a row
/// of another kind is never evaluated (and paid) as the run's. An empty cell or `null` is the
/// run's kind.
pub(crate) fn kind_problem(value: FactRef<'_>, kind: Kind) -> Option<FactProblem> {
    let written = match value {
        FactRef::Null => return None,
        // A cell's spaces at the ends are not part of its value, as for every other cell.
        FactRef::Text(t) if trim(t).is_empty() || Kind::parse(trim(t)) == Some(kind) => {
            return None
        }
        FactRef::Text(t) | FactRef::Number(t) => t.to_string(),
        FactRef::Bool(b) => b.to_string(),
    };
    Some(
        FactProblem::new(ProblemCode::OtherKindRow, KIND_COLUMN)
            .name(crate::eval::format::escape(&written).into_owned())
            .expected(kind.as_str()),
    )
}

/// How a row's cells are read: where the format differs, and the run's kind.
#[derive(Clone, Copy, Debug)]
pub struct RowRules<'a> {
    /// The id, claim and item columns.
    pub columns: &'a Columns,
    /// Inputs read from a claim's row.
    pub claim_inputs: &'a HashSet<String>,
    /// The run's kind of subject, when the column `kind` is read and checked against it
    /// (`None` when a policy has an input named `kind`).
    pub kind: Option<Kind>,
}

/// Splits named values of one row into a record. With `csv`, an empty cell (or one of white
/// space) is a value not given, and stays in its place as `null`, so each column keeps its
/// position among the record's values. In JSON Lines a value is read as in facts: `null` is
/// not given, and an empty text is a value (refused by its input's type, as `pol eval` refuses
/// it). The subject id is read as written: white space at an end (`" 1"`), a character that
/// reads as another (F0181) or a JSON number with a fraction or an exponent (F0214) fails the
/// row, which is still grouped with its subject by its trimmed id.
fn record(
    line: u64,
    cells: impl Iterator<Item = (Arc<str>, FactValue)>,
    rules: RowRules<'_>,
    csv: bool,
) -> Result<Record, BadRow> {
    let RowRules {
        columns,
        claim_inputs,
        kind,
    } = rules;
    let mut r = Record {
        line,
        id: String::new(),
        subject: Vec::new(),
        claim_id: None,
        claim_date: None,
        item: None,
        document: None,
        claim: Vec::new(),
    };
    let text = id_text;
    let mut bad_date = None;
    let mut problems = Vec::new();
    for (name, value) in cells {
        let special = columns.is_special(&name);
        if let Some(kind) = kind.filter(|_| *name == *KIND_COLUMN) {
            problems.extend(kind_problem(value.as_ref(), kind));
            continue;
        }
        let blank = matches!(&value, FactValue::Text(t) if t.trim().is_empty());
        // A claim id of white space is an id given, refused as facts refuse it (F0180); only
        // an empty cell is no claim id.
        let blank = blank && !(*name == *columns.claim_id && value != FactValue::Text("".into()));
        if value == FactValue::Null || (blank && (csv || special)) {
            if csv && !special {
                let values = if claim_inputs.contains(&*name) {
                    &mut r.claim
                } else {
                    &mut r.subject
                };
                values.push((name, FactValue::Null));
            }
            continue;
        }
        if *name == *columns.id {
            r.id = text(&value)
                .map(|id| trim(&id).to_string())
                .unwrap_or_default();
            if !r.id.is_empty() {
                problems.extend(id_problem(&value));
            }
        } else if *name == *columns.claim_id {
            r.claim_id = text(&value);
            if let FactValue::Number(n) = &value {
                problems.extend(crate::ids::number_id_problem_at(n, "claim.id"));
            }
        } else if *name == *columns.claim_date {
            let t = text(&value).unwrap_or_default();
            // Dates in cells are read as in facts and policies.
            match crate::syntax::literal::read_date(&t) {
                Ok(d) => r.claim_date = Some(d),
                Err(why) => bad_date = Some((t, why)),
            }
        } else if *name == *columns.item {
            r.item = text(&value);
        } else if *name == *columns.document {
            r.document = text(&value);
        } else if claim_inputs.contains(&*name) {
            r.claim.push((name, value));
        } else {
            r.subject.push((name, value));
        }
    }
    if r.id.is_empty() {
        let column = columns.id.clone();
        return Err(RowError::new(line, RowProblem::NoSubjectId { column }).into());
    }
    if !problems.is_empty() {
        return Err(BadRow {
            error: row_error(line, &problems),
            id: Some(r.id),
        });
    }
    if let Some((t, why)) = bad_date {
        let problem = FactProblem::new(ProblemCode::NotADate, columns.claim_date.as_str())
            .name(columns.claim_date.as_str())
            .found(format!("`{t}`"))
            .place(format!("column `{}`", columns.claim_date))
            .hint(why);
        return Err(BadRow {
            error: RowError::new(line, RowProblem::ClaimDate(Box::new(problem))),
            id: Some(r.id),
        });
    }
    if r.claim_id.is_none() {
        let given = claim_columns_given(&r, columns);
        if !given.is_empty() {
            let column = columns.claim_id.clone();
            return Err(BadRow {
                error: RowError::new(line, RowProblem::ClaimWithoutId { column, given }),
                id: Some(r.id),
            });
        }
    }
    Ok(r)
}

/// The columns of a row without a claim id that give a claim all the same: its date, item,
/// document or a claim input's value.
fn claim_columns_given(r: &Record, columns: &Columns) -> Vec<String> {
    let mut given = Vec::new();
    if r.claim_date.is_some() {
        given.push(columns.claim_date.clone());
    }
    if r.item.is_some() {
        given.push(columns.item.clone());
    }
    if r.document.is_some() {
        given.push(columns.document.clone());
    }
    given.extend(
        r.claim
            .iter()
            .filter(|(_, v)| *v != FactValue::Null)
            .map(|(n, _)| n.to_string()),
    );
    given
}

/// The subject id written in a cell, as written (numbers too).
fn id_text(v: &FactValue) -> Option<String> {
    match v {
        FactValue::Text(t) => Some(t.to_string()),
        FactValue::Number(n) => Some(n.clone()),
        _ => None,
    }
}

/// The problem with a subject id as written in a cell, as `pol eval` finds it in the facts'
/// `id`: a character that reads as another or white space at an end (F0181), a JSON number
/// with a fraction part or an exponent (F0214).
pub(crate) fn id_problem(v: &FactValue) -> Option<FactProblem> {
    match v {
        FactValue::Text(t) => crate::ids::subject_id_problem(t),
        FactValue::Number(n) => crate::ids::number_id_problem(n),
        _ => None,
    }
}

/// A CSV reader over rows: see [`csv_rows`].
pub type CsvReader<'a> = csv::Reader<std::io::Chain<&'a [u8], &'a [u8]>>;

/// A CSV reader over one chunk of rows (no header; rows of any length, checked by the caller).
///
/// The reader never drops a byte-order mark. The `csv` crate drops one found at the very start
/// of what it reads, but only when its first buffer holds the whole mark; a chunk may start
/// anywhere in a file, so a mark inside the file would otherwise be dropped or kept (changing
/// how its row is read) depending on where the chunks were cut. Handing the reader the first
/// byte on its own keeps every mark inside the file in its cell, at every chunk size, and leaves
/// the reader's positions unchanged. The file's own mark, before the header, is dropped by
/// [`csv_header`].
pub fn csv_rows(bytes: &[u8]) -> CsvReader<'_> {
    use std::io::Read;
    let (first, rest) = bytes.split_at(bytes.len().min(1));
    row_reader().from_reader(first.chain(rest))
}

/// The settings of every CSV reader of rows.
fn row_reader() -> csv::ReaderBuilder {
    let mut builder = csv::ReaderBuilder::new();
    builder.has_headers(false).flexible(true);
    builder
}

/// A column name as written in a CSV header or as a key of a JSON Lines row, as it is read:
/// spaces at the ends are not part of it, and it is in the form names are compared in
/// ([`crate::keys::name`]: `金额` written with the compatibility ideograph U+F90A is `金额`).
/// One rule for both formats, so the same data pays the same in either (`"排除 "` is the input
/// `排除`).
pub fn column_name(written: &str) -> std::borrow::Cow<'_, str> {
    crate::keys::written_name(written)
}

/// The column names of a CSV header record as written, trimmed (a byte-order mark before it is
/// dropped); [`column_name`] gives each the form it is read in.
pub fn csv_header(bytes: &[u8]) -> Result<Vec<String>, String> {
    if let Some(fault) = quote_fault(bytes) {
        let problem = quote_problem(bytes, fault);
        return Err(format!(
            "cannot read the CSV header: {} [{}]",
            problem.text(1),
            problem.code()
        ));
    }
    let mut record = csv::StringRecord::new();
    match row_reader().from_reader(bytes).read_record(&mut record) {
        // Trimmed only: the names are put in their compared form once checked for repeats,
        // whose message shows two spellings as written.
        Ok(true) => Ok(record.iter().map(|h| h.trim().to_string()).collect()),
        Ok(false) => Err("cannot read the CSV header: the file is empty".to_string()),
        Err(e) => Err(format!(
            "cannot read the CSV header: {}",
            match csv_problem(&e) {
                RowProblem::CellNotUtf8 { cell } => format!(
                    "cell {cell} is not UTF-8 text [F0111]; {}",
                    crate::encoding::help(bytes, crate::encoding::Made::BySpreadsheet)
                ),
                RowProblem::NotCsv { reason } => reason,
                other => other.text(1),
            }
        )),
    }
}

/// The first column name of `names` that repeats an earlier one, in words: which of two cells
/// with one name holds the value would be a guess. Names are compared as they are read
/// ([`column_name`]: `金额` written with U+F90A is `金额`), and two spellings of one year of a
/// series (`销售收入［2023］`) are one name. Two spellings are shown with their code points, as
/// they look the same. The population's header and the history's are checked alike.
pub fn repeated_column(names: &[String]) -> Option<String> {
    let same = |x: &str| {
        let name = column_name(x);
        crate::eval::series::series_key(&name).into_owned()
    };
    let (k, second) = names
        .iter()
        .enumerate()
        .find(|(k, h)| names[..*k].iter().any(|x| same(x) == same(h)))?;
    let first = names[..k].iter().find(|x| same(x) == same(second))?;
    Some(if first == second {
        format!("`{}`", crate::eval::format::escape(first))
    } else {
        format!(
            "`{}` ({}) and `{}` ({})",
            crate::eval::format::escape(first),
            code_points(first),
            crate::eval::format::escape(second),
            code_points(second)
        )
    })
}

/// The code points of `text`, `U+91D1 U+989D`: what tells apart two names that look the same.
pub fn code_points(text: &str) -> String {
    text.chars()
        .map(|c| format!("U+{:04X}", u32::from(c)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// What is wrong with a CSV row, without the reader's positions (which count from the start of
/// a chunk, not of the file).
pub fn csv_problem(e: &csv::Error) -> RowProblem {
    match e.kind() {
        csv::ErrorKind::Utf8 { err, .. } => RowProblem::CellNotUtf8 {
            cell: err.field() + 1,
        },
        csv::ErrorKind::Io(e) => RowProblem::NotCsv {
            reason: e.to_string(),
        },
        _ => RowProblem::NotCsv {
            reason: e.to_string(),
        },
    }
}

/// A breach of CSV's quoting rules in one record as written, which the lenient `csv` reader
/// would read without a word (F0212, F0213).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuoteFault {
    /// Text follows a quoted cell's closing quote (`"100"0`, read as `1000`): the byte after it.
    TextAfter(usize),
    /// A quote opened at this byte is never closed: the rest of the text is one cell.
    Unclosed(usize),
}

impl QuoteFault {
    /// The byte it is at.
    fn at(self) -> usize {
        match self {
            QuoteFault::TextAfter(at) | QuoteFault::Unclosed(at) => at,
        }
    }

    /// Where it is in `raw`, the record it was found in: the lines below the record's first,
    /// and the column in characters counted from 1.
    pub fn place(self, raw: &[u8]) -> (u64, usize) {
        let before = &raw[..self.at().min(raw.len())];
        let line_start = before
            .iter()
            .rposition(|b| matches!(b, b'\n' | b'\r'))
            .map_or(0, |k| k + 1);
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        (super::chunks::newlines(before), column)
    }
}

/// The first breach of CSV's quoting rules in `raw`, the bytes of one record (or of a header):
/// text after a quoted cell's closing quote, or a quote never closed. A quote opens a quoted
/// cell only as the first byte of a cell, as the reader and the chunker read it
/// (`5"` is plain text), and a doubled quote inside one is a quote.
pub fn quote_fault(raw: &[u8]) -> Option<QuoteFault> {
    let mut inside = None;
    let mut cell_start = 0;
    let mut i = 0;
    while let Some(k) = memchr::memchr3(b'"', b',', b'\n', &raw[i..]) {
        let k = i + k;
        i = k + 1;
        match (raw[k], inside) {
            (b'"', Some(_)) if raw.get(k + 1) == Some(&b'"') => i = k + 2,
            (b'"', Some(_)) => {
                inside = None;
                if !matches!(raw.get(k + 1), None | Some(b',' | b'\n' | b'\r')) {
                    return Some(QuoteFault::TextAfter(k + 1));
                }
            }
            (b'"', None) if k == cell_start => inside = Some(k),
            (_, Some(_)) | (b'"', None) => {}
            (_, None) => cell_start = k + 1,
        }
    }
    inside.map(QuoteFault::Unclosed)
}

/// The row problem of a quoting fault in the record `raw` (F0212, F0213): where it is, as the
/// lines below the record's first and the column in characters counted from 1.
pub fn quote_problem(raw: &[u8], fault: QuoteFault) -> RowProblem {
    let at = fault.at().min(raw.len());
    let (down, column) = fault.place(raw);
    match fault {
        QuoteFault::TextAfter(_) => RowProblem::TextAfterQuote { down, column },
        QuoteFault::Unclosed(_) => {
            let rest = &raw[at..];
            let end = rest
                .iter()
                .rposition(|b| !matches!(b, b'\n' | b'\r'))
                .map_or(0, |k| k + 1);
            let lines = super::chunks::newlines(&rest[..end]);
            RowProblem::UnclosedQuote {
                down,
                column,
                lines,
            }
        }
    }
}

/// The subject id of one CSV record (for cutting a file into chunks): the trimmed cell of column
/// `id`, `None` when empty or unreadable.
pub fn csv_id(record: &[u8], id: usize) -> Option<String> {
    // A record without quotes or carriage returns is its cells joined by commas: no reader
    // (whose set-up costs far more than the record) is needed to find one.
    if memchr::memchr2(b'"', b'\r', record).is_none() {
        let text = std::str::from_utf8(record).ok()?;
        let line = text.strip_suffix('\n').unwrap_or(text);
        let id = crate::eval::facts::trim(line.split(',').nth(id)?);
        return (!id.is_empty()).then(|| id.to_string());
    }
    let mut r = csv::StringRecord::new();
    csv_rows(record).read_record(&mut r).ok()?;
    let id = crate::eval::facts::trim(r.get(id)?);
    (!id.is_empty()).then(|| id.to_string())
}

/// One CSV row as a record, the header's `names` naming its cells.
pub fn csv_record(
    line: u64,
    names: &[Arc<str>],
    row: &csv::StringRecord,
    rules: RowRules<'_>,
) -> Result<Record, BadRow> {
    let cells = names
        .iter()
        .cloned()
        .zip(row.iter().map(|c| FactValue::Text(c.into())));
    record(line, cells, rules, true)
}

/// A record's values with their names.
type Cells = Vec<(Arc<str>, FactValue)>;

/// The named values of one JSON Lines record, or why it cannot be read; `None` for a blank line.
fn jsonl_cells(text: &str, line: u64) -> Option<Result<Cells, RowError>> {
    if jsonl_blank(text) {
        return None;
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Numbers keep their exact text, and a key given twice is an error rather than the last
    // copy silently winning.
    let pairs = match json::parse(text).map(|n| n.value) {
        Ok(Json::Object(pairs)) => pairs,
        Ok(other) => {
            let found = other.kind_words().to_string();
            return Some(Err(RowError::new(line, RowProblem::NotObject { found })));
        }
        Err(e) => {
            let reason = e.to_string();
            return Some(Err(RowError::new(line, RowProblem::NotJson { reason })));
        }
    };
    // Keys are read as CSV header names are.
    let pairs: Vec<_> = pairs
        .into_iter()
        .map(|(k, v)| match column_name(&k) {
            std::borrow::Cow::Borrowed(name) if name.len() == k.len() => (k, v),
            name => (name.into_owned(), v),
        })
        .collect();
    let mut cells = Vec::with_capacity(pairs.len());
    let mut seen: HashSet<std::borrow::Cow<'_, str>> = HashSet::with_capacity(pairs.len());
    // Two spellings of one year of a series (`销售收入［2023］`) are one key.
    let same = crate::eval::series::series_key;
    for (k, v) in &pairs {
        if !seen.insert(same(k)) {
            // Both copies are on this one line: their columns tell them apart.
            let columns = pairs
                .iter()
                .filter(|(x, _)| same(x) == same(k))
                .map(|(_, n)| format!("column {}", text[..n.at].chars().count() + 1))
                .collect::<Vec<_>>();
            let problem = FactProblem::new(ProblemCode::DuplicateKey, format!("row.{k}"))
                .name(k.as_str())
                .first_place(columns[0].clone())
                .place(columns[1].clone());
            return Some(Err(row_error(line, &[problem])));
        }
        match node_value(&v.value) {
            Some(fv) => cells.push((Arc::from(k.as_str()), fv)),
            None => {
                let problem = FactProblem::new(ProblemCode::NotSingleValue, k.as_str())
                    .name(k.as_str())
                    .found(v.value.kind_words());
                return Some(Err(row_error(line, &[problem])));
            }
        }
    }
    Some(Ok(cells))
}

/// One JSON Lines record (`line` is its line number), or `None` for a blank line.
pub fn jsonl_record(line: u64, text: &str, rules: RowRules<'_>) -> Option<Result<Record, BadRow>> {
    Some(match jsonl_cells(text, line)? {
        Ok(cells) => record(line, cells.into_iter(), rules, false),
        Err(e) => Err(e.into()),
    })
}

/// Whether a JSON Lines line is blank: white space, after a byte-order mark (written by editors
/// at the start of a file, never part of a row). The reader skips such a line and the chunker
/// passes over it: one rule, so a cut never falls inside a subject's rows.
pub fn jsonl_blank(text: &str) -> bool {
    text.strip_prefix('\u{feff}')
        .unwrap_or(text)
        .trim()
        .is_empty()
}

/// The subject id of one JSON Lines record (for cutting a file into chunks): trimmed, as rows
/// are grouped.
pub fn jsonl_id(text: &[u8], columns: &Columns) -> Option<String> {
    jsonl_id_value(text, columns).and_then(|v| {
        let id = id_text(&v)?;
        let id = trim(&id);
        (!id.is_empty()).then(|| id.to_string())
    })
}

/// The subject id's value in one JSON Lines record, as written.
pub(crate) fn jsonl_id_value(text: &[u8], columns: &Columns) -> Option<FactValue> {
    let text = std::str::from_utf8(text).ok()?;
    let cells = jsonl_cells(text, 0)?.ok()?;
    let (_, v) = cells.into_iter().find(|(k, _)| **k == *columns.id)?;
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bare_counts_add_up_chunk_by_chunk_and_stop_where_a_run_stopped() {
        let mut first = BareCounts::default();
        first.note("比例", Bare::Ratio);
        let mut second = BareCounts::default();
        second.note("比例", Bare::Refused);
        let at_stop = second.so_far();
        second.note("比例", Bare::Ratio);
        second.note("项比例", Bare::Refused);
        second.note("项比例", Bare::Ratio);
        let mut run = BareCounts::default();
        run.add(&first, None);
        run.add(&second, Some(&at_stop));
        // Stopped after the second chunk's first count: `项比例` was met after it.
        let warnings = run.warnings();
        assert_eq!(warnings.len(), 1);
        assert_eq!((warnings[0].refused, warnings[0].read_as_ratios), (1, 1));
        assert_eq!(
            warnings[0].to_string(),
            "column `比例`: 1 bare value was refused as percentage points (F0114/F0172) and 1 \
             other bare value was read as a ratio (0.8 = 80%); check them and write each with \
             `%` (`0.8%` or `80%`); see `pol explain F0173`"
        );
        // Without the stop, every count; a column without a refusal is no warning.
        let mut run = BareCounts::default();
        run.add(&first, None);
        run.add(&second, None);
        let counts: Vec<_> = run
            .warnings()
            .iter()
            .map(|c| (c.name.clone(), c.refused, c.read_as_ratios))
            .collect();
        assert_eq!(
            counts,
            [("比例".to_string(), 1, 2), ("项比例".to_string(), 1, 1)]
        );
        assert!(first.warnings().is_empty());
    }

    fn rules<'a>(columns: &'a Columns, claims: &'a HashSet<String>) -> RowRules<'a> {
        RowRules {
            columns,
            claim_inputs: claims,
            kind: Some(Kind::Enterprise),
        }
    }

    #[test]
    fn a_json_lines_row_reads_values_and_ids_as_facts_do() {
        let (columns, claims) = (Columns::default(), HashSet::new());
        let read = |t: &str| jsonl_record(1, t, rules(&columns, &claims)).unwrap();
        let code = |t: &str| match read(t) {
            Err(bad) => match bad.error.problem {
                RowProblem::Facts(p) => Some(p[0].code),
                other => panic!("{other:?}"),
            },
            Ok(_) => None,
        };
        // `""` is a value (its input's type refuses it), `null` is not given.
        let r = read(r#"{"id":"7","排除":"","金额":null}"#).unwrap();
        assert_eq!(r.subject, [(Arc::from("排除"), FactValue::Text("".into()))]);
        assert_eq!(code(r#"{"id":" 7"}"#), Some(ProblemCode::SubjectIdNotPlain));
        assert_eq!(code(r#"{"id":"7 "}"#), Some(ProblemCode::SubjectIdNotPlain));
        assert_eq!(code(r#"{"id":7.0}"#), Some(ProblemCode::IdNumberNotWhole));
        assert_eq!(code(r#"{"id":7e0}"#), Some(ProblemCode::IdNumberNotWhole));
        assert_eq!(code(r#"{"id":7}"#), None);
        assert_eq!(
            code(r#"{"id":"7","kind":"institution"}"#),
            Some(ProblemCode::OtherKindRow)
        );
        assert_eq!(code(r#"{"id":"7","kind":"enterprise"}"#), None);
        // A refused row still names its subject, by the id trimmed, to be grouped with it.
        let Err(bad) = read(r#"{"id":" 7"}"#) else {
            panic!()
        };
        assert_eq!(bad.id.as_deref(), Some("7"));
        // A CSV cell of white space is not given, kept in its place.
        let names: Vec<Arc<str>> = ["id", "排除"].map(Arc::from).to_vec();
        let row = csv::StringRecord::from(vec!["7", " "]);
        let r = csv_record(2, &names, &row, rules(&columns, &claims)).unwrap();
        assert_eq!(r.subject, [(Arc::from("排除"), FactValue::Null)]);
    }

    #[test]
    fn a_row_giving_a_claim_without_a_claim_id_is_refused_and_a_blank_id_kept() {
        let columns = Columns::default();
        let claims: HashSet<String> = ["合同额".to_string()].into();
        let given = |t: &str| match jsonl_record(1, t, rules(&columns, &claims)).unwrap() {
            Err(bad) => match bad.error.problem {
                RowProblem::ClaimWithoutId { given, .. } => given,
                other => panic!("{other:?}"),
            },
            Ok(_) => Vec::new(),
        };
        assert_eq!(
            given(r#"{"id":"7","claim_date":"2024-03-01"}"#),
            ["claim_date"]
        );
        assert_eq!(given(r#"{"id":"7","claim_id":"","item":"项目"}"#), ["item"]);
        assert_eq!(
            given(r#"{"id":"7","document":"x","合同额":"1元"}"#),
            ["document", "合同额"]
        );
        assert!(given(r#"{"id":"7","合同额":null,"claim_id":null}"#).is_empty());
        // A claim id of white space is kept, to be refused where ids are checked (F0180).
        let r = jsonl_record(1, r#"{"id":"7","claim_id":" "}"#, rules(&columns, &claims));
        assert_eq!(r.unwrap().unwrap().claim_id.as_deref(), Some(" "));
        let names: Vec<Arc<str>> = ["id", "claim_id", "合同额"].map(Arc::from).to_vec();
        let row = csv::StringRecord::from(vec!["7", "\u{3000}", ""]);
        let r = csv_record(2, &names, &row, rules(&columns, &claims)).unwrap();
        assert_eq!(r.claim_id.as_deref(), Some("\u{3000}"));
        let row = csv::StringRecord::from(vec!["7", "", "1元"]);
        let Err(bad) = csv_record(2, &names, &row, rules(&columns, &claims)) else {
            panic!("a claim input without a claim id")
        };
        assert_eq!(bad.error.code(), ProblemCode::MissingField);
        assert_eq!(bad.id.as_deref(), Some("7"));
    }

    #[test]
    fn a_kind_cell_is_the_runs_kind_or_refused() {
        let enterprise = Kind::Enterprise;
        for ok in [
            FactRef::Null,
            FactRef::Text(""),
            FactRef::Text(" enterprise"),
        ] {
            assert_eq!(kind_problem(ok, enterprise), None, "{ok:?}");
        }
        for bad in [
            FactRef::Text("institution"),
            FactRef::Text("project"),
            FactRef::Text("Enterprise"),
            FactRef::Number("1"),
            FactRef::Bool(true),
        ] {
            let p = kind_problem(bad, enterprise).expect("refused");
            assert_eq!(p.code, ProblemCode::OtherKindRow, "{bad:?}");
        }
    }

    #[test]
    fn quotes_are_read_by_the_rules() {
        use QuoteFault::{TextAfter, Unclosed};
        let fault = |t: &str| quote_fault(t.as_bytes());
        for ok in [
            "1,100\n",
            "1,\"1,00\"\n",
            "\"a\"\"b\",c\r\n",
            "5\",x",
            "\"\"",
            "a,\"b\nc\"",
        ] {
            assert_eq!(fault(ok), None, "{ok:?}");
        }
        assert_eq!(fault("1,\"100\"0\n"), Some(TextAfter(7)));
        assert_eq!(fault("1,\"100\" \n"), Some(TextAfter(7)));
        assert_eq!(fault("\"a\"\"\"b"), Some(TextAfter(5)));
        assert_eq!(fault("1,\"200\n3,3\n"), Some(Unclosed(2)));
        let raw = "好,\"a\nb\",\"c\"d\n".as_bytes();
        let f = quote_fault(raw).unwrap();
        assert_eq!(f.place(raw), (1, 7));
        assert_eq!(
            quote_problem(b"1,\"2\n3\n4\n\n", Unclosed(2)),
            RowProblem::UnclosedQuote {
                down: 0,
                column: 3,
                lines: 2
            }
        );
    }

    proptest! {
        #[test]
        fn ids_of_plain_records_are_what_the_reader_reads(
            record in "[a1 ,\n\"好]{0,12}\n?", id in 0usize..4
        ) {
            let mut r = csv::StringRecord::new();
            let read = csv_rows(record.as_bytes()).read_record(&mut r).ok().and_then(|_| {
                let cell = r.get(id)?.trim();
                (!cell.is_empty()).then(|| cell.to_string())
            });
            // Records are whole lines as the chunker cuts them: one line break at most, at the end.
            prop_assume!(!record.trim_end_matches('\n').contains('\n'));
            prop_assert_eq!(csv_id(record.as_bytes(), id), read);
        }
    }
}
