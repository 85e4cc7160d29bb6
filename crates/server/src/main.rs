//! The `binhyen` binary: everything lives in the `server` library; this only hands over.

fn main() -> std::process::ExitCode {
    server::cli::main()
}
