//! compose-go's type coercions, so that a value means to cinch what it means to
//! `docker compose`, and a value compose-go cannot convert is an error here too.
//!
//! 1. Casts (compose-go `loader/interpolate.go`, `interpolateTypeCastMapping`): right after
//!    a file is interpolated, a *string* at one of the paths below becomes a boolean, an
//!    integer or a float (`interpolation.recursiveInterpolate` casts every string at those
//!    paths, interpolated or not). `read_only: "true"`, `privileged: ${PRIV}` and
//!    `ports: [{target: "80"}]` are typed values afterwards; `yes`/`no`/`on`/`off`/`y`/`n`
//!    are accepted as booleans with compose-go's warning (go-yaml v3 reads them as strings,
//!    YAML 1.2); anything else at a boolean or number path is an error (`failed to cast to
//!    expected type`). A string that was cast is marked plain, so it is typed everywhere,
//!    as in the JSON compose-go validates against the compose-spec schema.
//! 2. Durations and sizes are kept as written by compose-go until it decodes the project
//!    (`types/duration.go`: `str2duration.ParseDuration`, Go's `time.ParseDuration` plus
//!    `d` and `w`; `types/bytes.go` `UnitBytes`: an integer, or docker/go-units
//!    `RAMInBytes`, `64m`, `1.5GiB`, …); [`durations_and_sizes`] checks them on a merged
//!    service, where compose-go would fail to load the project.
//!
//! compose-go's `transform/` (the canonical long forms of `ports`, `volumes`, `depends_on`,
//! `env_file`, `networks`, …) and `transform/defaults.go` (port protocol `tcp`, secret
//! targets, build context `.`) are syntax, which `ports.rs`, `volumes.rs` and `service.rs`
//! read in every form directly.
//!
//! Hand-written: no crate parses Go durations with `d`/`w` (`humantime` accepts other
//! forms, such as `1min` and spaces) or go-units sizes exactly.

use serde_json::Value as Json;

use crate::diag::Code;
use crate::yaml::json::{Schema, to_json};
use crate::yaml::{Node, Style, Value};

use super::Ctx;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cast {
    Bool,
    Int,
    Float,
}

/// `interpolateTypeCastMapping`, as paths below `services.<name>` (`*`: any map key, `[]`:
/// any list item). `toInt`, `toInt64` are [`Cast::Int`]; `toFloat`, `toFloat32`
/// [`Cast::Float`].
const SERVICE_CASTS: &[(&[&str], Cast)] = &[
    (&["cpu_count"], Cast::Int),
    (&["cpu_percent"], Cast::Float),
    (&["cpu_period"], Cast::Int),
    (&["cpu_quota"], Cast::Int),
    (&["cpu_rt_period"], Cast::Int),
    (&["cpu_rt_runtime"], Cast::Int),
    (&["cpus"], Cast::Float),
    (&["cpu_shares"], Cast::Int),
    (&["init"], Cast::Bool),
    (&["depends_on", "*", "required"], Cast::Bool),
    (&["depends_on", "*", "restart"], Cast::Bool),
    (&["deploy", "replicas"], Cast::Int),
    (&["deploy", "update_config", "parallelism"], Cast::Int),
    (
        &["deploy", "update_config", "max_failure_ratio"],
        Cast::Float,
    ),
    (&["deploy", "rollback_config", "parallelism"], Cast::Int),
    (
        &["deploy", "rollback_config", "max_failure_ratio"],
        Cast::Float,
    ),
    (&["deploy", "restart_policy", "max_attempts"], Cast::Int),
    (&["deploy", "placement", "max_replicas_per_node"], Cast::Int),
    (&["healthcheck", "retries"], Cast::Int),
    (&["healthcheck", "disable"], Cast::Bool),
    (&["oom_kill_disable"], Cast::Bool),
    (&["oom_score_adj"], Cast::Int),
    (&["pids_limit"], Cast::Int),
    (&["ports", "[]", "target"], Cast::Int),
    (&["privileged"], Cast::Bool),
    (&["read_only"], Cast::Bool),
    (&["scale"], Cast::Int),
    (&["stdin_open"], Cast::Bool),
    (&["tty"], Cast::Bool),
    (&["ulimits", "*"], Cast::Int),
    (&["ulimits", "*", "hard"], Cast::Int),
    (&["ulimits", "*", "soft"], Cast::Int),
    (&["volumes", "[]", "read_only"], Cast::Bool),
    (&["volumes", "[]", "volume", "nocopy"], Cast::Bool),
];

