#!/usr/bin/env python3
"""scaling_model.py — time per outer step of a data-parallel bloc run on N nodes (issue 18,
doc/scaling.md): compute / N + the collectives of the step. A call's partial sums cost one
allreduce of B bytes,

    t_ar(B, N) = 2 log2(N) alpha + 2 (N - 1) / N * B / beta

(recursive doubling for the latency, reduce-scatter + allgather for the bandwidth: the usual
model of MPI_Allreduce for large messages), and its outputs of owned rows (the gradient and
mixed product with respect to per-row upper variables such as hyper-cleaning's weights,
gathered rather than summed: doc/scaling.md, "Communication volume") one allgather of the
assembled B bytes, of which each rank sends its B / N and receives the rest,

    t_ag(B, N) = log2(N) alpha + (N - 1) / N * B / beta.

The inputs are measured: the compute of one step on one node (seconds), the oracle calls of a
step by kind and the problem's nx and ny, from which the bytes of each call follow. Standard
library only.

  scaling_model.py --compute 0.094 --nx 5000 --ny 7850 --calls grad_g=5,hvp=1.13,mixed=1,grad_f=1
                   [--scale 1000] [--alpha 5e-6] [--beta 3.125e9] [--nodes 1,2,4,...]
                   [--x-summed]

By default the nx-sized outputs (grad_x f, the mixed product) are owned rows, gathered, as for
hyper-cleaning; --x-summed models them allreduced (bloc before the allgather, or an upper
variable that is not per-row). --scale multiplies the rows: compute and the sizes named in
--scale-sizes (default nx, for hyper-cleaning's per-sample weights) grow with it. Prints one
markdown table and the node count past which adding a node saves less than 10% of the step.
"""
import argparse
import math


def call_doubles(kind, nx, ny, x_owned):
    """(doubles allreduced, doubles gathered) by one call (rt_oracle.c: the partial sums of
    the call packed into one allreduce, its owned rows into one allgather)."""
    gx = nx if x_owned else 0
    return {"grad_f": (1 + nx - gx + ny, gx), "grad_g": (1 + ny, 0),
            "fused_g": (1 + 2 * ny, 0), "hvp": (ny, 0), "mixed": (nx - gx, gx),
            "report": (1, 0)}[kind]


def allreduce(nbytes, n, alpha, beta):
    if n == 1 or nbytes == 0:
        return 0.0
    return 2 * math.log2(n) * alpha + 2 * (n - 1) / n * nbytes / beta


def allgather(nbytes, n, alpha, beta):
    if n == 1 or nbytes == 0:
        return 0.0
    return math.log2(n) * alpha + (n - 1) / n * nbytes / beta


def call_time(kind, nx, ny, x_owned, n, alpha, beta):
    summed, gathered = call_doubles(kind, nx, ny, x_owned)
    return allreduce(8 * summed, n, alpha, beta) + allgather(8 * gathered, n, alpha, beta)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--compute", type=float, required=True, help="s per step on one node")
    ap.add_argument("--nx", type=float, required=True)
    ap.add_argument("--ny", type=float, required=True)
    ap.add_argument("--calls", required=True, help="kind=count per step, comma-separated")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--scale-sizes", default="nx", help="which of nx, ny grow with --scale")
    ap.add_argument("--alpha", type=float, default=5e-6, help="latency, s")
    ap.add_argument("--beta", type=float, default=25e9 / 8, help="bandwidth, bytes/s")
    ap.add_argument("--nodes", default="1,2,4,8,16,32,64,128,256,512,1024,2048,4096")
    ap.add_argument("--x-summed", action="store_true",
                    help="allreduce the nx-sized outputs instead of gathering owned rows")
    a = ap.parse_args()
    nx = a.nx * (a.scale if "nx" in a.scale_sizes else 1)
    ny = a.ny * (a.scale if "ny" in a.scale_sizes else 1)
    calls = {k: float(v) for k, v in (kv.split("=") for kv in a.calls.split(","))}
    compute = a.compute * a.scale
    owned = not a.x_summed
    summed = sum(c * 8 * call_doubles(k, nx, ny, owned)[0] for k, c in calls.items())
    gathered = sum(c * 8 * call_doubles(k, nx, ny, owned)[1] for k, c in calls.items())
    print(f"compute {compute:.4g} s/step on one node; {summed / 1e6:.4g} MB allreduced and "
          f"{gathered / 1e6:.4g} MB gathered a step (the assembled size; a rank sends 1/N of "
          f"it); alpha {a.alpha * 1e6:.3g} us, beta {a.beta / 1e9:.4g} GB/s")
    print("| nodes | compute | communication | step | speed-up | efficiency |")
    print("|---:|---:|---:|---:|---:|---:|")
    prev, stop = None, None
    for n in (int(x) for x in a.nodes.split(",")):
        comm = sum(c * call_time(k, nx, ny, owned, n, a.alpha, a.beta)
                   for k, c in calls.items())
        step = compute / n + comm
        print(f"| {n} | {compute / n * 1e3:.4g} ms | {comm * 1e3:.4g} ms | {step * 1e3:.4g} ms "
              f"| {compute / step:.3g} | {compute / step / n:.0%} |")
        if prev is not None and stop is None and step > 0.9 * prev:
            stop = n
        prev = step
    if stop:
        print(f"doubling the nodes saves less than 10% of the step from {stop // 2} to {stop}")


if __name__ == "__main__":
    main()
