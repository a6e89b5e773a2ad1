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
