//! "Did you mean": the closest known name to a misspelt one, Chinese names included.
//!
//! Input: the name as written and the names in scope. Output: the closest candidate when it is
//! close enough. Guarantee: distance counts characters, not bytes, so one wrong Chinese
//! character is one edit.

/// The candidate closest to `written`, if within a third of its length (at least one edit).
/// A candidate that is `written` in the form keys are compared in, in simplified characters
/// ([`crate::keys::script_key`]), is closest of all: `研發費用` is `研发费用`, `ＲＤ` is `RD`.
/// When none is that close, a candidate that `written` contains, or that contains it, is the
/// closest ([`containing`]): a spreadsheet header `失信(是/否)` or `是否失信` means `失信`.
pub fn closest<'a>(
    written: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let len = written.chars().count();
    let limit = (len / 3).max(1);
    let candidates: Vec<&'a str> = candidates.into_iter().filter(|c| *c != written).collect();
    let folded = crate::keys::script_key(written);
    if let Some(same) = candidates
        .iter()
        .find(|c| crate::keys::script_key(c) == folded)
    {
        return Some(same);
    }
    candidates
        .iter()
        .map(|c| (strsim::levenshtein(written, c), *c))
        .filter(|(d, c)| *d <= limit && *d < len.max(c.chars().count()))
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
        .map(|(_, c)| c)
        .or_else(|| containing(&folded, &candidates))
}

/// The candidate that `folded` (a name in [`crate::keys::script_key`] form) contains, or that
/// contains it, compared in that form: the one sharing the most characters with it, then the
/// one nearest its length, then the first in order. The shorter of the two must have two
/// characters at least (three when it is all ASCII), so that a letter or a word such as `id`
/// found inside any name is no suggestion.
fn containing<'a>(folded: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let len = folded.chars().count();
    candidates
        .iter()
        .filter_map(|c| {
            let key = crate::keys::script_key(c);
            let n = key.chars().count();
            let (short, shared) = if n <= len { (&*key, n) } else { (folded, len) };
            let enough = if short.is_ascii() { 3 } else { 2 };
            let inside = folded.contains(&*key) || key.contains(folded);
            (inside && shared >= enough).then_some((shared, n.abs_diff(len), *c))
        })
        .min_by(|a, b| {
            b.0.cmp(&a.0)
                .then_with(|| a.1.cmp(&b.1))
                .then_with(|| a.2.cmp(b.2))
        })
        .map(|(_, _, c)| c)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn one_wrong_chinese_character() {
        let names = ["研发费用", "上年研发费用", "营业收入"];
        assert_eq!(closest("研发费甬", names), Some("研发费用"));
        assert_eq!(closest("营业收人", names), Some("营业收入"));
    }

    #[test]
    fn the_same_name_in_traditional_characters_or_full_width() {
        let names = ["研发费用", "营业收入", "RD"];
        assert_eq!(closest("研發費用", names), Some("研发费用"));
        assert_eq!(closest("營業收入", names), Some("营业收入"));
        assert_eq!(closest("ＲＤ", names), Some("RD"));
    }

    #[test]
    fn a_missing_character() {
        assert_eq!(
            closest("研发费", ["研发费用", "营业收入"]),
            Some("研发费用")
        );
    }

    #[test]
    fn a_name_inside_the_written_one_or_around_it() {
        let names = ["失信", "研发费用", "营业收入"];
        for header in [
            "失信(是/否)",
            "失信企业",
            "是否失信",
            "失信_2024",
            "是否失信企业",
        ] {
            assert_eq!(closest(header, names), Some("失信"), "{header}");
        }
        assert_eq!(closest("是否失信", ["失信", "失信企业"]), Some("失信"));
        assert_eq!(
            closest("失信企业名单", ["失信", "失信企业"]),
            Some("失信企业")
        );
        assert_eq!(closest("研发", names), Some("研发费用"));
        // Edit distance comes first: `研发费甬` is one edit from `研发费用`.
        assert_eq!(closest("研发费甬", ["研发", "研发费用"]), Some("研发费用"));
        // A single character or a short Latin word inside a name is no suggestion.
        assert_eq!(closest("失", ["失信企业名单"]), None);
        assert_eq!(closest("paid", ["id", "amount"]), None);
        assert_eq!(
            closest("营业收入合计", ["收入", "营业收入"]),
            Some("营业收入")
        );
    }

    #[test]
    fn nothing_close() {
        assert_eq!(closest("补助", ["研发费用", "营业收入"]), None);
        assert_eq!(closest("x", ["y"]), None);
        assert_eq!(
            closest("enterprize", ["enterprise", "person"]),
            Some("enterprise")
        );
    }
}
