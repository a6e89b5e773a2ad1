//! The `cinch` binary: the real process I/O handed to `cinch::run`, its result turned into
//! the exit code. Everything else lives in the library, so it can be tested in-process.

fn main() -> std::process::ExitCode {
    let mut io = cinch::Io {
        stdin: &mut std::io::stdin().lock(),
        stdout: &mut std::io::stdout().lock(),
        stderr: &mut std::io::stderr().lock(),
        env: std::env::vars().collect(),
        color: std::io::IsTerminal::is_terminal(&std::io::stdout())
            && std::env::var_os("NO_COLOR").is_none(),
    };
    std::process::ExitCode::from(cinch::run(std::env::args_os(), &mut io))
}
