//! What to tell someone whose file is not UTF-8: pol reads UTF-8 only, and the commonest other
//! encodings its users meet are GBK (a spreadsheet saved as "CSV" on a Chinese-language
//! Windows) and UTF-16 (some "Unicode text" exports). Naming the likely encoding turns "not
//! UTF-8" into a fix. The guess is only ever help text: the file is refused either way, never
//! decoded on a guess.

/// The encoding `bytes` (not UTF-8) were most likely written in, as words for a message.
pub(crate) fn likely(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Some("UTF-16");
    }
    // GB18030 is the superset of GBK that Chinese Windows writes; a text with non-ASCII bytes
    // that it decodes without a fault is very likely it. Only the first 64 KiB are looked at;
    // that cut may split the last character, so a fault at the very end of a cut is no fault.
    let sample = &bytes[..bytes.len().min(64 * 1024)];
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(sample);
    let cut = sample.len() < bytes.len();
    let clean = !had_errors || cut && !text.trim_end_matches('\u{FFFD}').contains('\u{FFFD}');
    (clean && !sample.is_ascii()).then_some("GBK (GB18030)")
}

/// Which program a file is usually written with, for the help's "how to save".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
// Policies, facts and settings are read from files by the command line only.
#[cfg_attr(not(feature = "cli"), allow(dead_code))]
pub(crate) enum Made {
    /// A policy, facts or settings: a text editor.
    ByEditor,
    /// A population or history: a spreadsheet or an export.
    BySpreadsheet,
}

/// Help for a file of `bytes` that is not UTF-8: how to save it as UTF-8, naming the encoding
/// it seems to be in.
pub(crate) fn help(bytes: &[u8], made: Made) -> String {
    let how = match made {
        Made::ByEditor => "save it as UTF-8 (in an editor: Save As, encoding UTF-8)",
        Made::BySpreadsheet => {
            "save it as UTF-8 (in Excel: Save As, \"CSV UTF-8\"; in an editor: Save As, \
             encoding UTF-8)"
        }
    };
    match likely(bytes) {
        Some(e) => format!(
            "the file looks like {e}: {how}, or convert it, e.g. `iconv -f {} -t UTF-8 FILE > NEW`",
            if e == "UTF-16" { "UTF-16" } else { "GB18030" }
        ),
        None => format!("{how}; pol reads UTF-8 text only"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_and_utf16_are_named() {
        let (gbk, _, _) = encoding_rs::GBK.encode("id,研发费用\nE1,100元\n");
        assert_eq!(likely(&gbk), Some("GBK (GB18030)"));
        assert!(help(&gbk, Made::BySpreadsheet).contains("iconv -f GB18030"));
        assert!(help(&gbk, Made::BySpreadsheet).contains("CSV UTF-8"));
        assert!(!help(&gbk, Made::ByEditor).contains("CSV UTF-8"));
        // A long file is looked at in its first 64 KiB, which may end inside a character.
        let long: Vec<u8> = gbk.iter().copied().cycle().take(70_000).collect();
        assert_eq!(likely(&long[1..]), Some("GBK (GB18030)"));
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("id".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(likely(&utf16), Some("UTF-16"));
        // Bytes no encoding above reads are not guessed at.
        assert_eq!(likely(&[0x41, 0xFF, 0x41, 0x41]), None);
        assert!(help(&[0xFF], Made::ByEditor).contains("UTF-8 text only"));
    }
}
