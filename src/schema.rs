//! The JSON Schema (draft 2020-12) of the facts that compiled policies read.
//!
//! Input: compiled programs and, optionally, one kind of subject. Output: a schema that a form,
//! a portal or another program can validate facts against before sending them to pol. Guarantee:
//! what the schema accepts is what `pol eval` reads without an error of form: the layout of the
//! facts file, each input's type (money as a decimal string such as `"600万元"` or
//! `"6000000.00"`, a JSON number also being read exactly), enums as their variants, dates as
//! `YYYY-MM-DD`, money and quantities at least zero unless declared `signed`. Attributes the
//! policies do not declare are allowed (pol warns about them, it does not refuse them), and no
//! attribute is required (a missing one leaves the clauses that need it undetermined).

use serde_json::{json, Map, Value as Json};

use crate::check::types::{Flavor, ValueRange};
use crate::compile::{InputDef, Kind, Program, Value};
use crate::diagnostic::line_col;
use rust_decimal::Decimal;

/// The draft this module writes.
pub const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The subject kinds the programs declare inputs for or award, in a stable order.
pub fn subject_kinds(programs: &[&Program]) -> Vec<Kind> {
    let mut kinds: Vec<Kind> = programs
        .iter()
        .flat_map(|p| {
            let declared = p
                .subject_inputs
                .iter()
                .flat_map(|i| i.kinds.iter().copied());
            let awarded = p.clauses.iter().flat_map(|c| c.subjects.iter().copied());
            declared.chain(awarded)
        })
        .filter(|k| *k != Kind::Project)
        .collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

/// The schema of the facts of `subject` (or of any subject kind the programs know, when
/// `None`) under `programs`.
pub fn facts_schema(programs: &[&Program], subject: Option<Kind>) -> Json {
    let documents: Vec<&str> = programs
        .iter()
        .map(|p| p.header.document.as_str())
        .collect();
    let documents = documents.join("、");
    let kinds = match subject {
        Some(k) => vec![k],
        None => subject_kinds(programs),
    };
    let mut root = Map::new();
    root.insert("$schema".into(), json!(DRAFT));
    if let [kind] = kinds.as_slice() {
        let Json::Object(one) = kind_schema(programs, *kind, &documents) else {
            return json!({});
        };
        root.extend(one);
        return Json::Object(root);
    }
    root.insert(
        "title".into(),
        json!(format!("Facts of an applicant under {documents}")),
    );
    root.insert(
        "description".into(),
        json!(
            "One subject's facts; `kind` says which kind of subject and so which attributes apply."
        ),
    );
    let mut defs = Map::new();
    for k in &kinds {
        defs.insert(k.as_str().into(), kind_schema(programs, *k, &documents));
    }
    let refs: Vec<Json> = kinds
        .iter()
        .map(|k| json!({"$ref": format!("#/$defs/{}", k.as_str())}))
        .collect();
    root.insert("oneOf".into(), Json::Array(refs));
    root.insert("$defs".into(), Json::Object(defs));
    Json::Object(root)
}

fn kind_schema(programs: &[&Program], kind: Kind, documents: &str) -> Json {
    let mut attributes = Map::new();
    for p in programs {
        for input in p.subject_inputs.iter().filter(|i| i.kinds.contains(&kind)) {
            attributes
                .entry(input.name.clone())
                .or_insert_with(|| series_schema(p, input));
        }
    }
    let mut claim_attributes = Map::new();
    for p in programs {
        for input in &p.claim_inputs {
            claim_attributes
                .entry(input.name.clone())
                .or_insert_with(|| input_schema(p, input));
        }
    }
    let mut properties = Map::new();
    properties.insert(
        "kind".into(),
        json!({"const": kind.as_str(), "description": "The kind of subject."}),
    );
    properties.insert(
        "id".into(),
        json!({
            "description": "The subject's id, e.g. its unified social credit code.",
            "type": ["string", "integer"],
            "minLength": 1
        }),
    );
    properties.insert(
        "attributes".into(),
        json!({
            "description": "The subject's facts, by the names the policies declare.",
            "type": ["object", "null"],
            "properties": attributes,
        }),
    );
    let items: Vec<_> = crate::eval::items::items_of(programs.iter().copied())
        .into_iter()
        .filter(|i| i.kinds.contains(&kind))
        .collect();
    if !claim_attributes.is_empty() || !items.is_empty() {
        let mut names: Vec<&str> = Vec::new();
        let mut docs: Vec<&str> = Vec::new();
        for i in &items {
            if !names.contains(&i.name) {
                names.push(i.name);
            }
            if !docs.contains(&i.document) {
                docs.push(i.document);
            }
        }
        properties.insert(
            "claims".into(),
            json!({
                "description": "The subject's claims (projects, contracts, applications), each evaluated on its own.",
                "type": ["array", "null"],
                "items": {
                    "type": "object",
                    "required": ["id", "date"],
                    "properties": {
                        "id": {"description": "The claim's id, unique among the subject's claims.", "type": ["string", "integer"]},
                        "date": date_schema("The date of the event the claim is for."),
                        "item": {
                            "description": "The application item the claim is for: its per-claim clauses evaluate it. Needed unless the policies have one item for this kind of subject.",
                            "type": ["string", "null"],
                            "enum": names.iter().map(|n| Json::from(*n)).chain([Json::Null]).collect::<Vec<_>>(),
                        },
                        "document": {
                            "description": "The document of the item, needed when several documents declare its name.",
                            "type": ["string", "null"],
                            "enum": docs.iter().map(|n| Json::from(*n)).chain([Json::Null]).collect::<Vec<_>>(),
                        },
                        "attributes": {"type": ["object", "null"], "properties": claim_attributes},
                    }
                }
            }),
        );
    }
    let documents_enum: Vec<&str> = programs
        .iter()
        .map(|p| p.header.document.as_str())
        .collect();
    properties.insert(
        "history".into(),
        json!({
            "description": "What the subject has already been paid: earlier grants, each naming the document and clause that paid it. They count towards caps and limits and make once-only awards already paid.",
            "type": ["array", "null"],
            "items": {
                "type": "object",
                "required": ["document", "clause", "date", "amount"],
                "additionalProperties": false,
                "properties": {
                    "document": {"description": "The document number of the policy that paid it.", "type": "string", "examples": documents_enum},
                    "clause": {"description": "The clause that paid it.", "type": "string"},
                    "item": {"description": "The application item it was paid for.", "type": "string"},
                    "matter": {"description": "The matter it was paid for (default: the clause's).", "type": "string"},
                    "claim": {"description": "The claim it was paid for.", "type": "string"},
                    "stage": {"description": "The stage it paid, for a clause paid in stages (required for such a clause).", "type": "string"},
                    "year": {"description": "The year of the run it paid, for a clause paid each year of a run (required for such a clause).", "type": ["integer", "string"], "pattern": "^[0-9]{4}$", "minimum": 1, "maximum": 9999},
                    "date": date_schema("The date it was granted."),
                    "amount": {"description": "What was paid: money, e.g. \"20万元\".", "type": ["string", "number"]},
                }
            }
        }),
    );
    json!({
        "title": format!("Facts of a subject of kind `{}` under {documents}", kind.as_str()),
        "type": "object",
        "required": ["kind", "id"],
        "properties": properties,
    })
}

/// An input's schema; a yearly series is an object keyed by four-digit years from 0001 to
/// 9999, each value of the input's type (or `null`), as pol reads it.
fn series_schema(program: &Program, input: &InputDef) -> Json {
    let one = input_schema(program, input);
    if !input.series {
        return one;
    }
    let description = one
        .get("description")
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_string();
    json!({
        "title": input.name,
        "description": format!(
            "One value per year, keyed by the year (\"2023\"). {description}"
        ),
        "type": ["object", "null"],
        "patternProperties": {YEAR_KEY: one},
        "additionalProperties": false,
    })
}

/// A year written with four digits, 0000 excepted (there is no year 0; F0165).
const YEAR_KEY: &str = "^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})$";

fn date_schema(description: &str) -> Json {
    json!({
        "description": description,
        "type": "string",
        "format": "date",
        "pattern": r"^\d{4}-\d{1,2}-\d{1,2}$",
    })
}

/// A number pattern: digits with optional thousands commas and decimals, optionally negative.
fn number_pattern(signed: bool, units: &str) -> String {
    let sign = if signed { "-?" } else { "" };
    format!(r"^\s*{sign}(\d{{1,3}}(,\d{{3}})+|\d+)(\.\d+)?{units}\s*$")
}

fn escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let special = r"\^$.|?*+()[]{}/".contains(c);
            special
                .then_some('\\')
                .into_iter()
                .chain(std::iter::once(c))
        })
        .collect()
}

