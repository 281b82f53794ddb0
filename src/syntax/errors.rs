//! Turns pest's parse failures into diagnostics a policy officer can act on.
//!
//! Input: a pest error for one chunk of the file and the chunk's offset. Output: an E0101
//! diagnostic that says in words what was expected ("a money amount such as `20万元`"), or an
//! E0102 diagnostic when the culprit is a full-width character, naming its half-width form.
//! Guarantee: the span is a byte range of the whole file, so the rendering shows the file's
//! own lines around it.

use std::collections::BTreeSet;

use pest::error::{ErrorVariant, InputLocation};

use super::grammar::Rule;
use crate::ast::Span;
use crate::diagnostic::{Code, Diagnostic};

/// Words for what a rule stands for, with an order that puts the likeliest first.
fn describe(rule: Rule) -> Option<(u8, &'static str)> {
    use Rule::*;
    Some(match rule {
        EOI => (90, "the end of the file"),
        let_decl => (45, "`let`"),
        policy | input | enum_decl | param | limit_decl | table_decl | clause => (
            10,
            "a top-level item (`policy`, `input`, `enum`, `param`, `let`, `limit`, `table` or `clause`)",
        ),
        named_bracket | named_tier => (24, "the table's rows: `bracket {` or `by {`"),
        title | issued | effective | funding | same_matter | rounding | budget => (
            10,
            "a header line such as `title`, `effective`, `funding` or `same_matter`",
        ),
        source | department | matter | item_line | subject | per_claim | clause_effective | when
        | award | cap | clause_limit | clause_funding => (
            10,
            "a clause line such as `source`, `department`, `when`, `award` or `cap`",
        ),
        kw_then => (15, "`then`"),
        kw_else => (15, "`else`"),
        expr | implication | disjunction | conjunction | negation | comparison | sum | product
        | unary | reference | paren | call | table | bracket | func | conditional | kw_if
        | event_date | lookup => (20, "a value such as `20万元`, `15%`, a name or `(`"),
        quantity | number => (21, "a number or an amount such as `20万元` or `15%`"),
        name | limit_ref | type_name => (22, "a name"),
        subject_kind => (22, "a subject kind such as `enterprise` or `project`"),
        variant => (22, "an enum variant"),
        string | str_inner_ascii | str_inner_cjk => (23, "a text in quotes such as `\"第一条\"`"),
        date => (24, "a date such as `2023-08-01`"),
        year => (24, "a year such as `2023`"),
        duration | duration_unit => (24, "a duration such as `1 year` or `6 months`"),
        type_expr | inline_enum | unit_type => (24, "a type such as `money`, `percent` or `bool`"),
        ratio => (24, "a ratio such as `1:1`"),
        unit | percent | unit_atom | money_unit | other_unit => {
            (25, "a unit such as `元` or `万元`")
        }
        same_matter_rule => (24, "`highest` or `cumulative`"),
        rounding_mode => (
            26,
            "a rounding mode (`half_up`, `half_even`, `down` or `up`)",
        ),
        cmp_op | add_op | mul_op | op_and | op_or | op_implies | membership | op_in | op_not_in => {
            (40, "an operator such as `and`, `>=` or `+`")
        }
        table_row | table_else => (24, "a table row such as `国家级: 100万元`"),
        bracket_row | lower_bound | upper_bound | lower_op | upper_op => (
            24,
            "a bracket row such as `>= 100万元 and < 500万元: 10万元`",
        ),
        share => (24, "a payer and its share such as `市级财政: 50%`"),
        budget_line => (24, "a year and its budget such as `2023: 4亿元`"),
        field => (24, "an input such as `研发费用: money`"),
        dated_value => (24, "a dated value such as `2024-01-01: 10%`"),
        award_up_to | award_match | award_expr => (
            20,
            "an award such as `20万元`, `10% of 研发增量` or `up to 60万元`",
        ),
        per_subject | per_year => (30, "`per` and a subject kind, e.g. `per enterprise`"),
        _ => return None,
    })
}

/// Words for a literal token pest expected.
fn describe_token(token: &str) -> Option<(u8, String)> {
    let order = if token.chars().all(|c| c.is_ascii_punctuation()) {
        50
    } else {
        45
    };
    match token {
        // Full-width alternatives of accepted punctuation only repeat their half-width form.
        "｛" | "｝" | "（" | "）" | "：" | "，" | "＝" | "＋" | "－" | "＊" | "／" | "＜"
        | "＞" | "％" | "．" | "×" | "÷" | "≥" | "≤" | "≠" | "“" | "\u{3000}" | "\u{FEFF}" => {
            None
        }
        "\n" | "\r" | "\t" | " " | "#" => None,
        _ => Some((order, format!("`{token}`"))),
    }
}

