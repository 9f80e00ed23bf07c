#!/usr/bin/python3
"""newsgroups_compare.py — bloc against the SciPy peer on the full-size 20 Newsgroups stand-in.

Issue 17, item 4: generates the data once (examples/gen_newsgroups.py, unless --data names a
directory that has them), then alternates, round after round, `bloc run
examples/newsgroups_l2.blo` (pointed at the data) and bench/newsgroups_peer.py, each as its own
process, for LancBiO and AID-CG with the same settings on both sides:
    LancBiO  T = 5 lower steps, m0 = 1, rho = 1.1, F = 20, m_max = 80
    AID-CG   T = 10 lower steps, Q = 5 CG steps
    theta (y_step) = 1, lambda (x_step) = 1, --steps outer steps a run
(both do bloc's LancBiO, residual watch and orthogonality check included; the peer reuses the
step's softmax in its HVPs, where bloc recomputes it). Other processes load the machine, so
the order of the runs rotates from round to round and the load average is recorded.

Reported for each program and method: the median over rounds of the mean time of a step (bloc:
the result JSON's time.solve / steps, which leaves out the data stage, the compile and the
trace diagnostics; the peer: the mean of its timed steps), the median peak RSS of the process
(wait4's ru_maxrss), HVPs a step, and bloc's time as a multiple of the peer's.

  bench/newsgroups_compare.py                              # 3 rounds of 5 steps, /tmp data
  bench/newsgroups_compare.py --bloc ./bloc --bloc main=/work/main/bloc --threads 2,1
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = "/usr/bin/python3"
LANCBIO = ["inner_steps=5", "m0=1", "m_growth=1.1", "m_period=20", "m_max=80"]
AID_CG = ["inner_steps=10", "cg_steps=5"]


def run(cmd, env=None):
    """Runs cmd; returns (exit status, peak RSS in MB, stderr's tail)."""
    with tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read().decode(errors="replace")[-2000:]
    return p.returncode, ru.ru_maxrss / 1024.0, tail


def bloc_run(bloc, threads, blo, method, steps, out):
    sets = LANCBIO if method == "lancbio" else AID_CG
    cmd = [bloc, "run", blo, "--method", method, "--quiet", "--out", out]
    for kv in sets + [f"outer_steps={steps}", "y_step=1", "x_step=1", f"trace_every={steps}"]:
        cmd += ["--set", kv]
    env = dict(os.environ, BLOC_THREADS=str(threads))
    rc, rss, err = run(cmd, env)
    if rc != 0:
        raise SystemExit(f"{' '.join(cmd)}: exit {rc}\n{err}")
    with open(out) as f:
        r = json.load(f)
    n = r["steps"]
    return {"ms": 1e3 * r["time"]["solve"] / n, "rss": rss,
            "hvp": r["oracle_calls"].get("hvp", 0) / n, "f": r["f"]}


def peer_run(data, method, steps, out):
    cmd = [PY, os.path.join(TOP, "bench", "newsgroups_peer.py"), "--data", data, "--methods",
           method, "--rounds", "1", "--steps", str(steps), "--y-step", "1", "--x-step", "1",
           "--json", out]
    rc, rss, err = run(cmd)
    if rc != 0:
        raise SystemExit(f"{' '.join(cmd)}: exit {rc}\n{err}")
    with open(out) as f:
        j = json.load(f)
    r = j["methods"][method]
    return {"ms": r["mean_ms"], "rss": rss, "hvp": r["hvp"] / r["steps"], "f": j["f"]}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="/tmp/bloc-newsgroups",
                    help="the data directory (generated there when it has no train.svm)")
    ap.add_argument("--bloc", action="append",
                    help="a bloc to time, PATH or LABEL=PATH (repeatable; default ./bloc)")
    ap.add_argument("--threads", default="2",
                    help="BLOC_THREADS of each bloc run, comma-separated (e.g. 2,1)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=5, help="outer steps a run")
    ap.add_argument("--methods", default="lancbio,aid_cg")
    ap.add_argument("--out", help="write every measurement to this JSON file")
    a = ap.parse_args(argv)
    data = os.path.abspath(a.data)
    if not os.path.exists(os.path.join(data, "train.svm")):
        subprocess.run([PY, os.path.join(TOP, "examples", "gen_newsgroups.py"), "--out", data],
                       check=True)
    work = tempfile.mkdtemp(prefix="newsgroups_compare.")
    blo = os.path.join(work, "newsgroups_l2.blo")
    with open(os.path.join(TOP, "examples", "newsgroups_l2.blo")) as f, open(blo, "w") as g:
        g.write(f.read())
    os.symlink(data, os.path.join(work, "newsgroups"))
    blocs = []
    for spec in a.bloc or ["bloc=" + os.path.join(TOP, "bloc")]:
        label, _, path = spec.rpartition("=")
        blocs.append((label or "bloc", os.path.abspath(path)))
    # the contestants: each bloc at each thread count, and the peer
    runs = [(f"{lab} ({t} thr)", "bloc", path, int(t))
            for lab, path in blocs for t in a.threads.split(",")]
    runs.append(("scipy peer", "peer", None, 0))
    methods = a.methods.split(",")
    res = {(name, m): [] for name, *_ in runs for m in methods}
    loads = []
    # a warm-up run of each bloc fills the compile cache, so no round pays for compiling
    for _, path in blocs:
        bloc_run(path, 2, blo, methods[0], 1, os.path.join(work, "warm.json"))
    for rnd in range(a.rounds):
        loads.append(os.getloadavg()[0])
        order = runs[rnd % len(runs):] + runs[:rnd % len(runs)]
        for m in methods:
            for name, kind, path, t in order:
                out = os.path.join(work, "r.json")
                r = (bloc_run(path, t, blo, m, a.steps, out) if kind == "bloc"
                     else peer_run(data, m, a.steps, out))
                res[(name, m)].append(r)
                print(f"round {rnd + 1} {m:8s} {name:22s} {r['ms']:9.1f} ms/step "
                      f"{r['rss']:7.0f} MB  {r['hvp']:.2f} HVP/step  f {r['f']:.6f}",
                      file=sys.stderr, flush=True)
    loads.append(os.getloadavg()[0])
    peer = {m: statistics.median(r["ms"] for r in res[("scipy peer", m)]) for m in methods}
    print(f"newsgroups_compare: {a.rounds} rounds x {a.steps} steps, data {data}, "
          f"load average {min(loads):.1f}-{max(loads):.1f}")
    print(f"{'program':22s} {'method':8s} {'ms/step':>9s} {'peak MB':>8s} {'HVP/step':>8s} "
          f"{'x peer':>7s}")
    table = []
    for name, *_ in runs:
        for m in methods:
            rs = res[(name, m)]
            ms = statistics.median(r["ms"] for r in rs)
            rss = statistics.median(r["rss"] for r in rs)
            hvp = statistics.median(r["hvp"] for r in rs)
            print(f"{name:22s} {m:8s} {ms:9.1f} {rss:8.0f} {hvp:8.2f} {ms / peer[m]:7.2f}")
            table.append({"program": name, "method": m, "ms_per_step": ms, "peak_rss_mb": rss,
                          "hvp_per_step": hvp, "ratio": ms / peer[m],
                          "runs": rs})
    if a.out:
        with open(a.out, "w") as f:
            json.dump({"rounds": a.rounds, "steps": a.steps, "load": loads, "table": table}, f,
                      indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
