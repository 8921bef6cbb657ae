"""Times a compiled lipc binary's training step from its own log: the
benchmarks run `BIN train --log` and read the step rate it reports. Also
measures a command's peak resident memory (the kernel's maxrss of the child)."""
import json
import os
import subprocess
import tempfile


def run_with_peak_memory(command, env=None):
    """Runs `command`; returns (its stdout, its peak resident memory in MiB:
    the child's own maxrss, from wait4). Raises CalledProcessError when it
    fails."""
    with tempfile.TemporaryFile(mode="w+") as out, tempfile.TemporaryFile(mode="w+") as err:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise subprocess.CalledProcessError(process.returncode, command, out.read(), err.read())
        return out.read(), usage.ru_maxrss / 1024.0  # Linux reports KiB


def step_time_and_memory(binary, data, batch, tokens, steps, log, device="cpu", env=None,
                         launcher=(), options=()):
    """(steady-state seconds per step, peak resident MiB of the whole run)
    over `steps` steps of `batch` examples of `tokens` tokens (1 for images)
    on `device` (cpu, cuda); the first step, which faults in the step's
    buffers, is left out of the time. `data` may be empty (the spec's data);
    `env`, the binary's environment (None: this one's); `launcher`, a command
    that starts the binary (mpirun and its arguments); `options`, more
    arguments of train."""
    command = list(launcher) + [binary, "train", "--batch", str(batch), "--steps", str(steps),
                                "--log", log, "--log-every", "1", "--eval-every", "0",
                                "--eval-samples", "1", "--device", device] + list(options)
    if data:
        command += ["--data", data]
    _, peak = run_with_peak_memory(command, env)
    rows = [json.loads(line) for line in open(log)]
    key = "tokens_per_second" if "tokens_per_second" in rows[-1] else "samples_per_second"
    per_step = batch * tokens
    elapsed = [(row["step"] + 1) * per_step / row[key] for row in rows]
    return (elapsed[-1] - elapsed[0]) / (rows[-1]["step"] - rows[0]["step"]), peak


def seconds_per_step(binary, data, batch, tokens, steps, log, device="cpu"):
    """step_time_and_memory's seconds."""
    return step_time_and_memory(binary, data, batch, tokens, steps, log, device)[0]
