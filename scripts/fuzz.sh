#!/usr/bin/env bash
# Fuzzes lipc's readers of untrusted input longer than the test suite does:
# the spec front end, the checkpoint reader and the IDX, CSV and text loaders
# (tests/fuzz), each built with ASan and UBSan in ./build-san.
#   scripts/fuzz.sh [-t SECONDS] [TARGET...] [-- LIBFUZZER_FLAGS...]
#       TARGET: spec checkpoint idx csv text (default: all), SECONDS each
#       (default 300). The corpus of each grows in build-san/fuzz/corpus/;
#       a crash is saved in build-san/fuzz/artifacts/TARGET/ and the script
#       goes on with the next target, then fails. Flags after -- go to
#       libFuzzer (e.g. -jobs=2 -workers=2).
#   scripts/fuzz.sh --replay [TARGET...]
#       runs every saved crash of tests/fuzz/crashes/TARGET/ once: a check
#       that the bugs they found are fixed.
# A crash worth keeping: copy it to tests/fuzz/crashes/TARGET/ (see
# tests/fuzz/crashes/README.md).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${LIPC_SAN_BUILD_DIR:-$ROOT/build-san}"
ALL=(spec checkpoint idx csv text)
seconds=300 replay=0 targets=() flags=()
while (($#)); do
  case "$1" in
    -t) seconds="$2"; shift 2 ;;
    --replay) replay=1; shift ;;
    --) shift; flags=("$@"); break ;;
    -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) [[ " ${ALL[*]} " == *" $1 "* ]] || { echo "fuzz.sh: unknown target '$1' (${ALL[*]})" >&2; exit 2; }
       targets+=("$1"); shift ;;
  esac
done
((${#targets[@]})) || targets=("${ALL[@]}")

"$ROOT/scripts/sanitize.sh" --build-only
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
failed=()
for t in "${targets[@]}"; do
  bin="$BUILD/tests/fuzz/$t-fuzzer"
  if ((replay)); then
    shopt -s nullglob
    for input in "$ROOT/tests/fuzz/crashes/$t"/*; do
      [[ "$(basename "$input")" == README* ]] && continue
      if "$bin" "$input" >"$BUILD/fuzz-replay.log" 2>&1; then
        echo "fixed:   $t ${input#$ROOT/}"
      else
        echo "crashes: $t ${input#$ROOT/}"
        grep -m1 -E "ERROR: |runtime error:|broken promise|deadly signal" "$BUILD/fuzz-replay.log" | sed 's/^/         /' || true
        failed+=("${input#$ROOT/}")
      fi
    done
    shopt -u nullglob
  elif ! "$ROOT/tests/fuzz/run-fuzzer.sh" "$bin" "$t-fuzzer" "$BUILD/fuzz" "$seconds" "${flags[@]}"; then
    failed+=("$t")
  fi
done
if ((${#failed[@]})); then
  echo "fuzz.sh: crashes in: ${failed[*]}" >&2
  ((replay)) || echo "fuzz.sh: the inputs are in $BUILD/fuzz/artifacts/" >&2
  exit 1
fi
echo "fuzz.sh: no crash"