/// The same table's top-level entries (`networks.*.external`, …).
const TOP_CASTS: &[(&[&str], Cast)] = &[
    (&["networks", "*", "external"], Cast::Bool),
    (&["networks", "*", "internal"], Cast::Bool),
    (&["networks", "*", "attachable"], Cast::Bool),
    (&["networks", "*", "enable_ipv4"], Cast::Bool),
    (&["networks", "*", "enable_ipv6"], Cast::Bool),
    (&["volumes", "*", "external"], Cast::Bool),
    (&["secrets", "*", "external"], Cast::Bool),
    (&["configs", "*", "external"], Cast::Bool),
];

/// Apply the casts to one interpolated file's root (a file of `ctx`).
pub(crate) fn casts(ctx: &mut Ctx<'_>, root: &mut Node) {
    for (path, cast) in TOP_CASTS {
        walk(ctx, root, path, String::new(), *cast);
    }
    let Value::Map(entries) = &mut root.value else {
        return;
    };
    for (k, services) in entries {
        if k.as_str() != Some("services") {
            continue;
        }
        let Value::Map(services) = &mut services.value else {
            continue;
        };
        for (name, def) in services {
            let base = format!("services.{}", name.as_str().unwrap_or("?"));
            for (path, cast) in SERVICE_CASTS {
                walk(ctx, def, path, base.clone(), *cast);
            }
        }
    }
}

/// Follow `path` from `node` (every branch of a `*` or `[]`) and cast what it reaches.
fn walk(ctx: &mut Ctx<'_>, node: &mut Node, path: &[&str], field: String, cast: Cast) {
    let Some((first, rest)) = path.split_first() else {
        cast_scalar(ctx, node, &field, cast);
        return;
    };
    let join = |key: &str| {
        if field.is_empty() {
            key.to_owned()
        } else {
            format!("{field}.{key}")
        }
    };
    match (&mut node.value, *first) {
        (Value::Seq(items), "[]") => {
            for (i, item) in items.iter_mut().enumerate() {
                walk(ctx, item, rest, format!("{field}[{i}]"), cast);
            }
        }
        (Value::Map(entries), "*") => {
            for (k, v) in entries {
                let f = join(k.as_str().unwrap_or("?"));
                walk(ctx, v, rest, f, cast);
            }
        }
        (Value::Map(entries), key) => {
            if let Some((_, v)) = entries.iter_mut().find(|(k, _)| k.as_str() == Some(key)) {
                walk(ctx, v, rest, join(key), cast);
            }
        }
        _ => {}
    }
}

/// Cast one value, if it is a string to compose-go (quoted, or plain text go-yaml v3 reads
/// as a string, such as `yes`).
fn cast_scalar(ctx: &mut Ctx<'_>, node: &mut Node, field: &str, cast: Cast) {
    let Value::Scalar(s) = &node.value else {
        return;
    };
    if !matches!(to_json(node, Schema::Yaml12).value, Json::String(_)) {
        return;
    }
    let text = s.text.clone();
    let typed = match cast {
        Cast::Bool => to_boolean(&text).map(|(b, warn)| {
            if warn {
                // compose-go logs this and goes on (`toBoolean`).
                ctx.warn(
                    Code::WrongType,
                    node,
                    field,
                    format!(
                        "\"{text}\" for boolean is not supported by YAML 1.2, please use `{b}`"
                    ),
                );
            }
            b.to_string()
        }),
        Cast::Int => to_int(&text).map(|n| n.to_string()),
        Cast::Float => to_float(&text),
    };
    match typed {
        Some(t) => {
            node.tag = None;
            node.value = Value::Scalar(crate::yaml::Scalar {
                text: t,
                style: Style::Plain,
            });
        }
        None => {
            let want = match cast {
                Cast::Bool => "a boolean (true or false)",
                Cast::Int => "an integer",
                Cast::Float => "a number",
            };
            ctx.error(
                Code::WrongType,
                node,
                field,
                format!("`{text}` is not {want}; docker compose fails to cast it too"),
            );
            ctx.cast_failed(node);
        }
    }
}

