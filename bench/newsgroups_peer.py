#!/usr/bin/python3
"""newsgroups_peer.py — the SciPy sparse + NumPy peer of bloc on the 20 Newsgroups problem.

Issue 17, item 3: one L2 weight per feature of a 20-class logistic regression,
    lower  g(zeta, W) = mean_i CE(X_tr W, Y_tr)_i + (1/(2 d c)) sum_j exp(zeta_j) sum_k W_jk^2
    upper  f(W)       = mean_i CE(X_val W, Y_val)_i,        zeta = 0 at the start,
with W (d x c) the lower variable. This script times one outer step of AID-CG and of LancBiO
written as a careful user of SciPy would write them (sparse products with the CSR data, the
softmax of the current W computed once and reused by every Hessian-vector product of the step),
following /work/shared/design/ALGORITHMS.md (doc/design/ALGORITHMS.md in the tree) and bloc's
defaults: AID-CG T = 10 gradient steps on W, Q = 5 warm-started CG steps on A v = b (Q + 1
HVPs); LancBiO T = 5, one Lanczos vector a step, m0 = 1, rho = 1.1, F = 20, m_max = 80.

It prints one line with the median time a step of each method, the data's shape and the peak
resident memory of the process (ru_maxrss), to set beside `bloc run`'s figures. The data are
DIR/train.svm and DIR/val.svm (optionally .gz) as examples/gen_newsgroups.py writes them, or,
without --data, a stand-in it generates with that script (--features, --docs).

  bench/newsgroups_peer.py --data /tmp/news                  # the full-size files
  bench/newsgroups_peer.py --features 20000 --docs 1000      # generate, then time
  bench/newsgroups_peer.py --selftest                        # derivatives and hypergradient
                                                             # against finite differences

Threads: SciPy's sparse products and NumPy's elementwise work run on one thread; only the
dot products go through BLAS (OPENBLAS_NUM_THREADS, printed). The line says which NumPy and
SciPy it ran with.
"""
import argparse
import gzip
import json
import math
import os
import resource
import sys
import tempfile
import time

import numpy as np
import scipy
import scipy.linalg
import scipy.sparse as sp

CLASSES = 20


# ------------------------------------------------------------------ data

def load_svm(path, d):
    """A LIBSVM file into (CSR matrix n x d, integer labels), parsed by NumPy in C."""
    opener = gzip.open if open(path, "rb").read(2) == b"\x1f\x8b" else open
    with opener(path, "rb") as f:
        text = f.read()
    lines = text.splitlines()
    per_line = np.array([ln.count(b":") for ln in lines if ln.strip()], dtype=np.int64)
    nums = np.fromstring(text.replace(b":", b" "), sep=" ")  # whitespace-separated, in C
    del text, lines
    n = per_line.size
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(1 + 2 * per_line, out=starts[1:])
    if nums.size != starts[-1]:
        raise SystemExit(f"{path}: not a LIBSVM file of 'label idx:value ...' lines")
    labels = nums[starts[:-1]].astype(np.int64)
    mask = np.ones(nums.size, dtype=bool)
    mask[starts[:-1]] = False
    pairs = nums[mask].reshape(-1, 2)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(per_line, out=indptr[1:])
    cols = pairs[:, 0].astype(np.int64) - 1
    if cols.size and (cols.min() < 0 or cols.max() >= d):
        raise SystemExit(f"{path}: a feature index outside 1..{d}")
    X = sp.csr_matrix((pairs[:, 1].copy(), cols.astype(np.int32), indptr), shape=(n, d))
    return X, labels


def onehot(labels, c):
    Y = np.zeros((labels.size, c))
    Y[np.arange(labels.size), labels] = 1.0
    return Y


def find_split(d, name):
    for p in (os.path.join(d, name + ".svm"), os.path.join(d, name + ".svm.gz")):
        if os.path.exists(p):
            return p
    raise SystemExit(f"{d}: no {name}.svm or {name}.svm.gz")


# ------------------------------------------------------------------ the problem

def softmax(Z):
    Z = Z - Z.max(axis=1, keepdims=True)
    np.exp(Z, out=Z)
    Z /= Z.sum(axis=1, keepdims=True)
    return Z


