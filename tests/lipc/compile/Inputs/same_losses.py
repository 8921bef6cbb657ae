"""threads.test: the first two logs' losses are identical, the others
within 1e-5 (relative) of the first."""
import json
import sys

losses = [[json.loads(line)["loss"] for line in open(path)] for path in sys.argv[1:]]
assert all(len(run) == 4 for run in losses), losses
assert losses[0] == losses[1], ("same --threads, different losses", losses[0], losses[1])
for run in losses[2:]:
    worst = max(abs(a - b) / abs(a) for a, b in zip(losses[0], run))
    assert worst < 1e-5, ("thread counts disagree", losses[0], run)
