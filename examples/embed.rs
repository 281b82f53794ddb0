//! Embedding pol in another program: compile a shipped policy, evaluate one firm's facts, print
//! the decision. Run with `cargo run --example embed`; it builds with the library alone
//! (`--no-default-features`), as an embedder's program would.

use pol::eval::{render, Facts, Options, PolicySet};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/policies/jiazhengfa-2023-15.pol"
    );
    let text = std::fs::read_to_string(path)?;
    let set = PolicySet::compile(&[("jiazhengfa-2023-15.pol", &text)])
        .map_err(|failed| format!("{} policy file(s) have errors", failed.len()))?;
    let facts = r#"{ "kind": "enterprise", "id": "E1", "attributes": {
        "加计扣除资格": true, "研发费用": "600万元", "上年研发费用": "500万元",
        "营业收入": "1.5亿元", "规上企业": true, "高新技术企业": false } }"#;
    let (facts, _warnings) = Facts::from_json(facts)
        .map_err(|problems| format!("{} problem(s) in the facts", problems.len()))?;
    let options = Options::on("2024-05-01".parse()?);
    let decision = set
        .evaluate(&facts, &options)
        .map_err(|problems| format!("{} problem(s) in the facts", problems.len()))?;
    print!("{}", render::human(&decision, false));
    Ok(())
}
