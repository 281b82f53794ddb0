//! Texts that act as keys: the policy's document number, a clause's `matter` and `department`,
//! a funding payer's name, a claim's id.
//!
//! Two keys that look alike must be one key, or a rule keyed on them is bypassed without a
//! trace: a second copy of a policy whose number differs by a full-width digit is paid again,
//! a clause whose matter holds a zero-width space escapes 就高不重复. So every comparison of
//! keys goes through [`key`], and a key that holds something no reader can see is refused
//! ([`flaw`]) rather than silently cleaned, because the author should see and fix it.
//!
//! The normalisation, in order (documented in the README):
//! - characters no reader can see (zero-width spaces and joiners, bidi controls, control
//!   characters) are dropped;
//! - the text is put in Unicode's compatibility composition (NFKC), which folds the forms that
//!   only look different: full-width ASCII (`ＡＢ１２！`) to half-width, the ideographic space
//!   to a space, superscript and subscript digits (`²`, `₂`), circled and parenthesised
//!   numbers (`①` is `1`, `⑴` is `(1)`), compatibility ideographs;
//! - every dash and minus sign (`‐ ‑ ‒ – — ― − ﹣`) is folded to `-`, and the brackets `〔〕`,
//!   `【】`, `〖〗` and `［］` to `[]`;
//! - leading and trailing white space is removed, and each inner run of white space becomes
//!   one space.

use std::borrow::Cow;

use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

use crate::eval::format::is_hidden;

/// What is wrong with a key text as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flaw {
    /// It holds a character no reader can see (invisible, bidi control or control character).
    Hidden(char),
    /// It starts or ends with white space.
    Padded,
    /// It holds a letter that looks like a Latin one (Cyrillic or Greek) or a combining mark:
    /// `Rеsearch` with a Cyrillic `е` reads as `Research` but is another key.
    LookAlike(char),
}

/// What is wrong with `text` as a key, if anything: the first hidden character, else white
/// space at either end.
pub fn flaw(text: &str) -> Option<Flaw> {
    if let Some(c) = text.chars().find(|c| is_hidden(*c)) {
        return Some(Flaw::Hidden(c));
    }
    if text.trim() != text {
        return Some(Flaw::Padded);
    }
    if let Some(c) = text.chars().find(|c| looks_alike(*c)) {
        return Some(Flaw::LookAlike(c));
    }
    None
}

/// A Cyrillic or Greek letter, or a combining mark: in the keys of a Chinese gazette each is
/// far likelier a look-alike typed or pasted by mistake than meant.
pub(crate) fn looks_alike(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'   // combining diacritical marks
        | '\u{0370}'..='\u{03FF}' // Greek
        | '\u{0400}'..='\u{052F}' // Cyrillic
        | '\u{1AB0}'..='\u{1AFF}' // combining marks, extended
        | '\u{1DC0}'..='\u{1DFF}' // combining marks, supplement
        | '\u{1F00}'..='\u{1FFF}' // Greek, extended
        | '\u{20D0}'..='\u{20FF}' // combining marks for symbols
        | '\u{FE20}'..='\u{FE2F}' // combining half marks
    )
}

/// The form in which keys are compared: two texts are the same key exactly when their `key`s
/// are equal (see the module documentation for the rule). Traditional and simplified
/// characters stay apart: `乾元科技` and `干元科技` are two firms.
pub fn key(text: &str) -> Cow<'_, str> {
    compared(text, false)
}

/// [`key`], with each traditional character that simplified Chinese does not use read as its
/// simplified form ([`simplified`]): `測試` is `测试`. For what a copy retyped from a
/// traditional-script edition must still match (document numbers, titles) and for "did you
/// mean"; never for ids, payers or matters, where two such texts may be two things.
pub fn script_key(text: &str) -> Cow<'_, str> {
    compared(text, true)
}

