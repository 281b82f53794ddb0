//! The history of past grants in a simulation: a second file, sorted like the population and
//! read in step with it.
//!
//! Input: a history file (CSV with a header row, or JSON Lines) of grants, one a row, with the
//! subject id (the population's id column), `document`, `clause`, `date` and `amount`, and
//! optionally `item`, `matter`, `claim`, `stage` and `year`; and, chunk by chunk, the subject ids of the
//! population. Output: for each chunk the grants of its subjects ([`ChunkHistory`]), the count
//! of history subjects that are not in the population, and the first row out of order.
//! Guarantee: the history is read once, front to back, holding only the grants of the chunk
//! being handed out (memory stays flat); a grant is given to the subject with its id exactly
//! as the population writes it, as `pol eval` would have it in that subject's facts; the
//! results do not depend on the chunk size or the thread count.

use std::io::{BufRead, BufReader, Read};

use super::batch::Source;
use super::input::{csv_rows, jsonl_id, quote_fault, QuoteFault};
use super::tally::Tally;
use super::{id_order, Columns, RowError, RowProblem};
use crate::eval::facts::{trim, FactProblem};
use crate::eval::history::PastGrant;
use crate::eval::json::{self, Json, Node};
use crate::eval::Evaluator;
use crate::problem::ProblemCode;

/// The columns of a history file besides the subject id.
const COLUMNS: [&str; 9] = [
    "document", "clause", "item", "matter", "claim", "stage", "year", "date", "amount",
];

/// One row of the history file.
#[derive(Clone, Debug)]
pub struct HistoryRow {
    /// The subject id, as written (spaces at the ends aside).
    pub id: String,
    /// Its line in the history file.
    pub line: u64,
    /// The bytes of its line: what holding it is counted as, against a chunk's budget.
    pub bytes: usize,
    /// The grant, or what is wrong with it (the subject then fails).
    pub grant: Result<PastGrant, Vec<FactProblem>>,
}

/// The grants of one chunk's subjects, and what reading them found.
#[derive(Clone, Debug, Default)]
pub struct ChunkHistory {
    /// The grants of the chunk's subjects, in file order (sorted by subject id).
    pub rows: Vec<HistoryRow>,
    /// Subjects of the history read with this chunk that are not in the population.
    pub ignored: u64,
    /// A row out of order, found while reading the chunk's grants: the subject id of the row
    /// before it, and the error. The chunk's subjects from that id on are not evaluated (their
    /// grants may be missing) and the run stops.
    /// `None` as the id when no row was read before it: no subject is evaluated.
    pub stop: Option<(Option<String>, RowError)>,
}

impl ChunkHistory {
    /// The grants of the subject `id` (as the population writes it; ids compared as keys, as
    /// the population's rows are grouped), or the error that fails
    /// the subject (at the population line `line`) when one of them cannot be read.
    #[inline(always)]
    pub fn grants(&self, id: &str, line: u64) -> Result<Vec<PastGrant>, RowError> {
        // Most runs read no history: nothing to look up for any subject.
        if self.rows.is_empty() {
            return Ok(Vec::new());
        }
        self.grants_of(id, line)
    }

    /// [`ChunkHistory::grants`] in a chunk with history rows.
    fn grants_of(&self, id: &str, line: u64) -> Result<Vec<PastGrant>, RowError> {
        let start = self
            .rows
            .partition_point(|r| id_order(&r.id, id) == std::cmp::Ordering::Less);
        let mut out = Vec::new();
        let mut lines = Vec::new();
        let mut problems = Vec::new();
        for r in self.rows[start..]
            .iter()
            .take_while(|r| id_order(&r.id, id) == std::cmp::Ordering::Equal)
        {
            match &r.grant {
                Ok(g) => {
                    out.push(g.clone());
                    lines.push(r.line);
                }
                Err(p) => problems.extend(p.iter().cloned()),
            }
        }
        // A grant listed twice is refused, as in the facts' `history` (F0171).
        if let Some((a, b)) = crate::eval::history::repeated_grant(out.iter()) {
            problems.push(crate::eval::history::repeated_grant_problem(
                "history",
                format!("history line {}", lines[a]),
                format!("history line {}", lines[b]),
            ));
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(RowError::new(line, RowProblem::facts(&problems)))
        }
    }
}