/// compose-go `toBoolean` (yaml.org/type/bool): `(value, deprecated YAML 1.1 form)`.
fn to_boolean(s: &str) -> Option<(bool, bool)> {
    match s.to_ascii_lowercase().as_str() {
        "true" => Some((true, false)),
        "false" => Some((false, false)),
        "y" | "yes" | "on" => Some((true, true)),
        "n" | "no" | "off" => Some((false, true)),
        _ => None,
    }
}

/// Go's `strconv.Atoi`/`ParseInt(s, 10, 64)`: an optional sign and decimal digits.
fn to_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Go's `strconv.ParseFloat` for the decimal forms, written back as JSON would.
fn to_float(s: &str) -> Option<String> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let decimal = !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && body
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_digit() || b == b'.');
    let f: f64 = s.parse().ok().filter(|_| decimal)?;
    f.is_finite().then(|| f.to_string())
}

/// Paths below a service whose values are Go durations (`types.Duration`).
const DURATIONS: &[&[&str]] = &[
    &["healthcheck", "interval"],
    &["healthcheck", "timeout"],
    &["healthcheck", "start_period"],
    &["healthcheck", "start_interval"],
    &["stop_grace_period"],
    &["deploy", "restart_policy", "delay"],
    &["deploy", "restart_policy", "window"],
    &["deploy", "update_config", "delay"],
    &["deploy", "update_config", "monitor"],
    &["deploy", "rollback_config", "delay"],
    &["deploy", "rollback_config", "monitor"],
];

/// Paths below a service whose values are byte sizes (`types.UnitBytes`).
const SIZES: &[&[&str]] = &[
    &["shm_size"],
    &["mem_limit"],
    &["mem_reservation"],
    &["memswap_limit"],
    &["build", "shm_size"],
    &["deploy", "resources", "limits", "memory"],
    &["deploy", "resources", "reservations", "memory"],
];

/// Check a merged service's durations and sizes as compose-go decodes them.
pub(crate) fn durations_and_sizes(ctx: &mut Ctx<'_>, def: &Node, base: &str) {
    for path in DURATIONS {
        if let Some(v) = get_path(def, path) {
            let field = format!("{base}.{}", path.join("."));
            match v.as_str() {
                Some(s) if duration(s).is_some() => {}
                Some(s) => ctx.error(
                    Code::InvalidValue,
                    v,
                    &field,
                    format!("`{s}` is not a duration (such as 30s, 1m30s, 2h, 1d)"),
                ),
                None => ctx.wrong_type(v, &field, "a duration such as 30s"),
            }
        }
    }
    let mut sizes: Vec<(String, &Node)> = SIZES
        .iter()
        .filter_map(|p| get_path(def, p).map(|v| (format!("{base}.{}", p.join(".")), v)))
        .collect();
    // `volumes[].tmpfs.size` (`ServiceVolumeTmpfs.Size`).
    for (i, v) in def
        .get("volumes")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if let Some(size) = v.get("tmpfs").and_then(|t| t.get("size")) {
            sizes.push((format!("{base}.volumes[{i}].tmpfs.size"), size));
        }
    }
    for (field, v) in sizes {
        match v.as_str() {
            Some(s) if size(s).is_some() => {}
            Some(s) => ctx.error(
                Code::InvalidValue,
                v,
                &field,
                format!("`{s}` is not a size (bytes, or with a unit: 64m, 1g, 512KiB)"),
            ),
            None => ctx.wrong_type(v, &field, "a size such as 64m"),
        }
    }
}

fn get_path<'a>(node: &'a Node, path: &[&str]) -> Option<&'a Node> {
    path.iter()
        .try_fold(node, |n, k| n.get(k))
        .filter(|n| !n.is_null())
}

