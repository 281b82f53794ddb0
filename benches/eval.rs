//! Benchmark: evaluations per second on facts already parsed and bound.
//!
//! `cargo bench --bench eval` reports, for 10,000 generated firms: article 1 of
//! 嘉政发〔2023〕15号 alone and the whole shipped policy, with explanations off and on.
//! Criterion's throughput line is firms (evaluations) per second on one core.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pol::compile::Kind;
use pol::eval::facts::Bound;
use pol::eval::{Explain, Facts, Options, PolicySet, Reasons, Silent, Tracer};

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

fn firms() -> Vec<Facts> {
    let mut r = Lcg(20231524);
    (0..FIRMS)
        .map(|i| {
            let last = 50_000 + r.next(20_000_000);
            let spend = last + r.next(last / 2 + 1);
            let revenue = spend * (10 + r.next(50));
            let recognised = ["省科技领军企业", "省科技小巨人企业", "无", "无", "无"][r.next(5) as usize];
            let json = format!(
                r#"{{"kind": "enterprise", "id": "F{i}", "attributes": {{
                    "加计扣除资格": {}, "研发费用": {spend}, "上年研发费用": {last}, "营业收入": {revenue},
                    "规上企业": {}, "高新技术企业": {}, "首次认定高新技术企业": {},
                    "新认定省科技企业": "{recognised}"}}}}"#,
                r.next(10) > 0,
                r.next(2) == 0,
                r.next(3) == 0,
                r.next(20) == 0
            );
            Facts::from_json(&json).unwrap().0
        })
        .collect()
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
    assert_eq!(article1.programs()[0].clauses.len(), 1);
    let firms = firms();
    let mut group = c.benchmark_group("eval");
    group.throughput(Throughput::Elements(FIRMS as u64));
    group.sample_size(20);
    for (name, set) in [("article 1", &article1), ("whole policy", &whole)] {
        let label = |on: &str| format!("{name}, explanations {on}");
        bound_facts::<Silent>(&mut group, set, &firms, &label("off"));
        bound_facts::<Explain>(&mut group, set, &firms, &label("on"));
        let ev = set
            .evaluator::<Reasons>(&Options::on("2024-05-01".parse().unwrap()))
            .unwrap();
        group.bench_function(BenchmarkId::new("bind + decide", name), |b| {
            b.iter(|| {
                for f in &firms {
                    std::hint::black_box(ev.evaluate(f).unwrap());
                }
            })
        });
    }
    group.finish();
}

/// Deciding for facts bound once, with the tracer `T`.
fn bound_facts<T: Tracer>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    set: &PolicySet,
    firms: &[Facts],
    label: &str,
) {
    let ev = set
        .evaluator::<T>(&Options::on("2024-05-01".parse().unwrap()))
        .unwrap();
    let bound: Vec<Vec<Bound>> = firms.iter().map(|f| ev.bind(f).unwrap()).collect();
    group.bench_function(BenchmarkId::new("bound facts", label), |b| {
        b.iter(|| {
            for (f, bd) in firms.iter().zip(&bound) {
                let _ = std::hint::black_box(ev.decide_bound(Kind::Enterprise, &f.id, bd));
            }
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