/// The compared form of `text`, its traditional characters read as simplified when `script`.
fn compared(text: &str, script: bool) -> Cow<'_, str> {
    if is_plain(text) {
        return Cow::Borrowed(text);
    }
    let changes = |c: char| needs_fold(c) || (script && simplified(c) != c);
    // Most other keys are already in their compared form: checked without allocating.
    if is_nfkc_quick(text.chars()) == IsNormalized::Yes && !text.chars().any(changes) {
        return Cow::Borrowed(text);
    }
    let visible = text.chars().filter(|c| !is_hidden(*c) || c.is_whitespace());
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in visible.nfkc() {
        let c = if script { simplified(fold(c)) } else { fold(c) };
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    Cow::Owned(out)
}

/// The form in which names are compared: an input's name in a policy, a CSV header name, a
/// JSON Lines key, a facts attribute key. It is Unicode's canonical composition (NFC), the
/// part of [`key`]'s normalisation that never changes what a reader sees: a CJK compatibility
/// ideograph (`金` U+F90A, from legacy Big5 or KS X 1001 conversions) is the ideograph it
/// stands for (`金` U+91D1), and an accented letter typed as a letter and a combining mark is
/// the precomposed letter. Forms that only look alike (full-width letters, Kangxi radicals)
/// stay apart: a name holding one is reported (W0315), and a column named so gets a "did you
/// mean" naming the input.
pub fn name(text: &str) -> Cow<'_, str> {
    if text.is_ascii() || unicode_normalization::is_nfc_quick(text.chars()) == IsNormalized::Yes {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.nfc().collect())
}

/// A name as data writes it (a CSV header, a JSON Lines key, a facts attribute key), as it is
/// read: spaces at the ends are not part of it, and it is in the [`name`] form. One rule for
/// every format, so the same data pays the same in each (`"排除 "` is the input `排除`).
pub fn written_name(text: &str) -> Cow<'_, str> {
    name(text.trim())
}

/// Whether `text` is printable ASCII, which is its own compared form (no hidden character, no
/// white space, nothing NFKC or the folds change): most ids and codes.
#[inline]
pub(crate) fn is_plain(text: &str) -> bool {
    // Eight bytes at a time (ids are short but checked on every row of a population): words
    // that may overlap, so that no byte is copied one by one.
    let bytes = text.as_bytes();
    if let Some(last) = bytes.last_chunk::<8>() {
        let mut rest = bytes;
        while let Some((word, tail)) = rest.split_first_chunk::<8>() {
            if !plain_word(u64::from_le_bytes(*word)) {
                return false;
            }
            rest = tail;
        }
        // The bytes after the last whole word, read as the last eight.
        return plain_word(u64::from_le_bytes(*last));
    }
    if let (Some(first), Some(last)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        let (first, last) = (u32::from_le_bytes(*first), u32::from_le_bytes(*last));
        return plain_word(u64::from(first) | u64::from(last) << 32);
    }
    // Fewer than four bytes: the first, middle and last, with printable bytes after them.
    let (a, m, z) = match *bytes {
        [] => return true,
        [a] => (a, a, a),
        [a, z] => (a, z, z),
        [a, m, z] => (a, m, z),
        _ => return bytes.iter().all(|b| b.is_ascii_graphic()),
    };
    plain_word(u64::from_le_bytes([a, m, z, b'!', b'!', b'!', b'!', b'!']))
}

/// Whether each byte of `w` is printable ASCII (`!` to `~`): below 0x80, at least 0x21 (adding
/// 0x5F sets its high bit) and not 0x7F (adding one leaves it clear). No sum carries into the
/// next byte once every byte is below 0x80.
#[inline]
fn plain_word(w: u64) -> bool {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    w & HIGH == 0
        && w.wrapping_add(0x5f5f_5f5f_5f5f_5f5f) & HIGH == HIGH
        && w.wrapping_add(0x0101_0101_0101_0101) & HIGH == 0
}

/// Whether `a` and `b` are one key (`key(a) == key(b)`). Two different texts of printable
/// ASCII are two keys, found without making either's compared form: a population compares
/// each row's subject id with the one before it.
#[inline]
pub fn same_key(a: &str, b: &str) -> bool {
    a == b || (!(is_plain(a) && is_plain(b)) && key(a) == key(b))
}

