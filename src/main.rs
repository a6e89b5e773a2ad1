//! The `cinch` binary: the real process I/O handed to `cinch::run`, its result turned into
//! the exit code. Everything else lives in the library, so it can be tested in-process.

/// mimalloc: cinch allocates many small strings (provenance, rule text); glibc's malloc spent
/// a quarter of a 10,000-workload run in malloc/free, mimalloc about a third of that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    use std::io::IsTerminal as _;
    cinch::yaml::quiet_reader_panics();
    let no_color = std::env::var_os("NO_COLOR");
    let mut io = cinch::Io {
        stdin: &mut std::io::stdin().lock(),
        stdout: &mut std::io::stdout().lock(),
        stderr: &mut std::io::stderr().lock(),
        env: std::env::vars().collect(),
        color: cinch::color::auto(std::io::stdout().is_terminal(), no_color.as_deref()),
        stderr_color: cinch::color::auto(std::io::stderr().is_terminal(), no_color.as_deref()),
        process_exits: true,
    };
    std::process::ExitCode::from(cinch::run(std::env::args_os(), &mut io))
}
