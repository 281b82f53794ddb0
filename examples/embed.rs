//! Embedding pol in another program: compile a shipped policy, evaluate one firm's facts, print
//! the decision. Run with `cargo run --example embed`; it builds with the library alone
//! (`--no-default-features`), as an embedder's program would.

use pol::{Facts, Options, PolicySet};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/policies/jiazhengfa-2023-15.pol"
    );
    let text = std::fs::read_to_string(path)?;
    // A policy with errors gives them all, each with its file, line and code.
    let set = PolicySet::compile(&[("jiazhengfa-2023-15.pol", &text)])?;
    let facts = Facts::from_json(
        r#"{ "kind": "enterprise", "id": "E1", "attributes": {
        "加计扣除资格": true, "研发费用": "600万元", "上年研发费用": "500万元",
        "营业收入": "1.5亿元", "规上企业": true, "高新技术企业": false } }"#,
    )?;
    let decision = set.evaluate(&facts, &Options::on("2024-05-01".parse()?))?;
    print!("{}", decision.render(false));
    Ok(())
}
