//! Writing a simulation's per-row output: CSV or JSON Lines, in the chosen columns.
//!
//! Input: a row's results (or its error) and the [`Column`]s to write. Output: one line of text
//! appended to a batch's buffer. Guarantee: amounts are written exactly (plain decimals, at
//! least two places; JSON gets decimal strings, never floats); CSV cells are quoted when they
//! hold a comma, quote or line break, and a CSV text cell a spreadsheet would run as a formula
//! (one starting with `=`, `+`, `-`, `@`, a tab or a carriage return) starts with `'` unless
//! raw text is asked for. JSON Lines text is always written as it is.

use rust_decimal::Decimal;

use super::{amount_text, Column, Layout, RowError, RowResult};
use crate::eval::decision::Outcome;
use crate::eval::{Amount, Verdict};

/// How rows are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RowFormat {
    /// CSV with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// `text` as one CSV cell.
pub fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Whether a spreadsheet (Excel, WPS, LibreOffice) opening a CSV file would read a text cell
/// starting so as a formula: `=HYPERLINK(...)` or `@SUM(1)` as a subject id runs when the
/// results are opened. A tab or a carriage return first lets some readers skip to one.
pub fn reads_as_formula(text: &str) -> bool {
    matches!(
        text.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// How the cells of a row are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cells {
    /// JSON values: text as it is.
    Json,
    /// CSV, text that would read as a formula neutralised with a leading `'`.
    Csv,
    /// CSV, text as it is (`--raw-text`).
    CsvRaw,
}

impl Cells {
    /// Whether the cells are CSV.
    #[inline(always)]
    fn csv(self) -> bool {
        self != Cells::Json
    }
}

/// Appends `text` as one CSV cell (quoted when it holds a comma, quote or line break).
fn push_csv_field(out: &mut String, text: &str) {
    if text
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        out.push_str(&csv_field(text));
    } else {
        out.push_str(text);
    }
}

/// Appends an amount as [`amount_text`] writes it (at least two decimals, no trailing zeros
/// beyond), without a string of its own: most amounts of a population are zero.
#[inline]
fn push_amount(out: &mut String, a: &Amount) {
    let push = |out: &mut String, d: Decimal| {
        if d.is_zero() {
            out.push_str("0.00");
            return;
        }
        // Trailing zeros beyond two places go (as `normalize` would take them), and places up
        // to two are added: awards rounded to 0.01 元 need neither.
        let (mut mantissa, mut scale) = (d.mantissa().unsigned_abs(), d.scale() as usize);
        while scale > 2 && mantissa % 10 == 0 {
            mantissa /= 10;
            scale -= 1;
        }
        while scale < 2 {
            mantissa *= 10;
            scale += 1;
        }
        if d.is_sign_negative() {
            out.push('-');
        }
        let mut buf = itoa::Buffer::new();
        // Amounts of money fit a machine word, whose digits are much cheaper to write.
        let digits = match u64::try_from(mantissa) {
            Ok(small) => buf.format(small),
            Err(_) => buf.format(mantissa),
        };
        if digits.len() > scale {
            let (int, frac) = digits.split_at(digits.len() - scale);
            out.push_str(int);
            out.push('.');
            out.push_str(frac);
        } else {
            out.push_str("0.");
            for _ in digits.len()..scale {
                out.push('0');
            }
            out.push_str(digits);
        }
    };
    match *a {
        Amount::Exact(d) => push(out, d),
        Amount::Range { min, max } => {
            push(out, min);
            out.push_str("..");
            push(out, max);
        }
    }
}

/// How rows are written: the format and, for CSV or an explicit `--columns`, the columns.
pub struct RowWriter {
    /// CSV or JSON Lines.
    pub format: RowFormat,
    /// The columns with their titles.
    pub columns: Vec<(String, Column)>,
    /// JSON Lines in the nested default shape (no `--columns` given).
    pub nested: bool,
    /// CSV text cells written as they are, even those a spreadsheet would read as a formula
    /// (`--raw-text`, for programs that read the ids back).
    pub raw_text: bool,
}

impl RowWriter {
    /// The header line, for CSV.
    pub fn header(&self) -> String {
        let cells = self.cells();
        let titles: Vec<String> = self
            .columns
            .iter()
            .map(|(t, _)| {
                let mut title = String::new();
                push_text(&mut title, t, cells);
                title
            })
            .collect();
        titles.join(",") + "\n"
    }

    /// How this writer's cells are written.
    fn cells(&self) -> Cells {
        match (self.format, self.raw_text) {
            (RowFormat::Csv, false) => Cells::Csv,
            (RowFormat::Csv, true) => Cells::CsvRaw,
            _ => Cells::Json,
        }
    }

