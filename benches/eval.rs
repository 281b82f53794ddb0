//! Benchmark: evaluations per second, through the library's façade.
//!
//! `cargo bench --bench eval` reports, for 10,000 generated firms: article 1 of
//! 嘉政发〔2023〕15号 alone and the whole shipped policy, (1) as a population run through
//! `Simulation` on one worker thread (cells bound straight to the policies, figures only: the
//! path of `pol simulate`), without and with per-row output, and (2) one decision per firm
//! through `PolicySet::evaluate` on facts already parsed, with explanations off and on.
//! Criterion's throughput line is firms (evaluations) per second.

use std::sync::atomic::AtomicBool;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pol::{Facts, Kind, Options, PolicySet, SimulationOptions};

const POLICY: &str = include_str!("../policies/jiazhengfa-2023-15.pol");
const FIRMS: usize = 10_000;

/// A small deterministic generator, so every run sees the same firms.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// The firms, as facts JSON and as the rows of a CSV population (the same values).
fn firms() -> (Vec<Facts>, String) {
    let mut r = Lcg(20231524);
    let mut csv = String::from(
        "id,加计扣除资格,研发费用,上年研发费用,营业收入,规上企业,高新技术企业,首次认定高新技术企业,新认定省科技企业\n",
    );
    let facts = (0..FIRMS)
        .map(|i| {
            let last = 50_000 + r.next(20_000_000);
            let spend = last + r.next(last / 2 + 1);
            let revenue = spend * (10 + r.next(50));
            let recognised = ["省科技领军企业", "省科技小巨人企业", "无", "无", "无"][r.next(5) as usize];
            let flags = [r.next(10) > 0, r.next(2) == 0, r.next(3) == 0, r.next(20) == 0];
            csv.push_str(&format!(
                "{i},{},{spend},{last},{revenue},{},{},{},{recognised}\n",
                flags[0], flags[1], flags[2], flags[3]
            ));
            let json = format!(
                r#"{{"kind": "enterprise", "id": "F{i}", "attributes": {{
                    "加计扣除资格": {}, "研发费用": {spend}, "上年研发费用": {last}, "营业收入": {revenue},
                    "规上企业": {}, "高新技术企业": {}, "首次认定高新技术企业": {},
                    "新认定省科技企业": "{recognised}"}}}}"#,
                flags[0], flags[1], flags[2], flags[3]
            );
            Facts::from_json(&json).unwrap()
        })
        .collect();
    (facts, csv)
}

/// Article 1 alone: the shipped header, the inputs it reads, and its lets and clause as shipped
/// (cut out of the policy file, so the bench measures the text the policy holds).
fn article1_policy() -> String {
    let header_end = POLICY
        .find("# ---")
        .expect("the inputs start after the header");
    let start = POLICY.find("let 研发增量").expect("article 1's lets");
    let end = POLICY[start..]
        .find("# ---")
        .map(|i| start + i)
        .expect("article 2 follows");
    format!(
        "{}input enterprise {{\n  加计扣除资格: bool = false\n  研发费用: money\n  上年研发费用: money\n  营业收入: money\n  规上企业: bool = false\n  高新技术企业: bool = false\n}}\n{}",
        &POLICY[..header_end],
        &POLICY[start..end]
    )
}

fn bench(c: &mut Criterion) {
    let whole = PolicySet::compile(&[("15号", POLICY)]).unwrap();
    let article1_text = article1_policy();
    let article1 = PolicySet::compile(&[("第一条", &article1_text)]).unwrap();
    assert_eq!(article1.documents().len(), 1);
    let (firms, population) = firms();
    let options = Options::on("2024-05-01".parse().unwrap());
    let mut group = c.benchmark_group("eval");
    group.throughput(Throughput::Elements(FIRMS as u64));
    group.sample_size(20);
    for (name, set) in [("article 1", &article1), ("whole policy", &whole)] {
        let mut sim = SimulationOptions::new(Kind::Enterprise);
        sim.threads = 1;
        let simulation = set.simulation(&options, sim).unwrap();
        let cancel = AtomicBool::new(false);
        for rows in [false, true] {
            let label = format!(
                "{name}, rows {}",
                if rows { "written" } else { "not written" }
            );
            group.bench_function(BenchmarkId::new("population", &label), |b| {
                b.iter(|| {
                    let mut out = Vec::new();
                    let sink: Option<&mut dyn std::io::Write> = rows.then_some(&mut out);
                    let report = simulation
                        .run(population.as_bytes(), sink, &mut |_| {}, &cancel)
                        .unwrap();
                    std::hint::black_box((report.summary.subjects, out.len()))
                })
            });
        }
        for explain in [false, true] {
            let label = format!(
                "{name}, explanations {}",
                if explain { "on" } else { "off" }
            );
            group.bench_function(BenchmarkId::new("decision", &label), |b| {
                b.iter(|| {
                    for f in &firms {
                        let decision = if explain {
                            set.explain(f, &options)
                        } else {
                            set.evaluate(f, &options)
                        };
                        std::hint::black_box(decision.unwrap());
                    }
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
