#!/usr/bin/env bash
# Runs a command and fails unless it exits with the given code:
#   expect-exit.sh CODE command args...
expected=$1
shift
"$@"
rc=$?
if [[ $rc -ne $expected ]]; then
  echo "expect-exit: '$*' exited $rc, expected $expected" >&2
  exit 1
fi
