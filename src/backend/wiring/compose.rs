//! A Compose service wired to its profiles: `security_opt` gets `seccomp=<path>` and
//! `apparmor=<name>`, replacing the service's own entries of those kinds and keeping the
//! others (`no-new-privileges`, `label=…`) in place.
//!
//! Entries are `key=value` or the older `key:value` (docker/cli `parseSecurityOpts` accepts
//! both); an entry whose kind cannot be told (an unexpanded `${VAR}`) is kept.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value as Json};

use crate::input::normalize;

use super::Profiles;

/// Patch one service definition (the value at `services.<name>`).
pub(crate) fn patch(service: &mut Json, profiles: &Profiles) {
    if !service.is_object() {
        // `web:` with nothing under it is a service with every default.
        *service = Json::Object(Map::new());
    }
    let Some(map) = service.as_object_mut() else {
        return;
    };
    let existing = match map.remove("security_opt") {
        Some(Json::Array(items)) => items,
        // A single string (not valid Compose, but readers accept it) becomes a list.
        Some(Json::String(s)) => vec![Json::String(s)],
        _ => Vec::new(),
    };
    let mut opts: Vec<Json> = existing
        .into_iter()
        .filter(|o| {
            let kind = o.as_str().map(opt_kind);
            !(kind == Some("seccomp") && profiles.seccomp.is_some()
                || kind == Some("apparmor") && profiles.apparmor.is_some())
        })
        .collect();
    if let Some(path) = &profiles.seccomp {
        opts.push(Json::String(format!("seccomp={path}")));
    }
    if let Some(name) = &profiles.apparmor {
        opts.push(Json::String(format!("apparmor={name}")));
    }
    map.insert("security_opt".into(), Json::Array(opts));
}

/// Point a wired Compose file's `include:` entries at the wired copies of the files they
/// include (`wired`: input file → its path under `wired/`), so compose reads the services
/// with their profiles. `tree_from_project`: the output tree seen from the original project
/// directory (paths resolve there, see `mod.rs`); then the included application keeps its
/// original directory as `project_directory`, so its own relative paths and `.env` still
/// resolve as before. Without it, paths are relative to the wired file. An entry naming a
/// file that has no copy, or written with `${VAR}`, is left as it is.
pub(crate) fn include_copies(
    doc: &mut Json,
    file: &str,
    rel: &str,
    wired: &BTreeMap<&str, &str>,
    tree_from_project: Option<&str>,
) {
    let Some(entries) = doc.get_mut("include").and_then(Json::as_array_mut) else {
        return;
    };
    let dir = Path::new(file).parent().unwrap_or(Path::new(""));
    for entry in entries {
        let mut map = match entry {
            Json::String(p) => Map::from_iter([("path".to_owned(), Json::String(p.clone()))]),
            Json::Object(m) => m.clone(),
            _ => continue,
        };
        let (paths, listed) = match map.get("path") {
            Some(Json::String(p)) => (vec![p.clone()], false),
            Some(Json::Array(items)) => (
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_owned))
                    .collect(),
                true,
            ),
            _ => continue,
        };
        let mut changed = false;
        let mut new_paths = Vec::with_capacity(paths.len());
        for (i, p) in paths.iter().enumerate() {
            let target = normalize(&dir.join(p));
            let Some(copy) = wired.get(target.as_str()) else {
                new_paths.push(Json::String(p.clone()));
                continue;
            };
            changed = true;
            let new = match tree_from_project {
                Some(up) => format!("{up}{}/{copy}", super::DIR),
                None => relative(Path::new(rel).parent().unwrap_or(Path::new("")), copy),
            };
            new_paths.push(Json::String(new));
            if i == 0 && tree_from_project.is_some() && !map.contains_key("project_directory") {
                let original = Path::new(p).parent().map(normalize).unwrap_or_default();
                let original = if original.is_empty() {
                    ".".to_owned()
                } else {
                    original
                };
                map.insert("project_directory".into(), Json::String(original));
            }
        }
        if !changed {
            continue;
        }
        let path = if listed {
            Json::Array(new_paths)
        } else {
            new_paths.swap_remove(0)
        };
        map.insert("path".into(), path);
        *entry = Json::Object(map);
    }
}

/// `to` (a path under the same root) as seen from directory `from`.
fn relative(from: &Path, to: &str) -> String {
    let from: Vec<_> = from.components().collect();
    let to_path = Path::new(to);
    let to_parts: Vec<_> = to_path.components().collect();
    let common = from
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = "../".repeat(from.len() - common);
    let rest: Vec<String> = to_parts[common..]
        .iter()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    out.push_str(&rest.join("/"));
    out
}

