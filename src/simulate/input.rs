//! Reading a population: CSV or JSON Lines, one record per row, as a stream.
//!
//! Input: a reader and the column mapping. Output: [`Record`]s with their line numbers, the
//! subject's attributes and the claim's (claim inputs of the policies go to the claim).
//! Guarantee: cells are kept as text (numbers exactly as written); an empty cell is a value
//! not given; a bad row is an error naming its line, and reading goes on.

use std::collections::HashSet;
use std::io::{BufRead, Read};
use std::sync::Arc;

use chrono::NaiveDate;

use super::RowError;
use crate::eval::facts::{json_value, FactValue};

/// Which columns identify a row.
#[derive(Clone, Debug)]
pub struct Columns {
    /// The subject id (default `id`).
    pub id: String,
    /// The claim id (default `claim_id`); rows without it describe the subject alone.
    pub claim_id: String,
    /// The claim's event date (default `claim_date`).
    pub claim_date: String,
}

impl Default for Columns {
    fn default() -> Self {
        Columns {
            id: "id".to_string(),
            claim_id: "claim_id".to_string(),
            claim_date: "claim_date".to_string(),
        }
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

/// Splits named values of one row into a record. With `keep_empty` (CSV), an empty cell stays
/// in its place as `null`, so each column keeps its position among the record's values.
fn record(
    line: u64,
    cells: impl Iterator<Item = (Arc<str>, FactValue)>,
    columns: &Columns,
    claim_inputs: &HashSet<String>,
    keep_empty: bool,
) -> Result<Record, BadRow> {
    let mut r = Record {
        line,
        id: String::new(),
        subject: Vec::new(),
        claim_id: None,
        claim_date: None,
        claim: Vec::new(),
    };
    let text = |v: &FactValue| match v {
        FactValue::Text(t) => Some(t.trim().to_string()),
        FactValue::Number(n) => Some(n.clone()),
        _ => None,
    };
    let mut bad_date = None;
    for (name, value) in cells {
        let special =
            *name == *columns.id || *name == *columns.claim_id || *name == *columns.claim_date;
        if matches!(&value, FactValue::Text(t) if t.trim().is_empty()) || value == FactValue::Null {
            if keep_empty && !special {
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
            r.id = text(&value).unwrap_or_default();
        } else if *name == *columns.claim_id {
            r.claim_id = text(&value);
        } else if *name == *columns.claim_date {
            let t = text(&value).unwrap_or_default();
            match NaiveDate::parse_from_str(&t, "%Y-%m-%d") {
                Ok(d) => r.claim_date = Some(d),
                Err(_) => bad_date = Some(t),
            }
        } else if claim_inputs.contains(&*name) {
            r.claim.push((name, value));
        } else {
            r.subject.push((name, value));
        }
    }
    if r.id.is_empty() {
        return Err(RowError {
            line,
            message: format!("the row has no subject id in column `{}`", columns.id),
        }
        .into());
    }
    if let Some(t) = bad_date {
        return Err(BadRow {
            error: RowError {
                line,
                message: format!(
                    "`{t}` in column `{}` is not a date (write 2024-03-01)",
                    columns.claim_date
                ),
            },
            id: Some(r.id),
        });
    }
    Ok(r)
}

/// A stream of records from CSV or JSON Lines.
pub enum Reader<R: Read> {
    /// CSV with a header row.
    Csv {
        /// The CSV reader.
        reader: csv::Reader<R>,
        /// The header.
        header: Vec<String>,
        /// The header's names, shared by every record.
        names: Vec<Arc<str>>,
        /// A reusable record buffer.
        buffer: csv::StringRecord,
    },
    /// One JSON object per line.
    Jsonl {
        /// The lines.
        lines: std::io::Lines<std::io::BufReader<R>>,
        /// The current line number.
        line: u64,
        /// Bytes read so far.
        bytes: u64,
    },
}

impl<R: Read> Reader<R> {
    /// A CSV reader; fails when the header cannot be read.
    pub fn csv(input: R) -> Result<Self, String> {
        let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(input);
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| format!("cannot read the CSV header: {e}"))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        Ok(Reader::Csv {
            reader,
            names: header.iter().map(|h| Arc::from(h.as_str())).collect(),
            header,
            buffer: csv::StringRecord::new(),
        })
    }

    /// A JSON Lines reader.
    pub fn jsonl(input: R) -> Self {
        Reader::Jsonl {
            lines: std::io::BufReader::new(input).lines(),
            line: 0,
            bytes: 0,
        }
    }

    /// How far into the input reading has got, in bytes (for progress).
    pub fn bytes_read(&self) -> Option<u64> {
        match self {
            Reader::Csv { buffer, .. } => buffer.position().map(|p| p.byte()),
            Reader::Jsonl { bytes, .. } => Some(*bytes),
        }
    }

    /// The column names, for CSV.
    pub fn header(&self) -> Option<&[String]> {
        match self {
            Reader::Csv { header, .. } => Some(header),
            Reader::Jsonl { .. } => None,
        }
    }

    /// The next record, an error for a bad row, or `None` at the end.
    pub fn next_record(
        &mut self,
        columns: &Columns,
        claim_inputs: &HashSet<String>,
    ) -> Option<Result<Record, BadRow>> {
        match self {
            Reader::Csv {
                reader,
                names,
                buffer,
                ..
            } => match reader.read_record(buffer) {
                Ok(false) => None,
                Ok(true) => {
                    let line = buffer.position().map_or(0, |p| p.line());
                    let cells = names
                        .iter()
                        .cloned()
                        .zip(buffer.iter().map(|c| FactValue::Text(c.into())));
                    Some(record(line, cells, columns, claim_inputs, true))
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    Some(Err(RowError {
                        line,
                        message: format!("the row cannot be read as CSV: {e}"),
                    }
                    .into()))
                }
            },
            Reader::Jsonl { lines, line, bytes } => loop {
                *line += 1;
                let text = match lines.next()? {
                    Ok(t) => {
                        *bytes += t.len() as u64 + 1;
                        t
                    }
                    Err(e) => {
                        return Some(Err(RowError {
                            line: *line,
                            message: format!("the line cannot be read: {e}"),
                        }
                        .into()))
                    }
                };
                if text.trim().is_empty() {
                    continue;
                }
                let parsed: Result<serde_json::Map<String, serde_json::Value>, _> =
                    serde_json::from_str(&text);
                return Some(match parsed {
                    Err(e) => Err(RowError {
                        line: *line,
                        message: format!("the line is not a JSON object: {e}"),
                    }
                    .into()),
                    Ok(obj) => {
                        let mut bad = None;
                        let cells: Vec<(Arc<str>, FactValue)> = obj
                            .into_iter()
                            .filter_map(|(k, v)| match json_value(&v) {
                                Some(fv) => Some((Arc::from(k), fv)),
                                None => {
                                    bad = Some(k);
                                    None
                                }
                            })
                            .collect();
                        match bad {
                            Some(k) => Err(RowError {
                                line: *line,
                                message: format!(
                                    "`{k}` is a list or an object, not a single value"
                                ),
                            }
                            .into()),
                            None => record(*line, cells.into_iter(), columns, claim_inputs, false),
                        }
                    }
                });
            },
        }
    }
}
