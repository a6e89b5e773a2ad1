//! The examples that end each command's `--help`, as `cinch --help` has them: two or three
//! real invocations (those naming testdata/ run as written from the top of this repository;
//! tests/cli.rs runs them and checks every subcommand's help ends with examples).

pub const INSPECT: &str = "\
Examples:
  cinch inspect testdata/compose/webapp          the shop's services as intent JSON
  cinch inspect Dockerfile --target runtime      one stage of a multi-stage build
  helm template ./chart | cinch inspect -        rendered Kubernetes manifests from stdin";

pub const GENERATE: &str = "\
Examples:
  cinch generate . -o profiles                   every manifest under . into profiles/
  cinch generate testdata/compose/webapp -o /tmp/shop --wire    and compose.yaml copies
  cinch generate k8s/ --spo --complain           SPO objects that log instead of block";

pub const CHECK: &str = "\
Examples:
  cinch check . -o profiles                      exit 1 with a diff when profiles/ is stale
  cinch check . -o profiles --wire               the wired manifests too
  cinch check testdata/compose/webapp --color never > stale.diff";

pub const DIFF: &str = "\
Examples:
  cinch diff old-profiles/ profiles/             two generated trees, rule by rule
  cinch diff --git-base origin/main .            this branch against main's manifests
  cinch diff --git-base origin/main . --format markdown --fail-on widen";

pub const EXPLAIN: &str = "\
Examples:
  cinch explain testdata/compose/webapp shop/api     every rule of the api service and why
  cinch explain . api --backend seccomp              only its seccomp rules
  cinch explain k8s/ prod/web --container nginx      one container of a pod";

pub const GRAPH: &str = "\
Examples:
  cinch graph testdata/compose/webapp            a Mermaid graph of the allowed connections
  cinch graph k8s/ --format dot | dot -Tsvg > graph.svg";

pub const LINT: &str = "\
Examples:
  cinch lint .                                   declared risks, for people
  cinch lint . --deny warnings                   exit 1 on any warning (CI)
  cinch lint . --format sarif > cinch.sarif      for GitHub code scanning";

pub const AUDIT: &str = "\
Examples:
  cinch audit testdata/audit/compose --log testdata/audit/compose/dmesg.log   what was denied
  sudo dmesg | cinch audit . --log - --docker --format patch > intent.diff    the fix, to review
  cinch audit . --log audit.log --workload default/api --format json          one container's log";

pub const WIRE: &str = "\
Examples:
  cinch wire . -o profiles                       profiles and profiles/wired/ copies
  cinch wire testdata/compose/webapp -o /tmp/p   then docker compose -f /tmp/p/wired/…";

pub const COMPLETIONS: &str = "\
Examples:
  cinch completions bash > ~/.local/share/bash-completion/completions/cinch
  cinch completions zsh > ~/.zfunc/_cinch        with fpath+=~/.zfunc before compinit
  cinch completions fish > ~/.config/fish/completions/cinch.fish";

pub const MAN: &str = "\
Examples:
  cinch man > ~/.local/share/man/man1/cinch.1    then: man cinch
  cinch man --dir ~/.local/share/man/man1        a page per command (man cinch-generate)";
