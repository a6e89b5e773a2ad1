//! The `cinch` binary: the real process I/O handed to `cinch::run`, its result turned into
//! the exit code. Everything else lives in the library, so it can be tested in-process.

/// mimalloc: cinch allocates many small strings (provenance, rule text); glibc's malloc spent
/// a quarter of a 10,000-workload run in malloc/free, mimalloc about a third of that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cinch::yaml::quiet_reader_panics();
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
