#!/usr/bin/env bash
# Short libFuzzer run for ctest: fuzz-binary seed-corpus-dir work-dir seconds.
# Fails if the fuzzer finds a crash, a leak, a sanitizer report or a timeout.
set -euo pipefail
bin=$1 seeds=$2 work=$3 seconds=$4
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
args=(-max_total_time="$seconds" -seed=1 -timeout=10 -rss_limit_mb=2048
      -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/corpus")
[ -d "$seeds" ] && args+=("$seeds")
exec "$bin" "${args[@]}"
