//! Whether a stream gets ANSI colour: one rule for clap's help and errors and for cinch's
//! own output (`check`'s diff), as ripgrep and cargo have it.
//!
//! `--color always|never` decides; `auto` (the default) colours only a terminal, and never
//! when `NO_COLOR` is set to anything non-empty (<https://no-color.org>). clap's help is
//! printed before the arguments are known to be valid, so `--color` is found by a scan of
//! the raw arguments ([`requested`]), the way clap's own `color` setting would need it.

use std::ffi::OsString;

use crate::cli::ColorChoice;

/// The `--color` value in the raw arguments (the last one wins, as clap takes it), or
/// `None`. Arguments after `--` are operands, not options.
pub fn requested(args: &[OsString]) -> Option<ColorChoice> {
    let mut found = None;
    let mut args = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(arg) = args.next() {
        let value = match arg.as_ref() {
            "--" => break,
            "--color" => args.next().map(|v| v.into_owned()),
            a => a.strip_prefix("--color=").map(str::to_owned),
        };
        match value.as_deref() {
            Some("always") => found = Some(ColorChoice::Always),
            Some("never") => found = Some(ColorChoice::Never),
            Some("auto") => found = Some(ColorChoice::Auto),
            // Not a value clap accepts: it reports that, in the default colour.
            Some(_) | None => {}
        }
    }
    found
}

/// Colour a stream that `auto_colors` (is a terminal and `NO_COLOR` is unset) under `choice`.
pub fn enabled(choice: Option<ColorChoice>, auto_colors: bool) -> bool {
    match choice.unwrap_or(ColorChoice::Auto) {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => auto_colors,
    }
}

/// `--color auto` for a stream: a terminal, and `NO_COLOR` unset or empty.
pub fn auto(is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    is_terminal && no_color.is_none_or(|v| v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_last_color_option_before_operands_wins() {
        let never = Some(ColorChoice::Never);
        assert_eq!(
            requested(&args(&["cinch", "check", "--color", "never"])),
            never
        );
        assert_eq!(
            requested(&args(&["cinch", "--color=always", "--color=never"])),
            never
        );
        assert_eq!(
            requested(&args(&["cinch", "x", "--", "--color=always"])),
            None
        );
        assert_eq!(requested(&args(&["cinch", "--color=blue"])), None);
    }

    #[test]
    fn auto_is_a_terminal_without_no_color() {
        assert!(auto(true, None));
        assert!(auto(true, Some("".as_ref())));
        assert!(!auto(true, Some("1".as_ref())));
        assert!(!auto(false, None));
        assert!(enabled(Some(ColorChoice::Always), false));
        assert!(!enabled(Some(ColorChoice::Never), true));
    }
}
