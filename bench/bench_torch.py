#!/usr/bin/python3
"""bench_torch.py - the PyTorch side of bloc's kernel benchmark (make bench).

The same kernels as bench/bench_kernels.c, in PyTorch, float64, same shapes and formulas:

  LancBiO synthetic (LANGUAGE.md section 1), x, y in R^n, data c, d, e in R^n, G n x n symmetric:
    f = 0.1 cos(<x, c*y>) + 0.5 |d*x - y|^2
    g = gamma sum sin(x + y) + logsumexp(x*y) + 0.5 <y, e*y> + 0.5 <y, G y>      (gamma = 0.5)
  Data hyper-cleaning (ALGORITHMS.md, reference experiment 2), x = lam in R^m, y = W (nf x nc),
  data X (m x nf), Y one-hot (m x nc), Xv (mv x nf), Yv (mv x nc), CE(Z, Y) = lse_rows(Z) - sum_rows(Z*Y):
    f = mean CE(Xv W, Yv)
    g = mean(sigmoid(lam) * CE(X W, Y)) + 0.01 |W|^2

Kernels (outputs in the order of bloc's kernel slots, runtime/blo_abi.h):
  f         f                      (forward only, under torch.no_grad)
  grad_f    f, grad_x f, grad_y f  (grad_x f of hyper-cleaning is identically zero: returned as zeros)
  grad_y_g  g, grad_y g
  hvp_yy    grad_y <grad_y g, v>   (double backward: autograd.grad(..., create_graph=True))
  hvp_xy    grad_x <grad_y g, v>

Two implementations ("variants") are timed, interleaved round by round:
  autograd   torch.autograd.grad; the HVPs are reverse-over-reverse (double backward).
  functorch  functorch 1.13 (torch.func does not exist before 2.0): grad_and_value for the
             gradients, forward-over-reverse jvp(grad) for the HVPs. No variant for f.
The caller reports the faster of the two for each kernel (bench_kernels stops timing a variant
that took over 3x the fastest one's time on its first call).

PyTorch runs on one thread (torch.set_num_threads(1), set_num_interop_threads(1)); its BLAS is
Debian's OpenBLAS (the same library as bloc's), limited by OPENBLAS_NUM_THREADS=1 (make bench
sets it; this script sets it too when absent, before importing torch).

Usage:
  /usr/bin/python3 bench/bench_torch.py [quick] [--rounds N]
      standalone: random data of the benchmark's shapes, prints one line per kernel and variant
      "torch <problem> <kernel> <variant> <ms per call>" (best of N rounds, variants interleaved).
  /usr/bin/python3 bench/bench_torch.py --serve
      the line protocol bench_kernels speaks over stdin/stdout (see bench/torch_link.c):
        -> "ready torch <version> threads <n> functorch <yes|no>"   (or "unavailable <reason>")
        <- "problem synthetic <n> <file>"            file: c d e G x y v (raw float64)
        <- "problem hyperclean <m> <mv> <nf> <nc> <file>"   file: X Y Xv Yv lam W V
        -> "ok" | "error <message>"
        <- "variants <kernel>"              -> "ok <variant> ..."
        <- "check <kernel> <variant> <file>" -> "ok" (outputs written to file, slots concatenated)
        <- "time <kernel> <variant> <reps>"  -> "ms <time per call>"
        <- "quit"
"""
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

KERNELS = ("f", "grad_f", "grad_y_g", "hvp_yy", "hvp_xy")
GAMMA = 0.5


def import_torch():
    import torch

    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set
        pass
    try:
        import functorch  # noqa: F401  (torch 1.13: functorch; torch >= 2.0 also has torch.func)

        have_ft = hasattr(functorch, "jvp") and hasattr(functorch, "grad_and_value")
    except ImportError:
        have_ft = False
    return torch, have_ft


def synthetic(torch, have_ft, c, d, e, G, x, y, v):
    """Kernels of LancBiO's synthetic problem: {variant: {kernel: fn() -> tuple of outputs}}."""
    dot = torch.dot

    def f_of(x, y):
        r = d * x - y
        return 0.1 * torch.cos(dot(x, c * y)) + 0.5 * dot(r, r)

    def g_of(x, y):
        return (GAMMA * torch.sin(x + y).sum() + torch.logsumexp(x * y, 0) + 0.5 * dot(y, e * y)
                + 0.5 * dot(y, torch.mv(G, y)))

    return kernels(torch, have_ft, f_of, g_of, x, y, v, zero_grad_x_f=False)


