//! The shipped policies: every clause is covered by at least three test cases, every case cites
//! an article of the clause it tests, and every policy checks clean.

use std::collections::BTreeMap;

use pol::PolicySet;
use pol::testing::TestFile;

fn shipped() -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("policies").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "pol") {
            let tests = path.with_extension("tests.toml");
            out.push((
                path.display().to_string(),
                std::fs::read_to_string(&path).unwrap(),
                std::fs::read_to_string(&tests)
                    .unwrap_or_else(|_| panic!("{} has no tests", path.display())),
            ));
        }
    }
    out.sort();
    assert_eq!(out.len(), 4, "15号, 38号, 40号 and 41号");
    out
}

#[test]
fn every_clause_has_at_least_three_cases_citing_its_article() {
    let mut total = 0;
    for (name, policy, tests) in shipped() {
        let set = PolicySet::compile(&[(&name, &policy)]).unwrap_or_else(|e| panic!("{e:#?}"));
        let file = TestFile::parse(&tests).unwrap();
        total += file.cases.len();
        let program = &set.programs()[0];
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        for case in &file.cases {
            for (key, _) in &case.expect {
                let clause_name = key.split('[').next().unwrap();
                if let Some(c) = program.clauses.iter().find(|c| c.name == clause_name) {
                    *count.entry(c.name.as_str()).or_default() += 1;
                    assert_eq!(
                        case.article, c.source,
                        "{name}: case `{}` cites {} but tests {}",
                        case.name, case.article, c.name
                    );
                }
            }
        }
        for c in &program.clauses {
            let n = count.get(c.name.as_str()).copied().unwrap_or(0);
            assert!(n >= 3, "{name}: clause {} has {n} cases", c.name);
        }
    }
    assert!(total >= 150, "{total} cases");
}

#[test]
fn every_policy_states_its_header_and_cites_every_clause() {
    for (name, policy, _) in shipped() {
        let compiled = pol::compile_source(&policy);
        assert!(
            compiled.diagnostics.is_empty(),
            "{name}: {:#?}",
            compiled.diagnostics
        );
        let p = compiled.program.unwrap();
        assert!(p.header.document.starts_with("嘉政"), "{name}");
        assert!(!p.header.funding.is_empty());
        for c in &p.clauses {
            assert!(!c.source.is_empty(), "{name}: {} has no source", c.name);
        }
    }
}
