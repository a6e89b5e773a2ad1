//! Image references and the well-known runtime an image name points at.

use std::fmt;

use serde::Serialize;

/// `registry/repository:tag@digest`, split the way Docker's reference grammar does
/// (distribution/reference): the first component is a registry when it has a `.` or `:`
/// or is `localhost`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ImageRef {
    /// As written (after interpolation).
    pub raw: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry: Option<String>,
    pub repository: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

impl ImageRef {
    /// Split an image reference. Never fails: odd references (unexpanded `${VAR}`) keep
    /// their text as the repository.
    pub fn parse(raw: &str) -> ImageRef {
        let raw_trimmed = raw.trim();
        let (rest, digest) = match raw_trimmed.split_once('@') {
            Some((r, d)) => (r, Some(d.to_owned())),
            None => (raw_trimmed, None),
        };
        // A tag is after the last ':' that follows the last '/' (a registry port has a '/' after it).
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (
                &rest[..last_slash + i],
                Some(rest[last_slash + i + 1..].to_owned()),
            ),
            None => (rest, None),
        };
        let (registry, repository) = match name.split_once('/') {
            Some((first, remainder))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (Some(first.to_owned()), remainder.to_owned())
            }
            _ => (None, name.to_owned()),
        };
        ImageRef {
            raw: raw_trimmed.to_owned(),
            registry,
            repository,
            tag,
            digest,
        }
    }

    /// The last path component of the repository: `library/nginx` → `nginx`.
    pub fn short_name(&self) -> &str {
        self.repository
            .rsplit('/')
            .next()
            .unwrap_or(&self.repository)
    }

    /// Pinned = a digest, or a tag that is not `latest`.
    pub fn is_pinned(&self) -> bool {
        self.digest.is_some() || self.tag.as_deref().is_some_and(|t| t != "latest")
    }

    /// `scratch` is not an image but an empty base.
    pub fn is_scratch(&self) -> bool {
        self.repository == "scratch" && self.registry.is_none()
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// Software whose behaviour is well known, so a measured syscall set can narrow the
/// generic groups (the seed's "containers are predictable").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Runtime {
    Nginx,
    Redis,
    Postgres,
    Python,
    Node,
    Jvm,
    /// A static Go binary (distroless/static, scratch with one binary).
    Go,
    /// busybox/alpine: a shell and coreutils.
    Shell,
}

impl Runtime {
    pub const ALL: &'static [Runtime] = &[
        Runtime::Nginx,
        Runtime::Redis,
        Runtime::Postgres,
        Runtime::Python,
        Runtime::Node,
        Runtime::Jvm,
        Runtime::Go,
        Runtime::Shell,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Runtime::Nginx => "nginx",
            Runtime::Redis => "redis",
            Runtime::Postgres => "postgres",
            Runtime::Python => "python",
            Runtime::Node => "node",
            Runtime::Jvm => "jvm",
            Runtime::Go => "go",
            Runtime::Shell => "shell",
        }
    }

    pub fn from_name(s: &str) -> Option<Runtime> {
        Runtime::ALL
            .iter()
            .copied()
            .find(|r| r.name() == s.trim().to_ascii_lowercase())
    }

    /// The runtime an image's repository name names, if it is one we know. Only official
    /// or widely used image names count; a guess from a random name would narrow a profile
    /// wrongly, so unknown names give `None` and the generic groups.
    pub fn from_image(image: &ImageRef) -> Option<Runtime> {
        let name = image.short_name();
        let exact = |names: &[&str]| names.contains(&name);
        if exact(&["nginx", "nginx-unprivileged", "openresty"]) {
            Some(Runtime::Nginx)
        } else if exact(&["redis", "valkey", "redis-stack-server"]) {
            Some(Runtime::Redis)
        } else if exact(&["postgres", "postgresql", "postgis"]) {
            Some(Runtime::Postgres)
        } else if exact(&["python", "pypy"]) {
            Some(Runtime::Python)
        } else if exact(&["node"]) {
            Some(Runtime::Node)
        } else if exact(&[
            "openjdk",
            "eclipse-temurin",
            "amazoncorretto",
            "ibm-semeru-runtimes",
            "sapmachine",
            "tomcat",
            "jetty",
        ]) || name.starts_with("java")
        {
            Some(Runtime::Jvm)
        } else if exact(&[
            "static",
            "static-debian11",
            "static-debian12",
            "base-debian12",
        ]) && image.repository.starts_with("distroless/")
        {
            Some(Runtime::Go)
        } else if exact(&["busybox", "alpine"]) {
            Some(Runtime::Shell)
        } else {
            None
        }
    }
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_references() {
        let r = ImageRef::parse("localhost:5000/team/api:1.2@sha256:abc");
        assert_eq!(r.registry.as_deref(), Some("localhost:5000"));
        assert_eq!(r.repository, "team/api");
        assert_eq!(r.tag.as_deref(), Some("1.2"));
        assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
        let r = ImageRef::parse("nginx");
        assert_eq!((r.repository.as_str(), r.tag.as_deref()), ("nginx", None));
        assert!(!r.is_pinned());
        assert!(!ImageRef::parse("nginx:latest").is_pinned());
        assert!(ImageRef::parse("nginx:1.27").is_pinned());
        let r = ImageRef::parse("gcr.io/distroless/static:nonroot");
        assert_eq!(Runtime::from_image(&r), Some(Runtime::Go));
    }

    #[test]
    fn runtimes_from_official_names_only() {
        let rt = |s: &str| Runtime::from_image(&ImageRef::parse(s));
        assert_eq!(rt("redis:7-alpine"), Some(Runtime::Redis));
        assert_eq!(rt("docker.io/library/postgres:16"), Some(Runtime::Postgres));
        assert_eq!(rt("eclipse-temurin:21-jre"), Some(Runtime::Jvm));
        assert_eq!(rt("mycompany/nginx-config-builder"), None);
    }
}
