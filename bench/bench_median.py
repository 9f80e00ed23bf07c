#!/usr/bin/env python3
"""bench_median.py - medians over several `make bench` logs (doc/performance.md).

Reads the logs named on the command line (the output of `make bench`: bench_kernels' combined
table and bench_compile's latency table) and prints the same two tables with, in every cell,
the median over the runs. Ratios are the median of each run's own ratio (JIT, C and PyTorch are
interleaved within a run, so a run's ratio is meaningful even when the machine's load changes
between runs), followed by the range [min-max] over the runs. Standard library only.

  for i in 1 2 3; do make bench > bench-$i.log 2>&1; done
  python3 bench/bench_median.py bench-*.log
"""
import statistics
import sys


def num(s):
    try:
        return float(s)
    except ValueError:
        return float("nan")


def fmt(v, spec):
    return "-" if v != v else format(v, spec)


# The compile table's columns, by bench_compile's header names, in the order printed; rows
# are read by name, so columns bench_compile adds or moves do not shift the others.
COMP_COLS = ["kernels", "parse", "data stage", "derive", "JIT", "compile + JIT", "JIT CPU",
             "JIT CPU, slowest part", "plan", "optimise (CPU)", "machine code (CPU)", "link",
             "total wall", "cached", "cached total wall"]
BUDGET_MS = 100


def main(paths):
    kern, comp, order_k, order_c, via = {}, {}, [], [], {}
    for path in paths:
        comp_head = None
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                if line.startswith("| example"):
                    comp_head = cells
                    continue
                if not line.startswith("|") or cells[0] == "problem" or cells[0].startswith("---"):
                    continue
                # | problem | kernel | JIT 1T | C 1T | PyTorch 1T | eval | JIT/C | JIT/PyTorch | eval/C |
                #   JIT NT | C NT | JIT/C NT | via |
                if len(cells) == 13:
                    key = (cells[0], cells[1])
                    if key not in kern:
                        kern[key] = []
                        order_k.append(key)
                    jit, c, torch, ev = (num(x) for x in cells[2:6])
                    jit2, c2 = num(cells[9]), num(cells[10])
                    kern[key].append((jit, c, torch, ev, jit / c, jit / torch if torch == torch else float("nan"),
                                      ev / c, jit2, c2, jit2 / c2 if c2 == c2 else float("nan")))
                    via.setdefault(key, []).append(cells[12])
                # a row of bench_compile's table, read by its header's names
                elif comp_head and cells[0].endswith(".blo") and len(cells) == len(comp_head):
                    if cells[0] not in comp:
                        comp[cells[0]] = []
                        order_c.append(cells[0])
                    named = dict(zip(comp_head, cells))
                    comp[cells[0]].append([num(named[c]) if c in named else float("nan")
                                           for c in COMP_COLS])

    def med(rows, i):
        vals = [r[i] for r in rows if r[i] == r[i]]
        return statistics.median(vals) if vals else float("nan")

    def rng(rows, i, spec):
        vals = [r[i] for r in rows if r[i] == r[i]]
        return "[%s-%s]" % (format(min(vals), spec), format(max(vals), spec)) if vals else ""

    if kern:
        runs = max(len(v) for v in kern.values())
        print("Kernels: median of %d runs, ms per call; ratios: median of the runs' ratios [range]\n" % runs)
        print("| problem | kernel | JIT 1T | C 1T | PyTorch 1T | eval | JIT/C | JIT/PyTorch | eval/C | JIT NT | C NT |"
              " JIT/C NT | PyTorch via |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for key in order_k:
            rows = kern[key]
            vias = [v for v in via[key] if v != "-"]
            v = max(set(vias), key=vias.count) if vias else "-"
            if len(set(vias)) > 1:
                v += " (%d/%d)" % (vias.count(max(set(vias), key=vias.count)), len(vias))
            print("| %s | %s | %s | %s | %s | %s | %s %s | %s %s | %s | %s | %s | %s %s | %s |" % (
                key[0], key[1], fmt(med(rows, 0), ".3g"), fmt(med(rows, 1), ".3g"), fmt(med(rows, 2), ".3g"),
                fmt(med(rows, 3), ".3g"), fmt(med(rows, 4), ".2f"), rng(rows, 4, ".2f"), fmt(med(rows, 5), ".3f"),
                rng(rows, 5, ".3f"), fmt(med(rows, 6), ".1f"), fmt(med(rows, 7), ".3g"), fmt(med(rows, 8), ".3g"),
                fmt(med(rows, 9), ".2f"), rng(rows, 9, ".2f"), v))
    if comp:
        runs = max(len(v) for v in comp.values())
        print("\nCompile + JIT latency: median over %d runs of each run's median, ms "
              "[range of compile + JIT]\n" % runs)
        print("| example | " + " | ".join(COMP_COLS[:13]) +
              " | ≤ %d ms (median) | cached |" % BUDGET_MS)
        print("|---|" + "---:|" * 13 + "---|---:|")
        at = {c: i for i, c in enumerate(COMP_COLS)}
        for ex in order_c:
            rows = comp[ex]
            m = [med(rows, i) for i in range(len(COMP_COLS))]
            cells = [fmt(m[0], ".0f")] + [fmt(m[i], ".1f") for i in range(1, 13)]
            ci = at["compile + JIT"]
            cells[ci] += " " + rng(rows, ci, ".0f")
            ok = "yes" if m[ci] <= BUDGET_MS else "**no**"
            cached = fmt(m[at["cached"]], ".1f") + " " + rng(rows, at["cached"], ".1f")
            print("| %s | %s | %s | %s |" % (ex, " | ".join(cells), ok, cached))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
