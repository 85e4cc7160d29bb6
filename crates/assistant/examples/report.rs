//! Plays a report conversation through the assistant and prints each reply and the report
//! that would be filed. Each line of standard input is one conversation as JSON: `{"turns":
//! [...], "gps": {"lat": …, "lon": …}, "gps_turn": 2}` (the format of the intake sets'
//! `reports.jsonl`).
//!
//! `grep dr001 data/eval/intake/reports.jsonl | cargo run -p assistant --example report`

use std::io::BufRead;

use assistant::{Assistant, ChatRequest, KnowledgeBase};

#[derive(serde::Deserialize)]
struct Conversation {
    #[serde(default)]
    id: String,
    turns: Vec<String>,
    gps: Option<Gps>,
    gps_turn: Option<usize>,
}

#[derive(serde::Deserialize, Clone, Copy)]
struct Gps {
    lat: f64,
    lon: f64,
}

fn main() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/kb");
    let kb = match KnowledgeBase::load_dir(dir) {
        Ok(kb) => kb,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let bot = Assistant::new(kb);
    let now = chrono::Utc::now();
    for (n, line) in std::io::stdin()
        .lock()
        .lines()
        .map_while(Result::ok)
        .enumerate()
    {
        let c: Conversation = match serde_json::from_str(&line) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("line {}: {e}", n + 1);
                continue;
            }
        };
        let id = format!("example-{n}");
        println!("== {}", c.id);
        let mut filed = None;
        for (i, turn) in c.turns.iter().enumerate() {
            let gps = c.gps.filter(|_| c.gps_turn.unwrap_or(0) == i);
            let request = ChatRequest {
                message: turn.clone(),
                conversation_id: Some(id.clone()),
                lat: gps.map(|g| g.lat),
                lon: gps.map(|g| g.lon),
            };
            let out = bot.chat(&request, now);
            println!(
                "  > {turn}\n  < {}",
                out.response().reply.replace('\n', " / ")
            );
            if let Some(draft) = out.draft() {
                filed = Some(draft.clone());
                bot.confirm_report(&id, "EXAMPLE", now);
            }
        }
        match filed.or_else(|| bot.report_preview(&id, now)) {
            Some(d) => println!("  draft: {d:#?}"),
            None => println!("  no report"),
        }
    }
}
