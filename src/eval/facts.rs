//! Facts: what is known about one applicant, and their binding to a program's input slots.
//!
//! Input: facts as JSON text (or built in code), and a compiled [`Program`]. Output: values in
//! the program's slots, or every problem found, each naming the field, the type the policy
//! declares, the value found and the line that declares it. Guarantee: numbers are read from
//! their JSON text exactly (never through a float); a missing input is not an error here (the
//! clause that needs it becomes "undetermined").

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::value::Value;
use crate::check::closest;
use crate::check::types::Flavor;
use crate::compile::{InputDef, Kind, Program};
use crate::diagnostic::line_col;
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
        _ => text.trim(),
    }
}

/// A plain decimal (`1234.50`, `-7`) read digit by digit: the value and decimal places
/// `Decimal::from_str_exact` gives, for the texts it recognises; `None` sends anything else
/// (units, exponents, signs of zero, more than 18 digits) to the general reader.
fn plain_decimal(t: &str) -> Option<Decimal> {
    plain_decimal_bytes(t.as_bytes())
}

/// [`plain_decimal`] of text given as bytes.
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
}

/// A problem with facts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FactProblem {
    /// `error` (no decision is made) or `warning`.
    pub severity: crate::diagnostic::Severity,
    /// Where in the facts: `attributes.研发费用`, `claims[2].date`.
    pub path: String,
    /// What is wrong, in plain words.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

impl FactProblem {
    fn error(path: impl Into<String>, message: impl Into<String>, help: impl Into<String>) -> Self {
        FactProblem {
            severity: crate::diagnostic::Severity::Error,
            path: path.into(),
            message: message.into(),
            help: help.into(),
        }
    }

    fn warning(
        path: impl Into<String>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        FactProblem {
            severity: crate::diagnostic::Severity::Warning,
            path: path.into(),
            message: message.into(),
            help: help.into(),
        }
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == crate::diagnostic::Severity::Error
    }
}

/// A JSON value as a fact (`None` for lists and objects).
pub fn json_value(v: &serde_json::Value) -> Option<FactValue> {
    Some(match v {
        serde_json::Value::Null => FactValue::Null,
        serde_json::Value::Bool(b) => FactValue::Bool(*b),
        serde_json::Value::Number(n) => FactValue::Number(n.to_string()),
        serde_json::Value::String(s) => FactValue::Text(s.as_str().into()),
        _ => return None,
    })
}

fn attributes(
    v: Option<&serde_json::Value>,
    path: &str,
    problems: &mut Vec<FactProblem>,
) -> BTreeMap<String, FactValue> {
    let mut out = BTreeMap::new();
    match v {
        None | Some(serde_json::Value::Null) => {}
        Some(serde_json::Value::Object(map)) => {
            for (k, v) in map {
                match json_value(v) {
                    Some(fv) => {
                        out.insert(k.clone(), fv);
                    }
                    None => problems.push(FactProblem::error(
                        format!("{path}.{k}"),
                        format!("`{k}` is a list or an object, not a single value"),
                        "give one value: a number, a text in quotes, true or false",
                    )),
                }
            }
        }
        Some(_) => problems.push(FactProblem::error(
            path,
            "`attributes` must be an object of names and values",
            "write e.g. \"attributes\": { \"研发费用\": \"600万元\" }",
        )),
    }
    out
}

fn text_field<'a>(
    obj: &'a serde_json::Map<String, serde_json::Value>,
    key: &str,
) -> Option<&'a str> {
    obj.get(key).and_then(|v| v.as_str())
}

