//! Benchmark: parse, check and compile a generated policy of 10,000 clauses.
//!
//! Run with `cargo bench --bench check`. Criterion prints the time per run and the throughput
//! in bytes; the clause rate is 10,000 divided by the time. The policy is checked through the
//! library's `pol::check` (parse, check, lint, compile), and formatted through
//! `pol::format_source` (parse, lay out, parse again to compare). A second group checks the same
//! shape of policy at about 10 MB, to show that the time grows in proportion to the input.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// A policy with `n` clauses that uses every award form, tables, brackets, lets and comments.
pub fn generated_policy(n: usize) -> String {
    let mut s = String::from(
        r#"policy "基准〔2023〕1号" {
  title "生成的基准政策"
  issued 2023-07-24
  effective 2023-08-01 to 2025-12-31
  funding { 市级财政: 50%, 区级财政: 50% }
  same_matter highest
}
enum 级别 { 国家级, 省级, 市级 }
input enterprise {
  研发费用: money
  上年研发费用: money
  营业收入: money
  规上企业: bool
  级别: 级别
}
input project { 合同金额: money }
let 研发增量 = 研发费用 - 上年研发费用
let 研发增幅 = 研发增量 / 上年研发费用
let 研发强度 = 研发费用 / 营业收入
limit 年度累计: 100万元 per enterprise per year
"#,
    );
    for i in 0..n {
        let body = match i % 4 {
            0 => format!(
                "  when 研发费用 >= {}万元 and 研发增幅 >= 15% and (规上企业 implies 研发强度 >= 3%)\n  award 10% of 研发增量\n  cap 500万元 per enterprise",
                100 + i % 50
            ),
            1 => "  when 级别 in { 国家级, 省级 }\n  award by 级别 { 国家级: 100万元, 省级: 50万元, else: 0元 }".to_string(),
            2 => "  award bracket 研发费用 {\n    < 100万元: 0元\n    >= 100万元 and < 500万元: 10万元\n    >= 500万元: 20万元\n  }\n  limit 年度累计".to_string(),
            _ => "  per project\n  award 3% of 合同金额\n  cap 10万元 per project".to_string(),
        };
        // A comment quoting the article above each clause, as staff write them: the lints
        // read these for 以上/超过 wording, and a comment inside some clauses.
        s.push_str(&format!(
            "\n# 第{}条: 研发费用{}万元以上\nclause 条款{i} {{\n  source \"第{}条\"\n  department \"市科技局\" # 责任单位\n{body}\n}}\n",
            i % 9 + 1,
            100 + i % 50,
            i % 9 + 1
        ));
    }
    s
}

fn bench(c: &mut Criterion) {
    let text = generated_policy(10_000);
    let found = pol::check(&[("bench.pol", &text)]);
    assert!(
        found.is_empty(),
        "the generated policy must check clean: {found}"
    );
    let mut group = c.benchmark_group("check");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(20);
    group.bench_function("10000 clauses: parse + check + compile", |b| {
        b.iter(|| pol::check(&[("bench.pol", std::hint::black_box(&text))]))
    });
    group.bench_function("10000 clauses: format (parse twice + layout)", |b| {
        b.iter(|| pol::format_source(std::hint::black_box(&text)))
    });
    group.finish();

    // Near-linear growth: the same shape of policy at about 10 MB.
    let clauses = 10_000 * (10 * 1024 * 1024) / text.len();
    let big = generated_policy(clauses);
    let mut group = c.benchmark_group("check 10 MB");
    group.throughput(Throughput::Bytes(big.len() as u64));
    group.sample_size(10);
    group.bench_function(format!("{clauses} clauses: parse + check + compile"), |b| {
        b.iter(|| pol::check(&[("bench.pol", std::hint::black_box(&big))]))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