/// The form in which document numbers are compared: [`script_key`] (so `測試` is `测试`,
/// `號` is `号`), then every bracket around the year, whatever its shape (`〔〕 [] 【】 〖〗 ﹝﹞
/// （） () ⦅⦆ 〘〙 〚〛 〈〉 《》 「」 {} <> ⁅⁆` ...), as `[]`; quotation marks, all white space
/// (a no-break or ideographic space too) and punctuation ending the number (`。`) dropped; `〇`,
/// and a letter `O` between digits, as `0`; a year without brackets but with `年`
/// (`测试2024年22号`) as `[2024]`; a `年` after the year, a `第` before the serial number and its
/// leading zeros dropped. `测试（2024） 1號`, `测试〔2024年〕第01号`, `测试2024年1号。` and
/// `测试〔2024〕1号` are one document, so a copy that writes its number another way is still the
/// same policy (E0410) and a grant or claim naming it reaches it. Every comparison of document
/// numbers goes through this function.
pub fn document_key(text: &str) -> Cow<'_, str> {
    let k = script_key(text);
    // A serial number written with a leading zero (`〔2024〕022号`) is the number.
    if !k.contains("]0") && !k.chars().any(in_number_folds) {
        return k;
    }
    let mut folded: Vec<char> = Vec::with_capacity(k.len());
    for c in k.chars() {
        match number_fold(c) {
            Fold::Keep => folded.push(c),
            Fold::Open => folded.push('['),
            Fold::Close => folded.push(']'),
            Fold::Zero => folded.push('0'),
            Fold::Drop => {}
        }
    }
    // A letter O between two digits (`2O24`) is a zero typed as a letter.
    for i in 1..folded.len().saturating_sub(1) {
        if matches!(folded[i], 'O' | 'o')
            && folded[i - 1].is_ascii_digit()
            && folded[i + 1].is_ascii_digit()
        {
            folded[i] = '0';
        }
    }
    // Punctuation ending the number (`22号。`) is no part of it.
    while folded
        .last()
        .is_some_and(|c| matches!(c, '.' | ',' | ';' | ':' | '。' | '、' | '!' | '?'))
    {
        folded.pop();
    }
    // A year written without brackets but with 年 (`测试2024年22号`): the first four digits
    // followed by 年, with no digit before them, are the year.
    if !folded.contains(&'[') {
        if let Some(i) = (0..folded.len().saturating_sub(4)).find(|&i| {
            folded[i..i + 4].iter().all(char::is_ascii_digit)
                && folded[i + 4] == '年'
                && (i == 0 || !folded[i - 1].is_ascii_digit())
        }) {
            folded[i + 4] = ']';
            folded.insert(i, '[');
        }
    }
    // The year and the serial number in their plain form: `[2024年]` is `[2024]`, and after
    // the year `第22号` and `022号` are `22号`.
    let mut out = String::with_capacity(k.len());
    let mut i = 0;
    while i < folded.len() {
        let c = folded[i];
        let digit_before = i > 0 && folded[i - 1].is_ascii_digit();
        let next = folded.get(i + 1).copied();
        if c == '年' && digit_before && next == Some(']') {
            i += 1;
            continue;
        }
        out.push(c);
        i += 1;
        if c == ']' {
            if folded.get(i) == Some(&'第') && folded.get(i + 1).is_some_and(char::is_ascii_digit)
            {
                i += 1;
            }
            while folded.get(i) == Some(&'0') && folded.get(i + 1).is_some_and(char::is_ascii_digit)
            {
                i += 1;
            }
        }
    }
    Cow::Owned(out)
}

/// What [`document_key`] does with one character of a number's [`script_key`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fold {
    /// Kept as it is.
    Keep,
    /// An opening bracket, read as `[`.
    Open,
    /// A closing bracket, read as `]`.
    Close,
    /// A zero written `〇`.
    Zero,
    /// White space or a quotation mark, dropped.
    Drop,
}

