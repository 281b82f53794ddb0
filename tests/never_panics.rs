//! Property tests: no text, arbitrary or a mutation of a valid policy, makes the pipeline or the
//! formatter panic, every diagnostic points inside the text on character boundaries, and the
//! formatter never changes what a policy means.

use proptest::prelude::*;

const VALID: [&str; 2] = [
    include_str!("fixtures/every-construct.pol"),
    include_str!("../policies/jiazhengfa-2023-15.pol"),
];

/// Pieces of the language, so mutations produce near-valid text rather than noise.
const TOKENS: [&str; 28] = [
    "clause",
    "policy",
    "input",
    "let",
    "param",
    "enum",
    "limit",
    "award",
    "when",
    "cap",
    "per",
    "{",
    "}",
    "(",
    ")",
    ":",
    ",",
    "and",
    "implies",
    ">=",
    "+",
    "/",
    "20万元",
    "15%",
    "2023-02-30",
    "研发费用",
    "by 级别 {",
    "bracket x {",
];

fn assert_sound(text: &str) {
    let found = pol::check(&[("t.pol", text)]);
    for d in found.iter() {
        let s = d.primary.span;
        assert!(
            s.start <= s.end && s.end <= text.len(),
            "{d:?} outside the text"
        );
        assert!(
            text.is_char_boundary(s.start) && text.is_char_boundary(s.end),
            "{d:?} splits a character"
        );
        for l in &d.secondary {
            assert!(
                l.span.end <= text.len()
                    && text.is_char_boundary(l.span.start)
                    && text.is_char_boundary(l.span.end)
            );
        }
    }
    // Rendering must not panic either.
    let _ = found.render(pol::RenderOptions::default());
    let _ = found.to_string();
    // A policy set is made exactly when there is no error.
    assert_eq!(
        pol::PolicySet::compile(&[("t.pol", text)]).is_ok(),
        !found.has_errors()
    );
    // Formatting either refuses text with syntax errors or keeps the policy and its comments;
    // an internal error (the formatted text would mean something else) is a bug.
    if let Err(pol::FormatError::Internal(why)) = pol::format_source(text) {
        panic!("the formatter would change the policy: {why}\n{text}");
    }
}

fn floor(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize, usize),
    Insert(usize, usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1usize..40).prop_map(|(a, n)| Mutation::Delete(a, n)),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(a, t)| Mutation::Insert(a, t)),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
    ]
}

fn apply(text: &str, m: &Mutation) -> String {
    match *m {
        Mutation::Delete(at, n) => {
            let a = floor(text, at % (text.len() + 1));
            let b = floor(text, a + n);
            format!("{}{}", &text[..a], &text[b..])
        }
        Mutation::Insert(at, t) => {
            let a = floor(text, at % (text.len() + 1));
            format!("{} {} {}", &text[..a], TOKENS[t], &text[a..])
        }
        Mutation::DuplicateLine(i) => {
            let mut lines: Vec<&str> = text.lines().collect();
            let i = i % lines.len().max(1);
            if let Some(l) = lines.get(i).copied() {
                lines.insert(i, l);
            }
            lines.join("\n")
        }
        Mutation::SwapLines(i, j) => {
            let mut lines: Vec<&str> = text.lines().collect();
            let n = lines.len().max(1);
            lines.swap(i % n, j % n);
            lines.join("\n")
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC*") {
        assert_sound(&text);
    }

    #[test]
    fn arbitrary_bytes_of_the_alphabet_never_panic(text in "[a-z0-9 {}()\\[\\]:,%.#\"“”\n万元亩甲乙＜（），：％０-９<>=!+*/-]{0,200}") {
        assert_sound(&text);
    }

    #[test]
    fn mutated_valid_policies_never_panic(which in 0usize..2, muts in prop::collection::vec(mutation(), 1..6)) {
        let mut text = VALID[which].to_string();
        for m in &muts {
            text = apply(&text, m);
        }
        assert_sound(&text);
    }
}

#[test]
fn deep_nesting_and_long_chains_are_reported_not_overflowed() {
    for depth in [10usize, 33, 1000, 100_000] {
        let text = format!("let x = {}1元{}", "(".repeat(depth), ")".repeat(depth));
        assert_sound(&text);
    }
    let chain = format!("let x = 1元{}", " + 1元".repeat(50_000));
    let c = pol::check(&[("t.pol", &chain)]);
    assert!(c.iter().any(|d| d.code == pol::Code::TooDeep));
    let nots = format!("let x = {}true", "not ".repeat(50_000));
    let c = pol::check(&[("t.pol", &nots)]);
    assert!(c.iter().any(|d| d.code == pol::Code::TooDeep));
    let implies = format!("let x = true{}", " implies true".repeat(50_000));
    let c = pol::check(&[("t.pol", &implies)]);
    assert!(c.iter().any(|d| d.code == pol::Code::TooDeep));
    // Ten thousand lets, each using the next one (declared later), and a circle through all.
    let chain: String = (0..10_000)
        .map(|i| format!("let a{i} = a{} + 1元\n", i + 1))
        .collect();
    assert_sound(&format!("{chain}let a10000 = 1元\n"));
    let circle: String = (0..10_000)
        .map(|i| format!("let a{i} = a{} + 1元\n", (i + 1) % 10_000))
        .collect();
    let c = pol::check(&[("t.pol", &circle)]);
    assert!(c.iter().any(|d| d.code == pol::Code::CircularLet));
}
