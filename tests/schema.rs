//! `pol schema`: the schema is valid draft 2020-12, every shipped test case's facts validate
//! against it, broken facts do not, and what it refuses pol refuses too.

use std::path::{Path, PathBuf};
use std::process::Command;

use pol::{Facts, Kind, Options, PolicySet, TestFile};
use serde_json::{json, Value};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn program(file: &str) -> PolicySet {
    let text = std::fs::read_to_string(root().join("policies").join(file)).unwrap();
    PolicySet::compile(&[(file, &text)]).expect("shipped policies compile")
}

fn schema_of(set: &PolicySet, subject: Option<Kind>) -> Value {
    let schema = set.facts_schema(subject);
    assert!(
        jsonschema::meta::is_valid(&schema),
        "not a valid schema: {schema:#}"
    );
    schema
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::draft202012::new(schema).expect("the schema compiles")
}

#[test]
fn every_shipped_test_case_validates_against_its_policys_schema() {
    let mut checked = 0;
    for entry in std::fs::read_dir(root().join("policies")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".tests.toml") else {
            continue;
        };
        let p = program(&format!("{stem}.pol"));
        let v = validator(&schema_of(&p, None));
        let tests = TestFile::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for case in tests.cases {
            let facts: Value = serde_json::from_str(&case.facts).unwrap();
            let errors: Vec<String> = v.iter_errors(&facts).map(|e| e.to_string()).collect();
            assert!(
                errors.is_empty(),
                "{name}: case `{}`: {errors:?}",
                case.name
            );
            checked += 1;
        }
    }
    assert!(checked > 150, "only {checked} cases checked");
}

/// Facts of an enterprise under 嘉政发〔2023〕15号 with one attribute (and a claim) changed.
fn enterprise(attributes: Value, claims: Value) -> Value {
    json!({"kind": "enterprise", "id": "E1", "attributes": attributes, "claims": claims})
}

#[test]
fn broken_facts_do_not_validate_and_pol_refuses_them_too() {
    let set = program("jiazhengfa-2023-15.pol");
    let v = validator(&schema_of(&set, None));
    let good = enterprise(
        json!({"研发费用": "600万元", "上年研发费用": 5000000, "仪器共享率": "85%",
               "规上企业": true, "新认定省级企业研究院": "省级企业研究院", "高新技术企业": null}),
        json!([{"id": "P1", "date": "2024-03-01", "item": "科技项目", "attributes": {"揭榜挂帅项目": true, "技术合同成交额": "1,000,000.50"}}]),
    );
    assert!(
        v.is_valid(&good),
        "{:?}",
        v.iter_errors(&good)
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
    );
    let date = Options::on("2024-05-01".parse().unwrap());
    let accepted = |facts: &Value| {
        Facts::from_json(&facts.to_string())
            .ok()
            .is_some_and(|f| set.evaluate(&f, &date).is_ok())
    };
    assert!(accepted(&good));
    let broken = [
        (
            "money that is not a number",
            enterprise(json!({"研发费用": "六百万"}), json!([])),
        ),
        (
            "negative money",
            enterprise(json!({"研发费用": "-5万元"}), json!([])),
        ),
        (
            "negative money as a number",
            enterprise(json!({"研发费用": -5}), json!([])),
        ),
        (
            "a variant that does not exist",
            enterprise(json!({"新认定省级企业研究院": "国家级"}), json!([])),
        ),
        (
            "a yes/no that is neither",
            enterprise(json!({"规上企业": "maybe"}), json!([])),
        ),
        (
            "a list for a value",
            enterprise(json!({"研发费用": ["600万元"]}), json!([])),
        ),
        (
            "a claim without a date",
            enterprise(json!({}), json!([{"id": "P1"}])),
        ),
        (
            "a claim date that is not a date",
            enterprise(json!({}), json!([{"id": "P1", "date": "3月1日"}])),
        ),
        ("no kind", json!({"id": "E1"})),
        (
            "a kind that is not a subject",
            json!({"kind": "project", "id": "E1"}),
        ),
        ("no id", json!({"kind": "enterprise"})),
    ];
    for (what, facts) in broken {
        assert!(!v.is_valid(&facts), "{what}: the schema accepts {facts}");
        assert!(!accepted(&facts), "{what}: pol accepts {facts}");
    }
}

#[test]
fn a_subject_schema_names_inputs_with_their_descriptions() {
    let p = program("jiazhengbanfa-2023-40.pol");
    let schema = schema_of(&p, Some(Kind::Region));
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["properties"]["kind"]["const"], "region");
    let attrs = schema["properties"]["attributes"]["properties"]
        .as_object()
        .unwrap();
    assert!(!attrs.is_empty());
    for (name, s) in attrs {
        assert_eq!(s["title"], name.as_str());
        let d = s["description"].as_str().unwrap();
        assert!(d.contains("嘉政办发〔2023〕40号 at line"), "{d}");
    }
}

fn pol(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pol"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("pol runs")
}

#[test]
fn the_command_prints_or_writes_the_schema_and_refuses_unknown_subjects() {
    let o = pol(&["schema", "policies/jiazhengfa-2023-15.pol"], &root());
    assert_eq!(o.status.code(), Some(0));
    let printed: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        printed["oneOf"].as_array().unwrap().len(),
        3,
        "enterprise, institution, person"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("facts.schema.json");
    let policy = root().join("policies/jiazhengfa-2023-15.pol");
    let o = pol(
        &[
            "schema",
            policy.to_str().unwrap(),
            "--subject",
            "enterprise",
            "--out",
            out.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0));
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(written["properties"]["kind"]["const"], "enterprise");
    let o = pol(
        &[
            "schema",
            "policies/jiazhengfa-2023-15.pol",
            "--subject",
            "region",
        ],
        &root(),
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no facts for `region`") && err.contains("enterprise, institution, person"),
        "{err}"
    );
}

#[test]
fn a_series_is_keyed_by_years_that_exist() {
    let text = r#"policy "测试〔2024〕9号" {
  title "系列"
  issued 2020-01-01
  effective 2020-01-01 to 2030-12-31
  funding { 市级财政: 100% }
  same_matter cumulative
}
input enterprise { 销售收入: money by year }
clause 上年 { source "第一条" award 销售收入[event_year - 1] }
"#;
    let set = PolicySet::compile(&[("t.pol", text)]).unwrap();
    let v = validator(&schema_of(&set, None));
    let facts = |year: &str| json!({"kind": "enterprise", "id": "E1", "attributes": {"销售收入": {year: "1万元"}}});
    for year in ["0001", "0999", "2023", "9999"] {
        assert!(v.is_valid(&facts(year)), "{year}");
        let f = Facts::from_json(&facts(year).to_string());
        assert!(f.is_ok(), "{year}");
    }
    // What the schema refuses pol refuses too (F0165): there is no year 0.
    for year in ["0000", "23", "2023年"] {
        assert!(!v.is_valid(&facts(year)), "{year}");
        assert!(
            Facts::from_json(&facts(year).to_string()).is_err(),
            "{year}"
        );
    }
}
