//! The user a container runs as: `USER`, Compose `user:`, Kubernetes `runAsUser/runAsGroup`.

use serde::Serialize;

/// Largest valid uid/gid: 2^32 − 2 (`(uid_t)-1` means "no change" to the kernel).
pub const MAX_ID: u64 = 4_294_967_294;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct User {
    /// As written: `1000:1000`, `nginx`, `postgres:postgres`.
    pub spec: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

impl User {
    /// Parse `user[:group]` where each part is a name or a numeric id.
    pub fn parse(spec: &str) -> Result<User, String> {
        let spec = spec.trim();
        if spec.is_empty() {
            return Err("empty user".into());
        }
        let (user, group) = match spec.split_once(':') {
            Some((u, g)) => (u, Some(g)),
            None => (spec, None),
        };
        let (uid, name) = id_or_name(user, "uid")?;
        let (gid, group) = match group {
            Some(g) => id_or_name(g, "gid")?,
            None => (None, None),
        };
        Ok(User {
            spec: spec.to_owned(),
            uid,
            gid,
            name,
            group,
        })
    }

    /// From numeric ids (Kubernetes `runAsUser`/`runAsGroup`).
    pub fn from_ids(uid: Option<i64>, gid: Option<i64>) -> Result<User, String> {
        let check = |v: i64, what: &str| -> Result<u32, String> {
            u32::try_from(v)
                .ok()
                .filter(|v| u64::from(*v) <= MAX_ID)
                .ok_or_else(|| format!("{what} {v} is out of range (0-{MAX_ID})"))
        };
        let uid = uid.map(|u| check(u, "uid")).transpose()?;
        let gid = gid.map(|g| check(g, "gid")).transpose()?;
        let spec = match (uid, gid) {
            (Some(u), Some(g)) => format!("{u}:{g}"),
            (Some(u), None) => u.to_string(),
            (None, Some(g)) => format!(":{g}"),
            (None, None) => String::new(),
        };
        Ok(User {
            spec,
            uid,
            gid,
            name: None,
            group: None,
        })
    }

    /// `Some(true)` for uid 0 or `root`, `Some(false)` for another uid; `None` for a
    /// name other than root (its uid is only known inside the image).
    pub fn is_root(&self) -> Option<bool> {
        match (self.uid, self.name.as_deref()) {
            (Some(uid), _) => Some(uid == 0),
            (None, Some("root")) => Some(true),
            (None, Some(_)) => None,
            (None, None) => None,
        }
    }
}

fn id_or_name(s: &str, what: &str) -> Result<(Option<u32>, Option<String>), String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok((None, None));
    }
    if let Some(digits) = s.strip_prefix('-')
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(format!("{what} {s} is negative"));
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return match s.parse::<u64>() {
            Ok(v) if v <= MAX_ID => Ok((Some(v as u32), None)),
            _ => Err(format!("{what} {s} is out of range (0-{MAX_ID})")),
        };
    }
    Ok((None, Some(s.to_owned())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ids_and_names() {
        let u = User::parse("1000:1000").unwrap();
        assert_eq!((u.uid, u.gid), (Some(1000), Some(1000)));
        assert_eq!(u.is_root(), Some(false));
        let u = User::parse("postgres").unwrap();
        assert_eq!(u.name.as_deref(), Some("postgres"));
        assert_eq!(u.is_root(), None);
        assert_eq!(User::parse("root:0").unwrap().is_root(), Some(true));
        assert!(User::parse("-1").is_err());
        assert!(User::parse("99999999999").is_err());
        assert!(User::from_ids(Some(-5), None).is_err());
        assert_eq!(
            User::from_ids(Some(0), Some(0)).unwrap().is_root(),
            Some(true)
        );
    }
}