impl Facts {
    /// Reads facts from JSON text, reporting every problem of shape it finds; warnings (keys
    /// that are not part of the format) come back with the facts.
    ///
    /// The shape is `{"kind": "enterprise", "id": "...", "attributes": {...},
    /// "claims": [{"id": "...", "date": "2024-03-01", "attributes": {...}}]}`.
    pub fn from_json(text: &str) -> Result<(Facts, Vec<FactProblem>), Vec<FactProblem>> {
        let root: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            vec![FactProblem::error(
                format!("line {}, column {}", e.line(), e.column()),
                format!("the facts are not valid JSON: {e}"),
                "check quotes, commas and braces near that place",
            )]
        })?;
        let Some(obj) = root.as_object() else {
            return Err(vec![FactProblem::error(
                "(top level)",
                "the facts must be a JSON object",
                "write {\"kind\": \"enterprise\", \"id\": \"...\", \"attributes\": {...}}",
            )]);
        };
        let mut problems = Vec::new();
        let kind = match text_field(obj, "kind") {
            Some(k) => match Kind::parse(k) {
                Some(Kind::Project) | None => {
                    problems.push(FactProblem::error(
                        "kind",
                        format!("`{k}` is not a kind of subject"),
                        "use enterprise, institution, person or region",
                    ));
                    None
                }
                Some(kind) => Some(kind),
            },
            None => {
                problems.push(FactProblem::error(
                    "kind",
                    "the facts do not say what kind of subject they describe",
                    "add \"kind\": \"enterprise\" (or institution, person, region)",
                ));
                None
            }
        };
        let id = match obj.get("id") {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Number(n)) => n.to_string(),
            _ => {
                problems.push(FactProblem::error(
                    "id",
                    "the subject has no id",
                    "add \"id\": \"...\" (e.g. the unified social credit code)",
                ));
                String::new()
            }
        };
        for key in obj.keys() {
            if !matches!(key.as_str(), "kind" | "id" | "attributes" | "claims") {
                problems.push(FactProblem::warning(
                    key.clone(),
                    format!("`{key}` is not part of the facts format and is ignored"),
                    "put the subject's values under \"attributes\"",
                ));
            }
        }
        let attrs = attributes(obj.get("attributes"), "attributes", &mut problems);
        let mut claims = Vec::new();
        match obj.get("claims") {
            None | Some(serde_json::Value::Null) => {}
            Some(serde_json::Value::Array(list)) => {
                for (i, c) in list.iter().enumerate() {
                    let path = format!("claims[{i}]");
                    let Some(c) = c.as_object() else {
                        problems.push(FactProblem::error(
                            path,
                            "a claim must be an object",
                            "write {\"id\": \"...\", \"date\": \"2024-03-01\", \"attributes\": {...}}",
                        ));
                        continue;
                    };
                    let id = match c.get("id") {
                        Some(serde_json::Value::String(s)) => Some(s.clone()),
                        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                        _ => {
                            problems.push(FactProblem::error(
                                format!("{path}.id"),
                                "the claim has no id",
                                "give each claim an id, e.g. the contract number",
                            ));
                            None
                        }
                    };
                    let date = match text_field(c, "date") {
                        Some(d) => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                            Ok(d) => Some(d),
                            Err(_) => {
                                problems.push(FactProblem::error(
                                    format!("{path}.date"),
                                    format!("`{d}` is not a date"),
                                    "write the date as year-month-day, e.g. \"2024-03-01\"",
                                ));
                                None
                            }
                        },
                        None => {
                            problems.push(FactProblem::error(
                                format!("{path}.date"),
                                "the claim has no date",
                                "add the date of the event it claims for, e.g. \"date\": \"2024-03-01\"",
                            ));
                            None
                        }
                    };
                    let attrs = attributes(
                        c.get("attributes"),
                        &format!("{path}.attributes"),
                        &mut problems,
                    );
                    if let (Some(id), Some(date)) = (id, date) {
                        if claims.iter().any(|x: &ClaimFacts| x.id == id) {
                            problems.push(FactProblem::error(
                                format!("{path}.id"),
                                format!("two claims have the id `{id}`"),
                                "give each claim its own id",
                            ));
                        }
                        claims.push(ClaimFacts {
                            id,
                            date,
                            attributes: attrs,
                        });
                    }
                }
            }
            Some(_) => problems.push(FactProblem::error(
                "claims",
                "`claims` must be a list",
                "write \"claims\": [ {...}, {...} ]",
            )),
        }
        match kind {
            Some(kind) if !problems.iter().any(FactProblem::is_error) => Ok((
                Facts {
                    kind,
                    id: id.into(),
                    attributes: attrs,
                    claims,
                },
                problems,
            )),
            _ => Err(problems),
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
}

/// Where an input is declared, as `line N` of the policy.
fn declared_at(program: &Program, input: &InputDef) -> String {
    let (line, _) = line_col(&program.source, input.span.start);
    format!("{} line {line}", program.header.document)
}

fn describe_flavor(program: &Program, input: &InputDef) -> String {
    match input.flavor {
        Flavor::Money => "money (an amount in 元, e.g. \"600万元\" or 6000000)".to_string(),
        Flavor::Percent => "a percentage (e.g. \"15%\" or 0.15)".to_string(),
        Flavor::Number => "a number".to_string(),
        Flavor::Count => "a whole number of at least 0".to_string(),
        Flavor::Quantity => format!("a quantity in {} (e.g. \"500{}\")", input.unit, input.unit),
        Flavor::Bool => "true or false".to_string(),
        Flavor::Date => "a date such as \"2024-03-01\"".to_string(),
        Flavor::Text => "a text".to_string(),
        Flavor::Enum => {
            let variants = input
                .enum_id
                .and_then(|e| program.enums.get(e as usize))
                .map(|e| e.variants.join(", "))
                .unwrap_or_default();
            format!("one of: {variants}")
        }
    }
}

