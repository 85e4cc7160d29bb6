//! What the inspection examples share: where their texts come from.

use std::io::BufRead;

/// The texts to read: the command-line arguments, or one per line from standard input.
pub fn texts() -> Vec<String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.is_empty() {
        return args;
    }
    std::io::stdin()
        .lock()
        .lines()
        .map_while(Result::ok)
        .collect()
}
