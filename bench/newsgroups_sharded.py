#!/usr/bin/python3
"""newsgroups_sharded.py — LancBiO on newsgroups-sized sparse data, sharded over 2 MPI ranks
against one process (issue 18, doc/scaling.md "Measured: newsgroups on two ranks").

Runs bench/newsgroups_sharded.blo (pointed at --data, a directory with train.svm, val.svm and
test.svm from examples/gen_newsgroups.py) with the settings of bench/newsgroups_compare.py's
LancBiO, round after round, rotating the order of:
    mpirun -n 2, BLOC_THREADS=1 on each rank;  one process, 2 threads;  one process, 1 thread
and reports the median and range of ms per outer step (time.solve / steps of the result JSON:
no data stage, compile or trace diagnostics), the load average, the bytes each rank handed
to MPI_Allreduce per step (the result JSON's allreduce_bytes, from the difference of a short
and a long run, so that the trace points' diagnostics cancel out) and the largest difference
of x between the two-rank and the one-process runs, relative to x's largest magnitude.

  bench/newsgroups_sharded.py --data /tmp/news25 [--rounds 3] [--steps 6] [--bloc ./bloc]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETS = ["inner_steps=5", "m0=1", "m_growth=1.1", "m_period=20", "m_max=80", "y_step=1",
        "x_step=1"]
MPI = ["mpirun", "--oversubscribe", "--allow-run-as-root", "-n", "2", "-x", "BLOC_THREADS=1"]


def run(bloc, blo, ranks, threads, steps, work, tag):
    out, xs = os.path.join(work, tag + ".json"), os.path.join(work, tag + ".x.csv")
    cmd = [bloc, "run", blo, "--quiet", "--out", out, "--save-x", xs]
    for kv in SETS + [f"outer_steps={steps}", f"trace_every={steps}"]:
        cmd += ["--set", kv]
    if ranks > 1:
        cmd = MPI + cmd
    env = dict(os.environ, BLOC_THREADS=str(threads))
    p = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)}: exit {p.returncode}\n{p.stderr.decode()[-2000:]}")
    with open(out) as f:
        r = json.load(f)
    with open(xs) as f:
        x = [float(v) for v in f.read().split()]
    return r, x


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="/tmp/news25")
    ap.add_argument("--bloc", default=os.path.join(TOP, "bloc"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=6)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="newsgroups_sharded.")
    blo = os.path.join(work, "newsgroups_sharded.blo")
    shutil.copy(os.path.join(TOP, "bench", "newsgroups_sharded.blo"), blo)
    os.symlink(os.path.abspath(a.data), os.path.join(work, "newsgroups"))
    bloc = os.path.abspath(a.bloc)
    runs = [("mpirun -n 2, 1 thread a rank", 2, 1), ("one process, 2 threads", 1, 2),
            ("one process, 1 thread", 1, 1)]
    ms = {name: [] for name, _, _ in runs}
    loads, xs = [], {}
    run(bloc, blo, 1, 2, 1, work, "warm")  # fills the compile cache
    for rnd in range(a.rounds):
        loads.append(os.getloadavg()[0])
        for name, ranks, threads in runs[rnd % 3:] + runs[:rnd % 3]:
            r, x = run(bloc, blo, ranks, threads, a.steps, work, "r")
            ms[name].append(1e3 * r["time"]["solve"] / r["steps"])
            xs[name] = x
            if ranks > 1:
                long_bytes = r["allreduce_bytes"]
            print(f"round {rnd + 1} {name:30s} {ms[name][-1]:8.1f} ms/step f {r['f']:.15g}",
                  file=sys.stderr, flush=True)
    loads.append(os.getloadavg()[0])
    short, _ = run(bloc, blo, 2, 1, 1, work, "short")
    per_step = {k: (long_bytes[k] - short["allreduce_bytes"][k]) / (a.steps - 1)
                for k in long_bytes}
    x1, x2 = xs["one process, 1 thread"], xs["mpirun -n 2, 1 thread a rank"]
    scale = max(abs(v) for v in x1) or 1.0
    diff = max(abs(u - v) for u, v in zip(x1, x2)) / scale
    print(f"{a.rounds} rounds x {a.steps} steps, load average {min(loads):.1f}-{max(loads):.1f}")
    for name, _, _ in runs:
        v = ms[name]
        print(f"{name:30s} median {statistics.median(v):8.1f} ms/step "
              f"(range {min(v):.1f}-{max(v):.1f})")
    print(f"allreduced per step and rank: {sum(per_step.values()) / 1e6:.2f} MB "
          + ", ".join(f"{k} {v / 1e6:.2f} MB" for k, v in per_step.items() if v))
    print(f"x after {a.steps} steps, 2 ranks against 1 process: {diff:.3g} of max |x|")
    shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