/// The history file, read row by row.
pub struct HistoryReader<'c> {
    lines: Box<dyn BufRead + Send + 'c>,
    format: Format,
    columns: &'c Columns,
    /// The line the next row starts on.
    line: u64,
    /// The row read ahead, not handed out yet.
    next: Option<HistoryRow>,
    /// The subject id of the last row handed out or ignored.
    last: Option<String>,
    /// The subject id of the last history subject counted as ignored, as a key.
    last_ignored: Option<String>,
    /// Whether the file has ended.
    done: bool,
    /// With yearly budgets: the grants of subjects not in the population counted against them.
    earlier: Option<Earlier<'c>>,
}

/// The grants of a history's subjects that are not in the population, counted against the
/// yearly budgets: a firm that does not apply again was still paid out of that year's budget.
/// (The grants of subjects evaluated are counted with them, in the summary.) Each such
/// subject's grants are checked as a subject's are, as far as that goes without its facts
/// ([`Evaluator::resolve_outside`]), then counted by policy and the year yearly limits count
/// each in. Every row is read once per pass whatever the chunks, so the sums do not depend on
/// `--chunk-size` or `--threads`.
pub(crate) struct Earlier<'c> {
    /// The evaluator whose rules check the grants.
    ev: &'c Evaluator<'c>,
    /// Per policy (by position): whether it has a budget line.
    budgeted: Vec<bool>,
    /// (policy, year) -> what its grants add up to.
    sums: Vec<((usize, i32), Tally)>,
    /// The subject not in the population whose grants are being read: its id as a key and
    /// as written (a subject's grants are next to each other in the file).
    subject: Option<(String, String)>,
    /// That subject's grants so far.
    grants: Vec<PastGrant>,
    /// The history line of each of them.
    lines: Vec<u64>,
}

impl<'c> Earlier<'c> {
    /// Counts the grants of subjects not in the population against the budget lines of
    /// `ev`'s policies; `None` when no policy has one.
    pub(crate) fn new(ev: &'c Evaluator<'c>) -> Option<Earlier<'c>> {
        let budgeted = super::summary::budgeted(ev);
        budgeted.contains(&true).then(|| Earlier {
            ev,
            budgeted,
            sums: Vec::new(),
            subject: None,
            grants: Vec::new(),
            lines: Vec::new(),
        })
    }

    /// Takes `row` of a subject not in the population (`outside`) or of one in it (whose
    /// grants are counted when it is evaluated; its row ends the subject before it): the
    /// error that stops the run when a subject's grants cannot be counted.
    fn take(&mut self, row: &HistoryRow, outside: bool) -> Option<RowError> {
        let key = crate::keys::key(&row.id);
        if self.subject.as_ref().is_some_and(|(k, _)| *k != *key) {
            if let Some(e) = self.finish() {
                return Some(e);
            }
        }
        if !outside {
            return None;
        }
        let grant = match &row.grant {
            Ok(g) => g,
            Err(problems) => {
                let why: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
                return Some(outside_error(&row.id, row.line, &why));
            }
        };
        if self.subject.is_none() {
            self.subject = Some((key.into_owned(), row.id.clone()));
        }
        self.grants.push(grant.clone());
        self.lines.push(row.line);
        None
    }

    /// Checks and counts the grants of the subject being read, if any: the error that stops
    /// the run when they do not fit the policies.
    fn finish(&mut self) -> Option<RowError> {
        let (_, id) = self.subject.take()?;
        let grants = std::mem::take(&mut self.grants);
        let lines = std::mem::take(&mut self.lines);
        // A grant listed twice would be counted twice (F0171, as for a subject evaluated).
        if let Some((a, b)) = crate::eval::history::repeated_grant(grants.iter()) {
            let place = |i: usize| format!("history line {}", lines[i]);
            let p = crate::eval::history::repeated_grant_problem("history", place(a), place(b));
            return Some(outside_error(
                &id,
                lines[b],
                &[format!("{} ({})", p.message(), p.code)],
            ));
        }
        match self.ev.resolve_outside(&grants) {
            Ok(history) => {
                super::summary::count_grants(&mut self.sums, &self.budgeted, &history);
                None
            }
            Err(problems) => {
                // A problem's path starts with the grant's position: told as its line.
                let line_of = |path: &str| {
                    let at = path.strip_prefix("history[")?.split(']').next()?;
                    lines.get(at.parse::<usize>().ok()?).copied()
                };
                let why: Vec<String> = problems
                    .iter()
                    .map(|p| match line_of(&p.path) {
                        Some(l) => format!("history line {l}: {} ({})", p.message(), p.code),
                        None => p.to_string(),
                    })
                    .collect();
                let line = problems
                    .first()
                    .and_then(|p| line_of(&p.path))
                    .or(lines.first().copied())
                    .unwrap_or(0);
                Some(outside_error(&id, line, &why))
            }
        }
    }
}

