//! Lint suppressions written as Dockerfile comments (issue 9):
//! `# cinch:allow runs-as-root: the vendor entrypoint drops privileges itself`.
//! The rule id and a reason are both required; the colon after the id is optional.

use std::sync::Arc;

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::intent::{Allow, Fact, Provenance};

const MARKER: &str = "cinch:allow";

/// Every `# cinch:allow RULE reason` comment of a Dockerfile.
pub fn allows(text: &str, file: &Arc<str>, diags: &mut Diagnostics) -> Vec<Fact<Allow>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(comment) = line.trim_start().strip_prefix('#') else {
            continue;
        };
        let Some(rest) = comment.trim_start().strip_prefix(MARKER) else {
            continue;
        };
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let rest = rest.trim();
        let (rule, reason) = match rest.split_once(|c: char| c == ':' || c.is_whitespace()) {
            Some((r, why)) => (r.trim(), why.trim_start_matches(':').trim()),
            None => (rest, ""),
        };
        let valid_rule = !rule.is_empty()
            && rule
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid_rule || reason.is_empty() {
            diags.push(Diagnostic::error(
                Code::InvalidValue,
                file,
                line_no,
                "write `# cinch:allow <rule-id>: <why it is acceptable here>`",
            ));
            continue;
        }
        out.push(Fact::new(
            Allow {
                rule: rule.to_owned(),
                reason: reason.to_owned(),
            },
            Provenance::line(file, line_no, "# cinch:allow"),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_need_a_rule_and_a_reason() {
        let file: Arc<str> = Arc::from("Dockerfile");
        let mut d = Diagnostics::new();
        let text = "FROM x\n# cinch:allow runs-as-root: entrypoint drops to nobody\n  #cinch:allow image-not-pinned mirrored base\n# cinch:allow privileged\n# an ordinary comment\n";
        let a = allows(text, &file, &mut d);
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].value.rule, "runs-as-root");
        assert_eq!(a[0].value.reason, "entrypoint drops to nobody");
        assert_eq!(a[0].at.line_no(), 2);
        assert_eq!(a[1].value.reason, "mirrored base");
        assert_eq!(d.errors().count(), 1);
        assert_eq!(d.iter().next().unwrap().line, 4);
    }
}