fn input_schema(program: &Program, input: &InputDef) -> Json {
    let signed = input.signed;
    let minimum = |schema: &mut Map<String, Json>| {
        if !signed {
            schema.insert("minimum".into(), json!(0));
        }
    };
    let (mut schema, what) = match input.flavor {
        Flavor::Money => {
            let mut n = Map::new();
            n.insert("type".into(), json!("number"));
            minimum(&mut n);
            (
                json!({"anyOf": [
                    {"type": "string", "pattern": number_pattern(signed, "(元|千元|万元|百万元|亿元)?")},
                    n,
                ], "examples": ["600万元", "6000000.00"]}),
                "money in 元, best written as a decimal string such as \"600万元\" or \"6000000.00\"",
            )
        }
        Flavor::Percent => (
            json!({"anyOf": [
                // With `%`, or a bare ratio between -1 and 1: pol refuses a bare `79` (F0114)
                // and a bare `1`, which could mean 100% or 1% (F0172).
                {"type": "string", "pattern": r"^\s*[-+]?\d+(\.\d+)?%\s*$"},
                {"type": "string", "pattern": r"^\s*[-+]?0(\.\d+)?\s*$"},
                {"type": "number", "exclusiveMinimum": -1, "exclusiveMaximum": 1},
            ], "examples": ["15%", "0.15"]}),
            "a percentage, \"15%\", or a ratio between -1 and 1 such as 0.15",
        ),
        Flavor::Number => (
            json!({"anyOf": [
                {"type": "string", "pattern": r"^\s*-?\d+(\.\d+)?\s*$"},
                {"type": "number"},
            ]}),
            "a number",
        ),
        Flavor::Count => (
            json!({"anyOf": [
                {"type": "string", "pattern": r"^\s*\d+\s*$"},
                {"type": "integer", "minimum": 0},
            ]}),
            "a whole number of at least 0",
        ),
        Flavor::Quantity => {
            let unit = input.unit.to_string();
            let mut n = Map::new();
            n.insert("type".into(), json!("number"));
            minimum(&mut n);
            (
                json!({"anyOf": [
                    {"type": "string", "pattern": number_pattern(signed, &format!("({})?", escape(&unit)))},
                    n,
                ], "examples": [format!("500{unit}")]}),
                "a quantity in its declared unit",
            )
        }
        Flavor::Bool => (
            json!({"anyOf": [
                {"type": "boolean"},
                {"enum": ["true", "false", "是", "否", "1", "0"]},
            ]}),
            "yes or no",
        ),
        Flavor::Date => (date_schema(""), "a date, YYYY-MM-DD"),
        Flavor::Text => (json!({"type": "string"}), "a text"),
        Flavor::Enum => {
            let variants = input
                .enum_id
                .and_then(|e| program.enums.get(e as usize))
                .map(|e| e.variants.clone())
                .unwrap_or_default();
            (json!({"enum": variants}), "one of the listed values")
        }
    };
    let Json::Object(map) = &mut schema else {
        return schema;
    };
    let mut what = what.to_string();
    if let Some(range) = &input.range {
        bound_numbers(map, input.flavor, range);
        what = format!("{what}, within `{}` (both bounds included)", range.text);
    }
    map.insert("title".into(), json!(input.name));
    let (line, _) = line_col(&program.source, input.span.start);
    let mut description = match &input.doc {
        Some(doc) => format!("{doc}\n\n"),
        None => String::new(),
    };
    description.push_str(&format!(
        "Type: {what}. Declared in {} at line {line}",
        program.header.document
    ));
    if let Some(default) = input.default.and_then(|d| default_json(program, input, d)) {
        description.push_str(&format!(". When left out: {default}"));
        map.insert("default".into(), default);
    }
    map.insert("description".into(), json!(description));
    // `null` means the same as leaving the attribute out.
    if let Some(Json::Array(any)) = map.get_mut("anyOf") {
        any.push(json!({"type": "null"}));
    } else if let Some(Json::String(t)) = map.get("type").cloned() {
        map.insert("type".into(), json!([t, "null"]));
    } else if let Some(Json::Array(vs)) = map.get_mut("enum") {
        vs.push(Json::Null);
    }
    schema
}

