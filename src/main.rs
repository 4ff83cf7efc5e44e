use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(kfpatch::cli::main())
}
