#!/bin/sh
# fuzz/run.sh HARNESS TARGET RUNS: what `meson test --suite fuzz` runs for one
# harness. Replays fuzz/corpus/TARGET and fuzz/regressions/TARGET, then RUNS
# new executions with a fixed seed. New inputs and crash files go to a
# temporary directory that is removed: the committed corpus is never written.
set -eu
h=$1 t=$2 runs=$3
src=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
set -- -seed=1 -max_len=65536 -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
  -runs="$runs" -artifact_prefix="$work/"
[ -f "$src/dict/$t.dict" ] && set -- "$@" -dict="$src/dict/$t.dict"
set -- "$@" "$work"
for d in "$src/corpus/$t" "$src/regressions/$t"; do
  [ -d "$d" ] && set -- "$@" "$d"
done
"$h" "$@"
