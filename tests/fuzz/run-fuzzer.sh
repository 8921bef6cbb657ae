#!/usr/bin/env bash
# Runs one fuzz target of tests/fuzz for a bounded time.
#   run-fuzzer.sh BINARY TARGET WORKDIR SECONDS [--fresh] [libFuzzer flags...]
# The corpus starts from tests/fuzz/corpus/<name> (and, for the spec target,
# every .lip file of examples/ and tests/) and the inputs of
# tests/fuzz/crashes/<name>, each a bug once found; new inputs collect in
# WORKDIR/corpus/<name>, or, with --fresh (the test suite), in a temporary
# corpus removed afterwards, from a fixed seed. A crash lands in
# WORKDIR/artifacts/<name>/ and fails the run (exit status 1).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BIN="$1" TARGET="$2" WORK="$3" SECONDS_TO_RUN="$4"
shift 4
FRESH=0
if [[ "${1:-}" == "--fresh" ]]; then FRESH=1; shift; fi
NAME="${TARGET%-fuzzer}"
BIN="$(realpath "$BIN")"
mkdir -p "$WORK" && WORK="$(cd "$WORK" && pwd)"

mkdir -p "$WORK/artifacts/$NAME"
if ((FRESH)); then
  CORPUS="$(mktemp -d "$WORK/corpus-$NAME.XXXXXX")"
  trap 'rm -rf "$CORPUS"' EXIT
  SEED=(-seed=1)
else
  CORPUS="$WORK/corpus/$NAME"
  mkdir -p "$CORPUS"
  SEED=()
fi
SEEDS=("$HERE/corpus/$NAME")
# Inputs that once crashed the target run first: a regression check.
if [[ -d "$HERE/crashes/$NAME" ]]; then SEEDS+=("$HERE/crashes/$NAME"); fi
DICT=()
if [[ -f "$HERE/$NAME.dict" ]]; then DICT=(-dict="$HERE/$NAME.dict"); fi
if [[ "$NAME" == spec ]]; then
  # Every spec of the examples and tests, copied once into one flat directory.
  LIPS="$WORK/seeds-spec"
  rm -rf "$LIPS" && mkdir -p "$LIPS"
  i=0
  while IFS= read -r f; do cp "$f" "$LIPS/$((i++))-$(basename "$f")"; done \
    < <(find "$ROOT/examples" "$ROOT/tests" -name '*.lip' -not -path "$ROOT/tests/fuzz/*" | sort)
  SEEDS+=("$LIPS")
fi

# -max_len: the seeds are all below 4 KiB, and larger inputs only slow the
# search. -timeout: one input running 10 s is a hang, reported as a crash.
# Leaks are reported too (detect_leaks is on by default with ASan).
# allow_user_poisoning=0: LLVM's BumpPtrAllocator poisons its slabs in our
# instrumented copies of its inline code and unpoisons only in those, while
# the uninstrumented libMLIR allocates from the same slabs (the attribute
# uniquer): with poisoning on, its writes read as use-after-poison.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-allow_user_poisoning=0}"
echo "fuzzing $TARGET for ${SECONDS_TO_RUN}s; crashes go to $WORK/artifacts/$NAME/"
cd "$WORK" # where -jobs=N writes its fuzz-N.log files
"$BIN" -max_total_time="$SECONDS_TO_RUN" -max_len=4096 -timeout=10 -print_final_stats=1 \
  "${SEED[@]}" "${DICT[@]}" -artifact_prefix="$WORK/artifacts/$NAME/" "$@" "$CORPUS" "${SEEDS[@]}"