def hyperclean(torch, have_ft, X, Y, Xv, Yv, lam, W, V):
    m, mv = X.shape[0], Xv.shape[0]

    def ce(Z, T):
        return torch.logsumexp(Z, 1) - (Z * T).sum(1)

    def f_of(lam, W):
        return ce(Xv @ W, Yv).sum() / mv

    def g_of(lam, W):
        return (torch.sigmoid(lam) * ce(X @ W, Y)).sum() / m + 0.01 * (W * W).sum()

    return kernels(torch, have_ft, f_of, g_of, lam, W, V, zero_grad_x_f=True)


def kernels(torch, have_ft, f_of, g_of, x, y, v, zero_grad_x_f):
    grad = torch.autograd.grad
    xr = x.detach().clone().requires_grad_(True)
    yr = y.detach().clone().requires_grad_(True)

    def k_f():
        with torch.no_grad():
            return (f_of(x, y),)

    def k_grad_f():
        if zero_grad_x_f:  # f does not depend on x: differentiate w.r.t. y only, x's gradient is 0
            fv = f_of(x, yr)
            (gy,) = grad(fv, (yr,))
            return (fv.detach(), torch.zeros_like(x), gy)
        fv = f_of(xr, yr)
        gx, gy = grad(fv, (xr, yr))
        return (fv.detach(), gx, gy)

    def k_grad_y_g():
        gv = g_of(x, yr)
        (gy,) = grad(gv, (yr,))
        return (gv.detach(), gy)

    def k_hvp_yy():
        (gy,) = grad(g_of(x, yr), (yr,), create_graph=True)
        (h,) = grad((gy * v).sum(), (yr,))
        return (h,)

    def k_hvp_xy():
        (gy,) = grad(g_of(xr, yr), (yr,), create_graph=True)
        (h,) = grad((gy * v).sum(), (xr,))
        return (h,)

    out = {"autograd": {"f": k_f, "grad_f": k_grad_f, "grad_y_g": k_grad_y_g, "hvp_yy": k_hvp_yy,
                        "hvp_xy": k_hvp_xy}}
    if have_ft:
        import functorch as ft

        gv_f = ft.grad_and_value(f_of, argnums=(1,) if zero_grad_x_f else (0, 1))
        gv_g = ft.grad_and_value(g_of, argnums=1)
        gy_g = ft.grad(g_of, argnums=1)
        gx_g = ft.grad(g_of, argnums=0)

        def f_grad_f():
            gs, fv = gv_f(x, y)
            if zero_grad_x_f:
                return (fv, torch.zeros_like(x), gs[0])
            return (fv, gs[0], gs[1])

        def f_grad_y_g():
            gy, gv = gv_g(x, y)
            return (gv, gy)

        def f_hvp_yy():  # forward-over-reverse: d/dt grad_y g(x, y + t v)
            return (ft.jvp(lambda yy: gy_g(x, yy), (y,), (v,))[1],)

        def f_hvp_xy():  # d/dt grad_x g(x, y + t v) = grad_x <grad_y g, v> (symmetric 2nd derivative)
            return (ft.jvp(lambda yy: gx_g(x, yy), (y,), (v,))[1],)

        out["functorch"] = {"grad_f": f_grad_f, "grad_y_g": f_grad_y_g, "hvp_yy": f_hvp_yy, "hvp_xy": f_hvp_xy}
    return out


def time_fn(fn, reps):
    t = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t) * 1e3 / reps


# ------------------------------------------------------------------ server (bench_kernels)

def read_tensor_file(torch, path, sizes):
    """The raw float64 arrays of path, in order, as fresh (malloc'ed, not mapped) tensors."""
    out = []
    with open(path, "rb") as fh:
        for n in sizes:
            t = torch.empty(n, dtype=torch.float64)
            view = memoryview(t.numpy()).cast("B")
            got = 0
            while got < len(view):
                k = fh.readinto(view[got:])
                if not k:
                    raise IOError("%s: short file" % path)
                got += k
            out.append(t)
    return out


