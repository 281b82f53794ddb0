//! Any bytes as facts, evaluated with explanations under the shipped policies and a policy
//! using every construct.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pol::{Facts, Options, PolicySet};

fn set() -> &'static PolicySet {
    static SET: OnceLock<PolicySet> = OnceLock::new();
    SET.get_or_init(|| {
        let sources = [
            ("15", include_str!("../../policies/jiazhengfa-2023-15.pol")),
            ("38", include_str!("../../policies/jiazhengbanfa-2023-38.pol")),
            ("40", include_str!("../../policies/jiazhengbanfa-2023-40.pol")),
            ("41", include_str!("../../policies/jiazhengbanfa-2023-41.pol")),
            ("every", include_str!("../../tests/fixtures/every-construct.pol")),
        ];
        PolicySet::compile(&sources).expect("the shipped policies compile")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(facts) = Facts::from_json(text) else { return };
    let options = Options::on("2024-05-01".parse().expect("a date"));
    // The plain decision and the explained one are one evaluation with or without its words:
    // they pay the same.
    let plain = set().evaluate(&facts, &options);
    let explained = set().explain(&facts, &options);
    if let (Ok(p), Ok(e)) = (&plain, &explained) {
        assert_eq!(p.totals.paid, e.totals.paid, "evaluate and explain pay alike");
    }
    assert_eq!(plain.is_ok(), explained.is_ok(), "evaluate and explain fail alike");
    if let Ok(decision) = explained {
        let _ = decision.render(true);
        let _ = serde_json::to_string(&decision);
        for c in &decision.clauses {
            let shares: Option<rust_decimal::Decimal> = c.funding.iter().map(|s| Some(s.amount.max())).sum();
            if let (Some(paid), Some(sum)) = (c.paid, shares) {
                if !c.funding.is_empty() {
                    assert_eq!(paid.max(), sum, "shares add up to the award");
                }
            }
        }
    }
});
