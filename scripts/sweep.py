#!/usr/bin/python3
"""A sweep over a spec's settings, one command: every combination of the
values given for the spec's top-level lets (`--vary w=1,2` varies `let w`;
any let: w_max, layers, a logit scale) is compiled with `lipc compile -D`,
and each binary is trained in a fresh process (with `--lr` at each of the
given base learning rates, without recompiling), evaluated on the held-out
data and certified. Prints a table of held-out loss and accuracy beside the
certified bound (the compile-time one, and that of the trained weights from
`lipc certify`), writes it to results.json, and draws the
accuracy-against-certified-bound trade-off (tradeoff.png/.svg) and the loss
curves (losses.png/.svg) with Debian's matplotlib.

    /usr/bin/python3 scripts/sweep.py SPEC [--vary NAME=V1,V2,... ...] [--lr R1,R2,...]
        [--steps N] [--horizon N] [--batch N] [--data PATH] [--eval-every N]
        [--eval-samples N] [--threads N] [--out DIR] [--lipc PATH]

--steps and --batch default to the spec's train section; the learning-rate
schedule spans --horizon steps, by default --steps when it is given (else
the spec's steps). A rate beyond a soft or hard cap's guarantee is refused by the
binary and reported. A run that diverges or fails is reported in the
table, not fatal. Needs a build (build/bin/lipc) and Debian's
python3-matplotlib."""
import argparse
import itertools
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_numbers(text):
    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas: {text!r}")


def parse_vary(text):
    name, _, values = text.partition("=")
    if not name or not values:
        raise argparse.ArgumentTypeError(f"expected NAME=V1,V2,...: {text!r}")
    try:
        return name, [float(v) for v in values.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"the values of {name} must be numbers: {values!r}")


def run(command, log_path):
    """Runs `command` with its output in `log_path`; returns the exit code."""
    with open(log_path, "a") as log:
        log.write("$ " + " ".join(command) + "\n")
        log.flush()
        return subprocess.run(command, stdout=log, stderr=subprocess.STDOUT).returncode


def read_json(command, log_path):
    """The JSON object `command` prints, or None when it fails."""
    result = subprocess.run(command, capture_output=True, text=True)
    with open(log_path, "a") as log:
        log.write("$ " + " ".join(command) + "\n" + result.stdout + result.stderr)
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError:
        return None


def defines_flags(defines):
    return [f"-D{name}={value:.17g}" for name, value in defines]


def compile_binary(args, defines, directory):
    """The binary of one combination of the lets, or None when it does not compile."""
    os.makedirs(directory, exist_ok=True)
    binary = os.path.join(directory, "model")
    command = [args.lipc, "compile", args.spec, "-o", binary] + defines_flags(defines)
    return binary if run(command, os.path.join(directory, "commands.log")) == 0 else None


def one_run(args, defines, lr, binary, directory):
    """Trains (at base rate `lr`, None: the spec's), evaluates and certifies one run."""
    os.makedirs(directory, exist_ok=True)
    log = os.path.join(directory, "commands.log")
    flags = defines_flags(defines)
    row = {"defines": dict(defines), "lr": lr, "status": "ok"}
    if binary is None:
        return dict(row, status="does not compile")
    checkpoint = os.path.join(directory, "model.safetensors")
    train = [binary, "train", "--log", os.path.join(directory, "train.jsonl"), "--checkpoint", checkpoint]
    if lr is not None:
        train += ["--lr", f"{lr:.17g}"]
    for option in ("steps", "horizon", "batch", "data", "eval_every", "eval_samples", "threads"):
        if getattr(args, option) is not None:
            train += ["--" + option.replace("_", "-"), str(getattr(args, option))]
    start = time.monotonic()
    code = run(train, log)
    row["seconds"] = time.monotonic() - start
    if code != 0:
        row["status"] = {4: "diverged", 2: "refused (commands.log says why)"}.get(
            code, f"train exited {code}")
    row["curve"] = [json.loads(line) for line in open(os.path.join(directory, "train.jsonl"))] \
        if os.path.exists(os.path.join(directory, "train.jsonl")) else []
    if not os.path.exists(checkpoint):
        return row
    evaluate = [binary, "eval", "--checkpoint", checkpoint, "--json"]
    for option in ("data", "eval_samples", "threads"):
        if getattr(args, option) is not None:
            evaluate += ["--" + option.replace("_", "-"), str(getattr(args, option))]
    held_out = read_json(evaluate, log) or {}
    row["loss"], row["accuracy"] = held_out.get("loss"), held_out.get("accuracy")
    certificate = read_json([args.lipc, "certify", args.spec, checkpoint, "--samples", "0", "--json"]
                            + flags, log) or {}
    row["certified_bound"] = certificate.get("compile_time_bound")
    row["trained_bound"] = certificate.get("trained_bound")
    row["holds"] = certificate.get("compile_time_holds")
    return row


