"""Run every benchmark of bench/RESULTS.md, one after the other, each in its own process.

    python -m bench            # all of them (about 20-30 minutes on a 2-core machine)
    python -m bench --quick    # the same scripts at 1/10 of the sizes, to check they run
    python -m bench --quiet    # no progress bar (stderr) or stage lines

Each script prints its own figures against a baseline measured in the same run; nothing here is
asserted, and the test suite never runs these."""

from __future__ import annotations

import subprocess
import sys
import time

from bot.progress import Reporter

FULL = [
    ["bench.ack_latency", "--accounts", "10000", "100000"],
    ["bench.credit_scan", "--sizes", "10000", "100000"],
    ["bench.churn_digest_db", "10000", "100000", "--tracemalloc"],
    ["bench.broadcast", "--channels", "500"],
]
QUICK = [
    ["bench.ack_latency", "--accounts", "1000", "10000", "--requests", "50"],
    ["bench.credit_scan", "--sizes", "1000", "10000"],
    ["bench.churn_digest_db", "1000", "10000", "--base", "1000"],
    ["bench.broadcast", "--channels", "50"],
]


def main() -> int:
    plan = QUICK if "--quick" in sys.argv[1:] else FULL
    failed = []
    with Reporter("bench", quiet="--quiet" in sys.argv[1:]) as bar, bar.stage("scripts", total=len(plan)) as stage:
        for module, *args in plan:
            bar.echo(f"\n===== python -m {module} {' '.join(args)}\n")
            started = time.perf_counter()
            child = subprocess.Popen([sys.executable, "-m", module, *args], stdout=subprocess.PIPE, text=True)
            assert child.stdout is not None
            for line in child.stdout:  # relayed line by line, so a bar on the terminal stays whole
                bar.echo(line)
            rc = child.wait()
            bar.echo(f"===== {module}: exit {rc}, {time.perf_counter() - started:.0f} s\n")
            if rc:
                failed.append(module)
            stage.advance()
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
