//! `volumes`, `tmpfs`, `secrets`, `configs`, `devices` → mounts and devices.
//!
//! Short volume syntax (`[source:]target[:mode]`): a source starting with `/`, `.` or `~`
//! is a bind mount, anything else a named volume; no source is an anonymous volume. Modes:
//! `ro`/`rw` and the SELinux/consistency flags (`z`, `Z`, `cached`, …), comma-separated;
//! an unknown one is warned about and skipped, as compose-go skips it.
//! Secrets mount read-only at `/run/secrets/<name>`, configs at `/<name>` (compose-spec).

use crate::diag::Code;
use crate::intent::{Device, Fact, Mount, MountKind};
use crate::yaml::Node;

use super::Ctx;

const MODES: &[&str] = &[
    "ro",
    "rw",
    "z",
    "Z",
    "cached",
    "delegated",
    "consistent",
    "nocopy",
    "shared",
    "slave",
    "private",
    "rshared",
    "rslave",
    "rprivate",
];

fn is_path(source: &str) -> bool {
    source.starts_with('/')
        || source.starts_with('.')
        || source.starts_with('~')
        || source.contains('\\')
}

pub fn volumes(ctx: &mut Ctx<'_>, node: &Node, field: &str) -> Vec<Mount> {
    let Some(items) = node.as_seq() else {
        ctx.wrong_type(node, field, "a list of volumes");
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let f = format!("{field}[{i}]");
        let at = ctx.at(item, &f);
        if item.as_map().is_some() {
            match long_volume(item) {
                Ok((target, source, kind, read_only)) => out.push(Mount {
                    target,
                    source,
                    kind,
                    read_only,
                    at,
                }),
                Err(m) => ctx.error(Code::InvalidValue, item, &f, m),
            }
            continue;
        }
        let Some(text) = item.as_str() else {
            ctx.wrong_type(item, &f, "a volume string or map");
            continue;
        };
        // Windows drive letters (`C:\x:/y`) have a colon of their own; keep it with the source.
        let parts: Vec<&str> = text.split(':').collect();
        let parts: Vec<String> =
            if parts.len() >= 3 && parts[0].len() == 1 && parts[1].starts_with('\\') {
                std::iter::once(format!("{}:{}", parts[0], parts[1]))
                    .chain(parts[2..].iter().map(|s| (*s).to_owned()))
                    .collect()
            } else {
                parts.iter().map(|s| (*s).to_owned()).collect()
            };
        let (source, target, mode) = match parts.as_slice() {
            [t] => (None, t.clone(), String::new()),
            [s, t]
                if !t.starts_with('/') && MODES.iter().any(|m| t.split(',').all(|x| x == *m)) =>
            {
                (None, s.clone(), t.clone())
            }
            [s, t] => (Some(s.clone()), t.clone(), String::new()),
            [s, t, m] => (Some(s.clone()), t.clone(), m.clone()),
            _ => {
                ctx.error(
                    Code::InvalidValue,
                    item,
                    &f,
                    format!("`{text}` is not `[source:]target[:mode]`"),
                );
                continue;
            }
        };
        if !target.starts_with('/') && !target.contains('\\') {
            ctx.error(
                Code::InvalidValue,
                item,
                &f,
                format!("mount target `{target}` is not an absolute path"),
            );
            continue;
        }
        // compose-go (format/volume.go populateFieldFromBuffer) skips an option it does not
        // know, so the file loads and the mount is what the known options make it: warned,
        // not refused (zabbix-docker's `:roz` is a read-write mount to Compose).
        for bad in mode
            .split(',')
            .filter(|m| !m.is_empty() && !MODES.contains(m))
        {
            let hint = split_modes(bad)
                .map(|(a, b)| format!("; did you mean `{a},{b}`?"))
                .unwrap_or_default();
            ctx.warn(
                Code::InvalidValue,
                item,
                &f,
                format!("unknown volume option `{bad}` is ignored, as Compose ignores it{hint}"),
            );
        }
        let kind = match &source {
            Some(s) if is_path(s) => MountKind::Bind,
            _ => MountKind::Volume,
        };
        out.push(Mount {
            target,
            source,
            kind,
            read_only: read_only(&mode),
            at,
        });
    }
    out
}

/// The last of `ro`/`rw` wins, as in compose-go; neither is read-write.
fn read_only(mode: &str) -> bool {
    mode.split(',').rfind(|m| *m == "ro" || *m == "rw") == Some("ro")
}

/// `roz` → (`ro`, `z`): an option that is two known ones with the comma left out.
fn split_modes(option: &str) -> Option<(&str, &str)> {
    (1..option.len())
        .filter(|&i| option.is_char_boundary(i))
        .map(|i| option.split_at(i))
        .find(|(a, b)| MODES.contains(a) && MODES.contains(b))
}

fn long_volume(item: &Node) -> Result<(String, Option<String>, MountKind, bool), String> {
    let target = item
        .get("target")
        .and_then(Node::as_str)
        .ok_or("long syntax needs `target`")?
        .to_owned();
    let source = item.get("source").and_then(Node::as_str).map(str::to_owned);
    let kind = match item.get("type").and_then(Node::as_str).unwrap_or("volume") {
        "volume" => MountKind::Volume,
        "bind" => MountKind::Bind,
        "tmpfs" => MountKind::Tmpfs,
        "npipe" | "cluster" | "image" => MountKind::Other,
        other => return Err(format!("unknown volume type `{other}`")),
    };
    let read_only = match item.get("read_only") {
        Some(n) => n
            .as_bool_lenient()
            .ok_or_else(|| format!("`read_only` must be a boolean, found {}", n.kind()))?,
        None => false,
    };
    Ok((target, source, kind, read_only))
}

