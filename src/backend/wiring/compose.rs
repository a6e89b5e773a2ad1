//! A Compose service wired to its profiles: `security_opt` gets `seccomp=<path>` and
//! `apparmor=<name>`, replacing the service's own entries of those kinds and keeping the
//! others (`no-new-privileges`, `label=…`) in place.
//!
//! Entries are `key=value` or the older `key:value` (docker/cli `parseSecurityOpts` accepts
//! both); an entry whose kind cannot be told (an unexpanded `${VAR}`) is kept.

use serde_json::{Map, Value as Json};

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
