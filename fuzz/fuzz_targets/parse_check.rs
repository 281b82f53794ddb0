//! Any bytes as a policy file: parse, check, compile and render every diagnostic; format it and
//! require that formatting keeps the policy (or refuses a text with syntax errors).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let compiled = pol::compile_source(&text);
    for d in &compiled.diagnostics {
        assert!(d.primary.span.end <= text.len());
        let _ = pol::diagnostic::render(d, "fuzz.pol", &text, Default::default());
        let _ = d.to_json("fuzz.pol", &text);
    }
    match pol::fmt::format_source(&text) {
        Err(pol::fmt::FormatError::Internal(why)) => panic!("formatting changed the policy: {why}"),
        Ok(formatted) => assert_eq!(pol::fmt::format_source(&formatted).ok(), Some(formatted.clone())),
        Err(pol::fmt::FormatError::Syntax(_)) => {}
    }
});