    /// Appends the line of a row's results.
    pub fn row(&self, out: &mut String, r: &RowResult, layout: &Layout) {
        if self.nested {
            return write_nested(out, r, layout);
        }
        // Two copies of the loop, each with the format fixed, so the CSV one (the usual output
        // of a large run) has no format test per cell.
        if self.format == RowFormat::Csv {
            let cells = self.cells();
            for (k, (_, column)) in self.columns.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                push_cell(out, r, column, cells);
            }
            out.push('\n');
        } else {
            out.push('{');
            for (k, (title, column)) in self.columns.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                push_json_key(out, title);
                push_cell(out, r, column, Cells::Json);
            }
            out.push_str("}\n");
        }
    }

    /// Appends the line of a row that could not be evaluated.
    pub fn error_row(&self, out: &mut String, e: &RowError, subject: &str) {
        let csv = self.cells();
        let message = e.message();
        if self.nested {
            let v = serde_json::json!({"line": e.line, "subject": subject, "error": message});
            out.push_str(&v.to_string());
            out.push('\n');
            return;
        }
        self.each_cell(out, |out, column| match column {
            Column::Line => push_int(out, e.line),
            Column::Subject => push_text(out, subject, csv),
            Column::Error => push_text(out, &message, csv),
            Column::Code => push_text(out, e.code().as_str(), csv),
            _ if csv.csv() => {}
            _ => out.push_str("null"),
        });
    }

    /// Appends a row: per column its separator and (in JSON) its key, then what `cell` writes;
    /// JSON's braces and the line break around them.
    fn each_cell(&self, out: &mut String, mut cell: impl FnMut(&mut String, &Column)) {
        let csv = self.format == RowFormat::Csv;
        if !csv {
            out.push('{');
        }
        for (k, (title, column)) in self.columns.iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            if !csv {
                push_json_key(out, title);
            }
            cell(out, column);
        }
        out.push_str(if csv { "\n" } else { "}\n" });
    }
}

/// The text of rows whose subject (one row, no claims) was paid nothing, by the outcome of each
/// clause. Such a row's cells (flags, zero amounts, outcome words) follow from the outcomes
/// alone, so each combination is written out once and reused with the row's line and subject.
/// Most rows of a population are such rows. One per worker.
#[derive(Default)]
pub struct UnpaidRows {
    /// The combinations seen so far (outcomes packed as in [`RowWriter::unpaid_row`]), with
    /// their rows' text.
    made: Vec<(u128, Vec<Piece>)>,
    /// The combination of the last row written.
    last: usize,
}

/// A part of a row's text.
enum Piece {
    Text(String),
    Line,
    Subject,
}

/// At most this many combinations are kept; rows of any other take the general path.
const MAX_COMBINATIONS: usize = 64;

/// The bits an outcome takes in a combination's key: enough for every outcome and "none".
const KEY_BITS: usize = 4;

/// Rows with at most this many clause columns (four bits each in a 128-bit key) are written
/// from their combination's text.
const KEY_COLUMNS: usize = 128 / KEY_BITS;

/// The columns of a combination's key in each of its two 64-bit halves.
const HALF_COLUMNS: usize = 64 / KEY_BITS;

// Every outcome, plus "none", has a code of its own in `KEY_BITS` bits: an outcome that did not
// fit would spill into the next column and write a wrong row.
const _: () = assert!(Outcome::ALL.len() < 1 << KEY_BITS);