/// F0261 for the grants of `id`, a subject not in the population, at history line `line`:
/// `why` they cannot be counted against the yearly budgets.
fn outside_error(id: &str, line: u64, why: &[String]) -> RowError {
    let reason = format!(
        "the grants of `{}`, a subject not in the population, count against the yearly budgets but do not fit the policies: {}",
        crate::eval::format::escape(id),
        why.join("; ")
    );
    RowError::new(line, RowProblem::HistoryUnreadable { reason })
}

/// How the rows of a history file are laid out.
enum Format {
    /// CSV: the header's names.
    Csv(Vec<String>),
    /// JSON Lines.
    Jsonl,
}

impl<'c> HistoryReader<'c> {
    /// A reader of the history `input` (JSON Lines when `jsonl`, else CSV whose header is read
    /// here: an error names what is wrong with it).
    pub fn new<R: Read + Send + 'c>(
        input: R,
        jsonl: bool,
        columns: &'c Columns,
    ) -> Result<HistoryReader<'c>, String> {
        // Line endings are read as the population's are (CR, LF and CRLF alike).
        let input = super::chunks::LineBreaks::new(input, !jsonl);
        let mut lines: Box<dyn BufRead + Send + 'c> = Box::new(BufReader::new(input));
        let mut header_lines = 0;
        let format = if jsonl {
            Format::Jsonl
        } else {
            let mut bytes = Vec::new();
            lines
                .read_until(b'\n', &mut bytes)
                .map_err(|e| format!("cannot read the history's header: {e}"))?;
            if bytes.is_empty() {
                return Err(format!(
                    "the history is empty: it needs a header naming its columns (at least {}, document, clause, date and amount) and a line per grant (error F0261)",
                    columns.id
                ));
            }
            // A history saved as UTF-16 or GBK is named as such, with how to save it again.
            let header = String::from_utf8(bytes).map_err(|e| {
                format!(
                    "cannot read the history's header: it is not UTF-8 text (error F0261); {}",
                    crate::encoding::help(e.as_bytes(), crate::encoding::Made::BySpreadsheet)
                )
            })?;
            header_lines = super::chunks::newlines(header.as_bytes());
            let header = header.strip_prefix('\u{feff}').unwrap_or(&header);
            if let Some(fault) = quote_fault(header.as_bytes()) {
                let why = history_quote(header.trim_end_matches(['\n', '\r']), fault);
                return Err(format!("cannot read the history's header: {why}"));
            }
            let mut record = csv::StringRecord::new();
            csv_rows(header.as_bytes())
                .read_record(&mut record)
                .map_err(|e| format!("cannot read the history's header: {e}"))?;
            // Names as written: a grant's keys are one format's, read alike in CSV and JSON
            // Lines (and the facts' `history`), where `"stage "` is no key.
            // In NFC, as the population's header is read (white space at an end is kept, and
            // refused below).
            let names: Vec<String> = record
                .iter()
                .map(|n| crate::keys::name(n).into_owned())
                .collect();
            check_header(&names, columns)?;
            Format::Csv(names)
        };
        Ok(HistoryReader {
            lines,
            line: if jsonl { 1 } else { 1 + header_lines },
            format,
            columns,
            next: None,
            last: None,
            last_ignored: None,
            done: false,
            earlier: None,
        })
    }

    /// Counts the grants of the history's subjects not in the population against the yearly
    /// budgets (`earlier`); their grants that cannot be read or do not fit the policies then
    /// stop the run (F0261), for the budgets would not know what they paid.
    pub(crate) fn count_earlier(&mut self, earlier: Earlier<'c>) {
        self.earlier = Some(earlier);
    }

    /// The grants of subjects not in the population counted against the budgets, once the
    /// file is read to its end by [`HistoryReader::drain`] (nothing without
    /// [`HistoryReader::count_earlier`]).
    pub(crate) fn take_earlier(&mut self) -> Vec<((usize, i32), Tally)> {
        self.earlier.take().map(|e| e.sums).unwrap_or_default()
    }

    /// Takes `row` for the budgets' earlier grants (`outside`: its subject is not in the
    /// population): the error that stops the run, if any.
    fn count(&mut self, row: &HistoryRow, outside: bool) -> Option<RowError> {
        self.earlier.as_mut()?.take(row, outside)
    }

    /// The grants of the first subjects of `ids` (a chunk's, in order): every row up to the
    /// last of them is read; those of other subjects are counted as ignored. Once the rows
    /// held come to `budget` bytes, no grant of a further subject is taken: the grants and how
    /// many of `ids` they are for (all of them when the budget is not reached; at least one).
    /// So a dense history is handed out in pieces of about `budget` bytes, each with the
    /// subjects it is for (a subject's grants are never split, however many they are).
    pub fn take_for(&mut self, ids: &[String], budget: usize) -> (ChunkHistory, usize) {
        let mut out = ChunkHistory::default();
        let Some(last) = ids.last() else {
            return (out, 0);
        };
        let mut held = 0usize;
        loop {
            let row = match self.peek() {
                Ok(Some(r)) => r,
                Ok(None) => return (out, ids.len()),
                Err(e) => {
                    out.stop = Some((self.last.clone(), e));
                    return (out, ids.len());
                }
            };
            if id_order(&row.id, last) == std::cmp::Ordering::Greater {
                return (out, ids.len());
            }
            // A further subject's grants once the budget is used: left for the next piece,
            // with the subjects from that one on. Rows out of order are found below.
            let further = out
                .rows
                .last()
                .is_some_and(|r| id_order(&row.id, &r.id) == std::cmp::Ordering::Greater);
            if held >= budget && further {
                let covered = ids.partition_point(|i| id_order(i, &row.id).is_lt());
                if covered > 0 {
                    return (out, covered);
                }
            }
            let Some(row) = self.next.take() else {
                return (out, ids.len());
            };
            if let Some(e) = self.out_of_order(&row) {
                out.stop = Some((self.last.clone(), e));
                return (out, ids.len());
            }
            self.last = Some(row.id.clone());
            // Ids are compared as keys, as the population's rows are grouped: a grant for
            // `嘉兴某某(集团)` is one of the subject `嘉兴某某（集团）`.
            let found = ids.binary_search_by(|i| id_order(i, &row.id));
            if let Some(e) = self.count(&row, found.is_err()) {
                out.stop = Some((Some(row.id.clone()), e));
                return (out, ids.len());
            }
            if found.is_ok() {
                held = held.saturating_add(row.bytes);
                out.rows.push(row);
            } else if !self.same_ignored(&row.id) {
                out.ignored += 1;
            }
        }
    }

    /// Reads the rest of the file once the population has ended: its subjects are not in the
    /// population. The count, and the first row out of order or unreadable, if any.
    pub fn drain(&mut self) -> (u64, Option<RowError>) {
        let mut ignored = 0;
        loop {
            match self.peek() {
                Ok(Some(_)) => {}
                // The last subject's grants, if it is not in the population.
                Ok(None) => return (ignored, self.earlier.as_mut().and_then(Earlier::finish)),
                Err(e) => return (ignored, Some(e)),
            }
            let Some(row) = self.next.take() else {
                return (ignored, None);
            };
            if let Some(e) = self.out_of_order(&row) {
                return (ignored, Some(e));
            }
            if let Some(e) = self.count(&row, true) {
                return (ignored, Some(e));
            }
            if !self.same_ignored(&row.id) {
                ignored += 1;
            }
            self.last = Some(row.id);
        }
    }

    /// Whether `id` is the subject last counted as ignored, compared as keys (as rows are
    /// grouped: two spellings of one id are one subject); else it becomes that subject.
    fn same_ignored(&mut self, id: &str) -> bool {
        let id = crate::keys::key(id);
        if self.last_ignored.as_deref() == Some(&*id) {
            return true;
        }
        self.last_ignored = Some(id.into_owned());
        false
    }

    /// The error of `row` when its subject sorts before the last row's.
    fn out_of_order(&self, row: &HistoryRow) -> Option<RowError> {
        let last = self.last.as_deref()?;
        (id_order(&row.id, last) == std::cmp::Ordering::Less).then(|| {
            let problem = RowProblem::HistoryOutOfOrder {
                subject: row.id.clone(),
                after: last.to_string(),
            };
            RowError::new(row.line, problem)
        })
    }

    /// The next row, read ahead; `None` at the end of the file.
    fn peek(&mut self) -> Result<Option<&HistoryRow>, RowError> {
        if self.next.is_none() && !self.done {
            self.next = self.read_row()?;
            self.done = self.next.is_none();
        }
        Ok(self.next.as_ref())
    }

    /// Reads the next row that is not blank.
    fn read_row(&mut self) -> Result<Option<HistoryRow>, RowError> {
        loop {
            let line = self.line;
            let mut text = String::new();
            let unreadable =
                |reason: String| RowError::new(line, RowProblem::HistoryUnreadable { reason });
            let mut bytes = Vec::new();
            let n = self
                .lines
                .read_until(b'\n', &mut bytes)
                .map_err(|e| unreadable(e.to_string()))?;
            if n == 0 {
                return Ok(None);
            }
            // A lone carriage return kept in a quoted cell is a line, as in the population.
            self.line += super::chunks::newlines(&bytes);
            text.push_str(std::str::from_utf8(&bytes).map_err(|_| {
                unreadable(format!(
                    "it is not UTF-8 text; {}",
                    crate::encoding::help(&bytes, crate::encoding::Made::BySpreadsheet)
                ))
            })?);
            if text.trim().is_empty() {
                continue;
            }
            let (id, pairs) = match &self.format {
                Format::Csv(names) => csv_pairs(names, &text, self.columns).map_err(&unreadable)?,
                Format::Jsonl => jsonl_pairs(&text, self.columns).map_err(&unreadable)?,
            };
            // The population refuses an id that reads as another or has white space at an
            // end (F0181): so does its history, or a grant could miss its subject (or meet
            // another) by a character. The id is checked as written, never trimmed first.
            if let Some(p) = crate::ids::subject_id_problem(&id) {
                return Err(unreadable(format!(
                    "its subject id `{}`: {} ({})",
                    crate::eval::format::escape(&id),
                    p.message(),
                    p.code
                )));
            }
            return Ok(Some(HistoryRow {
                id: trim(&id).to_string(),
                line,
                bytes: bytes.len(),
                grant: grant_of(&pairs, line),
            }));
        }
    }
}