/// Puts a declared range on the JSON-number branch of an input's schema as `minimum` and
/// `maximum` (a string such as `"600万元"` cannot carry them: pol checks those itself). For a
/// percentage the number is a ratio, from -1 to 1 unless the range explicitly reaches further,
/// as pol reads it; the bare-number string pattern is widened to match.
fn bound_numbers(map: &mut Map<String, Json>, flavor: Flavor, range: &ValueRange) {
    let Some(Json::Array(any)) = map.get_mut("anyOf") else {
        return;
    };
    let (low, high) = match flavor {
        Flavor::Percent => (
            range.low.unwrap_or(-Decimal::ONE),
            Some(range.high.unwrap_or(Decimal::ONE)),
        ),
        _ => (range.low.unwrap_or(Decimal::MIN), range.high),
    };
    for branch in any.iter_mut() {
        let Json::Object(b) = branch else { continue };
        let is_number =
            matches!(b.get("type"), Some(Json::String(t)) if t == "number" || t == "integer");
        if is_number {
            // Keep the tighter of the range and the at-least-zero bound already there.
            let floor = b.get("minimum").and_then(Json::as_i64).map(Decimal::from);
            match floor.map_or(Some(low), |f| Some(f.max(low))) {
                Some(l) if l != Decimal::MIN => {
                    b.insert("minimum".into(), number(l));
                }
                _ => {}
            }
            match high {
                Some(h) => b.insert("maximum".into(), number(h)),
                None => b.remove("maximum"),
            };
            if flavor == Flavor::Percent {
                // pol refuses a bare ±1 (F0172) unless the range is written beyond 100% on
                // that side: there the bound is exclusive.
                for (side, exclusive, at) in [
                    ("maximum", "exclusiveMaximum", Decimal::ONE),
                    ("minimum", "exclusiveMinimum", -Decimal::ONE),
                ] {
                    b.remove(exclusive);
                    if b.get(side).and_then(Json::as_i64) == Some(at.mantissa() as i64) {
                        b.remove(side);
                        b.insert(exclusive.into(), number(at));
                    }
                }
            }
        } else if flavor == Flavor::Percent
            && (low < -Decimal::ONE || high.is_some_and(|h| h > Decimal::ONE))
        {
            if let Some(Json::String(p)) = b.get("pattern") {
                if !p.contains('%') {
                    b.insert("pattern".into(), json!(r"^\s*[-+]?\d+(\.\d+)?\s*$"));
                }
            }
        }
    }
}

/// A decimal as a JSON number, written with the decimal's own digits.
fn number(d: Decimal) -> Json {
    let d = d.normalize();
    if d.fract().is_zero() {
        if let Ok(i) = i64::try_from(d.mantissa()) {
            return json!(i);
        }
    }
    serde_json::from_str(&d.to_string()).unwrap_or(Json::Null)
}

fn default_json(program: &Program, input: &InputDef, v: Value) -> Option<Json> {
    Some(match v {
        Value::Bool(b) => json!(b),
        Value::Num(d) if input.flavor == Flavor::Percent => {
            json!(format!("{}%", crate::eval::format::percent_number(d)))
        }
        Value::Num(d) => json!(d.normalize().to_string()),
        Value::Date(d) => json!(d.to_string()),
        Value::Enum(i) => {
            let e = program.enums.get(input.enum_id? as usize)?;
            json!(e.variants.get(i as usize)?)
        }
        Value::Text(i) => json!(program.texts.get(i as usize)?),
    })
}