def mean_ce(X, Y, W):
    Z = X @ W
    m = Z.max(axis=1, keepdims=True)
    lse = (m + np.log(np.exp(Z - m).sum(axis=1, keepdims=True))).ravel()
    return float(np.mean(lse - (Y * Z).sum(axis=1)))


class Problem:
    """The oracles, as ALGORITHMS.md names them (x = zeta, y = W)."""

    def __init__(self, Xtr, Ytr, Xval, Yval):
        self.Xtr, self.Ytr, self.Xval, self.Yval = Xtr, Ytr, Xval, Yval
        self.XtrT, self.XvalT = Xtr.T.tocsr(), Xval.T.tocsr()  # one-time CSR copies of X'
        self.d, self.c = Xtr.shape[1], Ytr.shape[1]
        self.s = 1.0 / (self.d * self.c)
        self.nhvp = 0  # HVPs computed (the timing prints them per step)

    def g(self, zeta, W):
        return mean_ce(self.Xtr, self.Ytr, W) + 0.5 * self.s * float(np.exp(zeta) @ (W * W).sum(1))

    def f(self, W):
        return mean_ce(self.Xval, self.Yval, W)

    def scale(self, zeta):
        """sez = exp(zeta) / (d c), the penalty's weights, which every oracle below takes."""
        return self.s * np.exp(zeta)

    def grad_y_g(self, sez, W):
        """The gradient in W, and the training softmax P at W."""
        P = softmax(self.Xtr @ W)
        G = self.XtrT @ ((P - self.Ytr) / self.Xtr.shape[0])
        G += sez[:, None] * W
        return G, P

    def grad_y_f(self, W):
        P = softmax(self.Xval @ W)
        return self.XvalT @ ((P - self.Yval) / self.Xval.shape[0])

    def hvp(self, sez, P, V):
        """A V = (d^2 g / dW^2) V at the W whose training softmax is P."""
        self.nhvp += 1
        U = self.Xtr @ V
        R = P * U
        R -= P * R.sum(axis=1, keepdims=True)
        out = self.XtrT @ (R / self.Xtr.shape[0])
        out += sez[:, None] * V
        return out

    def mixed(self, sez, W, V):
        """J V = (d^2 g / dzeta dW) V, a vector over the features."""
        return sez * (W * V).sum(axis=1)


def vdot(a, b):
    return float(np.vdot(a, b))


class State:
    def __init__(self, d, c):
        self.zeta = np.zeros(d)
        self.W = np.zeros((d, c))
        self.v = np.zeros((d, c))
        self.hg = np.zeros(d)


def lower_steps(pb, st, ez, T, theta):
    for _ in range(T):
        G, _ = pb.grad_y_g(ez, st.W)
        st.W -= theta * G


def upper_step(pb, st, ez, lam):
    """x <- x - lambda (grad_x f - J v); grad_x f = 0 here."""
    st.hg = -pb.mixed(ez, st.W, st.v)
    st.zeta -= lam * st.hg


class AidCg:
    """T gradient steps on W, then Q CG steps on A v = b from the previous v."""

    def __init__(self, T=10, Q=5):
        self.T, self.Q = T, Q

    def step(self, pb, st, k, theta, lam):
        ez = pb.scale(st.zeta)
        lower_steps(pb, st, ez, self.T, theta)
        b = pb.grad_y_f(st.W)
        P = softmax(pb.Xtr @ st.W)
        r = b - pb.hvp(ez, P, st.v)
        p = r.copy()
        rs = vdot(r, r)
        for _ in range(self.Q):
            if rs == 0:
                break
            Ap = pb.hvp(ez, P, p)
            a = rs / vdot(p, Ap)
            st.v += a * p
            r -= a * Ap
            rs_new = vdot(r, r)
            p *= rs_new / rs
            p += r
            rs = rs_new
        upper_step(pb, st, ez, lam)