/// Refuses a CSV header without the subject id, document, clause, date and amount columns, or
/// with a column a history does not have.
fn check_header(names: &[String], columns: &Columns) -> Result<(), String> {
    if let Some(name) = super::input::repeated_column(names) {
        return Err(format!(
            "the column {name} appears twice in the history's header; rename or remove one (error F0261)"
        ));
    }
    for name in names {
        if *name != columns.id && !COLUMNS.contains(&name.as_str()) {
            // A name with white space at an end is refused as the same key is in JSON Lines
            // and facts, saying which it is.
            let near = trim(name);
            let padded = if near != name && (near == columns.id || COLUMNS.contains(&near)) {
                format!(" (`{near}` with white space at an end: remove it)")
            } else {
                String::new()
            };
            return Err(format!(
                "the history has a column `{}`{padded}; its columns are {}, {} (error F0261)",
                crate::eval::format::escape(name),
                columns.id,
                COLUMNS.join(", ")
            ));
        }
    }
    for need in [columns.id.as_str(), "document", "clause", "date", "amount"] {
        if !names.iter().any(|n| n == need) {
            return Err(format!("the history has no `{need}` column (error F0261)"));
        }
    }
    Ok(())
}

/// A row's subject id and its other cells as JSON pairs (empty cells left out).
type Pairs<'t> = (String, Vec<(String, Node<'t>)>);

