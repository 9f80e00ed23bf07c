"""test_bloc.py — the Python module (python/bloc) over libbloc: hyper-cleaning from NumPy
arrays gives bloc run's x to 1e-12; errors raise bloc.CompileError / DataError / OptionError /
SolveError with their location and hints; the progress callback sees the trace and cancels;
Ctrl-C (SIGINT from a thread, or KeyboardInterrupt raised in the callback) stops a solve and
the problem solves again; eval; the trace as a structured array (and a DataFrame with
pandas); two problems on two threads; the library lookup, and the stdlib that the build tree's
library finds. Run by tests/python/run.sh."""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import warnings

import numpy as np

import bloc

HC_TEXT = """problem hc_small
const n = 60
const m = 40
const d = 8
const k = 3
data Xtr  : matrix[n, d] = load_csv("Xtr.csv")
data Ytr  : matrix[n, k] = load_csv("Ytr.csv")
data Xval : matrix[m, d] = load_csv("Xval.csv")
data Yval : matrix[m, k] = load_csv("Yval.csv")
upper lam : vector[n] = 0
lower W   : matrix[d, k] = 0
upper objective f = mean(cross_entropy(Xval @ W, Yval))
lower objective g = mean(sigmoid(lam) * cross_entropy(Xtr @ W, Ytr)) + 0.01 * sumsq(W)
report val_acc = mean(argmax_rows(Xval @ W) == argmax_rows(Yval))
solve lancbio(outer_steps = 40, x_step = 50, y_step = 0.1, inner_steps = 5, m0 = 1,
              m_max = 5, trace_every = 5)
"""
N, M, D, K = 60, 40, 8, 3

QUAD_TEXT = """problem quad
const n = 3
upper x : vector[n] = 1
lower y : vector[n] = 0
upper objective f = sumsq(y - 2)
lower objective g = sumsq(y - x)
solve aid_cg(outer_steps = 50, x_step = 0.2, y_step = 0.5)
"""

# g is not convex in y: aid_cg wanders and warns that it has not converged (test_run_warnings)
NC_TEXT = """problem nc
upper x : scalar = 1
lower y : vector[2] = 0.1
upper objective f = sumsq(y) + x^2
lower objective g = 0.5 * y[0]^2 - 0.01 * y[1]^2 + 0.1 * y[1]^4 + x * sum(y)
solve aid_cg(outer_steps = 20, x_step = 0.1, y_step = 0.1)
"""

# x0 lies outside its box, and y0 reads x (test_eval_at_solve_start)
BOX_TEXT = """problem box
upper x : vector[2] = [5, -3] in [0, 1]
lower y : vector[2] = 10 * x
upper objective f = sumsq(y - 1)
lower objective g = sumsq(y - 2 * x)
solve soba(outer_steps = 0)
"""

# a data stage of about half a second: 4 million normal draws
SLOW_DATA_TEXT = """problem slow
data A : matrix[2000, 2000] = normal(0, 1)
data c : scalar = sum(A) / 2000
upper x : scalar = 0
lower y : scalar = 0
upper objective f = (y - c) ^ 2
lower objective g = (y - x) ^ 2
solve aid_cg(x_step = 0.2, y_step = 0.5)
"""


