//! Prints what the safety rules read in each message: the life signs found (in precedence
//! order, with the syllables that matched) and the decision (emergency, decline, a decline by
//! the model when the rules saw none, a past event (by the rules or by the model), or none).
//! Messages come from the arguments, or one per line from standard input.
//!
//! `cargo run -p assistant --example signs -- "bo em nga ra ko tho"`

mod common;

use assistant::{safety, signs, text};

fn main() {
    let messages = common::texts();
    for message in messages {
        let tokens = text::analyze(&message);
        let found: Vec<String> = signs::find(&tokens)
            .iter()
            .map(|f| {
                let words: Vec<&str> = tokens[f.at..f.at + f.len]
                    .iter()
                    .map(|t| t.norm.as_str())
                    .collect();
                format!("{}[{}]", f.sign.code(), words.join(" "))
            })
            .collect();
        let decision = match safety::check(&tokens, &message) {
            Some(safety::Safety::Emergency(e)) => format!("emergency {:?}", e.class()),
            Some(safety::Safety::Decline(d)) => format!("decline {d:?}"),
            None if safety::second_reading(&tokens).is_some() => {
                format!("decline {:?} (model)", safety::second_reading(&tokens))
            }
            None if safety::is_past_event(&tokens, &message) => "past event".to_string(),
            None if assistant::report_model::tells_event(&tokens) => {
                "past event (model)".to_string()
            }
            None => "none".to_string(),
        };
        println!("{decision:<28} {:<50} {message}", found.join(" "));
    }
}