/// Why a line of the history breaks CSV's quoting rules (F0212, F0213): the history is read
/// line by line, so the fault's column is on the line itself.
fn history_quote(line: &str, fault: QuoteFault) -> String {
    let (_, column) = fault.place(line.as_bytes());
    match fault {
        QuoteFault::Unclosed(_) => format!(
            "the quote opened at column {column} is not closed on its line (F0213): each grant is one line of the history, so no cell may hold a line break; close the quote on this line (remove a line break inside the cell) or remove the quote"
        ),
        QuoteFault::TextAfter(_) => format!(
            "text follows the closing quote of a quoted cell at column {column} (F0212), which a lenient reader would glue to the cell (`\"100\"0` read as 1000); remove the stray quotes, or quote the whole cell and double each quote inside it"
        ),
    }
}

/// A CSV row of the history.
fn csv_pairs<'t>(names: &[String], text: &str, columns: &Columns) -> Result<Pairs<'t>, String> {
    let mut record = csv::StringRecord::new();
    let line = text.trim_end_matches(['\n', '\r']);
    if line.contains('"') {
        // Quotes are read by the population's rule: no text after a closing quote, no quote
        // left open (the history is read line by line, so an open quote ends with its line).
        if let Some(fault) = quote_fault(line.as_bytes()) {
            return Err(history_quote(line, fault));
        }
        csv_rows(line.as_bytes())
            .read_record(&mut record)
            .map_err(|e| e.to_string())?;
    } else {
        // Without quotes every comma ends a cell: no reader (whose set-up costs far more than
        // the line) is needed.
        for cell in line.split(',') {
            record.push_field(cell);
        }
    }
    if record.len() != names.len() {
        return Err(format!(
            "it has {} cells but the header has {}",
            record.len(),
            names.len()
        ));
    }
    let mut id = None;
    let mut pairs = Vec::new();
    for (name, cell) in names.iter().zip(record.iter()) {
        // An empty cell is a value not given, as in the population. Others are read as
        // written, by the facts' rules: a name with white space at an end is refused (F0169),
        // a date or an amount is read as a value is, spaces around it aside.
        if trim(cell).is_empty() {
            continue;
        }
        if *name == columns.id {
            id = Some(cell.to_string());
        } else {
            let node = Node {
                at: 0,
                value: Json::Text(cell.to_string()),
            };
            pairs.push((name.clone(), node));
        }
    }
    let id = id.ok_or_else(|| format!("it has no subject id in column `{}`", columns.id))?;
    Ok((id, pairs))
}