def serve():
    try:
        torch, have_ft = import_torch()
    except Exception as exc:  # no torch for this interpreter: the caller skips the column
        print("unavailable %s: %s" % (type(exc).__name__, str(exc).replace("\n", " ")), flush=True)
        return 0
    print("ready torch %s threads %d functorch %s" % (torch.__version__, torch.get_num_threads(),
                                                     "yes" if have_ft else "no"), flush=True)
    ks = None
    for line in sys.stdin:
        w = line.split()
        if not w:
            continue
        try:
            if w[0] == "quit":
                break
            elif w[0] == "problem":
                ks = None  # drop the previous problem's tensors first
                if w[1] == "synthetic":
                    n = int(w[2])
                    c, d, e, G, x, y, v = read_tensor_file(torch, w[3], [n, n, n, n * n, n, n, n])
                    ks = synthetic(torch, have_ft, c, d, e, G.view(n, n), x, y, v)
                elif w[1] == "hyperclean":
                    m, mv, nf, nc = (int(a) for a in w[2:6])
                    X, Y, Xv, Yv, lam, W, V = read_tensor_file(
                        torch, w[6], [m * nf, m * nc, mv * nf, mv * nc, m, nf * nc, nf * nc])
                    ks = hyperclean(torch, have_ft, X.view(m, nf), Y.view(m, nc), Xv.view(mv, nf), Yv.view(mv, nc),
                                    lam, W.view(nf, nc), V.view(nf, nc))
                else:
                    raise ValueError("unknown problem " + w[1])
                print("ok", flush=True)
            elif w[0] == "variants":
                print("ok " + " ".join(name for name in ks if w[1] in ks[name]), flush=True)
            elif w[0] == "check":
                outs = ks[w[2]][w[1]]()
                with open(w[3], "wb") as fh:
                    for o in outs:
                        fh.write(o.detach().reshape(-1).contiguous().numpy().tobytes())
                print("ok", flush=True)
            elif w[0] == "time":
                print("ms %.9g" % time_fn(ks[w[2]][w[1]], int(w[3])), flush=True)
            else:
                raise ValueError("unknown command " + w[0])
        except Exception as exc:
            print("error %s: %s" % (type(exc).__name__, str(exc).replace("\n", " ")), flush=True)
    return 0


# ------------------------------------------------------------------ standalone

def standalone(quick, rounds):
    torch, have_ft = import_torch()
    gen = torch.Generator().manual_seed(42)

    def unif(shape, lo, hi):
        return torch.rand(shape, dtype=torch.float64, generator=gen) * (hi - lo) + lo

    print("# PyTorch %s, %d thread(s), functorch %s; times: best of %d rounds (variants interleaved), ms per call"
          % (torch.__version__, torch.get_num_threads(), "yes" if have_ft else "no", rounds))
    print("# torch <problem> <kernel> <variant> <ms>")
    problems = []
    for n in ((200,) if quick else (1000, 10000)):
        def make(n=n):
            G = unif((n, n), -1, 1) / n
            G = (G + G.T) / 2
            G.diagonal().copy_(unif(n, 1, 2))
            return synthetic(torch, have_ft, unif(n, -5, 5), unif(n, 0.1, 1.1), unif(n, 0, GAMMA), G,
                             unif(n, -1, 1), unif(n, -1, 1), unif(n, -1, 1))
        problems.append(("synthetic_n%d" % n, make))
    m, mv, nf, nc = (500, 400, 785, 10) if quick else (5000, 5000, 785, 10)

    def make_hc():
        def onehot(k):
            return torch.nn.functional.one_hot(torch.randint(0, nc, (k,), generator=gen), nc).double()
        X, Xv = unif((m, nf), -1, 1), unif((mv, nf), -1, 1)
        X[:, -1] = 1
        Xv[:, -1] = 1
        return hyperclean(torch, have_ft, X, onehot(m), Xv, onehot(mv), unif(m, -2, 2), unif((nf, nc), -0.1, 0.1),
                          unif((nf, nc), -1, 1))
    problems.append(("hyperclean", make_hc))
    round_ms = 5 if quick else 40
    for name, make in problems:
        ks = make()
        for k in KERNELS:
            fns = [(var, ks[var][k]) for var in ks if k in ks[var]]
            reps, best = {}, {}
            for var, fn in fns:
                fn()
                reps[var] = max(1, int(round_ms / max(time_fn(fn, 1), 1e-4)))
                best[var] = float("inf")
            for _ in range(rounds):
                for var, fn in fns:
                    best[var] = min(best[var], time_fn(fn, reps[var]))
            for var, _ in fns:
                print("torch %s %s %s %.6g" % (name, k, var, best[var]), flush=True)
        del ks
    return 0


def main(argv):
    if "--serve" in argv:
        return serve()
    quick = "quick" in argv
    rounds = 3 if quick else 7
    if "--rounds" in argv:
        rounds = int(argv[argv.index("--rounds") + 1])
    return standalone(quick, rounds)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
