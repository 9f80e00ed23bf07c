#!/usr/bin/env python3
"""fewshot_tasks.py - the few-shot linear regression tasks of fewshot_regression.blo, and the
exact optimum of the r-step MAML objective the example minimises.

Task t has its own weights w_t = m + s * N(0, I) around a shared mean m; its K points are
x ~ N(0, I) in R^d, y = x . w_t + noise * N(0, 1). The first KS points of a task are its support
set (the lower level adapts on them), the other K - KS its query set (the upper level judges the
adapted weights there). Writes
  fewshot_X.npy  float64 array (T, K, d): the tasks' inputs, a tensor[T, K, d] in bloc
  fewshot_Y.npy  float64 array (T, K):    their targets
and prints the minimiser w0* of the MAML objective, one number per line (also written to
fewshot_wstar.csv; fewshot_wfom.csv gets the biased point first-order MAML settles at):
  F(w0) = 1/T sum_t Lq_t(w_r^t(w0)),  w_{j+1} = w_j - alpha grad Ls_t(w_j),  w_0 = w0,
with Ls_t, Lq_t the mean squared errors on the support and query points. For squared loss an
inner step is affine, w_{j+1} = M_t w_j + alpha c_t with M_t = I - alpha H_t,
H_t = 2/KS A_t'A_t, c_t = 2/KS A_t'b_t, so w_r = P_t w0 + q_t (P_t = M_t^r) and F is a
quadratic in w0 whose minimiser solves
  [sum_t P_t' C_t' C_t P_t] w0 = sum_t P_t' C_t' (e_t - C_t q_t)
(A_t, b_t the support rows, C_t, e_t the query rows). Pure Python (no numpy), so that the data
can be regenerated anywhere; the output is the same bytes for the same arguments.

usage: fewshot_tasks.py [--out DIR] [--T 40] [--K 10] [--KS 5] [--d 4] [--r 3]
                        [--alpha 0.05] [--seed 1]
"""
import argparse
import os
import random
import struct
import sys


def write_npy(path, shape, values):
    """NPY v1.0, little-endian float64, C order."""
    dims = ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "")
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (%s), }" % dims
    pad = 64 - (10 + len(header) + 1) % 64
    header += " " * (pad % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
        f.write(struct.pack("<%dd" % len(values), *values))


def matvec(a, v):
    return [sum(x * y for x, y in zip(row, v)) for row in a]


def matmul(a, b):
    bt = list(zip(*b))
    return [[sum(x * y for x, y in zip(row, col)) for col in bt] for row in a]


def transpose(a):
    return [list(col) for col in zip(*a)]


def solve(a, b):
    """Gaussian elimination with partial pivoting (a is small and well conditioned here)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for k in range(n):
        p = max(range(k, n), key=lambda i: abs(m[i][k]))
        m[k], m[p] = m[p], m[k]
        for i in range(k + 1, n):
            f = m[i][k] / m[k][k]
            for j in range(k, n + 1):
                m[i][j] -= f * m[k][j]
    x = [0.0] * n
    for k in range(n - 1, -1, -1):
        x[k] = (m[k][n] - sum(m[k][j] * x[j] for j in range(k + 1, n))) / m[k][k]
    return x


def maml_optimum(xs, ys, ks, r, alpha):
    """The minimiser of the r-step MAML objective (see the module comment), and the point where
    first-order MAML's expected step vanishes: FOM drops the Jacobian P_t' of w_r, so its fixed
    point solves [sum_t C_t' C_t P_t] w0 = sum_t C_t' (e_t - C_t q_t) instead."""
    d = len(xs[0][0])
    lhs = [[0.0] * d for _ in range(d)]
    rhs = [0.0] * d
    flhs = [[0.0] * d for _ in range(d)]
    frhs = [0.0] * d
    for x, y in zip(xs, ys):
        a, b, c, e = x[:ks], y[:ks], x[ks:], y[ks:]
        at = transpose(a)
        h = [[2.0 / ks * v for v in row] for row in matmul(at, a)]
        ct = [2.0 / ks * v for v in matvec(at, b)]
        mt = [[(1.0 if i == j else 0.0) - alpha * h[i][j] for j in range(d)] for i in range(d)]
        p = [[1.0 if i == j else 0.0 for j in range(d)] for i in range(d)]
        q = [0.0] * d
        for _ in range(r):
            p = matmul(mt, p)
            q = [u + alpha * v for u, v in zip(matvec(mt, q), ct)]
        cp = matmul(c, p)
        res = [ei - ci for ei, ci in zip(e, matvec(c, q))]
        cpt, ctr = transpose(cp), transpose(c)
        for i in range(d):
            rhs[i] += sum(u * v for u, v in zip(cpt[i], res))
            frhs[i] += sum(u * v for u, v in zip(ctr[i], res))
            for j in range(d):
                lhs[i][j] += sum(u * v for u, v in zip(cpt[i], cpt[j]))
                flhs[i][j] += sum(u * v for u, v in zip(ctr[i], cpt[j]))
    return solve(lhs, rhs), solve(flhs, frhs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--T", type=int, default=40)
    ap.add_argument("--K", type=int, default=10)
    ap.add_argument("--KS", type=int, default=5)
    ap.add_argument("--d", type=int, default=4)
    ap.add_argument("--r", type=int, default=3)
    ap.add_argument("--alpha", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=1)
    o = ap.parse_args()
    if not (0 < o.KS < o.K) or min(o.T, o.d, o.r) < 1:
        sys.exit("fewshot_tasks.py: need 0 < KS < K and T, d, r >= 1")
    rng = random.Random(o.seed)
    mean = [rng.uniform(-2, 2) for _ in range(o.d)]
    xs, ys = [], []
    for _ in range(o.T):
        w = [m + 0.5 * rng.gauss(0, 1) for m in mean]
        x = [[rng.gauss(0, 1) for _ in range(o.d)] for _ in range(o.K)]
        xs.append(x)
        ys.append([sum(a * b for a, b in zip(row, w)) + 0.1 * rng.gauss(0, 1) for row in x])
    write_npy(os.path.join(o.out, "fewshot_X.npy"), (o.T, o.K, o.d),
              [v for x in xs for row in x for v in row])
    write_npy(os.path.join(o.out, "fewshot_Y.npy"), (o.T, o.K), [v for y in ys for v in y])
    wstar, wfom = maml_optimum(xs, ys, o.KS, o.r, o.alpha)
    for name, w in (("fewshot_wstar.csv", wstar), ("fewshot_wfom.csv", wfom)):
        with open(os.path.join(o.out, name), "w") as f:
            f.write("".join("%.17g\n" % v for v in w))
    sys.stdout.write("".join("%.17g\n" % v for v in wstar))


if __name__ == "__main__":
    main()