fn show_found(v: FactRef<'_>) -> String {
    match v {
        FactRef::Number(n) => n.to_string(),
        FactRef::Text(t) => format!("\"{t}\""),
        FactRef::Bool(b) => b.to_string(),
        FactRef::Null => "null".to_string(),
    }
}

/// Reads a number written as JSON or as staff write it (`600万元`, `1,000元`, `15%`, `500亩`).
/// Returns the value in base units and the unit written (if any) and whether it had `%`.
fn number_text(text: &str) -> Option<(Decimal, Option<Unit>, bool)> {
    let t = trim(text);
    if let Some(d) = plain_decimal(t) {
        return Some((d, None, false));
    }
    if let Ok(d) = Decimal::from_str_exact(t) {
        return Some((d, None, false));
    }
    // Scientific notation from other programs (1e3); exact for the digits given.
    if t.contains(['e', 'E']) && !t.contains(|c: char| c.is_alphabetic() && c != 'e' && c != 'E') {
        return Decimal::from_scientific(t).ok().map(|d| (d, None, false));
    }
    let parsed = crate::syntax::parse(&format!("let x = {t}"));
    if !parsed.is_ok() {
        return None;
    }
    match parsed.file.items.first() {
        Some(crate::ast::Item::Let(l)) => match &l.node.value.node {
            crate::ast::ExprKind::Number(lit) => Some((
                lit.value,
                (!lit.unit.is_none()).then(|| lit.unit.clone()),
                lit.percent,
            )),
            crate::ast::ExprKind::Unary(crate::ast::UnaryOp::Neg, inner) => match &inner.node {
                crate::ast::ExprKind::Number(lit) => Some((
                    -lit.value,
                    (!lit.unit.is_none()).then(|| lit.unit.clone()),
                    lit.percent,
                )),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

/// Reads one fact against its declaration.
fn read_value(
    program: &Program,
    input: &InputDef,
    v: FactRef<'_>,
    texts: &mut Vec<String>,
) -> Result<Option<Value>, String> {
    let number = |v: FactRef<'_>| -> Option<(Decimal, Option<Unit>, bool)> {
        match v {
            FactRef::Number(n) | FactRef::Text(n) => number_text(n),
            _ => None,
        }
    };
    Ok(Some(match (input.flavor, v) {
        (_, FactRef::Null) => return Ok(None),
        (Flavor::Money, v) => match number(v) {
            Some((d, None, false)) => Value::Num(d),
            Some((d, Some(u), false)) if u.is_money() => Value::Num(d),
            _ => return Err(String::new()),
        },
        (Flavor::Percent, v) => match number(v) {
            Some((d, None, _)) => Value::Num(d),
            _ => return Err(String::new()),
        },
        (Flavor::Number, v) => match number(v) {
            Some((d, None, _)) => Value::Num(d),
            _ => return Err(String::new()),
        },
        (Flavor::Count, v) => match number(v) {
            Some((d, None, false)) if d.fract().is_zero() && !d.is_sign_negative() => {
                Value::Num(d.normalize())
            }
            _ => return Err(String::new()),
        },
        (Flavor::Quantity, v) => match number(v) {
            Some((d, None, false)) => Value::Num(d),
            Some((d, Some(u), false)) if u == input.unit => Value::Num(d),
            _ => return Err(String::new()),
        },
        (Flavor::Bool, FactRef::Bool(b)) => Value::Bool(b),
        (Flavor::Bool, FactRef::Text(t)) => match trim(t) {
            // `1`/`0` as spreadsheets and CSV exports write them.
            "true" | "是" | "1" => Value::Bool(true),
            "false" | "否" | "0" => Value::Bool(false),
            _ => return Err(String::new()),
        },
        (Flavor::Date, FactRef::Text(t)) => match NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d") {
            Ok(d) => Value::Date(d),
            Err(_) => return Err(String::new()),
        },
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
                    return Err(hint
                        .map(|h| format!("did you mean \"{h}\"? "))
                        .unwrap_or_default());
                }
            }
        }
        _ => return Err(String::new()),
    }))
}

