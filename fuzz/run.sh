#!/usr/bin/env bash
# Run every fuzz target (or the ones named after SECONDS) for SECONDS each (default 60),
# seeded from testdata/.
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
# Crashes land in fuzz/artifacts/<target>/; turn each into a regression input under
# testdata/bad/ (tests/hardening.rs runs those in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=(yaml compose dockerfile kubernetes pipeline)
[ "$#" -gt 0 ] && targets=("$@")
seed() {
  local t=$1 dir=fuzz/corpus/$1
  mkdir -p "$dir"
  case $t in
    compose) find testdata/compose testdata/lint testdata/bad/compose -name '*.y*ml' ;;
    dockerfile) find testdata -name 'Dockerfile*' ;;
    kubernetes) find testdata/kubernetes testdata/bad/kubernetes -name '*.y*ml' 2>/dev/null ;;
    yaml|pipeline) find testdata -type f \( -name '*.y*ml' -o -name 'Dockerfile*' \) ;;
  esac | while read -r f; do cp "$f" "$dir/$(echo "$f" | tr '/' '_')"; done
}
for t in "${targets[@]}"; do
  seed "$t"
  echo "== fuzzing $t for ${seconds}s"
  cargo +nightly fuzz run "$t" "fuzz/corpus/$t" -- -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 2>&1 \
    | grep -E "^(#[0-9]+.*DONE|Done|==[0-9]+== ERROR|SUMMARY|artifact_prefix|Test unit written)" || true
done
