//! The command line's file handling: `pol simulate` run in-process with outputs and inputs
//! chosen by the fuzzer among spellings of the same files (the path, `./`, `sub/..`, a symbolic
//! link, a hard link, standard output, `/dev/null`), with any bytes as the population. Whatever
//! it chooses: the inputs are never changed, no temporary file is left behind, the exit status
//! is one of 0, 1 and 2, and nothing panics.
//!
//! Bytes: [out, summary, threads, chunk size, format, ...population].
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

const POLICY: &str = include_str!("../../policies/jiazhengfa-2023-15.pol");
const SETTINGS: &str = "{}";

/// A folder of this process's own, made afresh for each input.
fn dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| std::env::temp_dir().join(format!("pol-fuzz-cli-{}", std::process::id())))
}

fn fresh(population: &[u8]) {
    let d = dir();
    let _ = std::fs::remove_dir_all(d);
    std::fs::create_dir_all(d.join("sub")).expect("a temporary folder");
    std::fs::write(d.join("15.pol"), POLICY).expect("write");
    std::fs::write(d.join("p.csv"), population).expect("write");
    std::fs::write(d.join("settings.json"), SETTINGS).expect("write");
    std::fs::write(d.join("old.csv"), "old").expect("write");
    std::os::unix::fs::symlink(d.join("p.csv"), d.join("link.csv")).expect("link");
    std::os::unix::fs::symlink(d.join("old.csv"), d.join("link-old.csv")).expect("link");
    std::fs::hard_link(d.join("p.csv"), d.join("hard.csv")).expect("hard link");
}

/// The spellings an output may take.
fn output(choice: u8) -> String {
    let d = dir().display().to_string();
    match choice % 13 {
        0 => format!("{d}/p.csv"),
        1 => format!("{d}/./p.csv"),
        2 => format!("{d}/sub/../p.csv"),
        3 => format!("{d}/link.csv"),
        4 => format!("{d}/hard.csv"),
        5 => format!("{d}/15.pol"),
        6 => format!("{d}/settings.json"),
        7 => format!("{d}/r.csv"),
        8 => format!("{d}/s.json"),
        9 => format!("{d}/old.csv"),
        10 => format!("{d}/link-old.csv"),
        11 => "/dev/null".to_string(),
        _ => format!("{d}/no/such/folder/x.csv"),
    }
}

fuzz_target!(|data: &[u8]| {
    let [out, summary, threads, chunk, format, population @ ..] = data else {
        return;
    };
    fresh(population);
    let d = dir().display().to_string();
    let mut args: Vec<String> = ["pol", "simulate"].iter().map(|s| s.to_string()).collect();
    args.push(format!("{d}/15.pol"));
    args.extend(["--population".to_string(), format!("{d}/p.csv")]);
    args.extend(["--settings".to_string(), format!("{d}/settings.json")]);
    args.extend(["--date".to_string(), "2024-05-01".to_string()]);
    args.extend(["--threads".to_string(), (threads % 4).to_string()]);
    args.extend([
        "--chunk-size".to_string(),
        (1u32 << (chunk % 20)).to_string(),
    ]);
    if out % 2 == 0 {
        args.extend(["--out".to_string(), output(out / 2)]);
    }
    if summary % 2 == 0 {
        args.extend(["--summary".to_string(), output(summary / 2)]);
    }
    if format % 2 == 0 {
        args.extend(["--format".to_string(), "json".to_string()]);
    }
    let code = pol::cli::run_with(args.clone());
    assert!(
        matches!(code as u8, 0..=2),
        "exit status {} for {args:?}",
        code as u8
    );
    let read = |name: &str| std::fs::read(dir().join(name)).expect("the input is still there");
    assert_eq!(
        read("p.csv"),
        population,
        "the population was changed by {args:?}"
    );
    assert_eq!(
        read("hard.csv"),
        population,
        "the population was changed by {args:?}"
    );
    assert_eq!(
        read("15.pol"),
        POLICY.as_bytes(),
        "the policy was changed by {args:?}"
    );
    assert_eq!(
        read("settings.json"),
        SETTINGS.as_bytes(),
        "the settings were changed by {args:?}"
    );
    let left: Vec<String> = std::fs::read_dir(dir())
        .expect("the folder")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.starts_with(".pol-"))
        .collect();
    assert!(left.is_empty(), "temporaries left by {args:?}: {left:?}");
});