fn bind_attributes<'v>(
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
                (Flavor::Money, [b'0'..=b'9', ..]) => {
                    if let Some(d) = plain_decimal(t) {
                        out[slot] = Some(Value::Num(d));
                        continue;
                    }
                }
                _ => {}
            }
        }
        let negative = |x: &Option<Value>| matches!(x, Some(Value::Num(d)) if d.is_sign_negative() && !d.is_zero());
        match read_value(program, input, v, texts) {
            Ok(value) if negative(&value) && !input.signed && matches!(input.flavor, Flavor::Money | Flavor::Quantity) => {
                problems.push(FactProblem::error(
                    format!("{path}.{}", input.name),
                    format!("`{}` cannot be negative, but the facts give {}", input.name, show_found(v)),
                    format!(
                        "give an amount of at least 0; the policy declares it at {} (write `signed money` there if negative amounts are meant)",
                        declared_at(program, input)
                    ),
                ))
            }
            Ok(value) => out[slot] = value.or(input.default),
            Err(hint) => problems.push(FactProblem::error(
                format!("{path}.{}", input.name),
                format!(
                    "`{}` must be {}, but the facts give {}",
                    input.name,
                    describe_flavor(program, input),
                    show_found(v)
                ),
                format!(
                    "{hint}the policy declares it at {}",
                    declared_at(program, input)
                ),
            )),
        }
    }
}

/// Binds facts to the slots of `program`, reporting values that do not fit their declaration.
pub fn bind(program: &Program, facts: &Facts) -> Result<Bound, Vec<FactProblem>> {
    let mut problems = Vec::new();
    let mut bound = Bound {
        subject: vec![None; program.subject_inputs.len()],
        claims: Vec::with_capacity(facts.claims.len()),
        texts: Vec::new(),
    };
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
            (Flavor::Money, [b'0'..=b'9', ..]) => plain_decimal_bytes(text).map(Value::Num),
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
        problems.push(FactProblem::error(
            format!("attributes.{}", input.name),
            format!("`{}` is not UTF-8 text", input.name),
            "save the population as UTF-8".to_string(),
        ));
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

/// Attributes that no program of the set declares: warnings, so typos do not go unnoticed.
pub fn unknown_attributes(programs: &[&Program], facts: &Facts) -> Vec<FactProblem> {
    let mut out = Vec::new();
    let known_subject = |name: &str| {
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
        match closest(name, all) {
            Some(h) => format!("did you mean `{h}`? Otherwise remove it"),
            None => "remove it, or check the policy's inputs with `pol check`".to_string(),
        }
    };
    for name in facts.attributes.keys() {
        if !known_subject(name) {
            out.push(FactProblem::warning(
                format!("attributes.{name}"),
                format!("no policy uses the attribute `{name}`; it is ignored"),
                hint(name, false),
            ));
        }
    }
    for (i, c) in facts.claims.iter().enumerate() {
        for name in c.attributes.keys() {
            if !known_claim(name) {
                out.push(FactProblem::warning(
                    format!("claims[{i}].attributes.{name}"),
                    format!("no policy uses the claim attribute `{name}`; it is ignored"),
                    hint(name, true),
                ));
            }
        }
    }
    out
}

/// Reads a setting (`--set name=value`) for a parameter shown as `show`.
pub fn parse_setting(text: &str, flavor: Flavor) -> Option<Value> {
    match flavor {
        Flavor::Bool => match text.trim() {
            "true" | "是" => Some(Value::Bool(true)),
            "false" | "否" => Some(Value::Bool(false)),
            _ => None,
        },
        Flavor::Date => NaiveDate::from_str(text.trim()).ok().map(Value::Date),
        Flavor::Money => match number_text(text)? {
            (d, None, false) => Some(Value::Num(d)),
            (d, Some(u), false) if u.is_money() => Some(Value::Num(d)),
            _ => None,
        },
        Flavor::Percent | Flavor::Number | Flavor::Count | Flavor::Quantity => {
            match number_text(text)? {
                (d, None, _) => Some(Value::Num(d)),
                (d, Some(_), false) if flavor == Flavor::Quantity => Some(Value::Num(d)),
                _ => None,
            }
        }
        Flavor::Text | Flavor::Enum => None,
    }
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

    #[test]
    fn numbers_as_staff_and_programs_write_them() {
        assert_eq!(number_text("600万元").unwrap().0, Decimal::from(6_000_000));
        assert_eq!(number_text("6000000").unwrap().0, Decimal::from(6_000_000));
        assert_eq!(number_text("1,000元").unwrap().0, Decimal::from(1000));
        assert_eq!(number_text("0.1").unwrap().0, Decimal::new(1, 1));
        assert_eq!(
            number_text("15%").unwrap(),
            (Decimal::new(15, 2), None, true)
        );
        assert_eq!(number_text("-3元").unwrap().0, Decimal::from(-3));
        assert_eq!(number_text("1e3").unwrap().0, Decimal::from(1000));
        assert!(number_text("abc").is_none());
        assert!(number_text("1e400").is_none());
    }

    #[test]
    fn facts_json_shape_problems_are_all_reported() {
        let err =
            Facts::from_json(r#"{"kind": "firm", "attributes": [], "claims": [{"id": "a"}]}"#)
                .unwrap_err();
        let paths: Vec<&str> = err.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["kind", "id", "attributes", "claims[0].date"]);
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
}
