#!/usr/bin/env bash
# data-parallel.test: starts `BINARY train ARGS...` on two ranks under
# mpirun, waits for its first checkpoint CHECKPOINT, then kills rank 1 with
# SIGKILL (as a crashed machine would) and prints mpirun's exit status.
# usage: kill_a_rank.sh MPIRUN CHECKPOINT BINARY ARGS...
set -u
mpirun=$1 checkpoint=$2
shift 2
$mpirun -np 2 "$@" > /dev/null 2>&1 &
launcher=$!
for _ in $(seq 600); do
  [[ -f $checkpoint ]] && break
  sleep 0.1
done
[[ -f $checkpoint ]] || { echo "no checkpoint written"; kill "$launcher"; exit 1; }
victim=""
for pid in $(pgrep -f -- "$1 train"); do
  if tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1'; then
    victim=$pid
  fi
done
[[ -n $victim ]] || { echo "rank 1 not found"; kill "$launcher"; exit 1; }
kill -KILL "$victim"
wait "$launcher"
echo "mpirun exit status $?"