class LancBio:
    """Dynamic Lanczos, ALGORITHMS.md's pseudo-code line by line, with bloc's residual watch
    (doc/methods.md): every 10 steps one HVP measures |A v - b|, and a rise at 3 consecutive
    checks by 100x in all restarts the basis, so that both do the same products a step."""

    WATCH, RISES, GROWTH, FLOOR = 10, 3, 100.0, 1e-10

    def __init__(self, T=5, m0=1, rho=1.1, F=20, m_max=80):
        self.T, self.m, self.rho, self.F, self.m_max = T, m0, rho, F, m_max
        self.restart_due, self.j = True, 0
        self.watch = []  # (|A v - b|, |b|) at the last RISES + 1 checks, oldest first

    def watch_residual(self, pb, st, ez, P, b, k):
        if (k + 1) % self.WATCH != 0:
            return
        rho = float(np.linalg.norm(pb.hvp(ez, P, st.v) - b))
        self.watch = (self.watch + [(rho, float(np.linalg.norm(b)))])[-(self.RISES + 1):]
        if len(self.watch) < self.RISES + 1:
            return
        if not all(self.watch[i + 1][0] > self.watch[i][0] for i in range(self.RISES)):
            return
        r0, b0 = self.watch[0]
        if rho >= self.GROWTH * r0 and r0 > self.FLOOR * b0:
            self.restart_due, self.watch = True, []

    def restart(self, pb, st, ez, P, b):
        self.vbar = st.v.copy()
        self.w = pb.hvp(ez, P, self.vbar)
        r0 = b - self.w
        rn = math.sqrt(vdot(r0, r0))
        self.j, self.beta, self.restart_due = 0, 0.0, False
        if not rn > 1e-15 * max(math.sqrt(vdot(b, b)), math.sqrt(vdot(self.w, self.w))):
            self.restart_due = True
            return False
        self.Q = [r0 / rn]
        self.alpha, self.offd = [], []
        return True

    def step(self, pb, st, k, theta, lam):
        ez = pb.scale(st.zeta)
        lower_steps(pb, st, ez, self.T, theta)
        b = pb.grad_y_f(st.W)
        P = softmax(pb.Xtr @ st.W)
        if k > 0 and k % self.F == 0:
            self.m = min(math.ceil(self.rho * self.m), self.m_max)
        if (self.restart_due or self.j >= self.m) and not self.restart(pb, st, ez, P, b):
            self.watch_residual(pb, st, ez, P, b, k)
            upper_step(pb, st, ez, lam)
            return
        r = b - self.w
        q = self.Q[self.j]
        u = pb.hvp(ez, P, q)
        if self.j > 0:
            u -= self.beta * self.Q[self.j - 1]
        a = vdot(q, u)
        self.j += 1
        self.alpha.append(a)
        if self.j >= 2:
            self.offd.append(self.beta)
        rhs = np.array([vdot(Qi, r) for Qi in self.Q[:self.j]])
        ab = np.zeros((3, self.j))
        ab[0, 1:], ab[1], ab[2, :-1] = self.offd, self.alpha, self.offd
        s = scipy.linalg.solve_banded((1, 1), ab, rhs)
        st.v = self.vbar.copy()
        for i in range(self.j):
            st.v += s[i] * self.Q[i]
        omega = u - a * q
        beta = math.sqrt(vdot(omega, omega))
        if not beta > 1e-12 * max(math.sqrt(vdot(u, u)), abs(a)):
            self.restart_due = True
        else:
            self.beta = beta
            self.Q.append(omega / beta)
            # bloc's orthogonality check: a new vector repeating old directions restarts
            if self.j < self.m and max(abs(vdot(Qi, self.Q[-1])) for Qi in self.Q[:-1]) > 1e-2:
                self.restart_due = True
        self.watch_residual(pb, st, ez, P, b, k)
        upper_step(pb, st, ez, lam)


# ------------------------------------------------------------------ self test

def A_at(pb, ez, P, d, c):
    """The lower Hessian as a dense (d c) x (d c) matrix, column by column (tiny sizes only)."""
    return np.column_stack([pb.hvp(ez, P, e.reshape(d, c)).ravel() for e in np.eye(d * c)])

def random_problem(rng, n, d, c, density):
    def X(m):
        M = sp.random(m, d, density=density, random_state=rng, format="csr")
        M.data = rng.standard_normal(M.data.size)
        return M
    return Problem(X(n), onehot(rng.integers(0, c, n), c), X(n), onehot(rng.integers(0, c, n), c))


def lower_solution(pb, zeta, W0):
    """W*(zeta) by Newton's method with the dense Hessian (tiny sizes only)."""
    ez = pb.scale(zeta)
    W = W0.copy()
    for _ in range(50):
        G, P = pb.grad_y_g(ez, W)
        if np.abs(G).max() < 1e-15:
            break
        W -= np.linalg.solve(A_at(pb, ez, P, *W.shape), G.ravel()).reshape(W.shape)
    return W


