use super::*;

#[test]
fn evidence_names_the_busiest_executable() {
    let mut o = Observed::default();
    o.add(Some("/usr/bin/a"), How::WorkloadFlag, 7);
    o.add(Some("/usr/bin/b"), How::WorkloadFlag, 8);
    o.add(Some("/usr/bin/b"), How::WorkloadFlag, 9);
    assert_eq!(o.evidence("call"), "3 calls by /usr/bin/b and others");
    assert_eq!(o.first_line, 7);
    let mut one = Observed::default();
    one.add(None, How::Profile, 1);
    assert_eq!(one.evidence("record"), "1 record by ?");
}

#[test]
fn judgements() {
    assert_eq!(judge_call("fstatfs", true), Judgement::AlreadyAllowed);
    assert_eq!(
        judge_call("mount", false),
        Judgement::NeedsCapability {
            capability: "CAP_SYS_ADMIN".into()
        }
    );
    assert!(matches!(
        judge_call("userfaultfd", false),
        Judgement::Review { .. }
    ));
    assert!(matches!(
        judge_call("keyctl", false),
        Judgement::Review { .. }
    ));
    // io_uring is opt-in intent, not an escalation.
    assert!(matches!(
        judge_call("io_uring_setup", false),
        Judgement::Declare { .. }
    ));
    assert_eq!(
        judge_call("statfs", false),
        Judgement::Declare {
            group: Group::FilesRead.what().into()
        }
    );
}

#[test]
fn apparmor_records_become_path_intent() {
    let (j, p) = judge_access(Some("/var/backups/db.dump"), "wc", None);
    assert_eq!(
        j,
        Judgement::Declare {
            group: "write below /var/backups".into()
        }
    );
    assert_eq!(
        p,
        Some(PathIntent {
            access: PathAccess::Write,
            path: "/var/backups".into()
        })
    );
    let (_, p) = judge_access(Some("/etc/app.conf"), "r", None);
    assert_eq!(
        p.map(|p| (p.access, p.path)),
        Some((PathAccess::Read, "/etc/app.conf".into()))
    );
    let (j, p) = judge_access(Some("/proc/sys/vm/drop_caches"), "w", None);
    assert!(matches!(j, Judgement::Review { .. }) && p.is_none());
    let (_, p) = judge_access(Some("/dev/mqueue/q"), "wc", None);
    assert_eq!(p.map(|p| p.path), Some("/dev/mqueue".into()));
    let (j, _) = judge_access(None, "", Some("sys_admin"));
    assert_eq!(
        j,
        Judgement::NeedsCapability {
            capability: "CAP_SYS_ADMIN".into()
        }
    );
    let (j, p) = judge_access(Some("/x"), "w", None);
    assert!(
        matches!(j, Judgement::Review { .. }) && p.is_none(),
        "the root itself"
    );
}
