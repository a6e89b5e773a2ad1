//! What a command line starts besides its own program: a shell's `-c` script, or the
//! program a wrapper (`tini --`, `env`, `gosu`) runs. cinch reads only what it can read for
//! certain — a script of one plain command — and says "cannot name" for everything else,
//! so the caller falls back to a wider rule instead of a wrong narrow one.

/// Shells whose `-c` argument is a script (sh(1p) "-c").
const SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh"];

/// Shell builtins that run no program (POSIX.1-2017 "Special Built-In Utilities" and the
/// regular builtins every shell has).
const BUILTINS: &[&str] = &[
    ":", "true", "false", "echo", "printf", "exit", "return", "test", "[", "cd", "set", "unset",
    "export", "readonly", "shift", "trap", "umask", "ulimit", "wait", "kill", "read", "times",
];

/// Programs (and shell builtins) that start another program named in their arguments, each
/// in a syntax of its own.
const WRAPPERS: &[&str] = &[
    "env",
    "nohup",
    "nice",
    "ionice",
    "timeout",
    "setsid",
    "stdbuf",
    "xargs",
    "sudo",
    "su",
    "su-exec",
    "gosu",
    "setpriv",
    "chroot",
    "tini",
    "dumb-init",
    "catatonit",
    "s6-svscan",
    "runuser",
    "eval",
    "source",
    ".",
    "command",
    "builtin",
    "exec",
];

/// What an argv starts after its first word.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Inner<'a> {
    /// Nothing cinch needs to know about (not a shell, not a wrapper).
    Nothing,
    /// A one-command shell script runs this program (a path or a name for PATH).
    Program(&'a str),
    /// Only builtins: the shell starts no program.
    Builtins,
    /// A wrapper, or a script cinch cannot read: why, in words.
    Unknown(String),
}

pub(super) fn basename(prog: &str) -> &str {
    prog.rsplit('/').next().unwrap_or(prog)
}

pub(super) fn is_wrapper(prog: &str) -> bool {
    WRAPPERS.contains(&basename(prog))
}

/// An entrypoint script (`docker-entrypoint.sh`, `entrypoint.sh`, `run.sh`): the official
/// images' scripts run `mkdir`, `chown`, `find`, `gosu`, `initdb`, … and then `exec "$@"`,
/// so whatever its arguments name runs too. Found in the AppArmor lab: the node Pod's
/// `command: [docker-entrypoint.sh]`, `args: [node, …]` was refused `exec node`.
fn is_script(name: &str) -> bool {
    name.ends_with(".sh") || name.contains("entrypoint")
}

/// What `argv` starts besides `argv[0]` (which must exist).
pub(super) fn inner(argv: &[String]) -> Inner<'_> {
    let name = basename(&argv[0]);
    if WRAPPERS.contains(&name) {
        return Inner::Unknown(format!("`{name}` starts a program cinch cannot name"));
    }
    if is_script(name) {
        return Inner::Unknown(format!(
            "`{name}` is a script: it runs programs cinch cannot name, then its arguments"
        ));
    }
    if !SHELLS.contains(&name) {
        return Inner::Nothing;
    }
    // `-c`, or combined flags such as `-ec`, `-xc`.
    let Some(flags) = argv
        .get(1)
        .filter(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('c'))
    else {
        return Inner::Nothing;
    };
    let Some(script) = argv.get(2) else {
        return Inner::Unknown(format!("`{name} {flags}` has no script"));
    };
    match script_program(script) {
        Some(Some(p)) => Inner::Program(p),
        Some(None) => Inner::Builtins,
        None => Inner::Unknown(format!(
            "a shell script (`{}`) runs programs cinch cannot name",
            abbreviate(script)
        )),
    }
}

/// The program a plain one-command shell script runs: `Some(None)` for builtins only,
/// `None` when the script is more than one plain command (quotes, `$`, `;`, `|`, `&&`,
/// redirections, globs, newlines).
fn script_program(script: &str) -> Option<Option<&str>> {
    let plain = script
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == ' ' || "_./:=@%+,-".contains(c));
    if !plain {
        return None;
    }
    // Leading `NAME=value` words set the environment of the command (POSIX.1-2017, Shell
    // Command Language 2.9.1).
    let first = script
        .split(' ')
        .filter(|w| !w.is_empty())
        .find(|w| !is_assignment(w));
    Some(first.filter(|w| !BUILTINS.contains(w)))
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

fn abbreviate(s: &str) -> String {
    const MAX: usize = 60;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn one_command_scripts_name_their_program() {
        let sh = |script: &str| inner(&argv(&["/bin/sh", "-c", script])).clone_program();
        assert_eq!(sh("pg_isready -U postgres"), Some("pg_isready".into()));
        assert_eq!(
            sh("PGUSER=shop  /usr/bin/pg_isready"),
            Some("/usr/bin/pg_isready".into())
        );
        assert_eq!(
            inner(&argv(&["sh", "-ec", "echo started"])),
            Inner::Builtins
        );
        assert_eq!(inner(&argv(&["bash", "-c", ""])), Inner::Builtins);
        for complex in [
            "wget -qO- http://x || exit 1",
            "a; b",
            "a && b",
            "a | b",
            "a > f",
            "$CMD",
            "\"a\"",
            "a\nb",
            "`x`",
            "ls *",
        ] {
            assert!(
                matches!(inner(&argv(&["sh", "-c", complex])), Inner::Unknown(_)),
                "{complex}"
            );
        }
    }

    #[test]
    fn wrappers_and_plain_programs() {
        assert!(matches!(
            inner(&argv(&["/sbin/tini", "--", "app"])),
            Inner::Unknown(_)
        ));
        assert!(matches!(inner(&argv(&["sh", "-c"])), Inner::Unknown(_)));
        assert_eq!(inner(&argv(&["sh", "script.sh"])), Inner::Nothing);
        assert_eq!(
            inner(&argv(&["/usr/bin/python3", "-c", "print(1)"])),
            Inner::Nothing
        );
        assert!(is_wrapper("/usr/bin/env") && !is_wrapper("envoy"));
        for script in [
            "docker-entrypoint.sh",
            "/usr/local/bin/docker-entrypoint.sh",
            "/entrypoint",
        ] {
            assert!(
                matches!(
                    inner(&[script.to_owned(), "node".to_owned()]),
                    Inner::Unknown(_)
                ),
                "{script}"
            );
        }
        assert_eq!(
            inner(&["node".to_owned(), "/app/server.js".to_owned()]),
            Inner::Nothing
        );
    }

    impl Inner<'_> {
        fn clone_program(&self) -> Option<String> {
            match self {
                Inner::Program(p) => Some((*p).to_owned()),
                Inner::Nothing | Inner::Builtins | Inner::Unknown(_) => None,
            }
        }
    }
}
