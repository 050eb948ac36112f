"""The multiprecision engine's targets, measured: `python benchmarks/run.py [--json]`.

1. `bnproof check cao2023.linear.rate` on its defaults (10^5 GD steps at 80 digits plus the
   audit rerun at 170 digits), wall time of the whole command; target < 120 s on 2 cores.
2. Engine throughput on the n-dimensional recursion at 50 digits, n = 16 (d = 64): target
   >= 5,000 steps/s and >= 50x the plain mpmath d-dimensional update, measured in this run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time

from bnproof.bench import engine_table

__all__ = ["main"]

TARGETS = {"rate_check_s": 120.0, "flint_steps_per_s": 5000.0, "speedup_vs_plain": 50.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "bnproof", "check", "cao2023.linear.rate", "--json"],
                          capture_output=True, text=True)
    wall = time.perf_counter() - t0
    rec = json.loads(proc.stdout)
    rows = engine_table(n=16, d=64, dps=50, seconds=6.0)
    flint = next(r for r in rows if "flint" in r["engine"])
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "rate_check": {"wall_s": round(wall, 1), "verdict": rec["verdict"], "steps": rec["params"]["steps"],
                       "dps": rec["precision"]["dps"], "audit_dps": rec["precision"]["audit_dps"],
                       "agreeing_digits": rec["precision"]["agreeing_digits"], "k": rec["measured"]["k"]},
        "engine": [{k: (round(v, 1) if isinstance(v, float) else v) for k, v in r.items()} for r in rows],
        "targets": TARGETS,
        "met": {
            "rate_check_s": wall < TARGETS["rate_check_s"],
            "flint_steps_per_s": flint["steps_per_s"] >= TARGETS["flint_steps_per_s"],
            "speedup_vs_plain": flint["speedup"] >= TARGETS["speedup_vs_plain"],
        },
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"bnproof check cao2023.linear.rate (defaults): {wall:.1f} s, verdict {rec['verdict']}, "
              f"{rec['params']['steps']} steps at {rec['precision']['dps']} dps, audit {rec['precision']['audit_dps']} dps")
        for r in rows:
            print(f"  {r['engine']:55s} {r['steps_per_s']:>10,.0f} steps/s  {r['speedup']:7.1f}x plain mpmath")
        print("targets met:", ", ".join(f"{k}={v}" for k, v in result["met"].items()))
    return 0 if all(result["met"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
