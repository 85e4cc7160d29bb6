//! Runs the evaluation on `data/kb` + `data/eval` and prints the report.
//!
//! `cargo run -p assistant --example eval [-- --json] [KB_DIR EVAL_DIR]`

use std::process::ExitCode;

use assistant::{evaluate, Assistant, EvalSet, KnowledgeBase};

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let json = args.iter().any(|a| a == "--json");
    args.retain(|a| a != "--json");
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let kb_dir = args
        .first()
        .cloned()
        .unwrap_or_else(|| format!("{root}/data/kb"));
    let eval_dir = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| format!("{root}/data/eval"));
    let kb = match KnowledgeBase::load_dir(&kb_dir) {
        Ok(kb) => kb,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let set = match EvalSet::load_dir(&eval_dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let unknown = set.unknown_topics(&kb);
    if !unknown.is_empty() {
        eprintln!("error: evaluation names unknown topics: {unknown:?}");
        return ExitCode::from(2);
    }
    let assistant = Assistant::new(kb);
    let report = evaluate(&assistant, &set);
    if json {
        match serde_json::to_string_pretty(&report) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        print!("{}", report.to_text());
    }
    ExitCode::SUCCESS
}