/// `seccomp` of `seccomp=x` or `seccomp:x`; the whole entry when it has neither separator.
fn opt_kind(opt: &str) -> &str {
    let end = opt.find(['=', ':']).unwrap_or(opt.len());
    opt[..end].trim()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn both() -> Profiles {
        Profiles {
            seccomp: Some("../seccomp/p.web.web.json".into()),
            apparmor: Some("cinch.p.web.web".into()),
        }
    }

    #[test]
    fn replaces_profiles_and_keeps_other_options() {
        let mut svc = json!({"image": "nginx", "security_opt": [
            "no-new-privileges:true", "seccomp=unconfined", "apparmor:docker-default", "label=type:x", "${EXTRA}"
        ]});
        patch(&mut svc, &both());
        assert_eq!(
            svc["security_opt"],
            json!([
                "no-new-privileges:true",
                "label=type:x",
                "${EXTRA}",
                "seccomp=../seccomp/p.web.web.json",
                "apparmor=cinch.p.web.web"
            ])
        );
        assert_eq!(svc["image"], "nginx");
    }

    #[test]
    fn only_the_kinds_wired_are_replaced() {
        let mut svc = json!({"security_opt": ["seccomp=custom.json"]});
        let apparmor_only = Profiles {
            seccomp: None,
            apparmor: Some("cinch.x".into()),
        };
        patch(&mut svc, &apparmor_only);
        assert_eq!(
            svc["security_opt"],
            json!(["seccomp=custom.json", "apparmor=cinch.x"])
        );
    }

    #[test]
    fn an_empty_service_gets_a_map() {
        let mut svc = Json::Null;
        patch(&mut svc, &both());
        assert_eq!(
            svc,
            json!({"security_opt": ["seccomp=../seccomp/p.web.web.json", "apparmor=cinch.p.web.web"]})
        );
    }
}

#[cfg(test)]
mod include_tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Json {
        json!({
            "include": [
                "db/compose.yaml",
                {"path": ["cache/compose.yaml", "cache/override.yaml"], "env_file": "cache/.env"},
                {"path": "../shared/compose.yaml", "project_directory": "../shared"},
                "${EXTRA}/compose.yaml",
                "not-an-input.yaml"
            ],
            "services": {}
        })
    }

    fn wired() -> BTreeMap<&'static str, &'static str> {
        BTreeMap::from([
            ("app/db/compose.yaml", "app/db/compose.yaml"),
            ("app/cache/compose.yaml", "app/cache/compose.yaml"),
            ("app/cache/override.yaml", "app/cache/override.yaml"),
            ("shared/compose.yaml", "shared/compose.yaml"),
        ])
    }

    /// From the original project directory: the copies under the tree, and each included
    /// application keeps its original directory.
    #[test]
    fn includes_name_the_copies_from_the_project_directory() {
        let mut d = doc();
        include_copies(
            &mut d,
            "app/compose.yaml",
            "app/compose.yaml",
            &wired(),
            Some("../profiles/"),
        );
        assert_eq!(
            d["include"],
            json!([
                {"path": "../profiles/wired/app/db/compose.yaml", "project_directory": "db"},
                {
                    "path": ["../profiles/wired/app/cache/compose.yaml", "../profiles/wired/app/cache/override.yaml"],
                    "env_file": "cache/.env",
                    "project_directory": "cache"
                },
                {"path": "../profiles/wired/shared/compose.yaml", "project_directory": "../shared"},
                "${EXTRA}/compose.yaml",
                "not-an-input.yaml"
            ])
        );
    }

    /// Without a known project directory: relative to the wired file, which mirrors the
    /// inputs' layout.
    #[test]
    fn includes_name_the_copies_from_the_wired_file() {
        let mut d = doc();
        include_copies(
            &mut d,
            "app/compose.yaml",
            "app/compose.yaml",
            &wired(),
            None,
        );
        assert_eq!(
            d["include"],
            json!([
                {"path": "db/compose.yaml"},
                {"path": ["cache/compose.yaml", "cache/override.yaml"], "env_file": "cache/.env"},
                {"path": "../shared/compose.yaml", "project_directory": "../shared"},
                "${EXTRA}/compose.yaml",
                "not-an-input.yaml"
            ])
        );
    }
}