def hc_data(seed):
    """test_api.c's problem: features normal, labels from a fixed linear rule, a third of the
    training labels flipped (what hyper-cleaning has to find)."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(D, K))
    X = rng.normal(size=(N + M, D))
    best = np.argmax(X @ w, axis=1)
    flip = (np.arange(N + M) < N) & (np.arange(N + M) % 3 == 0)
    best[flip] = (best[flip] + 1) % K
    Y = np.eye(K)[best]
    return {"Xtr": X[:N], "Ytr": Y[:N], "Xval": X[N:], "Yval": Y[N:]}


def hc_files_and_run_x(data, tmp, *flags):
    """The hyper-cleaning program and its data as files in tmp, and the x of `bloc run` on
    them with flags: (the program's path, x)."""
    for name, a in data.items():
        np.savetxt(os.path.join(tmp, name + ".csv"), a, fmt="%.17g", delimiter=",")
    path = os.path.join(tmp, "hc_small.blo")
    with open(path, "w") as f:
        f.write(HC_TEXT)
    subprocess.run([os.environ["BLOC"], "run", path, "--quiet", *flags, "--save-x",
                    os.path.join(tmp, "x.csv")], check=True, stdout=subprocess.DEVNULL)
    return path, np.loadtxt(os.path.join(tmp, "x.csv"))


def hc_problem(data=None, dirname="/nonexistent"):
    p = bloc.compile(text=HC_TEXT, name=os.path.join(dirname, "hc_small.blo"))
    if data is not None:
        p.bind(**data)
    return p


class HyperCleaning(unittest.TestCase):
    def test_same_x_as_bloc_run(self):
        data = hc_data(7)
        with tempfile.TemporaryDirectory() as tmp:
            path, ref = hc_files_and_run_x(data, tmp)
            # the X slices of data are views: bind copies them to C order, the rest in place
            r = hc_problem(data, tmp).solve()
            self.assertEqual(r.stop, "outer_steps")
            self.assertEqual(r.x.shape, (N,))
            self.assertEqual(r.y.shape, (D * K,))
            dx = np.max(np.abs(r.x - ref))
            print("hyper-cleaning from NumPy vs bloc run: max |dx| = %g (max |x| %g)"
                  % (dx, np.max(np.abs(r.x))), file=sys.stderr)
            self.assertLessEqual(dx, 1e-12)
            self.assertGreater(np.max(np.abs(r.x)), 1e-3)  # the weights moved
            # by path, two arrays bound and two loaded from the files
            p = bloc.compile(path)
            p.bind(Xtr=data["Xtr"], Ytr=data["Ytr"])
            self.assertLessEqual(np.max(np.abs(p.solve().x - ref)), 1e-12)

    def test_precision(self):
        # precision= of compile gives bloc run --precision f32's x; a solve asking for another
        # precision than the data were prepared in is refused (it was dropped silently, and the
        # solve ran in f64)
        data = hc_data(7)
        with tempfile.TemporaryDirectory() as tmp:
            path, ref = hc_files_and_run_x(data, tmp, "--precision", "f32")
            p32 = bloc.compile(path, precision="f32")
            self.assertLessEqual(np.max(np.abs(p32.solve().x - ref)), 1e-12)
            p64 = bloc.compile(path)
            with self.assertRaises(bloc.OptionError) as cm:
                p64.solve(precision="f32")
            self.assertIn("compiled for precision f64", str(cm.exception))
            self.assertIn("bloc.compile(precision=", str(cm.exception))
            self.assertGreater(np.max(np.abs(p64.solve(precision="f64").x - ref)), 1e-9)

    def test_result_and_trace(self):
        p = hc_problem(hc_data(1))
        r = p.solve(outer_steps=20, trace_every=5)
        self.assertEqual(r.method, "lancbio")
        self.assertEqual(r.steps, 20)
        self.assertEqual(r["steps"], 20)
        # integers as in the result JSON (r.steps was 20.0); reports and values stay floats
        for k in ("steps", "seed", "best_step", "warnings", "calls_grad_f"):
            self.assertIs(type(r[k]), int, k)
        self.assertIs(type(r.f), float)
        self.assertIs(type(r.val_acc), float)
        self.assertIn("val_acc", r)
        self.assertEqual(r.status, 0)
        self.assertIn("hc_small", r.summary)
        t = r.trace_array
        self.assertEqual(t.shape, (5,))  # steps 0, 5, 10, 15, 20
        self.assertEqual(list(t["step"]), [0, 5, 10, 15, 20])
        self.assertEqual(t["f"][-1], r.f)
        self.assertIn("val_acc", t.dtype.names)
        saved = sys.modules.get("pandas")
        sys.modules["pandas"] = None  # import pandas fails: the trace is the array
        try:
            self.assertIsInstance(r.trace, np.ndarray)
        finally:
            if saved is None:
                del sys.modules["pandas"]
            else:
                sys.modules["pandas"] = saved
        try:
            import pandas
        except ImportError:
            pandas = None
        if pandas is not None:
            df = r.trace
            self.assertIsInstance(df, pandas.DataFrame)
            self.assertEqual(list(df.columns), r.trace_columns)
            self.assertEqual(df["f"].iloc[-1], r.f)
        # x and y are copies owned by Python: another solve does not change them
        x = r.x.copy()
        p.solve(outer_steps=3)
        np.testing.assert_array_equal(r.x, x)

    def test_two_threads(self):
        single = [hc_problem(hc_data(s)).solve().x for s in (11, 12)]
        out = [None, None]

        def job(i):
            out[i] = hc_problem(hc_data(11 + i)).solve().x

        th = [threading.Thread(target=job, args=(i,)) for i in range(2)]
        for t in th:
            t.start()
        for t in th:
            t.join()
        for i in range(2):
            np.testing.assert_array_equal(out[i], single[i])
        self.assertGreater(np.max(np.abs(single[0] - single[1])), 1e-6)


class Errors(unittest.TestCase):
    def test_compile_error(self):
        bad = "problem bad\nupper x : scalar = 0\nlower y : scalar = zz\n"
        with self.assertRaises(bloc.CompileError) as cm:
            bloc.compile(text=bad, name="dir/bad.blo")
        e = cm.exception
        self.assertIsInstance(e, bloc.Error)
        self.assertEqual((e.file, e.line, e.column), ("dir/bad.blo", 3, 20))
        self.assertIn("zz", e.message)
        self.assertTrue(str(e).startswith("dir/bad.blo:3:20: error: "))
        self.assertIn("^", str(e))
        self.assertEqual(e.diagnostics[0].category, "compile")
        with self.assertRaises(bloc.CompileError) as cm:
            bloc.compile("/nonexistent/no.blo")
        self.assertIn("cannot read", str(cm.exception))
        with self.assertRaises(bloc.CompileError) as cm:  # a define naming no constant
            bloc.compile(text=QUAD_TEXT, name="quad.blo", defines={"nn": 5})
        # named as given: no -D, which a Python caller never typed
        self.assertEqual(cm.exception.message, "define nn: 'quad.blo' declares no const named 'nn'")
        self.assertEqual(cm.exception.hint, "did you mean 'n'?")
        self.assertIn("const n = 4 (from define)",
                      bloc.compile(text=QUAD_TEXT, name="quad.blo", defines={"n": 4}).summary)

    def test_compile_arguments(self):
        # neither a path nor text= was told "not both"
        with self.assertRaises(TypeError) as cm:
            bloc.compile()
        self.assertEqual(str(cm.exception), "bloc.compile() needs a path or text=")
        with self.assertRaises(TypeError) as cm:
            bloc.compile("quad.blo", text=QUAD_TEXT)
        self.assertEqual(str(cm.exception), "bloc.compile() takes a path or text=, not both")
        # bytes, a list of defines and a non-str const name leaked AttributeErrors; a NUL in
        # the text cut the program there ("no upper objective")
        with self.assertRaises(TypeError) as cm:
            bloc.compile(text=QUAD_TEXT.encode())
        self.assertIn("text= must be a str, got bytes", str(cm.exception))
        for bad in ([("n", 5)], {3: 5}):
            with self.assertRaises(TypeError) as cm:
                bloc.compile(text=QUAD_TEXT, defines=bad)
            self.assertIn("defines= must be a dict of const names (str)", str(cm.exception))
        with self.assertRaises(bloc.CompileError) as cm:
            bloc.compile(text="upper x = 0\n\0lower y = 0\n", name="nul.blo")
        self.assertIn("nul.blo:2:1: error: unexpected byte 0x00", str(cm.exception))
        self.assertEqual((cm.exception.line, cm.exception.column), (2, 1))  # as bloc check says
        with self.assertRaises(bloc.CompileError) as cm:  # columns in bytes, as bloc's
            bloc.compile(text="upper x = 0\n  \u00e9\0", name="nul.blo")
        self.assertEqual(cm.exception.column, 5)
        # a value that is no number, a name the C string would cut
        with self.assertRaises(TypeError):
            bloc.compile(text=QUAD_TEXT, defines={"n": "abc"})
        with self.assertRaises(TypeError):
            bloc.compile(text=QUAD_TEXT, name="dir/p\0evil.blo")

    def test_prepare_unknown_method(self):
        # a typo in the method list was accepted and compiled every kernel; [] named nothing
        # and prepared for the program's own method
        p = bloc.compile(text=QUAD_TEXT, name="quad.blo")
        with self.assertRaises(bloc.OptionError) as cm:
            p.prepare(["aid_cg", "lancboi"])
        self.assertIn("unknown method 'lancboi'", cm.exception.message)
        self.assertEqual(cm.exception.hint, "did you mean 'lancbio'?")
        with self.assertRaises(bloc.OptionError):
            p.prepare([])
        p.prepare(["aid_cg"])  # still compiled: prepared with good names, it solves
        self.assertEqual(p.solve("aid_cg", outer_steps=2).status, 0)

    def test_bad_env_settings(self):
        # BLOC_CPU naming no CPU level, or a malformed BLOC_SHARD, was a DataError, and the
        # problem failed for good: with the variable fixed, solve() said it had failed to prepare
        p = bloc.compile(text=QUAD_TEXT, name="quad.blo")
        for var, value, says in (("BLOC_CPU", "pentium", "is not a CPU level bloc knows"),
                                 ("BLOC_SHARD", "3/2", "is not RANK/COUNT")):
            old = os.environ.get(var)
            os.environ[var] = value
            try:
                with self.assertRaises(bloc.OptionError, msg=var) as cm:
                    p.prepare()
            finally:
                if old is None:
                    del os.environ[var]
                else:
                    os.environ[var] = old
            self.assertIn("%s='%s' %s" % (var, value, says), str(cm.exception))
            self.assertEqual(cm.exception.diagnostics[0].category, "option")
        self.assertEqual(p.solve(outer_steps=2).status, 0)

    def test_bad_compile_settings(self):
        # a seed outside [0, 2^53 - 1] is refused, never wrapped (ctypes took 2^64 + 5 as 5)
        # or truncated (1.7 as 1); bad values are OptionErrors, not UsageErrors (calls out of
        # order)
        for seed in (2 ** 64 + 5, -1, 1.7, 2 ** 53, "3"):
            with self.assertRaises(bloc.OptionError, msg=repr(seed)) as cm:
                bloc.compile(text=QUAD_TEXT, name="quad.blo", seed=seed)
            self.assertIn("got '%s'" % seed, str(cm.exception))
        self.assertEqual(bloc.compile(text=QUAD_TEXT, name="quad.blo", seed=np.uint64(2 ** 53 - 1))
                         .solve(outer_steps=1).seed, 2 ** 53 - 1)
        with self.assertRaises(bloc.OptionError):
            bloc.compile(text=QUAD_TEXT, name="quad.blo", backend="gpu")
        with self.assertRaises(bloc.OptionError):
            bloc.compile(text=QUAD_TEXT, name="quad.blo", precision="f16")

    def test_solve_seed_repeated_by_bloc_run(self):
        # solve(seed=7) draws with seed 7 on data generated from the compile's seed (1): its
        # JSON said "seed": 7 only, and `bloc run --seed 7` (data from 7 too) gave another x.
        # The JSON's "program" names the data seed; bloc run --data-seed repeats the run.
        text = """problem seeds
const n = 200
data X : matrix[n, 5] = normal(0, 1)
data t : vector[n] = X @ ones(5) + normal(0, 1)
sample B : batch(16) of n
upper a : vector[5] = 0
lower w : vector[5] = 0
upper objective f = 0.5 * sumsq(w - 1) + 0.01 * sumsq(a)
lower objective g = 0.5 * mean((X[B, :] @ w - t[B]) ^ 2) + 0.5 * dot(exp(a), w * w) / n
solve stocbio(outer_steps = 20, x_step = 0.1)
"""
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "seeds.blo")
            with open(path, "w") as f:
                f.write(text)
            out = os.path.join(tmp, "r.json")
            r = bloc.compile(path, defines={"n": 150}).solve(quiet=True, seed=7, result_file=out)
            with open(out) as f:
                j = json.load(f)
            self.assertEqual(j["seed"], 7)
            self.assertEqual(j["program"]["data_seed"], 1)
            self.assertEqual(j["program"]["defines"], {"n": 150})
            self.assertEqual(j["program"]["file"], path)
            self.assertEqual(j["program"]["bloc"], bloc.version())
            def cli(*flags):
                xf = os.path.join(tmp, "x.csv")
                subprocess.run([os.environ["BLOC"], "run", path, "--quiet", "-D", "n=150",
                                *flags, "--save-x", xf], check=True, stdout=subprocess.DEVNULL)
                return np.loadtxt(xf)
            np.testing.assert_array_equal(cli("--seed", "7", "--data-seed", "1"), r.x)
            self.assertFalse(np.array_equal(cli("--seed", "7"), r.x))
            # compiled with seed=11: solve(seed=7) still draws with 7 (the compile's seed was
            # put over it, and every solve seed gave seed 11's run)
            p11 = bloc.compile(path, defines={"n": 150}, seed=11)
            r7 = p11.solve(quiet=True, seed=7, result_file=out)
            with open(out) as f:
                j = json.load(f)
            self.assertEqual((j["seed"], j["program"]["data_seed"]), (7, 11))
            np.testing.assert_array_equal(cli("--seed", "7", "--data-seed", "11"), r7.x)
            self.assertFalse(np.array_equal(p11.solve(quiet=True).x, r7.x))

    def test_empty_box_from_bound_data(self):
        # bound arrays with lo > hi are the data's fault: DataError from solve as from eval
        # (solve raised OptionError); a constrained run says its hypergrad_norm is projected
        src = ("problem box\ndata lo : vector[3] = [0, 0, 0]\ndata hi : vector[3] = [1, 1, 1]\n"
               "upper x : vector[3] = 0.5 in [lo, hi]\nlower y : vector[3] = 0\n"
               "upper objective f = 0.5 * sumsq(y - 1) + 0.5 * sumsq(x)\n"
               "lower objective g = 0.5 * sumsq(y - x)\nsolve aid_cg(outer_steps = 50)\n")
        for call in ("solve", "eval"):
            p = bloc.compile(text=src, name="box.blo")
            p.bind(lo=np.array([0, 2.0, 0]), hi=np.array([1, 1, 1.0]))
            with self.assertRaises(bloc.DataError) as cm:
                p.solve(quiet=True) if call == "solve" else p.eval(what="f")
            self.assertIn("element 1 has the bounds [2, 1]", str(cm.exception))
        p = bloc.compile(text=src, name="box.blo")
        p.bind(lo=np.array([0, 0.9, 0]), hi=np.array([1, 1, 1.0]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = p.solve(quiet=True)
        self.assertEqual(r.stationarity, "projected_gradient")
        self.assertEqual(r.as_dict()["stationarity"], "projected_gradient")
        self.assertEqual(hc_problem(hc_data(5)).solve(quiet=True).stationarity, "gradient")

    def test_infinite_bound_from_bind(self):
        # an infinite element in a bound array from bind: the hint names the array passed to
        # bind, not a file, and the 1e300 that stands for "no bound" (doc/language.md 3a)
        src = ("problem box\ndata lo : vector[3] = [0, 0, 0]\ndata hi : vector[3] = [1, 1, 1]\n"
               "upper x : vector[3] = 0.5 in [lo, hi]\nlower y : vector[3] = 0\n"
               "upper objective f = 0.5 * sumsq(y - 1) + 0.5 * sumsq(x)\n"
               "lower objective g = 0.5 * sumsq(y - x)\nsolve aid_cg(outer_steps = 50)\n")
        cases = ((np.array([0, -np.inf, 0]), np.array([1, np.inf, 1.0]), "lo", "-1e300"),
                 (np.zeros(3), np.array([1, np.inf, 1.0]), "hi", "1e300"))
        for lo, hi, name, big in cases:
            p = bloc.compile(text=src, name="box.blo")
            p.bind(lo=lo, hi=hi)
            with self.assertRaises(bloc.DataError) as cm:
                p.solve(quiet=True)
            e = cm.exception
            self.assertIn("data '%s' (vector[3]) holds" % name, e.message)
            self.assertNotIn("file", e.hint)
            self.assertIn("the array passed to bind for '%s'" % name, e.hint)
            self.assertIn("use %s," % big, e.hint)
        # the stand-in works: 1e300 for the unbounded element, and x[1] goes where f pulls it
        p = bloc.compile(text=src, name="box.blo")
        p.bind(lo=np.array([0, -1e300, 0]), hi=np.array([1, 1e300, 1.0]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = p.solve(quiet=True)
        self.assertTrue(np.all(np.isfinite(r.x)))

    def test_solve_again_from_result_options(self):
        # solve(**options) from a result JSON gives the same run: options.eta, which follows
        # y_step = auto, is the word "y_step" (it held the last estimate as a number, an eta
        # of the user's own fixed from the start, and the trajectory changed)
        text = """problem again
data A : matrix[12, 4] = normal(0, 1)
data b : vector[12] = normal(0, 1)
upper x : scalar = 0.5
lower y : vector[4] = 0
upper objective f = 0.5 * sumsq(y - 1) + 0.05 * x * x
lower objective g = 0.5 * sumsq(A @ y - b) + 0.5 * exp(x) * sumsq(y)
solve stocbio(outer_steps = 40, x_step = 0.5, trace_every = 5, ystep_every = 5)
"""
        p = bloc.compile(text=text, name="again.blo")
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "r.json")
            r = p.solve(quiet=True, seed=3, result_file=out)
            with open(out) as f:
                j = json.load(f)
            self.assertEqual(j["options"]["eta"], "y_step")
            self.assertGreater(j["y_step_auto"]["estimates"], 1)
            r2 = p.solve(j["method"], quiet=True, **j["options"])
            t, t2 = r.trace_array, r2.trace_array
            for name in t.dtype.names:
                if name != "time":
                    np.testing.assert_array_equal(t[name], t2[name], err_msg=name)
            np.testing.assert_array_equal(r.x, r2.x)

    def test_bad_bind(self):
        data = hc_data(5)
        p = hc_problem()
        with self.assertRaises(bloc.DataError) as cm:
            p.bind(Xtrn=data["Xtr"])
        self.assertEqual(cm.exception.hint, "did you mean 'Xtr'?")
        with self.assertRaises(bloc.DataError) as cm:
            p.bind(Xtr=np.zeros((N, D + 1)))
        e = cm.exception
        self.assertEqual((e.line, e.column), (6, 6))  # data Xtr ...
        self.assertIn("matrix[60, 9]", e.message)
        self.assertTrue(str(e).startswith("/nonexistent/hc_small.blo:6:6: error: "))
        with self.assertRaises(bloc.DataError) as cm:
            p.bind(Xtr=np.full((N, D), "a"))
        self.assertIn("dtype <U1", str(cm.exception))
        with self.assertRaises(bloc.DataError):
            p.bind(Xtr=np.zeros(N * D))  # the right size, the wrong rank
        # every array is converted before any is bound: Xtr was bound, then Ytr failed
        q = hc_problem()
        with self.assertRaises(bloc.DataError):
            q.bind(Xtr=data["Xtr"], Ytr=np.full((N, 3), "a"))
        self.assertEqual(q._bound, {})
        # int and float32 arrays are converted; a NaN is refused when the data stage runs
        p.bind(Ytr=data["Ytr"].astype(np.int32), Xtr=data["Xtr"].astype(np.float32))
        yval = data["Yval"].copy()
        yval[1, 2] = np.nan
        p.bind(Xval=data["Xval"], Yval=yval)
        with self.assertRaises(bloc.DataError) as cm:
            p.prepare()
        self.assertEqual(cm.exception.line, 9)
        self.assertIn("nan", cm.exception.message)
        with self.assertRaises(bloc.UsageError) as cm:  # too late to bind
            p.bind(Yval=data["Yval"])
        self.assertIn("failed to prepare", str(cm.exception))  # not "to compile": it did
        # and too late for anything else, as python.md says, even with the array fixed
        yval[1, 2] = 0
        for call in (p.prepare, p.solve, p.eval, lambda: p.set_start(x=np.zeros(N))):
            with self.assertRaises(bloc.UsageError) as cm:
                call()
            self.assertIn("failed to prepare", str(cm.exception))

    def test_take_bound_indices(self):
        # rows picked by indices bound from NumPy (a shuffle made in Python), in the data stage
        # as bloc run picks them; a bound index out of range is a DataError at its subscript
        text = ("data X : matrix[6, 3] = 0\ndata idx : vector[4] = 0\n"
                "data Xs = X[idx, :]\nupper x : vector[3] = 0\nlower y : vector[3] = 0\n"
                "upper objective f = sumsq(y - 1)\n"
                "lower objective g = sumsq(y - x) + sum(Xs @ y)\n"
                "report s = sum(Xs @ [1, 2, 3])\nreport c = sum(X[idx[0:2], 1])\n")
        X = np.arange(18.0).reshape(6, 3) / 4
        idx = np.random.default_rng(2).permutation(6)[:4]
        p = bloc.compile(text=text)
        p.bind(X=X, idx=idx)
        r = p.solve("aid_cg", outer_steps=2, quiet=True)
        self.assertEqual(r.s, float((X[idx] @ [1, 2, 3]).sum()))
        self.assertEqual(r.c, float(X[idx[:2], 1].sum()))
        q = bloc.compile(text=text)
        q.bind(X=X, idx=np.array([0, 1, 6, 2]))
        with self.assertRaises(bloc.DataError) as cm:
            q.prepare()
        e = cm.exception
        self.assertEqual((e.line, e.column), (3, 13))  # data Xs = X[idx, :]
        self.assertIn("index [2] is 6, not a row of the matrix[6, 3]", e.message)

    def test_data_listing(self):
        # what bind takes, as bloc_problem_data_* tell C programs (Python had no way to ask)
        p = hc_problem()
        self.assertEqual(p.data["Xtr"], ((N, D), False))
        self.assertEqual(set(p.data), {"Xtr", "Ytr", "Xval", "Yval"})
        q = bloc.compile(text="data A : sparse[3, 4] = load_mtx(\"a.mtx\")\n"
                              "data s : scalar = 2\nupper x : vector[4] = 0\n"
                              "lower y : vector[4] = 0\nupper objective f = sumsq(y) * s\n"
                              "lower objective g = sumsq(A @ y - 1) + sumsq(y - x)\n")
        self.assertEqual(q.data, {"A": ((3, 4), True), "s": ((), False)})

    def test_variables_and_vars(self):
        # x and y cut into the declared variables (a PyTorch user read the offsets off the
        # summary's text to get W1 as a 3 x 4 array)
        p = bloc.compile(text="upper lam : scalar = 0\nupper s : vector[3] = 1\n"
                              "lower W : matrix[2, 3] = 0\nlower b : vector[2] = 0\n"
                              "upper objective f = sumsq(W - 1) + sumsq(b) + lam ^ 2 + sumsq(s)\n"
                              "lower objective g = sumsq(W - lam) + sumsq(b - s[0:2])\n")
        self.assertEqual(p.variables, {"lam": ("upper", (), 0), "s": ("upper", (3,), 1),
                                       "W": ("lower", (2, 3), 0), "b": ("lower", (2,), 6)})
        r = p.solve("aid_cg", outer_steps=3, quiet=True)
        self.assertEqual(r.var("W").shape, (2, 3))
        np.testing.assert_array_equal(r.var("W").ravel(), r.y[:6])
        np.testing.assert_array_equal(r.var("b"), r.y[6:])
        np.testing.assert_array_equal(r.var("s"), r.x[1:])
        self.assertEqual(r.var("lam").shape, ())
        self.assertEqual(float(r.var("lam")), r.x[0])
        np.testing.assert_array_equal(r.var("W", best=True).ravel(), r.best_y[:6])
        self.assertEqual(list(r.vars), ["lam", "s", "W", "b"])
        with self.assertRaises(KeyError):
            r.var("w")

    def test_report_named_as_attribute(self):
        """A report named as a Result attribute (summary, x, vars) was hidden from r.NAME, which
        gave the attribute without a word (s51 nuN 3): a warning names it and r[name] reads it;
        quiet=True stays quiet."""
        p = bloc.compile(text="upper x = 1\nlower y = 0\n"
                              "upper objective f = (y - 2) ^ 2 + 0.1 * x ^ 2\n"
                              "lower objective g = (y - x) ^ 2\n"
                              "report summary = 2 * y\nreport ok = 3 * y\n", name="rn.blo")
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            r = p.solve("aid_cg", outer_steps=3)
        msgs = [str(x.message) for x in w if "bloc.Result" in str(x.message)]
        self.assertEqual(msgs, ["bloc: report 'summary' has the name of an attribute of "
                                "bloc.Result, which r.summary reads: read the report as "
                                "r['summary']"])
        self.assertAlmostEqual(r["summary"], 2 * r.y[0])
        self.assertAlmostEqual(r.ok, 3 * r.y[0])
        self.assertIsInstance(r.summary, str)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            p.solve("aid_cg", outer_steps=3, quiet=True)
        self.assertEqual([str(x.message) for x in w], [])

    def test_bind_without_copy(self):
        data = {k: np.ascontiguousarray(v) for k, v in hc_data(3).items()}
        p = hc_problem(data)
        self.assertIs(p._bound["Xtr"], data["Xtr"])  # used in place, kept alive
        del data
        self.assertEqual(p.solve(outer_steps=5).steps, 5)

    def test_run_warnings(self):
        """The run's own warnings are BlocWarnings (a silent solve told no one that it had not
        converged), whole, and none with quiet=True."""
        p = bloc.compile(text=NC_TEXT, name="nc.blo")
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            p.solve()
        msgs = [str(x.message) for x in w if issubclass(x.category, bloc.BlocWarning)]
        self.assertTrue(any("the run has not converged" in m and
                            m.endswith(")") and "keep = best saves" in m and
                            "--keep" not in m for m in msgs), msgs)  # the setting, not the flag
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            p.solve(quiet=True)
        self.assertEqual([str(x.message) for x in w], [])
        # warnings made errors (pytest -W error): the result comes with the exception
        with warnings.catch_warnings():
            warnings.simplefilter("error", bloc.BlocWarning)
            with self.assertRaises(bloc.BlocWarning) as cm:
                p.solve()
        self.assertEqual(cm.exception.result.steps, 20)

    def test_unknown_option(self):
        p = hc_problem(hc_data(2))
        with self.assertRaises(bloc.OptionError) as cm:
            p.solve(x_stpe=3)
        self.assertEqual(cm.exception.hint, "did you mean 'x_step'?")
        self.assertIn("unknown option 'x_stpe'", str(cm.exception))
        with self.assertRaises(bloc.OptionError) as cm:
            p.solve("lancbo")
        self.assertEqual(cm.exception.hint, "did you mean 'lancbio'?")
        with self.assertRaises(bloc.OptionError):
            p.solve(inner_steps="many")
        with self.assertRaises(bloc.OptionError):
            p.solve(keep="worst")
        with self.assertRaises(bloc.OptionError):
            p.solve(x_step=[1, 2])
        with self.assertRaises(bloc.OptionError) as cm:  # was AttributeError from .encode()
            p.solve(3)
        self.assertIn("method expects a method name", str(cm.exception))
        with self.assertRaises(bloc.OptionError) as cm:  # was a SolveError, "numerical failure"
            p.solve(outer_steps=2, trace_file="/nonexistent/dir/t.csv")
        self.assertIn("cannot write the trace file", str(cm.exception))
        # options of every type: numbers, words, bools, run settings
        with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
            warnings.simplefilter("ignore", bloc.BlocWarning)  # m0, m_max are lancbio's
            r = p.solve("aid_cg", outer_steps=np.int64(4), x_step=0.5, on_divergence="stop",
                        allow_nonsmooth=False, trace_every=2, keep="last",
                        x_file=os.path.join(tmp, "x.csv"))
            self.assertEqual(r.method, "aid_cg")
            np.testing.assert_array_equal(np.loadtxt(os.path.join(tmp, "x.csv")), r.x)
            # two run settings writing one file: refused before the run, naming both (one
            # of them used to replace the other silently)
            for files in ({"x_file": "same.txt", "y_file": "same.txt"},
                          {"trace_file": "t.csv", "result_file": "./t.csv"}):
                files = {k: os.path.join(tmp, v) for k, v in files.items()}
                with self.assertRaises(bloc.OptionError) as cm:
                    p.solve("aid_cg", outer_steps=2, **files)
                a, b = files
                self.assertRegex(str(cm.exception), "%s .*and %s .*write" % (a, b))
                self.assertFalse(os.path.exists(files[a]))

    def test_solve_line_rule_mended(self):
        # the solve line's tol with UFOM's random estimate (q < 1): refused at the option
        # unless the solve's options mend it (tol=0, q=1, another method); an option that
        # breaks it is named. bloc.compile refused the text before any option was read.
        text = """upper x = 0
lower y = 0
upper objective f = 0.5 * (y - 0.25) ^ 2
lower objective g = 0.5 * (y - 1) ^ 2 + 0.5 * exp(x) * y ^ 2
solve ufom(q = 0.5, tol = 1e-8, outer_steps = 20)
"""
        p = bloc.compile(text=text, name="rnd.blo")
        with self.assertRaises(bloc.OptionError) as cm:
            p.solve()
        self.assertEqual((cm.exception.line, cm.exception.column), (5, 21))
        self.assertIn("ufom's is random (the method draws it)", cm.exception.message)
        self.assertEqual(p.solve(tol=0).method, "ufom")
        self.assertEqual(p.solve(q=1).method, "ufom")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", bloc.BlocWarning)  # q is ufom's
            self.assertEqual(p.solve("lancbio").method, "lancbio")  # tol applies to it
        with self.assertRaises(bloc.OptionError) as cm:  # the last of the two is named
            p.solve(tol=1e-6, q=0.3)
        self.assertIn("option q=0.3: option 'tol' needs", str(cm.exception))

    def test_method_cannot_move_x(self):
        # MAML: y starts from x and g does not use x, so an implicit method's estimate is zero
        # at every step; refused as bloc run refuses it (the shared option resolution), where
        # an unrolled method runs and moves x
        maml = """problem maml
data X : tensor[4, 6, 2] = normal(0, 1)
data Y : matrix[4, 6] = normal(0, 1)
sample t : batch(1) of 4
upper w0 : vector[2] = 0
lower w : vector[2] = w0
upper objective f = 0.5 * mean((X[t][3:6, :] @ w - Y[t, 3:6]) ^ 2)
lower objective g = 0.5 * mean((X[t][0:3, :] @ w - Y[t, 0:3]) ^ 2)
"""
        p = bloc.compile(text=maml, name="maml.blo")
        with self.assertRaises(bloc.OptionError) as cm:
            p.solve("lancbio", outer_steps=3)
        e = cm.exception
        self.assertEqual(e.line, 7)  # the upper objective
        self.assertIn("method 'lancbio' cannot move x here", e.message)
        self.assertIn("use ufom, fom or itd", e.hint)
        self.assertGreater(np.abs(p.solve("itd", outer_steps=3).x).max(), 0)

    def test_numerical_failure(self):
        p = hc_problem(hc_data(2))
        with self.assertRaises(bloc.SolveError) as cm:
            p.solve(x_step=1e200, on_divergence="stop")
        r = cm.exception.result
        self.assertEqual(r.stop, "numerical_failure")
        self.assertTrue(np.all(np.isfinite(r.x)))  # the last good iterate
        self.assertEqual(p.solve(outer_steps=2).steps, 2)

    def test_warning(self):
        p = hc_problem(hc_data(2))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            p.solve("aid_cg", outer_steps=2)  # the solve line's m0, m_max are lancbio's
        self.assertTrue(any(issubclass(x.category, bloc.BlocWarning) for x in w))

    def test_closed(self):
        p = bloc.compile(text=QUAD_TEXT, name="quad.blo")
        p.close()
        with self.assertRaises(bloc.UsageError):
            p.solve()

    def test_close_while_solving(self):
        # close() from the solve's own callback, or from another thread, freed the problem
        # under the solve: a segmentation fault. From the callback it is refused (the
        # UsageError stops the solve); from another thread it waits for the solve.
        p = bloc.compile(text=QUAD_TEXT, name="quad.blo")
        with self.assertRaises(bloc.UsageError) as cm:
            p.solve(trace_every=1, callback=lambda row: p.close())
        self.assertIn("while it is solving", str(cm.exception))
        self.assertEqual(cm.exception.result.stop, "cancelled")
        self.assertEqual(p.solve(outer_steps=3).steps, 3)  # still open

        def nested(row):  # a solve inside the callback does not end the outer one's guard
            p.solve(outer_steps=1)
            p.close()

        with self.assertRaises(bloc.UsageError):
            p.solve(trace_every=1, callback=nested)
        started, done = threading.Event(), []

        def slow(row):
            started.set()
            time.sleep(0.01)

        t = threading.Thread(target=lambda: done.append(p.solve(trace_every=1, callback=slow)))
        t.start()
        started.wait()
        p.close()  # waits for the solve
        t.join()
        self.assertEqual(done[0].steps, 50)
        with self.assertRaises(bloc.UsageError):
            p.solve()


class Progress(unittest.TestCase):
    def setUp(self):
        # Python's own Ctrl-C handling, whatever this process inherited (a shell starts
        # background jobs with SIGINT ignored, and then neither Python nor bloc handle it)
        self.saved_sigint = signal.signal(signal.SIGINT, signal.default_int_handler)

    def tearDown(self):
        signal.signal(signal.SIGINT, self.saved_sigint)

    def test_callback_and_cancel(self):
        p = hc_problem(hc_data(3))
        rows = []

        def cb(row):
            rows.append(row)
            return len(rows) == 3

        r = p.solve(callback=cb)
        self.assertEqual(r.stop, "cancelled")
        self.assertEqual([row["step"] for row in rows], [0, 5, 10])
        self.assertEqual(r.steps, 10)
        self.assertEqual(rows[-1]["f"], r.f)  # the iterate so far
        self.assertEqual(len(r.trace_array), 3)
        self.assertEqual(p.solve(outer_steps=7).stop, "outer_steps")  # usable again

    def test_callback_exception(self):
        p = hc_problem(hc_data(3))

        def cb(row):
            raise ValueError("from the callback")

        with self.assertRaises(ValueError):
            p.solve(callback=cb)
        self.assertEqual(p.solve(outer_steps=3).steps, 3)

    def test_keyboard_interrupt_in_callback(self):
        p = hc_problem(hc_data(4))
        calls = []

        def cb(row):
            calls.append(row["step"])
            if len(calls) == 2:
                raise KeyboardInterrupt

        with self.assertRaises(KeyboardInterrupt) as cm:
            p.solve(callback=cb)
        self.assertEqual(cm.exception.result.steps, 5)
        r = p.solve()
        self.assertEqual((r.stop, r.steps), ("outer_steps", 40))

    def test_sigint_during_solve(self):
        """Ctrl-C: SIGINT sent to the process from a thread while the solve runs, with a trace
        point only every 10^6 steps: the runtime stops after its current step."""
        p = hc_problem(hc_data(4))
        started, done = threading.Event(), threading.Event()

        def cb(row):
            started.set()

        def ctrl_c():
            started.wait(60)
            time.sleep(0.2)
            os.kill(os.getpid(), signal.SIGINT)
            # not stopped 60 s later: fail rather than hang
            if not done.wait(60):
                print("FAIL: SIGINT did not stop the solve", file=sys.stderr, flush=True)
                os._exit(1)

        threading.Thread(target=ctrl_c, daemon=True).start()
        t0 = time.monotonic()
        with self.assertRaises(KeyboardInterrupt) as cm:
            try:
                p.solve(outer_steps=10 ** 9, trace_every=10 ** 6, callback=cb)
            finally:
                done.set()
        r = cm.exception.result
        print("SIGINT stopped the solve after %d steps, %.2f s" % (r.steps, time.monotonic()
              - t0), file=sys.stderr)
        self.assertEqual(r.stop, "interrupted")
        self.assertGreater(r.steps, 0)
        self.assertLess(r.steps, 10 ** 6)  # the runtime's handler, not the next trace point
        self.assertIs(signal.getsignal(signal.SIGINT), signal.default_int_handler)
        r = p.solve()
        self.assertEqual((r.stop, r.steps), ("outer_steps", 40))

    def test_sigint_while_preparing(self):
        """Ctrl-C while the data stage runs (bloc_solve's handler is not installed yet):
        KeyboardInterrupt when the data stage is done, not after a solve of 10^9 steps."""
        p = bloc.compile(text=SLOW_DATA_TEXT, name="slow.blo")
        done = threading.Event()

        def ctrl_c():
            time.sleep(0.05)
            os.kill(os.getpid(), signal.SIGINT)
            if not done.wait(60):
                print("FAIL: SIGINT did not stop the solve", file=sys.stderr, flush=True)
                os._exit(1)

        threading.Thread(target=ctrl_c, daemon=True).start()
        with self.assertRaises(KeyboardInterrupt):
            try:
                p.solve(outer_steps=10 ** 9, trace_every=10 ** 9)
            finally:
                done.set()
        r = p.solve(outer_steps=5)  # prepared once, usable
        self.assertEqual((r.stop, r.steps), ("outer_steps", 5))


class Eval(unittest.TestCase):
    def test_eval(self):
        p = bloc.compile(text=QUAD_TEXT, name="quad.blo", defines={"n": 5})
        self.assertEqual((p.name, p.nx, p.ny), ("quad", 5, 5))
        x, y = np.ones(5), np.array([0, 0, 0, 0, 3.0])
        e = p.eval(x, y, what=["f", "grad_y_g", "hypergrad"])
        self.assertEqual(e["f"], 4 * 4 + 1)
        np.testing.assert_allclose(e["grad_y_g"], 2 * (y - x), atol=1e-12)
        np.testing.assert_allclose(e["hypergrad"], 2 * (y - 2), atol=1e-9)
        self.assertIn(e["hypergrad_solver"], ("cholesky", "eigendecomposition", "cg"))
        # phi(x) = f(x, y*(x)) with y* = x: 5 at x = 1 (n = 5), grad 2 (x - 2) = -2
        e = p.eval(x, y, what="phi,grad_phi,y_star")
        self.assertEqual(set(e), {"phi", "grad_phi", "y_star"})
        self.assertAlmostEqual(e["phi"], 5, delta=1e-9)
        np.testing.assert_allclose(e["grad_phi"], -2, atol=1e-9)
        np.testing.assert_allclose(e["y_star"], x, atol=1e-9)
        self.assertNotIn("g", e)
        # its Hessian 2 I by central differences of grad phi: nx x nx, only by name
        e = p.eval(x, y, what="hess_phi")
        self.assertEqual(e["hess_phi"].shape, (5, 5))
        np.testing.assert_allclose(e["hess_phi"], 2 * np.eye(5), atol=1e-9)
        np.testing.assert_allclose(e["hess_phi_eigenvalues"], 2, atol=1e-9)
        self.assertLess(e["hess_phi_accuracy"], 1e-9)
        self.assertEqual(e["hess_phi_steps"].shape, (5,))
        self.assertGreaterEqual(e["hess_phi_eigenvalue_accuracy"], e["hess_phi_accuracy"])
        self.assertNotIn("hess_phi", p.eval())
        self.assertEqual(set(p.eval()) >= {"f", "g", "hvp_yy", "hvp_xy"}, True)
        with self.assertRaises(bloc.OptionError) as cm:
            p.eval(x, y, what="f,hessian")
        self.assertIn("'hessian'", str(cm.exception))
        with self.assertRaises(bloc.DataError):
            p.eval(np.ones(4), y)
        # a point is flat: a (5, 1) or (1, 5) array was read in its memory order, so a
        # transposed matrix variable was evaluated at the wrong point without a word
        for bad in (x.reshape(5, 1), x.reshape(1, 5)):
            with self.assertRaises(bloc.DataError) as cm:
                p.eval(bad, y)
            self.assertIn("expected a flat vector of 5 numbers", str(cm.exception))
            with self.assertRaises(bloc.DataError):
                p.set_start(x=bad)
        with self.assertRaises(TypeError):
            p.eval(x, y, what=5)
        # a start or a point that is not finite: refused at once, as bloc run --init-x does
        # (a NaN start failed at the first oracle call of every later solve)
        with self.assertRaises(bloc.DataError) as cm:
            p.set_start(x=[1, np.nan, 1, 1, 1])
        self.assertIn("x[1] (0-based) is nan: it must be finite", str(cm.exception))
        with self.assertRaises(bloc.DataError) as cm:
            p.eval(x, [0, 0, np.inf, 0, 0])
        self.assertIn("y[2] (0-based) is inf", str(cm.exception))
        p.set_start(x=x)
        np.testing.assert_allclose(p.solve().x, 2, atol=1e-3)

    def test_eval_at_solve_start(self):
        """The default point is the one solve() starts from: x0 = [5, -3] projected onto [0, 1]
        (the solve's warning), y0 = 10 P(x0) = [10, 0], f = 82; a given x is evaluated as given
        (f = 377 at [2, 0.5]) with a warning. An empty what is an error, as "" is in C."""
        p = bloc.compile(text=BOX_TEXT, name="box.blo")
        moved = re.escape("projected onto it (|x0 - P(x0)| = 5)")
        with self.assertWarnsRegex(bloc.BlocWarning, moved):
            e = p.eval(what=["f", "grad_y_g"])
        self.assertEqual(e["f"], 82)
        np.testing.assert_allclose(e["grad_y_g"], [16, 0], atol=1e-12)
        self.assertEqual(p.solve(outer_steps=0).f, 82)
        with self.assertWarnsRegex(bloc.BlocWarning, "given x lies outside"):
            self.assertEqual(p.eval(x=[2, 0.5], what="f")["f"], 377)
        for what in ([], ""):
            with self.assertRaises(bloc.OptionError) as cm:
                p.eval(what=what)
            self.assertIn("unknown quantity ''", str(cm.exception))


SPARSE_TEXT = """problem sp
const n = 30
const d = 7
data X : sparse[n, d] = load_mtx("x.mtx")
data D : matrix[n, d] = dense(X)
data b : vector[n] = load_csv("b.csv")
upper z : vector[d] = 0.5
lower w : vector[d] = 0
upper objective f = sumsq(X @ w - b) + 0.1 * sum(D @ w)
lower objective g = sumsq(X @ w - b) + sum(exp(z) * w * w)
solve aid_cg(outer_steps = 5)
"""


try:
    import scipy.io
    import scipy.sparse
except ImportError:
    scipy = None


@unittest.skipIf(scipy is None, "no SciPy (Debian: apt-get install python3-scipy)")
class Sparse(unittest.TestCase):
    """A sparse declaration bound from a SciPy matrix gives what its file gives, bit for bit:
    unsorted columns in a row (scipy allows them), other formats converted, int values."""

    def test_bind_scipy(self):
        rng = np.random.default_rng(3)
        a = scipy.sparse.random(30, 7, density=0.3, random_state=4, format="csr")
        a.data = np.round(a.data * 8)  # integers: an int copy binds the same numbers
        a.eliminate_zeros()
        b = rng.standard_normal(30)
        with tempfile.TemporaryDirectory() as tmp:
            scipy.io.mmwrite(os.path.join(tmp, "x.mtx"), a)
            np.savetxt(os.path.join(tmp, "b.csv"), b, fmt="%.17g")
            ref = bloc.compile(text=SPARSE_TEXT, name=os.path.join(tmp, "sp.blo"))
            want = ref.eval(what=["f", "g", "hypergrad"])
            want_x = ref.solve().x
        shuffled = a.copy()
        for i in range(30):  # each row's entries in reverse column order
            lo, hi = shuffled.indptr[i], shuffled.indptr[i + 1]
            shuffled.indices[lo:hi] = shuffled.indices[lo:hi][::-1].copy()
            shuffled.data[lo:hi] = shuffled.data[lo:hi][::-1].copy()
        self.assertFalse(shuffled.has_sorted_indices and a.nnz > 30)
        for m in (shuffled, a.tocoo(), a.tocsc(), a.astype(np.int32)):
            p = bloc.compile(text=SPARSE_TEXT, name="/nonexistent/sp.blo").bind(X=m, b=b)
            got = p.eval(what=["f", "g", "hypergrad"])
            self.assertEqual(got["f"], want["f"])
            self.assertEqual(got["g"], want["g"])
            np.testing.assert_array_equal(got["hypergrad"], want["hypergrad"])
            np.testing.assert_array_equal(p.solve().x, want_x)

    def test_bad_sparse(self):
        p = bloc.compile(text=SPARSE_TEXT, name="/nonexistent/sp.blo")
        with self.assertRaises(bloc.DataError) as cm:
            p.bind(X=scipy.sparse.eye(30, 8, format="csr"))
        self.assertIn("declared sparse[30, 7], but the bound matrix is 30 x 8", str(cm.exception))
        self.assertEqual(cm.exception.line, 4)
        with self.assertRaises(bloc.DataError) as cm:
            p.bind(X=np.zeros((30, 7)))
        self.assertIn("bloc_bind_csr", cm.exception.hint)
        with self.assertRaises(bloc.DataError) as cm:
            p.bind(D=scipy.sparse.eye(30, 7, format="csr"))
        self.assertIn("a sparse matrix cannot be bound", str(cm.exception))
        m = scipy.sparse.eye(30, 7, format="csr")
        m.data[2] = np.inf
        with self.assertRaises(bloc.DataError) as cm:
            p.bind(X=m)
        self.assertIn("the value of entry (3, 3) is not finite", str(cm.exception))
        with self.assertRaises(bloc.DataError) as cm:
            p.bind(X=scipy.sparse.eye(30, 7, dtype=complex, format="csr"))
        self.assertIn("dtype complex128", str(cm.exception))


class Library(unittest.TestCase):
    def run_python(self, code, **env):
        e = dict(os.environ, **env)
        return subprocess.run([sys.executable, "-c", code], env=e, capture_output=True,
                              text=True)

    def test_stdlib_env(self):
        # python.md: the library finds `import "losses"` in $BLOC_STDLIB (a Python process is
        # not in the build tree, so without it only the installed stdlib is looked in)
        code = ("import bloc\ntry:\n bloc.compile(text='problem s\\nimport \"losses\"\\n"
                "upper x : scalar = 0\\nlower y : scalar = 0\\nupper objective f = "
                "logistic(y, 1)\\nlower objective g = (y - x) ^ 2\\n', name='s.blo')\n"
                " print('compiled')\nexcept bloc.CompileError as e:\n print(e)")
        src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "stdlib")
        r = self.run_python(code, BLOC_STDLIB=src)
        self.assertEqual(r.stdout.strip(), "compiled", r.stdout + r.stderr)
        with tempfile.TemporaryDirectory() as empty:
            r = self.run_python(code, BLOC_STDLIB=empty)
        self.assertIn("cannot find module 'losses'", r.stdout, r.stderr)
        self.assertIn(os.path.join(empty, "losses.blo"), r.stdout)

    def test_lookup(self):
        self.assertEqual(bloc.library_path(), os.environ["BLOC_LIBRARY"])
        self.assertRegex(bloc.version(), r"^\d+\.\d+\.\d+$")
        # a wrong BLOC_LIBRARY: import works, the first use says where it looked
        r = self.run_python("import bloc\ntry:\n bloc.version()\nexcept bloc.LibraryError"
                            " as e:\n print(e)", BLOC_LIBRARY="/nonexistent/libbloc.so")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("BLOC_LIBRARY: /nonexistent/libbloc.so", r.stdout)
        self.assertIn("hint: set BLOC_LIBRARY", r.stdout)

    def test_stdlib_of_the_build_tree(self):
        # the build tree's libbloc.so looked for `import "losses"` in the installed stdlib only
        # (Python is no program of the build tree); it takes the source tree's, as bloc does
        env = {k: v for k, v in os.environ.items() if k != "BLOC_STDLIB"}
        code = ("import bloc\np = bloc.compile(text=%r, name='imp.blo')\nprint(p.nx)"
                % 'problem imp\nimport "losses"\nupper x : vector[2] = 0\n'
                  'lower y : vector[2] = 0\nupper objective f = sum(squared(y, [1, -1]))\n'
                  'lower objective g = 0.5 * sumsq(y) - dot(x, y)\n')
        with tempfile.TemporaryDirectory() as tmp:
            r = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp,
                               capture_output=True, text=True)
        self.assertEqual((r.returncode, r.stdout), (0, "2\n"), r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