def selftest():
    rng = np.random.default_rng(3)
    n, d, c = 30, 12, 4
    pb = random_problem(rng, n, d, c, 0.3)
    zeta = np.log(d * c) + 0.5 * rng.standard_normal(d)  # exp(zeta)/(d c) ~ 1: well conditioned
    ez = pb.scale(zeta)
    W = 0.3 * rng.standard_normal((d, c))
    V = rng.standard_normal((d, c))
    h = 1e-5
    ok = True

    def report(name, got, want, tol):
        nonlocal ok
        err = np.abs(got - want).max() / max(1e-300, np.abs(want).max())
        good = err < tol
        ok &= good
        print(f"{'ok' if good else 'FAIL'}: {name}: relative error {err:.2e} (tolerance {tol:g})")

    G, P = pb.grad_y_g(ez, W)
    fd = (pb.g(zeta, W + h * V) - pb.g(zeta, W - h * V)) / (2 * h)
    report("grad_W g . V against a central difference of g", np.array(vdot(G, V)), np.array(fd),
           1e-7)
    fd = (pb.grad_y_g(ez, W + h * V)[0] - pb.grad_y_g(ez, W - h * V)[0]) / (2 * h)
    report("HVP against a central difference of grad_W g", pb.hvp(ez, P, V), fd, 1e-7)
    u = rng.standard_normal(d)
    fd = (pb.grad_y_g(pb.scale(zeta + h * u), W)[0] - pb.grad_y_g(pb.scale(zeta - h * u), W)[0]) \
        / (2 * h)
    report("mixed product against a central difference of grad_W g in zeta",
           np.array(vdot(pb.mixed(ez, W, V), u)), np.array(vdot(fd, V)), 1e-7)
    bf = pb.grad_y_f(W)
    fd = (pb.f(W + h * V) - pb.f(W - h * V)) / (2 * h)
    report("grad_W f . V against a central difference of f", np.array(vdot(bf, V)), np.array(fd),
           1e-7)

    # the exact hypergradient at W*(zeta) against finite differences of phi = f(W*(zeta))
    Ws = lower_solution(pb, zeta, np.zeros((d, c)))
    _, Ps = pb.grad_y_g(ez, Ws)
    v = np.linalg.solve(A_at(pb, ez, Ps, d, c), pb.grad_y_f(Ws).ravel()).reshape(d, c)
    hg = -pb.mixed(ez, Ws, v)
    hz = 1e-4
    fd = np.empty(d)
    for j in range(d):
        e = np.zeros(d)
        e[j] = hz
        fd[j] = (pb.f(lower_solution(pb, zeta + e, Ws)) - pb.f(lower_solution(pb, zeta - e, Ws))) \
            / (2 * hz)
    report("hypergradient at W* against central differences of f(W*(zeta))", hg, fd, 1e-6)

    # each method's hypergradient estimate converges to it at a fixed zeta (x_step = 0)
    for name, meth, steps in (("AID-CG", AidCg(), 40), ("LancBiO", LancBio(m0=10, m_max=10), 100)):
        st = State(d, c)
        st.zeta = zeta.copy()
        for k in range(steps):
            meth.step(pb, st, k, 0.5, 0.0)
        Ws = lower_solution(pb, zeta, st.W)
        _, Ps = pb.grad_y_g(ez, Ws)
        v = np.linalg.solve(A_at(pb, ez, Ps, d, c), pb.grad_y_f(Ws).ravel()).reshape(d, c)
        report(f"{name}: its hypergradient after {steps} steps at a fixed zeta",
               st.hg, -pb.mixed(ez, Ws, v), 1e-6)
    print(f"newsgroups_peer selftest: {'passed' if ok else 'FAILED'}")
    return 0 if ok else 1




# ------------------------------------------------------------------ timing

