//! Things newcomers write that the language says another way, recognised where a parse stops,
//! with help that says what to write instead.
//!
//! Input: the file, the byte where the parse stopped and the word found there. Output: a help
//! text for the syntax error, when the text around the stop matches a known attempt. Each
//! attempt is one entry of [`attempt`], so the list is easy to read and extend.

/// The word before byte `pos` of `source` (skipping spaces), if any.
fn word_before(source: &str, pos: usize) -> &str {
    let before = source[..pos].trim_end_matches([' ', '\t', '\u{3000}']);
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_' || *c == '.')
        .last()
        .map_or(before.len(), |(i, _)| i);
    &before[start..]
}

/// The line that holds byte `pos`, up to `pos`; when that holds only white space, the last
/// line before it that holds something (a statement cut short ends on the line before).
fn line_before(source: &str, pos: usize) -> &str {
    let text = source[..pos].trim_end();
    let start = text.rfind('\n').map_or(0, |i| i + 1);
    &text[start..]
}

/// Whether `line` holds `word` as a whole word.
fn has_word(line: &str, word: &str) -> bool {
    line.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|w| w == word)
}

/// Help for a parse that stopped at byte `pos` on `word` (or on the character `found` when it
/// is no word), when it matches a known attempt.
pub fn attempt(
    source: &str,
    pos: usize,
    word: Option<&str>,
    found: Option<char>,
) -> Option<String> {
    let before = word_before(source, pos);
    let line = line_before(source, pos);
    let number_before =
        !before.is_empty() && before.chars().all(|c| c.is_ascii_digit() || c == '.');
    match (word, found) {
        (Some("year" | "years" | "month" | "months" | "day" | "days"), _) if number_before => Some(
            "a date cannot be moved by a duration: count whole spans between two dates instead, \
             e.g. `years_between(完工日期, event_date) >= 1` or `months_between(合同日期, event_date) <= 24` \
             (also `days_between`)"
                .into(),
        ),
        (Some("bracket" | "by"), _) if line.trim_start().starts_with("table ") => Some(
            "a named table is declared without the value it looks up: `table 销售档 = bracket { \
             < 1000万元: 0元, >= 1000万元: 10万元 }`; the value is given where the table is looked \
             up: `销售档(销售收入)`"
                .into(),
        ),
        (Some("after" | "before"), _) => Some(
            "dates are compared like numbers: `完工日期 > 2023-01-01` is after, `<` before \
             (`>=` and `<=` include the day)"
                .into(),
        ),
        (Some("today" | "now"), _) => Some(
            "the date being judged is `event_date` (a claim's date, or the evaluation date)".into(),
        ),
        (Some("elif" | "elsif" | "elseif"), _) => {
            Some("write `else if`: `if A then 1万元 else if B then 2万元 else 0元`".into())
        }
        (_, Some('?')) => Some(
            "pol has no `? :`; write `if COND then A else B`".into(),
        ),
        _ if has_word(line, "if") && !has_word(line, "then") => Some(
            "an `if` reads `if COND then A else B`: `then` comes after the condition".into(),
        ),
        _ if has_word(line, "if") && has_word(line, "then") && !has_word(line, "else") => Some(
            "an `if` needs both branches: `if COND then A else B` (use `0元` for nothing)".into(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn help(source: &str, at: &str, word: Option<&str>) -> Option<String> {
        let pos = source.find(at).unwrap();
        attempt(source, pos, word, source[pos..].chars().next())
    }

    #[test]
    fn known_attempts_get_their_help() {
        let h = help("when 完工日期 + 1 year < event_date", "year", Some("year"));
        assert!(h.unwrap().contains("years_between"));
        let h = help(
            "table 档 = bracket 收入 { < 1元: 0元 }",
            "bracket",
            Some("bracket"),
        );
        assert!(h.unwrap().contains("`销售档(销售收入)`"));
        let h = help("table 档 = by 级别 { 国家级: 1元 }", "by", Some("by"));
        assert!(h.unwrap().contains("declared without the value"));
        let h = help("when 高新 ? 1 : 2", "?", None);
        assert!(h.unwrap().contains("if COND then A else B"));
        let h = help("award if 高新 then 1万元\n", "\n", None);
        assert!(h.unwrap().contains("both branches"));
        let h = help("award if 高新 1万元", "1万元", Some("1万元"));
        assert!(h.unwrap().contains("`then` comes after"));
    }

    #[test]
    fn other_stops_get_none() {
        assert_eq!(help("when 研发费用 >=\n", "\n", None), None);
        // `year` not after a number is not a duration.
        assert_eq!(help("cap 1万元 per year x", "x", Some("x")), None);
        // `by` outside a table declaration is a tier table.
        assert_eq!(help("award by 级别 级别 {", "级别 {", Some("级别")), None);
    }
}