impl RowWriter {
    /// Appends the row of a one-row subject without claims when its verdicts pay nothing, from
    /// the text of its combination of outcomes: what [`RowWriter::row`] writes for that row.
    /// False, with nothing written, for any other row.
    pub fn unpaid_row(
        &self,
        out: &mut String,
        unpaid: &mut UnpaidRows,
        row: (u64, &str),
        verdicts: &[Verdict],
        layout: &Layout,
    ) -> bool {
        if self.nested {
            return false;
        }
        // The outcomes packed four bits a column (0 for none), so a combination is one key.
        let columns = layout.clauses.len();
        if columns > KEY_COLUMNS {
            return false;
        }
        // Built in two machine words, whose shifts are cheaper than a 128-bit one's.
        let mut halves = [0u64; 2];
        for v in verdicts {
            let nothing = v.paid.is_none_or(|p| p.is_zero());
            // A deferred award needs the general path's outcome column, a staged award that
            // defers something (even one left undetermined) fills a deferred column, and a
            // year of a run shares its clause's column with the other years: general path.
            let general = matches!(v.outcome, Outcome::Awarded | Outcome::Deferred)
                || v.deferred().is_some_and(|d| !d.is_zero());
            if v.claim.is_some() || v.year.is_some() || general || !nothing {
                return false;
            }
            if let Some(col) = layout.column((v.pi, v.ci)) {
                let (half, place) = (col / HALF_COLUMNS, col % HALF_COLUMNS);
                if let Some(h) = halves.get_mut(half) {
                    *h |= (v.outcome as u64 + 1) << (KEY_BITS * place);
                }
            }
        }
        let key = u128::from(halves[0]) | u128::from(halves[1]) << 64;
        // Rows of one combination tend to follow each other: the last one is tried first.
        let last = unpaid.last;
        let found = match unpaid.made.get(last) {
            Some((k, _)) if *k == key => Some(last),
            _ => unpaid.made.iter().position(|(k, _)| *k == key),
        };
        let at = match found {
            Some(at) => at,
            None if unpaid.made.len() < MAX_COMBINATIONS => {
                let outcomes: Vec<Option<Outcome>> = (0..columns)
                    .map(|col| {
                        let code = (key >> (KEY_BITS * col)) & 0b1111;
                        code.checked_sub(1)
                            .and_then(|k| Outcome::ALL.get(k as usize).copied())
                    })
                    .collect();
                let pieces = self.unpaid_pieces(&outcomes, layout);
                unpaid.made.push((key, pieces));
                unpaid.made.len() - 1
            }
            None => return false,
        };
        unpaid.last = at;
        let csv = self.cells();
        for piece in &unpaid.made[at].1 {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Line => push_int(out, row.0),
                Piece::Subject => push_text(out, row.1, csv),
            }
        }
        true
    }

    /// The text of an unpaid row with these outcomes, the line and subject left open.
    fn unpaid_pieces(&self, outcomes: &[Option<Outcome>], layout: &Layout) -> Vec<Piece> {
        let r = RowResult {
            line: 0,
            subject: String::new(),
            claim: None,
            clauses: outcomes
                .iter()
                .map(|o| o.map(|o| (o, Amount::ZERO)))
                .collect(),
            total: Amount::ZERO,
            payers: vec![Amount::ZERO; layout.payers.len()],
            deferred: Vec::new(),
            before: Vec::new(),
        };
        let csv = self.cells();
        let mut pieces = Vec::new();
        let mut text = String::new();
        self.each_cell(&mut text, |text, column| {
            let open = match column {
                Column::Line => Piece::Line,
                Column::Subject => Piece::Subject,
                _ => return push_cell(text, &r, column, csv),
            };
            if !text.is_empty() {
                pieces.push(Piece::Text(std::mem::take(text)));
            }
            pieces.push(open);
        });
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        pieces
    }
}

/// One cell of a row: in CSV an absent value is an empty cell, in JSON `null`. Written into the
/// batch's text, with no string per cell.
#[inline(always)]
fn push_cell(out: &mut String, r: &RowResult, column: &Column, cells: Cells) {
    let csv = cells.csv();
    let absent = |out: &mut String| {
        if !csv {
            out.push_str("null");
        }
    };
    match column {
        Column::Line => push_int(out, r.line),
        Column::Subject => push_text(out, &r.subject, cells),
        Column::Claim => match &r.claim {
            Some(c) => push_text(out, c, cells),
            None => absent(out),
        },
        Column::Total => push_money(out, &r.total, csv),
        Column::Error | Column::Code => absent(out),
        Column::Payer(p) => push_money(out, &r.payers[*p], csv),
        Column::Paid(cs) => match cs.as_slice() {
            [c] => match &r.clauses[*c] {
                Some((_, a)) => push_money(out, a, csv),
                None => absent(out),
            },
            _ => {
                // Part of the row's total, which its settlement held: the sum fits too. Were
                // it not to, the cell says so rather than holding a clamped figure.
                let sum = cs
                    .iter()
                    .try_fold(Amount::ZERO, |sum, c| match r.clauses[*c] {
                        Some((_, a)) => sum + a,
                        None => Some(sum),
                    });
                match sum {
                    Some(sum) => push_money(out, &sum, csv),
                    None => push_text(out, "error[F0901]: the sum does not fit", cells),
                }
            }
        },
        Column::Outcome(c) => match &r.clauses[*c] {
            Some((o, _)) => push_text(out, o.key(), cells),
            None => absent(out),
        },
        Column::Deferred(c) => match &r.clauses[*c] {
            Some(_) => {
                let d = r.deferred.iter().find(|(k, _)| k == c).map(|(_, d)| *d);
                push_money(out, &d.unwrap_or(Amount::ZERO), csv)
            }
            None => absent(out),
        },
        Column::BeforeProRata(c) => match (r.before.get(*c).copied().flatten(), &r.clauses[*c]) {
            (Some(before), _) => push_money(out, &before, csv),
            (None, Some((_, a))) => push_money(out, a, csv),
            (None, None) => absent(out),
        },
        Column::Eligible(cs) => {
            let held = cs.iter().any(|c| {
                matches!(
                    r.clauses[*c],
                    Some((
                        Outcome::Awarded | Outcome::Superseded | Outcome::Deferred,
                        _
                    ))
                )
            });
            out.push(if held { '1' } else { '0' });
        }
    }
}

