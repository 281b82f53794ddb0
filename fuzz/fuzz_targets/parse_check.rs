//! Any bytes as a policy file: parse, check, compile and render every diagnostic.
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
});
