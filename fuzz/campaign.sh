#!/usr/bin/env bash
# fuzz/campaign.sh SECONDS [TARGET...]: a long fuzzing campaign (fuzz/README.md). Runs each
# harness of build-fuzz/ in turn (one core, nice 19) for SECONDS, growing the corpus in
# fuzz/out/<target>/ (seeded from fuzz/corpus/ and fuzz/regressions/), crash files in
# fuzz/out/artifacts/, and appends "target, CPU seconds, executions, result" to
# fuzz/out/campaigns.txt. Commit crashers as fuzz/regressions/<target>/<name> once fixed.
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:?usage: fuzz/campaign.sh SECONDS [TARGET...]}
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(csv hl7 json text xml sql mail sqlite pdf sheet doc zip 7z tar cpio ar iso gz bz2 xz lzma zst lz4 lz Z rules policy)
fi
out=fuzz/out
mkdir -p "$out/artifacts"
export BSC_PATTERNS=$PWD/patterns ASAN_OPTIONS=detect_leaks=1
for t in "${targets[@]}"; do
  mkdir -p "$out/$t"
  dirs=("$out/$t" fuzz/corpus/"$t")
  [ -d fuzz/regressions/"$t" ] && dirs+=(fuzz/regressions/"$t")
  dict=()
  [ -f fuzz/dict/"$t".dict ] && dict=(-dict=fuzz/dict/"$t".dict)
  start=$(date +%s)
  /usr/bin/time -f "%U %S" -o "$out/$t.cpu" nice -n 19 build-fuzz/fuzz/fuzz_"$t" \
    -max_total_time="$secs" -max_len=65536 -timeout=20 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$out/artifacts/$t-" "${dict[@]}" "${dirs[@]}" \
    >"$out/$t.log" 2>&1
  rc=$?
  cpu=$(awk '{printf "%.0f", $1 + $2}' "$out/$t.cpu")
  execs=$(awk '/number_of_executed_units/ {print $NF}' "$out/$t.log")
  result=$([ $rc -eq 0 ] && echo "no finding" || echo "FINDING (exit $rc, see $out/artifacts)")
  echo "$(date -u +%FT%TZ) $t cpu_s=$cpu execs=${execs:-?} wall_s=$(( $(date +%s) - start )) $result" \
    | tee -a "$out/campaigns.txt"
done