def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help="directory with train.svm and val.svm (.gz accepted)")
    ap.add_argument("--features", type=int, default=130107, help="d (of --data too)")
    ap.add_argument("--docs", type=int, default=5657,
                    help="without --data: documents of the generated train and val splits")
    ap.add_argument("--seed", type=int, default=1, help="without --data: the generator's seed")
    ap.add_argument("--steps", type=int, default=10, help="timed steps of each method a round")
    ap.add_argument("--rounds", type=int, default=3,
                    help="rounds, each AID-CG then LancBiO (interleaved); the median is printed")
    ap.add_argument("--y-step", type=float, default=1.0,
                    help="theta (bloc: y_step; its default is estimated, `auto`)")
    ap.add_argument("--x-step", type=float, default=1.0, help="lambda (bloc's default: 1)")
    ap.add_argument("--methods", default="aid_cg,lancbio",
                    help="the methods timed, comma-separated (aid_cg, lancbio)")
    ap.add_argument("--json", help="also write the figures to this file as JSON")
    ap.add_argument("--selftest", action="store_true",
                    help="check the derivatives and the hypergradient at a tiny size and exit")
    a = ap.parse_args(argv)
    if a.selftest:
        return selftest()
    d = a.features
    if a.data:
        ddir = a.data
    else:
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                        "examples"))
        import gen_newsgroups
        tmp = tempfile.TemporaryDirectory()
        ddir = tmp.name
        gen_newsgroups.main(["--out", ddir, "--features", str(d), "--docs", str(a.docs),
                             "--test-docs", "1", "--seed", str(a.seed)])
    t0 = time.perf_counter()
    Xtr, ltr = load_svm(find_split(ddir, "train"), d)
    Xval, lval = load_svm(find_split(ddir, "val"), d)
    c = max(CLASSES, int(max(ltr.max(), lval.max())) + 1)
    if min(ltr.min(), lval.min()) < 0:
        raise SystemExit("labels must be 0..c-1")
    pb = Problem(Xtr, onehot(ltr, c), Xval, onehot(lval, c))
    t_load = time.perf_counter() - t0
    rss_load = peak_rss_mb()
    make = {"aid_cg": AidCg, "lancbio": LancBio}
    names = [m for m in a.methods.split(",") if m]
    if not names or any(m not in make for m in names):
        raise SystemExit(f"--methods: a comma-separated list of {', '.join(make)}")
    methods = {m: (make[m](), State(d, c), []) for m in names}
    k = {name: 0 for name in methods}
    hvps = {name: 0 for name in methods}
    for _ in range(a.rounds):
        for name, (meth, st, times) in methods.items():
            h0 = pb.nhvp
            for _ in range(a.steps):
                t = time.perf_counter()
                meth.step(pb, st, k[name], a.y_step, a.x_step)
                times.append(time.perf_counter() - t)
                k[name] += 1
            hvps[name] += pb.nhvp - h0
    for name, (meth, st, times) in methods.items():
        if not np.all(np.isfinite(st.zeta)) or not np.all(np.isfinite(st.W)):
            raise SystemExit(f"{name}: the iterates are not finite (lower --x-step or --y-step)")
    med = {name: 1e3 * float(np.median(times)) for name, (_, _, times) in methods.items()}
    label = {"aid_cg": "aid_cg (T=10, Q=5)", "lancbio": "lancbio (T=5)"}
    last = names[-1]
    st = methods[last][1]
    blas = os.environ.get("OPENBLAS_NUM_THREADS", os.environ.get("OMP_NUM_THREADS", "default"))
    per = " | ".join(f"{label[m]} {med[m]:.1f} ms/step" for m in names)
    print(f"peer scipy-sparse: n_train={Xtr.shape[0]} n_val={Xval.shape[0]} d={d} c={c} "
          f"nnz_train={Xtr.nnz} nnz_val={Xval.nnz} | {per} | "
          f"median of {a.rounds}x{a.steps} interleaved steps, theta {a.y_step:g}, lambda "
          f"{a.x_step:g} | peak RSS {peak_rss_mb():.0f} MB "
          f"({rss_load:.0f} MB after loading, {t_load:.1f} s) | f(W) = {pb.f(st.W):.6f} after "
          f"{k[last]} {last} steps | numpy {np.__version__} scipy {scipy.__version__}, "
          f"sparse products on 1 thread, BLAS threads {blas}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"methods": {m: {"median_ms": med[m],
                                       "mean_ms": 1e3 * float(np.mean(methods[m][2])),
                                       "steps": k[m], "hvp": hvps[m]} for m in names},
                       "peak_rss_mb": peak_rss_mb(), "load_s": t_load,
                       "f": pb.f(st.W)}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
