//! "Did you mean": the closest known name to a misspelt one, Chinese names included.
//!
//! Input: the name as written and the names in scope. Output: the closest candidate when it is
//! close enough. Guarantee: distance counts characters, not bytes, so one wrong Chinese
//! character is one edit.

/// The candidate closest to `written`, if within a third of its length (at least one edit).
/// A candidate that is `written` in the form keys are compared in, in simplified characters
/// ([`crate::keys::script_key`]), is closest of all: `研發費用` is `研发费用`, `ＲＤ` is `RD`.
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
        .into_iter()
        .map(|c| (strsim::levenshtein(written, c), c))
        .filter(|(d, c)| *d <= limit && *d < len.max(c.chars().count()))
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
        .map(|(_, c)| c)
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
    fn nothing_close() {
        assert_eq!(closest("补助", ["研发费用", "营业收入"]), None);
        assert_eq!(closest("x", ["y"]), None);
        assert_eq!(
            closest("enterprize", ["enterprise", "person"]),
            Some("enterprise")
        );
    }
}