/// A JSON Lines row of the history. Its keys and values are read as a grant of the facts'
/// `history` is (an unknown key, `"stage "` too, is F0160; `""` is no value); the subject id
/// is the key `columns.id` exactly, a text or a whole number.
fn jsonl_pairs<'t>(text: &'t str, columns: &Columns) -> Result<Pairs<'t>, String> {
    // Syntax first, so a line that is not JSON (or nests too deep) says why.
    let node = json::parse(text).map_err(|e| e.to_string())?;
    let Json::Object(pairs) = node.value else {
        return Err("it is not a JSON object".to_string());
    };
    let no_id = || format!("it is not a JSON object with a subject id `{}`", columns.id);
    let mut id = None;
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for (k, v) in &pairs {
        // Keys in NFC, as a CSV history's header names are read.
        let key = crate::keys::name(k);
        if seen.iter().any(|s| *s == *key) {
            return Err(format!("the key `{k}` is given twice"));
        }
        seen.push(key.to_string());
        if *key == *columns.id {
            id = match &v.value {
                Json::Text(t) if !trim(t).is_empty() => Some(t.clone()),
                // A number with a fraction or an exponent names no subject (F0214).
                Json::Number(n) => match crate::ids::number_id_problem(n) {
                    Some(p) => return Err(format!("its subject id: {} ({})", p.message(), p.code)),
                    None => Some((*n).to_string()),
                },
                _ => return Err(no_id()),
            };
            continue;
        }
        // Every value as the facts' grant has it (a number stays a number: `1e5` is the
        // amount 100000 in both), read by the facts' code.
        out.push((key.into_owned(), v.clone()));
    }
    Ok((id.ok_or_else(no_id)?, out))
}

