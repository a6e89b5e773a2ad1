#!/usr/bin/env bash
# Measure what the container runtime itself calls after it loaded a container's seccomp filter
# and before it execs the entrypoint: a profile that denies any of these fails at `runc run`
# (e.g. "error closing exec fds: ensure /proc/self/fd is on procfs: operation not permitted"
# when fstatfs is denied). cinch's src/backend/seccomp/container_runtime.rs must allow all of
# them; its unit test reads the result, src/backend/seccomp/measured/runc.txt.
#
# How: an OCI bundle whose root is empty but for the usr-merge links, with the host's /usr and
# /etc bound read-only, runs /usr/bin/true under a filter that logs instead of refusing
# (SCMP_ACT_LOG), with `strace -f` on `runc run`. The init process's calls after its
# prctl(PR_SET_SECCOMP)/seccomp(SECCOMP_SET_MODE_FILTER) returned, up to and including the
# execve of the entrypoint, are collected. Cases: no-new-privileges on and off (runc loads the
# filter last with it, before dropping privileges without it), root and a non-root user,
# Docker's default capabilities and none, read-only root or not.
#
# Run as root on Debian 12 (amd64) with runc and strace installed, from the repository root:
#   scripts/measure-runtime.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=src/backend/seccomp/measured/runc.txt
[ "$(id -u)" = 0 ] || { echo "measure-runtime: run as root"; exit 2; }
for t in runc strace python3; do command -v "$t" >/dev/null || { echo "measure-runtime: $t is missing (apt-get install $t)"; exit 2; }; done

work=$(mktemp -d /tmp/cinch-runtime.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rootfs"
( cd "$work/rootfs" && for d in bin lib lib64 sbin; do ln -s "usr/$d" "$d"; done && mkdir -p usr etc tmp run var proc sys dev )
( cd "$work" && runc spec )

# case NAME NNP UID GID CAPS(default|none) READONLY(true|false)
run_case() {
  local name=$1 nnp=$2 uid=$3 gid=$4 caps=$5 ro=$6
  python3 - "$work/config.json" "$nnp" "$uid" "$gid" "$caps" "$ro" <<'PY'
import json, sys
path, nnp, uid, gid, caps, ro = sys.argv[1:]
c = json.load(open(path))
p = c["process"]
p["terminal"] = False
p["args"] = ["/usr/bin/true"]
p["noNewPrivileges"] = nnp == "true"
p["user"] = {"uid": int(uid), "gid": int(gid)}
docker_default = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
                  "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
                  "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"]
names = docker_default if caps == "default" else []
p["capabilities"] = {k: names for k in ("bounding", "effective", "permitted")}
c["root"]["readonly"] = ro == "true"
c["mounts"] = [m for m in c["mounts"] if m["destination"] not in ("/usr", "/etc")]
c["mounts"] += [{"destination": d, "type": "bind", "source": d, "options": ["rbind", "ro"]}
                for d in ("/usr", "/etc")]
c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_LOG", "architectures": ["SCMP_ARCH_X86_64"],
                         "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ALLOW"}]}
json.dump(c, open(path, "w"), indent=1)
PY
  strace -f -qq -o "$work/trace.$name" runc run --bundle "$work" "cinch-measure-$name-$$" </dev/null
  echo "measure-runtime: $name ran"
}

run_case nnp-root-default true 0 0 default false
run_case nnp-user-none true 1000 1000 none true
run_case nnp-user-default true 1000 1000 default false
run_case root-default false 0 0 default false
run_case user-none false 1000 1000 none true
run_case user-default false 1000 1000 default false

python3 - "$work" "$out" "$(runc --version | head -1)" "$(dpkg-query -W -f='${Version}' runc)" "$(. /etc/os-release; echo "$PRETTY_NAME") $(uname -m)" <<'PY'
import glob, os, re, sys
work, out, runc_version, pkg, system = sys.argv[1:]
line_re = re.compile(r'^(\d+)\s+(?:<\.\.\. )?([a-z_][a-z0-9_]*)(\(| resumed>)(.*)$')
def after_filter(path):
    """Syscall names the init process made after its filter load returned, up to its execve."""
    lines = open(path).read().splitlines()
    pending = {}      # tid -> name of an unfinished filter-load call
    filtered = set()  # tids under the filter
    names = set()
    done = set()
    for l in lines:
        m = line_re.match(l)
        if not m:
            continue
        tid, name, kind, rest = m.groups()
        if tid in done:
            continue
        if tid in filtered:
            names.add(name)
            if name == "execve" and "/usr/bin/true" in rest:
                done.add(tid)
            if name in ("clone", "clone3") and re.search(r'= (\d+)$', rest):
                filtered.add(re.search(r'= (\d+)$', rest).group(1))
            continue
        load = (name == "prctl" and "PR_SET_SECCOMP" in rest) or \
               (name == "seccomp" and "SECCOMP_SET_MODE_FILTER" in rest and "NULL" not in rest)
        if kind == "(" and load:
            if rest.rstrip().endswith("= 0"):
                filtered.add(tid)
            else:
                pending[tid] = name
        elif kind == " resumed>" and pending.get(tid) == name:
            del pending[tid]
            if rest.rstrip().endswith("= 0"):
                filtered.add(tid)
    if not filtered:
        sys.exit(f"measure-runtime: no filter load found in {path}")
    return names
always, without = None, set()
cases = []
for path in sorted(glob.glob(os.path.join(work, "trace.*"))):
    case = path.rsplit("trace.", 1)[1]
    cases.append(case)
    names = after_filter(path)
    if case.startswith("nnp-"):
        always = names if always is None else always | names
    else:
        without |= names
without -= always
with open(out, "w") as f:
    f.write(f"# runc: syscalls its init makes after loading the container's seccomp filter, up to the execve\n")
    f.write(f"# of the entrypoint; measured by scripts/measure-runtime.sh (strace -f runc run) on {system}\n")
    f.write(f"# software: {runc_version} (Debian runc {pkg})\n")
    f.write(f"# cases: {' '.join(cases)} (nnp = no-new-privileges; user 1000:1000 or root; capabilities Docker's default or none)\n")
    f.write("[no-new-privileges]\n")
    f.writelines(n + "\n" for n in sorted(always))
    f.write("[without-no-new-privileges]\n")
    f.writelines(n + "\n" for n in sorted(without))
print(f"measure-runtime: {len(always)} calls with no-new-privileges, {len(without)} more without; wrote {out}")
PY