/// `tmpfs: /run` or `tmpfs: [/run, "/tmp:size=64m"]`.
pub fn tmpfs(ctx: &mut Ctx<'_>, node: &Node, field: &str) -> Vec<Mount> {
    let items: Vec<(Node, String)> = match (node.as_str(), node.as_seq()) {
        (Some(_), _) => vec![(node.clone(), field.to_owned())],
        (_, Some(items)) => items
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), format!("{field}[{i}]")))
            .collect(),
        _ => {
            ctx.wrong_type(node, field, "a path or a list of paths");
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (item, f) in items {
        let Some(text) = item.as_str() else {
            ctx.wrong_type(&item, &f, "a path");
            continue;
        };
        let target = text.split(':').next().unwrap_or("").to_owned();
        if !target.starts_with('/') {
            ctx.error(
                Code::InvalidValue,
                &item,
                &f,
                format!("tmpfs target `{target}` is not an absolute path"),
            );
            continue;
        }
        let read_only = text
            .split(':')
            .nth(1)
            .is_some_and(|o| o.split(',').any(|x| x == "ro"));
        out.push(Mount {
            target,
            source: None,
            kind: MountKind::Tmpfs,
            read_only,
            at: ctx.at(&item, &f),
        });
    }
    out
}

/// `secrets:` / `configs:` (short: a name; long: `{source, target, …}`).
pub fn files(ctx: &mut Ctx<'_>, node: &Node, field: &str, kind: MountKind) -> Vec<Mount> {
    let Some(items) = node.as_seq() else {
        ctx.wrong_type(node, field, "a list");
        return Vec::new();
    };
    let default_dir = if kind == MountKind::Secret {
        "/run/secrets/"
    } else {
        "/"
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let f = format!("{field}[{i}]");
        let (source, target) = match (item.as_str(), item.get("source").and_then(Node::as_str)) {
            (Some(name), _) => (name.to_owned(), None),
            (None, Some(source)) => (
                source.to_owned(),
                item.get("target").and_then(Node::as_str).map(str::to_owned),
            ),
            _ => {
                ctx.wrong_type(item, &f, "a name or {source, target}");
                continue;
            }
        };
        let target = match target {
            Some(t) if t.starts_with('/') => t,
            Some(t) => format!("{default_dir}{t}"),
            None => format!("{default_dir}{source}"),
        };
        out.push(Mount {
            target,
            source: Some(source),
            kind,
            read_only: true,
            at: ctx.at(item, &f),
        });
    }
    out
}

/// `devices: ["/dev/ttyUSB0:/dev/ttyUSB0:rwm"]`, long form `{source, target, permissions}`,
/// and CDI names (`vendor.com/class=name`).
pub fn devices(ctx: &mut Ctx<'_>, node: &Node, field: &str) -> Vec<Fact<Device>> {
    let Some(items) = node.as_seq() else {
        ctx.wrong_type(node, field, "a list of devices");
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let f = format!("{field}[{i}]");
        let device = if let Some(text) = item.as_str() {
            let parts: Vec<&str> = text.split(':').collect();
            match parts.as_slice() {
                [h] => Device {
                    host: (*h).to_owned(),
                    container: (*h).to_owned(),
                    permissions: String::new(),
                },
                [h, c] => Device {
                    host: (*h).to_owned(),
                    container: (*c).to_owned(),
                    permissions: String::new(),
                },
                [h, c, p] => Device {
                    host: (*h).to_owned(),
                    container: (*c).to_owned(),
                    permissions: (*p).to_owned(),
                },
                _ => {
                    ctx.error(
                        Code::InvalidValue,
                        item,
                        &f,
                        format!("`{text}` is not host[:container[:permissions]]"),
                    );
                    continue;
                }
            }
        } else if let Some(source) = item.get("source").and_then(Node::as_str) {
            Device {
                host: source.to_owned(),
                container: item
                    .get("target")
                    .and_then(Node::as_str)
                    .unwrap_or(source)
                    .to_owned(),
                permissions: item
                    .get("permissions")
                    .and_then(Node::as_str)
                    .unwrap_or("")
                    .to_owned(),
            }
        } else {
            ctx.wrong_type(item, &f, "a device string or {source, target}");
            continue;
        };
        if device
            .permissions
            .chars()
            .any(|c| !matches!(c, 'r' | 'w' | 'm'))
        {
            ctx.error(
                Code::InvalidValue,
                item,
                &f,
                format!(
                    "device permissions `{}` must be of r, w, m",
                    device.permissions
                ),
            );
            continue;
        }
        out.push(Fact::new(device, ctx.at(item, &f)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_of_ro_and_rw_wins() {
        assert!(read_only("ro"));
        assert!(read_only("z,ro"));
        assert!(read_only("rw,ro"));
        assert!(!read_only("ro,rw"));
        assert!(!read_only("roz"));
        assert!(!read_only(""));
    }

    #[test]
    fn a_missing_comma_is_suggested() {
        assert_eq!(split_modes("roz"), Some(("ro", "z")));
        assert_eq!(split_modes("rwZ"), Some(("rw", "Z")));
        assert_eq!(split_modes("bogus"), None);
    }
}