def label(row):
    parts = [f"{name}={value:g}" for name, value in row["defines"].items()]
    if row.get("lr") is not None:
        parts.append(f"--lr {row['lr']:g}")
    return " ".join(parts)


def number(value, digits=4):
    return "-" if value is None else f"{value:.{digits}g}"


def print_table(rows):
    print(f"{'run':<28}{'certified':>10}{'trained':>10}{'val loss':>10}{'val acc':>9}"
          f"{'seconds':>9}  status")
    for row in rows:
        accuracy = "-" if row.get("accuracy") is None else f"{100 * row['accuracy']:.2f}%"
        print(f"{label(row):<28}{number(row.get('certified_bound')):>10}"
              f"{number(row.get('trained_bound')):>10}{number(row.get('loss')):>10}{accuracy:>9}"
              f"{number(row.get('seconds'), 3):>9}  {row['status']}")


def draw(rows, out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 4))
    for row in rows:
        if row.get("certified_bound") is not None and row.get("accuracy") is not None:
            axes.scatter(row["certified_bound"], 100 * row["accuracy"])
            axes.annotate(label(row), (row["certified_bound"], 100 * row["accuracy"]), fontsize=7)
    # The trade-off: the best accuracy any run reached at each bound.
    best = {}
    for row in rows:
        if row.get("certified_bound") is not None and row.get("accuracy") is not None:
            bound = round(row["certified_bound"], 6)
            best[bound] = max(best.get(bound, 0.0), 100 * row["accuracy"])
    if len(best) > 1:
        axes.plot(sorted(best), [best[b] for b in sorted(best)], color="gray", linewidth=1)
    axes.set_xlabel("certified Lipschitz bound")
    axes.set_ylabel("held-out accuracy (%)")
    axes.set_title("accuracy against certified bound (line: best at each bound)")
    figure.tight_layout()
    for extension in ("png", "svg"):
        figure.savefig(os.path.join(out, "tradeoff." + extension))
    plt.close(figure)

    figure, axes = plt.subplots(figsize=(7, 4))
    for row in rows:
        curve = row.get("curve") or []
        line, = axes.plot([p["step"] for p in curve], [p["loss"] for p in curve], label=label(row))
        evaluated = [p for p in curve if "val_loss" in p]
        if evaluated:
            axes.plot([p["step"] for p in evaluated], [p["val_loss"] for p in evaluated], "--",
                      color=line.get_color())
    axes.set_xlabel("step")
    axes.set_ylabel("loss (dashed: held-out)")
    axes.legend(fontsize=7)
    figure.tight_layout()
    for extension in ("png", "svg"):
        figure.savefig(os.path.join(out, "losses." + extension))
    plt.close(figure)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("spec")
    parser.add_argument("--vary", type=parse_vary, action="append", default=[],
                        metavar="NAME=V1,V2,...")
    parser.add_argument("--lr", type=parse_numbers, metavar="R1,R2,...",
                        help="base learning rates, each a run of the same binary (train --lr)")
    parser.add_argument("--steps", type=int)
    parser.add_argument("--horizon", type=int)
    parser.add_argument("--batch", type=int)
    parser.add_argument("--data")
    parser.add_argument("--eval-every", type=int)
    parser.add_argument("--eval-samples", type=int)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--out", help="the results' folder (default: sweep-SPEC in the current one)")
    parser.add_argument("--lipc", default=os.path.join(ROOT, "build", "bin", "lipc"))
    args = parser.parse_args()
    args.spec = os.path.abspath(args.spec)
    if args.data:
        args.data = os.path.abspath(args.data)
    names = [name for name, _ in args.vary]
    if len(set(names)) != len(names):
        parser.error("each NAME may be varied once")
    if not names and not args.lr:
        parser.error("nothing to sweep: give --vary NAME=V1,V2,... or --lr R1,R2,...")
    if args.horizon is None:
        args.horizon = args.steps
    out = args.out or "sweep-" + os.path.splitext(os.path.basename(args.spec))[0]
    os.makedirs(out, exist_ok=True)
    rows = []
    for k, values in enumerate(itertools.product(*[values for _, values in args.vary])):
        defines = list(zip(names, values))
        binary = compile_binary(args, defines, os.path.join(out, f"binary-{k:02d}"))
        for lr in args.lr or [None]:
            directory = os.path.join(out, f"run-{len(rows):02d}")
            rows.append(one_run(args, defines, lr, binary, directory))
            print(f"[{len(rows)}] {label(rows[-1])}: {rows[-1]['status']}", file=sys.stderr)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(rows, f, indent=1)
    print_table(rows)
    draw(rows, out)
    print(f"results.json, tradeoff.png/.svg and losses.png/.svg in {out}")
    return 0 if any(row["status"] == "ok" for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
