#!/usr/bin/env python3
"""Turn criterion's estimates into benches/RESULTS.md.

Benchmark ids follow `<crate>/<case>/<implementation>`. Implementations named
`ours` or `ours_<variant>` (e.g. `ours_ref`, the borrowed decoder) are ours;
each is compared with every other implementation of the same case, and the
ratio is peer time / our time (above 1 means we are faster).
"""
import json
import os
import pathlib
import sys


def load(root: pathlib.Path):
    results = {}
    for est in root.glob("**/new/estimates.json"):
        bench = json.loads((est.parent / "benchmark.json").read_text())
        full_id = bench["full_id"]
        point = json.loads(est.read_text())["median"]["point_estimate"]
        results[full_id] = point
    return results


def fmt_ns(ns: float) -> str:
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def main() -> int:
    args = sys.argv[1:]
    root = pathlib.Path(args[0] if args else "target/criterion")
    notes = args[1:]  # extra header lines, e.g. the date and load of the run
    results = load(root)
    only = os.environ.get("ONLY", "").split()
    if only:  # the benches of this run only, not older results in `root`
        results = {k: v for k, v in results.items() if k.split("/", 1)[0] in only}
    cases = {}
    for full_id, ns in results.items():
        case, _, imp = full_id.rpartition("/")
        cases.setdefault(case or full_id, {})[imp] = ns
    print("# Benchmark results\n")
    print("Written by `scripts/bench` from criterion medians measured in one run "
          "on the machine that ran it. Ratio = peer time / our time.\n")
    for note in notes:
        print(f"{note}\n")
    print("| case | ours | our time | peer | peer time | ratio |")
    print("|---|---|---|---|---|---|")
    for case in sorted(cases):
        imps = cases[case]
        mine = {k: v for k, v in imps.items() if k == "ours" or k.startswith("ours_")}
        peers = {k: v for k, v in imps.items() if k not in mine}
        if not mine:
            for imp, ns in sorted(imps.items()):
                print(f"| {case}/{imp} | | {fmt_ns(ns)} | | | |")
            continue
        for name, ours in sorted(mine.items()):
            if not peers:
                print(f"| {case} | {name} | {fmt_ns(ours)} | | | |")
            for peer, ns in sorted(peers.items()):
                print(f"| {case} | {name} | {fmt_ns(ours)} | {peer} | {fmt_ns(ns)} | {ns / ours:.2f}× |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