/// The grant of a row's pairs, or its problems (each placed at the history's line).
fn grant_of(pairs: &[(String, Node<'_>)], line: u64) -> Result<PastGrant, Vec<FactProblem>> {
    let mut problems = Vec::new();
    let mut place = |_| format!("history line {line}");
    let path = format!("history line {line}");
    let grant = crate::eval::history::read_one(pairs, &path, &mut place, &mut problems);
    match grant {
        Some(g) if problems.is_empty() => Ok(g),
        _ => {
            if problems.is_empty() {
                problems.push(FactProblem::new(ProblemCode::BadGrant, path));
            }
            Err(problems)
        }
    }
}

/// Where to cut a chunk's rows (`bytes`) so that the first part holds the subjects up to
/// `last` (as ids sort) and the second the rest: the start of the first record whose subject
/// id sorts after `last`. `None` when there is no such record after the first byte.
pub fn cut_after(bytes: &[u8], source: &Source, columns: &Columns, last: &str) -> Option<usize> {
    let after = |id: &str| !id.is_empty() && id_order(id, last).is_gt();
    match source {
        Source::Csv(shape) => {
            let mut reader = csv_rows(bytes);
            let mut record = csv::StringRecord::new();
            loop {
                let at = usize::try_from(reader.position().byte()).ok()?;
                if !matches!(reader.read_record(&mut record), Ok(true)) {
                    return None;
                }
                if record.get(shape.id).is_some_and(|id| after(trim(id))) {
                    return (at > 0).then_some(at);
                }
            }
        }
        Source::Jsonl => {
            let mut at = 0;
            for line in bytes.split_inclusive(|b| *b == b'\n') {
                if jsonl_id(line, columns).is_some_and(|id| after(id.trim())) {
                    return (at > 0).then_some(at);
                }
                at += line.len();
            }
            None
        }
    }
}

/// The subject ids of a chunk's rows, in order, each once (rows without an id left out).
pub fn chunk_ids(bytes: &[u8], source: &Source, columns: &Columns) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let mut push = |id: &str| {
        if !id.is_empty() && ids.last().map(String::as_str) != Some(id) {
            ids.push(id.to_string());
        }
    };
    match source {
        Source::Csv(shape) => {
            let mut reader = csv_rows(bytes);
            let mut record = csv::StringRecord::new();
            while let Ok(true) = reader.read_record(&mut record) {
                if let Some(id) = record.get(shape.id) {
                    push(trim(id));
                }
            }
        }
        Source::Jsonl => {
            for line in bytes.split(|b| *b == b'\n') {
                if let Some(id) = jsonl_id(line, columns) {
                    push(id.trim());
                }
            }
        }
    }
    // Sorted for look-ups; a population out of order stops the run anyway.
    ids.sort_by(|a, b| id_order(a, b).then_with(|| a.cmp(b)));
    ids.dedup();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "id,document,clause,date,amount\n";

    fn reader(rows: &str) -> HistoryReader<'static> {
        static COLUMNS: std::sync::OnceLock<Columns> = std::sync::OnceLock::new();
        let columns = COLUMNS.get_or_init(Columns::default);
        let text: &'static str = Box::leak(format!("{HEADER}{rows}").into_boxed_str());
        HistoryReader::new(text.as_bytes(), false, columns).unwrap()
    }

    fn row(id: &str) -> String {
        format!("{id},嘉政发〔2023〕15号,研发投入补助,2023-05-01,1万元\n")
    }

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_chunk_gets_the_grants_of_its_subjects_and_counts_the_others() {
        // Subject 2 has two grants (a grant listed twice would be F0171).
        let second_grant = row("2").replace("1万元", "2万元");
        let text = [
            row("1"),
            row("2"),
            second_grant,
            row("3"),
            row("5"),
            row("9"),
        ]
        .concat();
        let mut r = reader(&text);
        let first = r.take_for(&ids(&["2", "4"]), usize::MAX).0;
        let given: Vec<&str> = first.rows.iter().map(|x| x.id.as_str()).collect();
        assert_eq!(given, ["2", "2"]);
        // 1 and 3 are not subjects of the chunk.
        assert_eq!((first.ignored, first.stop.is_none()), (2, true));
        assert_eq!(first.grants("2", 7).unwrap().len(), 2);
        assert!(first.grants("4", 7).unwrap().is_empty());
        let second = r.take_for(&ids(&["5"]), usize::MAX).0;
        assert_eq!((second.rows.len(), second.ignored), (1, 0));
        // 9 is after the population's last subject.
        assert_eq!(r.drain(), (1, None));
    }

    #[test]
    fn a_budget_hands_out_the_grants_subject_by_subject_in_pieces() {
        let text = [
            row("1"),
            row("1").replace("1万元", "2万元"),
            row("2"),
            row("3"),
        ]
        .concat();
        let mut r = reader(&text);
        let all = ids(&["1", "2", "3"]);
        // One byte: each piece holds one subject's grants (both of 1's), never half of them.
        let (first, n) = r.take_for(&all, 1);
        assert_eq!((first.rows.len(), n), (2, 1));
        let (second, n) = r.take_for(&all[1..], 1);
        assert_eq!((second.rows.len(), n), (1, 1));
        let (third, n) = r.take_for(&all[2..], 1);
        assert_eq!((third.rows.len(), n), (1, 1));
        // A budget that is not reached hands out every subject's grants at once.
        let mut r = reader(&text);
        assert_eq!(r.take_for(&all, 1 << 20).1, 3);
    }

    #[test]
    fn a_chunk_is_cut_before_the_first_subject_after_the_last_one_kept() {
        let source = Source::Csv(super::super::batch::CsvShape {
            names: Vec::new(),
            id: 0,
            claim_id: None,
            claim_date: None,
            claim_cells: Vec::new(),
            kind: None,
            cells: Vec::new(),
            series: false,
            percent: Vec::new(),
        });
        let columns = Columns::default();
        let rows = "1,a\n1,b\n\"2\",\"x\ny\"\n3,c\n";
        let at = cut_after(rows.as_bytes(), &source, &columns, "1").unwrap();
        assert_eq!(&rows[at..], "\"2\",\"x\ny\"\n3,c\n");
        let at = cut_after(rows.as_bytes(), &source, &columns, "2").unwrap();
        assert_eq!(&rows[at..], "3,c\n");
        assert_eq!(cut_after(rows.as_bytes(), &source, &columns, "3"), None);
        let lines = "{\"id\": \"1\"}\n{\"id\": \"2\"}\n";
        let at = cut_after(lines.as_bytes(), &Source::Jsonl, &columns, "1").unwrap();
        assert_eq!(&lines[at..], "{\"id\": \"2\"}\n");
    }

    #[test]
    fn rows_out_of_order_stop_with_the_line_and_the_subject_before() {
        let text = [row("1"), row("3"), row("2")].concat();
        let mut r = reader(&text);
        let got = r.take_for(&ids(&["3"]), usize::MAX).0;
        let (after, e) = got.stop.unwrap();
        assert_eq!(
            (after.as_deref(), e.line, e.code()),
            (Some("3"), 4, ProblemCode::HistoryOutOfOrder)
        );
        // Whole-number ids are sorted as numbers, as in the population.
        let mut r = reader(&[row("9"), row("10")].concat());
        assert!(r.take_for(&ids(&["10"]), usize::MAX).0.stop.is_none());
    }

    #[test]
    fn headers_without_a_required_column_or_with_another_are_refused() {
        let columns = Columns::default();
        for header in [
            "id,document,clause,date\n",
            "id,document,clause,date,amount,note\n",
        ] {
            assert!(
                HistoryReader::new(header.as_bytes(), false, &columns).is_err(),
                "{header}"
            );
        }
    }

    #[test]
    fn a_first_row_that_cannot_be_read_stops_before_every_subject() {
        // A padded id (F0181), quoted or not, is refused, never trimmed to reach subject 1.
        for id in ["\" 1\"", "1 "] {
            let mut r = reader(&row(id));
            let (after, e) = r.take_for(&ids(&["1"]), usize::MAX).0.stop.unwrap();
            assert_eq!((after, e.code()), (None, ProblemCode::HistoryUnreadable));
            assert!(e.problem.text(2).contains("F0181"), "{id}");
        }
    }

    #[test]
    fn a_csv_rows_cells_are_read_as_written() {
        // ` 签约` is not trimmed: the grant's reader refuses it (F0169), as in facts.
        let header = "id,document,clause,date,amount,stage\n";
        let text: &'static str = Box::leak(
            format!("{header}1,测试〔2024〕22号,项目资助,2024-02-01,10万元, 签约\n")
                .into_boxed_str(),
        );
        let columns: &'static Columns = Box::leak(Box::default());
        let mut r = HistoryReader::new(text.as_bytes(), false, columns).unwrap();
        let got = r.take_for(&ids(&["1"]), usize::MAX).0;
        let problems = got.rows[0].grant.as_ref().unwrap_err();
        assert_eq!(problems[0].code, ProblemCode::HiddenInGrant);
        // A header name with white space at an end is no column of a history.
        let header = "id,document,clause,date,amount,stage \n";
        assert!(HistoryReader::new(header.as_bytes(), false, columns).is_err());
    }

    #[test]
    fn a_row_without_an_id_is_unreadable() {
        let mut r = reader(",嘉政发〔2023〕15号,研发投入补助,2023-05-01,1万元\n");
        let (_, e) = r.take_for(&ids(&["1"]), usize::MAX).0.stop.unwrap();
        assert_eq!(e.code(), ProblemCode::HistoryUnreadable);
    }
}
