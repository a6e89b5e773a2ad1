use super::*;

fn read_str(s: &str) -> AuditLog {
    read(&mut s.as_bytes()).unwrap()
}

#[test]
fn three_formats_read_alike() {
    let log = read_str(concat!(
        "[ 12.345678] audit: type=1326 audit(1733277600.123:456): auid=4294967295 uid=0 gid=0 ses=4294967295 subj=unconfined pid=1234 comm=\"sh\" exe=\"/usr/bin/dash\" sig=0 arch=c000003e syscall=138 compat=0 ip=0x7f00 code=0x7ffc0000\n",
        "Dec 04 01:02:03 host kernel: audit: type=1326 audit(1733277600.123:457): pid=1234 comm=\"sh\" exe=\"/usr/bin/dash\" sig=0 arch=c000003e syscall=138 compat=0 ip=0x7f00 code=0x7ffc0000\n",
        "type=SECCOMP msg=audit(1733277600.123:458): pid=1234 comm=\"sh\" exe=\"/usr/bin/dash\" sig=0 arch=c000003e syscall=138 compat=0 ip=0x7f00 code=0x7ffc0000\n",
        "----\n",
        "type=SECCOMP msg=audit(12/04/2026 01:02:03.123:459) : auid=unset pid=1234 comm=sh exe=/usr/bin/dash sig=0 arch=x86_64 syscall=fstatfs compat=0 ip=0x7f00 code=log\n",
    ));
    assert_eq!(log.records.len(), 4, "{log:?}");
    for r in &log.records {
        let Record::Seccomp(s) = r else { panic!() };
        assert_eq!(
            (s.syscall, s.exe.as_deref()),
            ("fstatfs", Some("/usr/bin/dash"))
        );
        assert_eq!((s.action, s.pid), (SeccompAction::Log, Some(1234)));
    }
    assert_eq!(log.noise, 1);
}

#[test]
fn apparmor_records() {
    let log = read_str(concat!(
        "type=AVC msg=audit(1.2:3): apparmor=\"ALLOWED\" operation=\"mknod\" profile=\"cinch.shop.job.main\" name=\"/var/cache/x\" pid=9 comm=\"sh\" requested_mask=\"c\" denied_mask=\"c\" fsuid=0 ouid=0\n",
        "[ 1.0] audit: type=1400 audit(1.2:4): apparmor=\"STATUS\" operation=\"profile_load\" profile=\"unconfined\" name=\"cinch.x\"\n",
        "type=AVC msg=audit(12/04/2026 01:02:03.123:5) : apparmor=DENIED operation=capable profile=cinch.a.b pid=3 comm=x capability=12 capname=net_admin\n",
    ));
    assert_eq!(log.records.len(), 2);
    assert_eq!(log.ignored_apparmor, 1);
    let Record::AppArmor(a) = &log.records[0] else {
        panic!()
    };
    assert_eq!(
        (a.verdict, a.name.as_deref(), a.mask.as_deref()),
        (Verdict::Allowed, Some("/var/cache/x"), Some("c"))
    );
    let Record::AppArmor(b) = &log.records[1] else {
        panic!()
    };
    assert_eq!(
        (b.verdict, b.capability.as_deref()),
        (Verdict::Denied, Some("net_admin"))
    );
}

#[test]
fn bad_lines_become_problems() {
    let log = read_str(concat!(
        "audit: type=1326 audit(1.2:3): pid=1 comm=\"sh\" exe=\"/usr/bi\n",
        "audit: type=1326 audit(1.2:3): pid=1 comm=\"sh\" exe=\"/bin/sh\" arch=c0000015 syscall=1\n",
        "audit: type=1326 audit(1.2:3): pid=1 exe=\"/bin/sh\" arch=c000003e syscall=4000\n",
    ));
    let kinds: Vec<ProblemKind> = log.problems.iter().map(|p| p.kind).collect();
    assert_eq!(
        kinds,
        [
            ProblemKind::Truncated,
            ProblemKind::OtherArch,
            ProblemKind::UnknownSyscall
        ]
    );
    assert!(log.records.is_empty());
}

#[test]
fn overlong_lines_are_bounded() {
    let mut s = "x".repeat(MAX_LINE * 3);
    s.push_str("\naudit: type=1326 audit(1.2:3): exe=\"/bin/sh\" arch=c000003e syscall=138\n");
    let log = read_str(&s);
    assert_eq!(log.problems[0].kind, ProblemKind::Overlong);
    assert_eq!(log.records.len(), 1);
    let Record::Seccomp(r) = &log.records[0] else {
        panic!()
    };
    assert_eq!(r.line, 2);
}

/// Property: any bytes read without a panic, and every record or problem names a line
/// that exists.
#[test]
fn arbitrary_bytes_never_panic() {
    use proptest::prelude::*;
    let fragments = prop::collection::vec(
        prop_oneof![
            Just("type=1326 ".to_owned()),
            Just("type=SECCOMP ".to_owned()),
            Just("apparmor=\"ALLOWED\" ".to_owned()),
            Just("arch=c000003e ".to_owned()),
            Just("arch=".to_owned()),
            Just("syscall=".to_owned()),
            Just("\"".to_owned()),
            Just("\n".to_owned()),
            Just(") : ".to_owned()),
            "[ -~]{0,12}",
            "[0-9a-f]{0,10}",
        ],
        0..40,
    );
    proptest!(|(parts in fragments, raw in prop::collection::vec(any::<u8>(), 0..64))| {
        let mut bytes = parts.concat().into_bytes();
        bytes.extend(raw);
        let lines = bytes.split(|b| *b == b'\n').count() as u32;
        let log = read(&mut bytes.as_slice()).unwrap();
        for r in &log.records {
            let l = match r { Record::Seccomp(s) => s.line, Record::AppArmor(a) => a.line };
            prop_assert!(l >= 1 && l <= lines);
        }
    });
}
