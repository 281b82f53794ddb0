//! `pol fmt` keeps a comment wherever white space may stand (issue 15): a comment between
//! `quantity` and its unit made it fail with an internal error.

use proptest::prelude::*;

const QUANTITY: &str = "input enterprise {
  耕地面积: quantity # 按亩计
    亩
  管护标准: signed quantity   # 每亩
  元/亩
}
";

/// How many `#` comments `text` has: a `#` outside a text literal starts one, up to the end of
/// its line (an oracle of the tests' own, independent of the formatter's).
fn comment_count(text: &str) -> usize {
    text.lines()
        .filter(|line| {
            let mut closing = None;
            for c in line.chars() {
                match (closing, c) {
                    (Some(q), c) if c == q => closing = None,
                    (Some(_), _) => {}
                    (None, '"') => closing = Some('"'),
                    (None, '“') => closing = Some('”'),
                    (None, '#') => return true,
                    (None, _) => {}
                }
            }
            false
        })
        .count()
}

#[test]
fn a_comment_between_quantity_and_its_unit_is_kept() {
    let formatted = pol::format_source(QUANTITY).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        formatted,
        "input enterprise {\n  # 按亩计\n  耕地面积: quantity 亩\n  # 每亩\n  管护标准: signed quantity 元/亩\n}\n"
    );
    assert_eq!(pol::format_source(&formatted).unwrap(), formatted);
}

fn shipped() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pol"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// Offsets of the spaces of `text` that separate tokens: outside comments and text literals.
fn gaps(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut closing: Option<char> = None;
    let mut comment = false;
    for (i, c) in text.char_indices() {
        match (comment, closing, c) {
            (_, _, '\n') => {
                comment = false;
                closing = None;
            }
            (true, _, _) => {}
            (false, Some(q), c) if c == q => closing = None,
            (false, Some(_), _) => {}
            (false, None, '"') => closing = Some('"'),
            (false, None, '“') => closing = Some('”'),
            (false, None, '#') => comment = true,
            (false, None, ' ') => out.push(i),
            _ => {}
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// A comment put in place of any space between two tokens of a shipped policy is kept, in
    /// order, and the result formats stably; never an internal error.
    #[test]
    fn a_comment_in_any_gap_is_kept(
        which in any::<prop::sample::Index>(),
        picks in prop::collection::vec(any::<prop::sample::Index>(), 1..4),
    ) {
        let files = shipped();
        let mut text = files[which.index(files.len())].clone();
        let mut at: Vec<usize> = {
            let g = gaps(&text);
            picks.iter().map(|p| g[p.index(g.len())]).collect()
        };
        at.sort_unstable();
        at.dedup();
        for (n, i) in at.iter().enumerate().rev() {
            text.replace_range(*i..*i + 1, &format!(" # 注{n}\n"));
        }
        let formatted = match pol::format_source(&text) {
            Ok(f) => f,
            Err(pol::FormatError::Syntax(_)) => return Ok(()),
            Err(e) => panic!("{e:?} for\n{text}"),
        };
        prop_assert_eq!(comment_count(&text), comment_count(&formatted));
        prop_assert_eq!(pol::format_source(&formatted).unwrap(), formatted);
    }
}