fn push_int(out: &mut String, n: u64) {
    out.push_str(itoa::Buffer::new().format(n));
}

/// A text cell: CSV-quoted when needed (and neutralised when a spreadsheet would run it), or a
/// JSON string.
#[inline(always)]
fn push_text(out: &mut String, text: &str, cells: Cells) {
    match cells {
        Cells::Csv if reads_as_formula(text) => {
            let mut safe = String::with_capacity(text.len() + 1);
            safe.push('\'');
            safe.push_str(text);
            push_csv_field(out, &safe);
        }
        Cells::Csv | Cells::CsvRaw => push_csv_field(out, text),
        Cells::Json => out.push_str(&serde_json::Value::from(text).to_string()),
    }
}

fn push_json_key(out: &mut String, key: &str) {
    push_text(out, key, Cells::Json);
    out.push(':');
}

/// An amount cell: plain in CSV, a decimal string in JSON (never a float).
#[inline(always)]
fn push_money(out: &mut String, a: &Amount, csv: bool) {
    if !csv {
        out.push('"');
    }
    push_amount(out, a);
    if !csv {
        out.push('"');
    }
}

/// A row of JSON Lines in the default shape: payers and clauses as nested objects.
fn write_nested(out: &mut String, r: &RowResult, layout: &Layout) {
    let several = layout
        .clauses
        .iter()
        .any(|(d, _)| d != &layout.clauses[0].0);
    let mut clauses = serde_json::Map::new();
    for (k, ((doc, name), c)) in layout.clauses.iter().zip(&r.clauses).enumerate() {
        if let Some((o, a)) = c {
            let key = if several {
                format!("{doc}/{name}")
            } else {
                name.clone()
            };
            let mut cell = serde_json::json!({"outcome": o.key(), "paid": amount_text(*a)});
            if let Some(before) = r.before.get(k).copied().flatten() {
                cell["before_pro_rata"] = amount_text(before).into();
            }
            clauses.insert(key, cell);
        }
    }
    let payers: serde_json::Map<String, serde_json::Value> = layout
        .payers
        .iter()
        .zip(&r.payers)
        .map(|(p, a)| (p.clone(), amount_text(*a).into()))
        .collect();
    let v = serde_json::json!({
        "line": r.line, "subject": r.subject, "claim": r.claim,
        "total": amount_text(r.total), "payers": payers, "clauses": clauses,
    });
    out.push_str(&v.to_string());
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pushed(a: Amount) -> String {
        let mut s = String::new();
        push_amount(&mut s, &a);
        s
    }

    #[test]
    fn amounts_are_written_as_amount_text_writes_them() {
        for text in [
            "0",
            "0.00",
            "-0.5",
            "1",
            "10.1",
            "123456.789",
            "0.001",
            "-1000000",
            "1e-28",
        ] {
            let d = Decimal::from_scientific(text)
                .or_else(|_| text.parse())
                .unwrap();
            assert_eq!(
                pushed(Amount::Exact(d)),
                amount_text(Amount::Exact(d)),
                "{text}"
            );
        }
        let range = Amount::between(Decimal::ZERO, Decimal::new(600_000_005, 2)).unwrap();
        assert_eq!(pushed(range), amount_text(range));
    }

    #[test]
    fn outcomes_pack_by_their_place_among_all_outcomes() {
        // `unpaid_row` packs an outcome as its discriminant and unpacks it through `ALL`.
        for (k, o) in Outcome::ALL.iter().enumerate() {
            assert_eq!(*o as usize, k);
        }
    }

    proptest! {
        #[test]
        fn any_decimal_is_written_alike(m in any::<i64>(), scale in 0u32..20) {
            let d = Decimal::new(m, scale);
            prop_assert_eq!(pushed(Amount::Exact(d)), amount_text(Amount::Exact(d)));
        }
    }
}