/// The half-width form of a full-width character that the grammar does not accept.
pub fn half_width_of(c: char) -> Option<char> {
    const ACCEPTED: &str = "（）｛｝：，％＝＋－＊／＜＞．０１２３４５６７８９";
    if ACCEPTED.contains(c) {
        return None;
    }
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
        '。' => Some('.'),
        '、' => Some(','),
        '‘' | '’' => Some('\''),
        '”' => Some('"'),
        '【' => Some('['),
        '】' => Some(']'),
        _ => None,
    }
}

const OPERATOR_TOKENS: [&str; 19] = [
    "+", "-", "*", "/", "<", ">", "<=", ">=", "==", "!=", "=>", "and", "or", "not", "in",
    "implies", "≥", "≤", "≠",
];

fn join_alternatives(items: &[String]) -> String {
    // Phrases that list examples themselves are separated by semicolons to stay readable.
    let sep = if items.iter().any(|i| i.contains(", ")) {
        "; "
    } else {
        ", "
    };
    match items {
        [] => "something else".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{}{sep}or {}", init.join(sep), last),
    }
}

/// Whether `c` continues a word: a name, a keyword or a number with its unit.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The diagnostic for a failed parse of the chunk that starts at byte `offset` of `source`.
pub fn translate(err: &pest::error::Error<Rule>, source: &str, offset: usize) -> Diagnostic {
    let pos = offset
        + match err.location {
            InputLocation::Pos(p) => p,
            InputLocation::Span((s, _)) => s,
        };
    let found = source[pos..].chars().next();
    // The whole word the parse stopped at (`funding`, `20万元`), not only its first character.
    let word = found.filter(|c| is_word_char(*c)).map(|_| {
        let rest = &source[pos..];
        let len = rest
            .char_indices()
            .find(|(_, c)| !is_word_char(*c))
            .map_or(rest.len(), |(i, _)| i);
        &rest[..len]
    });
    let span = if let Some(w) = word {
        Span::new(pos, pos + w.len())
    } else if found.is_some() {
        Span::new(pos, pos + found.map_or(0, char::len_utf8))
    } else {
        // At the end of the file, point at the last thing written rather than past it.
        let end = source.trim_end().len();
        let last = source[..end].chars().next_back().map_or(0, char::len_utf8);
        Span::new(end - last, end)
    };

    if let Some(c) = found {
        if let Some(half) = half_width_of(c) {
            return Diagnostic::new(
                Code::FullWidth,
                span,
                format!("the full-width character `{c}` is not part of the language here"),
            )
            .label(format!("full-width `{c}`"))
            .help(format!(
                "type the half-width `{half}` instead (switch the keyboard to English punctuation)"
            ));
        }
    }

    let mut expected: BTreeSet<(u8, String)> = BTreeSet::new();
    if let ErrorVariant::ParsingError { positives, .. } = &err.variant {
        for rule in positives {
            if let Some((order, words)) = describe(*rule) {
                expected.insert((order, words.to_string()));
            }
        }
    }
    if let Some(attempts) = err.parse_attempts() {
        for token in attempts.expected_tokens() {
            // Literal tokens print as themselves; character ranges print as `a..b`.
            let token = token.to_string();
            if token.contains("..") || token == "BUILTIN_RULE" {
                continue;
            }
            if let Some(entry) = describe_token(&token) {
                expected.insert(entry);
            }
        }
    }
    let mut words: Vec<String> = Vec::new();
    for (_, w) in expected {
        if !words.contains(&w) {
            words.push(w);
        }
    }
    // Tokens already covered by a phrase ("a clause line such as ...", "an operator such as
    // ...") would only lengthen the list.
    let has_group = words
        .iter()
        .any(|w| w.contains(" such as `") || w.starts_with("a top-level item"));
    let has_operator = words.iter().any(|w| w.starts_with("an operator"));
    words.retain(|w| {
        let Some(token) = w.strip_prefix('`').and_then(|t| t.strip_suffix('`')) else {
            return true;
        };
        let is_operator = OPERATOR_TOKENS.contains(&token);
        let is_keyword = token.chars().all(|c| c.is_ascii_alphabetic() || c == '_');
        !(has_operator && is_operator || has_group && is_keyword)
    });
    let found_words = match found {
        _ if word.is_some() => format!("`{}`", word.unwrap_or_default()),
        None => "end of the file after this".to_string(),
        Some('\n') | Some('\r') => "the end of the line".to_string(),
        Some(c) => format!("`{c}`"),
    };
    let message = format!("expected {}", join_alternatives(&words));
    let attempted = super::attempts::attempt(source, pos, word, found);
    let help = if let Some(h) = attempted {
        h
    } else if found.is_none() {
        "the file ends too early: check that every `{` has its `}` and every quote is closed"
            .to_string()
    } else {
        format!(
            "write {} here, or remove what is there",
            join_alternatives(&words)
        )
    };
    Diagnostic::new(Code::SyntaxError, span, message)
        .label(format!("unexpected {found_words}"))
        .help(help)
}
