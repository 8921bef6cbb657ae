"""precision-bf16.test: logs of the same run compiled with --precision fp32
(first), bf16 with LIPRT_BF16=off (second) and bf16 (third). bf16 turned off
gives the float32 losses exactly; bf16 stays within 2% (relative) of them
at every step, and differs from them where bf16 runs (its log's line says
whether it does: the fourth argument)."""
import json
import sys

fp32, off, bf16 = ([json.loads(line)["loss"] for line in open(path)] for path in sys.argv[1:4])
ran_bf16 = open(sys.argv[4]).read().find("model products (--precision bf16): bf16 operands") >= 0
assert len(fp32) == len(off) == len(bf16) == 20, (fp32, off, bf16)
assert off == fp32, ("LIPRT_BF16=off is not float32", fp32, off)
worst = max(abs(a - b) / abs(a) for a, b in zip(fp32, bf16))
assert worst < 0.02, ("bf16 losses stray from float32", worst, fp32, bf16)
assert (bf16 != fp32) == ran_bf16, ("bf16 ran" if ran_bf16 else "bf16 did not run", fp32, bf16)
print(f"bf16 within {worst:.2e} of float32 over 20 steps")
