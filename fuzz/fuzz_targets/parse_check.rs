//! Any bytes as a policy file: parse, check, compile and render every diagnostic; format it and
//! require that formatting keeps the policy (or refuses a text with syntax errors).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let found = pol::check(&[("fuzz.pol", &text)]);
    for d in found.iter() {
        assert!(d.primary.span.end <= text.len());
    }
    let _ = found.render(pol::RenderOptions::default());
    let _ = found.to_json();
    // A set is compiled exactly when the file has no error.
    assert_eq!(pol::PolicySet::compile(&[("fuzz.pol", &text)]).is_ok(), !found.has_errors());
    match pol::format_source(&text) {
        Err(pol::FormatError::Internal(why)) => panic!("formatting changed the policy: {why}"),
        Ok(formatted) => assert_eq!(pol::format_source(&formatted).ok(), Some(formatted.clone())),
        Err(_) => {}
    }
});