/// `str2duration.ParseDuration` (Go's `time.ParseDuration` with `d` and `w`), in
/// nanoseconds: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, or `0`.
fn duration(s: &str) -> Option<f64> {
    let (neg, mut rest) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Some(0.0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total = 0.0;
    while !rest.is_empty() {
        let n_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..n_end];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return None;
        }
        rest = &rest[n_end..];
        let u_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = match &rest[..u_end] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "d" => 86400e9,
            "w" => 604_800e9,
            // "" is Go's "missing unit in duration".
            _ => return None,
        };
        rest = &rest[u_end..];
        total += number.parse::<f64>().ok()? * unit;
    }
    Some(if neg { -total } else { total })
}

/// `UnitBytes`: a decimal integer (`strconv.ParseInt`, negative too), else go-units
/// `RAMInBytes`: `^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$`, binary multiples.
fn size(s: &str) -> Option<f64> {
    if let Some(n) = to_int(s) {
        return Some(n as f64);
    }
    let n_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(n_end);
    let value: f64 = number
        .parse()
        .ok()
        .filter(|_| number.starts_with(|c: char| c.is_ascii_digit()) && !number.ends_with('.'))?;
    let unit = unit.strip_prefix(' ').unwrap_or(unit);
    let mut chars = unit.chars().peekable();
    let power = match chars.peek().map(char::to_ascii_lowercase) {
        Some(c @ ('k' | 'm' | 'g' | 't' | 'p')) => {
            chars.next();
            "kmgtp".find(c).map_or(0, |i| i + 1)
        }
        _ => 0,
    };
    if chars.peek().is_some_and(|c| c.eq_ignore_ascii_case(&'i')) {
        chars.next();
    }
    if chars.peek().is_some_and(|c| c.eq_ignore_ascii_case(&'b')) {
        chars.next();
    }
    if chars.next().is_some() {
        return None;
    }
    let exponent = i32::try_from(power * 10).ok()?;
    Some(value * 2f64.powi(exponent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_ints_floats_as_compose_go_casts_them() {
        assert_eq!(to_boolean("TRUE"), Some((true, false)));
        assert_eq!(to_boolean("off"), Some((false, true)));
        assert_eq!(to_boolean("1"), None);
        assert_eq!(to_boolean(""), None);
        assert_eq!(to_int("80"), Some(80));
        assert_eq!(to_int("-1"), Some(-1));
        assert_eq!(to_int("+5"), Some(5));
        assert_eq!(to_int("0x10"), None);
        assert_eq!(to_int("8 0"), None);
        assert_eq!(to_int(""), None);
        assert_eq!(to_float("0.5").as_deref(), Some("0.5"));
        assert_eq!(to_float("2").as_deref(), Some("2"));
        assert_eq!(to_float("1e3").as_deref(), Some("1000"));
        assert_eq!(to_float("half"), None);
        assert_eq!(to_float("inf"), None);
    }

    #[test]
    fn durations_as_str2duration_reads_them() {
        assert_eq!(duration("10s"), Some(10e9));
        assert_eq!(duration("1m30s"), Some(90e9));
        assert_eq!(duration("1.5h"), Some(5400e9));
        assert_eq!(duration("2d"), Some(172_800e9));
        assert_eq!(duration("1w"), Some(604_800e9));
        assert_eq!(duration("500ms"), Some(500e6));
        assert_eq!(duration("0"), Some(0.0));
        assert_eq!(duration("-5s"), Some(-5e9));
        for bad in ["30", "", "s", "1x", "1m 30s", "1..5s", "1min"] {
            assert_eq!(duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn sizes_as_go_units_reads_them() {
        assert_eq!(size("1024"), Some(1024.0));
        assert_eq!(size("-1"), Some(-1.0));
        assert_eq!(size("64m"), Some(64.0 * 1024.0 * 1024.0));
        assert_eq!(size("1gb"), Some(1024f64.powi(3)));
        assert_eq!(size("1.5GiB"), Some(1.5 * 1024f64.powi(3)));
        assert_eq!(size("512 k"), Some(512.0 * 1024.0));
        assert_eq!(size("100b"), Some(100.0));
        for bad in ["64x", "", "m", "1.m", "1mbb", "-64m", "1 2"] {
            assert_eq!(size(bad), None, "{bad}");
        }
    }
}