/// The first fold of one character of a document number (see [`document_key`]).
fn number_fold(c: char) -> Fold {
    match c {
        '(' | '{' | '<' | '⦅' | '〘' | '〚' | '⁅' | '〈' | '《' | '「' | '『' | '⸨' | '❨' | '❪'
        | '❬' | '❮' | '❰' | '❲' | '❴' | '⟦' | '⟨' | '⟪' | '⦃' | '⦇' | '⦉' | '⦋' | '⦍' | '⦏'
        | '⦑' | '⦓' | '⦕' | '⦗' | '‹' | '«' => Fold::Open,
        ')' | '}' | '>' | '⦆' | '〙' | '〛' | '⁆' | '〉' | '》' | '」' | '』' | '⸩' | '❩' | '❫'
        | '❭' | '❯' | '❱' | '❳' | '❵' | '⟧' | '⟩' | '⟫' | '⦄' | '⦈' | '⦊' | '⦌' | '⦎' | '⦐'
        | '⦒' | '⦔' | '⦖' | '⦘' | '›' | '»' => Fold::Close,
        '〇' => Fold::Zero,
        '"' | '“' | '”' | '‘' | '’' | '\'' => Fold::Drop,
        c if c.is_whitespace() => Fold::Drop,
        _ => Fold::Keep,
    }
}

/// Whether `c` may change a number's [`document_key`]: a bracket, quotation mark, space or `〇`,
/// or a character the later steps look at (`年`, `第`, a letter O, ending punctuation).
fn in_number_folds(c: char) -> bool {
    number_fold(c) != Fold::Keep
        || matches!(
            c,
            '年' | '第' | 'O' | 'o' | '.' | ',' | ';' | ':' | '。' | '、' | '!' | '?'
        )
}

/// The simplified form of a traditional Chinese character (`財` is `财`, `號` is `号`, `於` is
/// `于`), else `c` itself. One character at a time, whatever its neighbours: a key's form must
/// not depend on the words around a character, so the phrase rules of a full converter are not
/// used (they would read `計畫` and `计畫` apart). The table is the `fast2s` crate's, asked once
/// for every ideograph of the Basic Multilingual Plane (each alone, so no phrase rule applies)
/// and followed to its end, so that the simplified form of a simplified form is itself. Some
/// characters are simplified characters too (`乾` in `乾元`, `於` in a name): so this form is
/// only for what a copy must still match ([`script_key`]), never to make two ids one.
pub fn simplified(c: char) -> char {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    static TABLE: OnceLock<HashMap<char, char>> = OnceLock::new();
    // Ideographs are three bytes in UTF-8; the crate converts only those.
    if c.len_utf8() != 3 {
        return c;
    }
    let table = TABLE.get_or_init(|| {
        let ideographs: Vec<char> = ('\u{3400}'..='\u{4DBF}')
            .chain('\u{4E00}'..='\u{9FFF}')
            .collect();
        // A digit between two ideographs keeps each out of the other's phrase rules.
        let asked: String = ideographs.iter().flat_map(|&c| [c, '0']).collect();
        let answered: Vec<char> = fast2s::convert(&asked).chars().step_by(2).collect();
        let mut table: HashMap<char, char> = ideographs
            .into_iter()
            .zip(answered)
            .filter(|(t, s)| t != s)
            .collect();
        // A character the table reads as another that the table reads again ends at the last.
        let ends: Vec<(char, char)> = table
            .iter()
            .map(|(&t, &s)| {
                let mut end = s;
                for _ in 0..4 {
                    match table.get(&end) {
                        Some(&next) if next != end && next != t => end = next,
                        _ => break,
                    }
                }
                (t, end)
            })
            .collect();
        table.extend(ends);
        table.retain(|t, s| t != s);
        table
    });
    table.get(&c).copied().unwrap_or(c)
}

/// `c` in its compared form once in NFKC: dashes to `-`, the bracket pairs to `[]`.
fn fold(c: char) -> char {
    match c {
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' => '-',
        '〔' | '【' | '〖' => '[',
        '〕' | '】' | '〗' => ']',
        _ => c,
    }
}

