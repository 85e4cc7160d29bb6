//! Asks the assistant one or more questions and prints the reply and the retrieval ranking.
//!
//! `cargo run -p assistant --example ask -- "đăng ký tạm trú ở đâu"`

use assistant::{Assistant, ChatRequest, KnowledgeBase};

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
    for q in std::env::args().skip(1) {
        let out = bot.chat(&ChatRequest::new(q.clone()), chrono::Utc::now());
        let r = out.response();
        println!(
            "Q: {q}\nkind={:?} topic={:?} number={:?}",
            r.kind, r.topic, r.emergency_number
        );
        for (i, hit) in bot.rank(&q).iter().take(3).enumerate() {
            println!(
                "  #{} {:<28} score {:>7.3} coverage {:.2}",
                i + 1,
                hit.id,
                hit.score,
                hit.coverage
            );
        }
        if std::env::var_os("SHOW_REPLY").is_some() {
            println!("{}", r.reply);
        }
        println!();
    }
}
