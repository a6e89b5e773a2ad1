#!/usr/bin/env bash
# Re-vendor the CRD schemas the custom-resource structs are checked against
# (src/frontend/kubernetes/custom/schema_check.rs) into testdata/crds/, from checkouts of
# the upstream repositories (git directories; the commits are in testdata/crds/SOURCE.md):
#
#   scripts/vendor-crds.sh PROMETHEUS_OPERATOR_GIT ISTIO_API_GIT LINKERD2_GIT [SPO_GIT]
#
# SPO_GIT (kubernetes-sigs/security-profiles-operator): its SeccompProfile and
# AppArmorProfile CRDs, copied whole; tests/spo.rs validates every `--spo` object against them.
#
# ServiceMonitor and PodMonitor CRDs are copied whole. The Prometheus and Alertmanager CRDs
# (830 kB and 620 kB) keep only the `spec` properties cinch reads, each as upstream writes it.
# Istio's AuthorizationPolicy is cut out of kubernetes/customresourcedefinitions.gen.yaml;
# Linkerd's CRDs are Helm templates, whose `{{ … }}` lines (labels, annotations) are dropped.
# Needs python3 with PyYAML (Debian python3-yaml).
set -euo pipefail
[ $# -eq 3 ] || [ $# -eq 4 ] || { sed -n 2,16p "$0"; exit 2; }
prom=$1 istio=$2 linkerd=$3 spo=${4:-}
out="$(cd "$(dirname "$0")/.." && pwd)/testdata/crds"
mkdir -p "$out/prometheus-operator" "$out/istio" "$out/linkerd"
show() { git --git-dir="$1" show "HEAD:$2"; }

for k in servicemonitors podmonitors; do
  show "$prom" "example/prometheus-operator-crd/monitoring.coreos.com_$k.yaml" > "$out/prometheus-operator/$k.yaml"
done
show "$prom" LICENSE > "$out/prometheus-operator/LICENSE"
for k in prometheuses alertmanagers; do
  show "$prom" "example/prometheus-operator-crd/monitoring.coreos.com_$k.yaml" | python3 -c '
import sys, yaml
keep = {
  "prometheuses": ["podMetadata", "serviceMonitorSelector", "serviceMonitorNamespaceSelector",
                   "podMonitorSelector", "podMonitorNamespaceSelector", "alerting", "listenLocal",
                   "portName", "image", "version", "serviceAccountName"],
  "alertmanagers": ["podMetadata", "listenLocal", "portName", "image", "version", "serviceAccountName"],
}[sys.argv[1]]
d = yaml.safe_load(sys.stdin)
for v in d["spec"]["versions"]:
    spec = v["schema"]["openAPIV3Schema"]["properties"]["spec"]
    spec["properties"] = {k: spec["properties"][k] for k in keep}
    spec.pop("required", None)
    v["schema"]["openAPIV3Schema"]["properties"].pop("status", None)
sys.stdout.write("# Pruned by scripts/vendor-crds.sh: spec keeps only the properties cinch reads.\n")
yaml.safe_dump(d, sys.stdout, sort_keys=False, width=100)
' "$k" > "$out/prometheus-operator/$k.yaml"
done

show "$istio" kubernetes/customresourcedefinitions.gen.yaml | python3 -c '
import sys
for doc in sys.stdin.read().split("\n---\n"):
    if "name: authorizationpolicies.security.istio.io" in doc:
        sys.stdout.write(doc.strip() + "\n")
' > "$out/istio/authorizationpolicies.yaml"
show "$istio" LICENSE > "$out/istio/LICENSE"

for f in server authorization-policy meshtls-authentication network-authentication; do
  show "$linkerd" "charts/linkerd-crds/templates/policy/$f.yaml" | grep -v '{{' > "$out/linkerd/$f.yaml"
done
show "$linkerd" LICENSE > "$out/linkerd/LICENSE"
if [ -n "$spo" ]; then
  mkdir -p "$out/security-profiles-operator"
  for k in apparmorprofile seccompprofile; do
    show "$spo" "deploy/base-crds/crds/$k.yaml" > "$out/security-profiles-operator/$k.yaml"
  done
  show "$spo" LICENSE > "$out/security-profiles-operator/LICENSE"
fi
echo "vendored into $out; update the commits in $out/SOURCE.md"
