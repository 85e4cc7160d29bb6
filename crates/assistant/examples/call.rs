//! Prints operator mode's reading of hotline transcripts (turns joined as `CT: … / NG: …`):
//! type, sub-type, priority, ongoing, people, place and the not-incident outcome. Transcripts
//! come from the arguments, or one per line from standard input.
//!
//! `cargo run -p assistant --example call -- "CT: 113 nghe / NG: nhà tôi cháy"`

mod common;

use assistant::{operator, OperatorRequest};

fn main() {
    let transcripts = common::texts();
    for transcript in transcripts {
        let s = operator::suggest(&OperatorRequest { transcript }, None);
        let reading = match s.not_incident {
            Some(n) => format!("not an incident: {n:?}"),
            None => format!(
                "{:?}{} P{} {} injured={:?} weapons={:?} place={:?}",
                s.incident_type,
                s.sub_type.map(|t| format!("/{t:?}")).unwrap_or_default(),
                s.priority,
                if s.ongoing { "ongoing" } else { "over" },
                s.people.injured,
                s.people.weapons,
                s.location_text,
            ),
        };
        println!("{reading}");
    }
}
