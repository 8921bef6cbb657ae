"""Times a compiled lipc binary's training step from its own log: the
benchmarks run `BIN train --log` and read the step rate it reports."""
import json
import subprocess


def seconds_per_step(binary, data, batch, tokens, steps, log, device="cpu"):
    """Steady-state seconds per step over `steps` steps of `batch` examples
    of `tokens` tokens (1 for images) on `device` (cpu, cuda); the first
    step, which faults in the step's buffers, is left out. `data` may be
    empty (the spec's data)."""
    command = [binary, "train", "--batch", str(batch), "--steps", str(steps), "--log", log,
               "--log-every", "1", "--eval-every", "0", "--eval-samples", "1", "--device", device]
    if data:
        command += ["--data", data]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    rows = [json.loads(line) for line in open(log)]
    key = "tokens_per_second" if "tokens_per_second" in rows[-1] else "samples_per_second"
    per_step = batch * tokens
    elapsed = [(row["step"] + 1) * per_step / row[key] for row in rows]
    return (elapsed[-1] - elapsed[0]) / (rows[-1]["step"] - rows[0]["step"])