/// Whether `c` is changed by the fold (or dropped, or is white space to tidy) even in a text
/// already in NFKC.
fn needs_fold(c: char) -> bool {
    is_hidden(c) || c.is_whitespace() || fold(c) != c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_numbers_compare_across_brackets_spaces_and_hao() {
        let base = document_key("测试〔2024〕1号");
        assert_eq!(base, "测试[2024]1号");
        for other in [
            "测试（2024）1号",
            "测试(2024)1号",
            "测试 [2024] 1号",
            "测试〔2024〕\u{a0}1号",
            "测试〔2024〕\u{3000}1号",
            "测试〔2024〕1 号",
            "测试〔2024〕1號",
            "测试﹝2024﹞1号",
            "测试［2024］1号",
            "测试【2024】1号",
            "测试〖2024〗1号",
            "测试⦅2024⦆1号",
            "测试〔2024年〕1号",
            "测试〔2024〕第1号",
            "测试〔2024〕01号",
            "测试〔2024年〕第001号",
            // Retyped from a copy in traditional characters, wholly or in part.
            "測試〔2024〕1號",
            "測试〔2024〕第1号",
            // Brackets of any shape, none with 年, a letter O or 〇 for a zero, a full stop.
            "测试〈2024〉1号",
            "测试<2024>1号",
            "测试《2024》1号",
            "测试「2024」1号",
            "测试{2024}1号",
            "测试｛2024｝1号",
            "测试〚2024〛1号",
            "测试⁅2024⁆1号",
            "测试2024年1号",
            "测试2024年第1号",
            "测试〔2O24〕1号",
            "测试〔2〇24〕1号",
            "测试〔2024〕1号。",
            "“测试〔2024〕1号”",
        ] {
            assert_eq!(document_key(other), base, "{other:?}");
        }
        assert_ne!(document_key("测试〔2024〕2号"), base);
        assert_ne!(document_key("测试〔2023〕1号"), base);
        assert_ne!(document_key("测试〔2024〕11号"), base);
        assert_ne!(document_key("测验〔2024〕1号"), base);
        // A year only recognised with its 年 or its brackets: digits alone are the number.
        assert_ne!(document_key("测试20241号"), base);
        assert_ne!(document_key("测试〔2024〕10号"), base);
        assert_eq!(
            document_key("测试〔2024〕10号"),
            document_key("测试〔2024〕第010号")
        );
        assert!(matches!(document_key("嘉政发[2023]15号"), Cow::Borrowed(_)));
    }

    #[test]
    fn keys_that_look_alike_compare_equal() {
        let base = key("测试〔2024〕1号");
        for other in [
            "测试〔2024〕１号",
            "测试〔2024〕1号 ",
            "测试[2024]1号",
            "测试\u{200B}〔2024〕1号",
            "测试【2024】1号",
        ] {
            assert_eq!(key(other), base, "{other:?}");
        }
        assert_eq!(key("（a  b）"), key("(a b)"));
        // Forms that only look different (NFKC), dashes and the other bracket pairs.
        for (a, b) in [
            ("测试〔2024〕²号", "测试[2024]2号"),
            ("测试〔2024〕①号", "测试[2024]1号"),
            ("测试〖2024〗1号", "测试[2024]1号"),
            ("测试［2024］1号", "测试[2024]1号"),
            ("HT—1", "HT-1"),
            ("HT−1", "HT-1"),
            ("HT‑1", "HT-1"),
            ("HT﹣1", "HT-1"),
            ("HT₁", "HT1"),
            ("\u{F900}", "\u{8C48}"),
        ] {
            assert_eq!(key(a), key(b), "{a:?} and {b:?}");
        }
        // Already compared form: no copy.
        assert!(matches!(key("嘉政发[2023]15号"), Cow::Borrowed(_)));
        assert_eq!(key("ａ"), "a");
        assert_ne!(key("测试〔2024〕2号"), base);
    }

    proptest::proptest! {
        /// `same_key` is the comparison of the compared forms, whichever way it finds it.
        #[test]
        fn same_key_is_equal_keys(
            a in "[-a1(（ ０\u{200B}—]{0,4}",
            b in "[-a1(（ ０\u{200B}—]{0,4}",
        ) {
            proptest::prop_assert_eq!(same_key(&a, &b), key(&a) == key(&b), "{:?} {:?}", a, b);
            proptest::prop_assert_eq!(same_key(&a, &a), true);
        }
    }

    proptest::proptest! {
        /// The word-at-a-time check is the byte-by-byte one ...
        #[test]
        fn plain_words_are_printable_bytes(word in proptest::prelude::any::<[u8; 8]>()) {
            let bytewise = word.iter().all(|b| b.is_ascii_graphic());
            proptest::prop_assert_eq!(plain_word(u64::from_le_bytes(word)), bytewise);
        }

        /// ... and for texts of any length, ASCII or not.
        #[test]
        fn plain_is_printable_ascii(t in "[\\x00-\\x7F好é]{0,20}") {
            proptest::prop_assert_eq!(is_plain(&t), t.bytes().all(|b| b.is_ascii_graphic()));
        }
    }

    /// ... for every byte value in every place of a word otherwise printable (random words are
    /// seldom printable).
    #[test]
    fn plain_words_for_each_byte_in_each_place() {
        for background in [b'!', b'~', b'a'] {
            for place in 0..8 {
                for b in 0..=255u8 {
                    let mut word = [background; 8];
                    word[place] = b;
                    let found = plain_word(u64::from_le_bytes(word));
                    assert_eq!(found, b.is_ascii_graphic(), "{word:?}");
                }
            }
        }
    }

    #[test]
    fn plain_texts() {
        for t in ["", "a", "12345678", "123456789", "~!", "ABCDEFGHIJKLMNOPQ"] {
            assert!(is_plain(t), "{t:?}");
        }
        for t in [
            "a b",
            "12345678 ",
            "1234567\u{7f}",
            "１",
            "\t",
            "12345678\n9",
        ] {
            assert!(!is_plain(t), "{t:?}");
        }
    }

    #[test]
    fn same_key_of_plain_and_other_texts() {
        assert!(same_key("嘉兴某某(集团)", "嘉兴某某（集团）"));
        assert!(same_key("E1", "Ｅ1"));
        assert!(same_key("a b", "a  b"));
        assert!(!same_key("E1", "E2"));
        assert!(!same_key("12", "012"));
    }

    #[test]
    fn look_alike_letters_are_flaws() {
        assert_eq!(flaw("Rеsearch"), Some(Flaw::LookAlike('\u{0435}')));
        assert_eq!(flaw("研发补助\u{0300}"), Some(Flaw::LookAlike('\u{0300}')));
        assert_eq!(flaw("Research 研发补助"), None);
    }

    #[test]
    fn flaws_are_found() {
        assert_eq!(flaw("研发\u{200B}补助"), Some(Flaw::Hidden('\u{200B}')));
        assert_eq!(flaw("研发补助 "), Some(Flaw::Padded));
        assert_eq!(flaw("x\ry"), Some(Flaw::Hidden('\r')));
        assert_eq!(flaw("a\u{202E}b"), Some(Flaw::Hidden('\u{202E}')));
        assert_eq!(flaw("研发 补助"), None);
        assert_eq!(flaw("ａ"), None);
    }
    #[test]
    fn traditional_characters_are_read_as_simplified_one_at_a_time() {
        for (t, s) in [
            ("嘉興市財政局", "嘉兴市财政局"),
            ("號", "号"),
            ("計畫", "计画"),
            ("计畫", "计画"),
        ] {
            assert_eq!(script_key(t), s, "{t}");
        }
        // Simplified text, and characters both scripts share, are kept as they are.
        assert!(matches!(script_key("嘉兴市财政局"), Cow::Borrowed(_)));
        // Keys (ids, payers, matters) keep their script: `乾元科技` is a simplified name too,
        // and not `干元科技`.
        for both in ["研發費用", "乾元科技", "於明"] {
            assert_eq!(key(both), both);
        }
        assert_ne!(key("乾元科技"), key("干元科技"));
    }

    #[test]
    fn the_simplified_form_of_a_simplified_form_is_itself() {
        // Every ideograph of the table's range: the fold is idempotent, or `key(key(x))` would
        // differ from `key(x)` and a key read back from an output would be another key.
        for c in ('\u{3400}'..='\u{4DBF}').chain('\u{4E00}'..='\u{9FFF}') {
            let s = simplified(c);
            assert_eq!(simplified(s), s, "{c} -> {s}");
        }
        assert_eq!(simplified('A'), 'A');
        assert_eq!(simplified('\u{20000}'), '\u{20000}');
    }
}
