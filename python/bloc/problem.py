"""A compiled bilevel problem: bind data, solve, evaluate (over api/bloc.h)."""
import ctypes
import numbers
import os
import signal
import threading

import numpy as np

from . import _lib
from .errors import CompileError, DataError, Diagnostic, OptionError, UsageError, check
from .result import Result

# keyword arguments of solve() that are settings of the run, not options of the method
RUN_SETTINGS = ("trace_file", "result_file", "x_file", "y_file", "keep", "console", "quiet")
_SCALARS = ("f", "g", "hypergrad_residual", "lower_hessian_min_eig", "phi",
            "grad_phi_projected_norm", "hess_phi_accuracy", "hess_phi_asymmetry",
            "hess_phi_eigenvalue_accuracy")
_EVAL_ITEMS = ("f", "g", "grad_x_f", "grad_y_f", "grad_y_g", "hvp_yy", "hvp_xy", "hypergrad",
               "hypergrad_residual", "lower_hessian_min_eig", "phi", "grad_phi",
               "grad_phi_projected_norm", "y_star", "hess_phi", "hess_phi_accuracy",
               "hess_phi_asymmetry", "hess_phi_steps", "hess_phi_eigenvalues",
               "hess_phi_eigenvalue_accuracy")


def _py_error(cls, message, hint=None, category="data", at=None):
    """An error found on the Python side, with a diagnostic as the library would make it;
    at: (file, line, column) of a location in a program's text."""
    where = "%s:%d:%d: " % at if at else "bloc: "
    text = where + "error: " + message + ("\nhint: " + hint if hint else "")
    f, line, col = at if at else (None, 0, 0)
    d = Diagnostic("error", category, f, line, col, message, hint, text)
    return cls(text, [d])


def _float64(what, value, size=None, flat=False):
    """value as a C-contiguous float64 NumPy array: the same array, not a copy, when it is
    one already. DataError for what is not real numbers, or not `size` numbers; with flat,
    also for an array of more than one dimension (a point packs its variables: a (3, 2)
    array where a matrix[2, 3] is declared would be read in the wrong order)."""
    try:
        a = np.asarray(value)
    except Exception as e:  # e.g. ragged nested lists
        raise _py_error(DataError, "%s: cannot be read as an array: %s" % (what, e)) from None
    if a.dtype.kind not in "biuf":
        raise _py_error(DataError, "%s: expected real numbers, got an array of dtype %s"
                        % (what, a.dtype), "convert it with numpy.asarray(..., dtype=float)")
    if flat and a.ndim > 1:
        raise _py_error(DataError, "%s: expected a flat vector of %d numbers, got an array of "
                        "shape %s" % (what, size, a.shape),
                        "a point packs its variables in declaration order, each row-major: "
                        "flatten a matrix variable with .ravel() (numpy.concatenate for several)")
    a = np.require(a, np.float64, ["C_CONTIGUOUS", "ALIGNED"])
    if size is not None and a.size != size:
        raise _py_error(DataError, "%s: expected %d numbers, got %d (shape %s)"
                        % (what, size, a.size, a.shape))
    return a


def _csr(name, value):
    """A SciPy sparse matrix as the struct bloc_csr points into; its arrays live as long as
    the struct (bloc_bind_csr copies them)."""
    m = value.tocsr()
    if len(m.shape) != 2:
        raise _py_error(DataError, "data %s: expected a sparse matrix, got shape %s"
                        % (name, m.shape))
    if m.dtype.kind not in "biuf":
        raise _py_error(DataError, "data %s: expected real numbers, got a sparse matrix of "
                        "dtype %s" % (name, m.dtype), "convert it with .astype(float)")
    parts = [np.require(a, t, ["C_CONTIGUOUS", "ALIGNED"]) for a, t in
             ((m.indptr, np.int64), (m.indices, np.int64), (m.data, np.float64))]
    s = _lib.Csr(m.shape[0], m.shape[1], *(a.ctypes.data for a in parts))
    s._keep = parts
    return s


def _seed(seed):
    """seed as the uint64 bloc_set_seed takes, which checks its range: ctypes would wrap a
    larger or negative int modulo 2^64 and int() truncate a fraction, a different seed."""
    try:
        ok = not isinstance(seed, (bool, str, bytes)) and int(seed) == seed and 0 <= seed < 2 ** 64
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise _py_error(OptionError, "seed expects an integer in [0, %d], got '%s'"
                        % (2 ** 53 - 1, seed), category="option")
    return int(seed)


def _option_value(key, v):
    """An option's value as the string the C API takes."""
    if isinstance(v, bool) or isinstance(v, np.bool_):
        return "true" if v else "false"
    if isinstance(v, numbers.Integral):
        return str(int(v))
    if isinstance(v, numbers.Real):
        return repr(float(v))  # the shortest text that reads back as the same double
    if isinstance(v, (str, os.PathLike)):
        return os.fspath(v)
    raise _py_error(OptionError, "option %s: expected a number, a string or a bool, got %r"
                    % (key, v), category="option")


class _Progress:
    """The progress callback handed to the C API: the user's callback with each trace row
    as a dict; any exception it raises (KeyboardInterrupt too) stops the solve and is raised
    again once bloc_solve has returned."""

    def __init__(self, callback):
        self.callback, self.names, self.exc = callback, None, None

    def __call__(self, user, ncols, names, values):
        try:
            if self.names is None:
                self.names = [_lib.text(names[j]) for j in range(ncols)]
            row = {self.names[j]: values[j] for j in range(ncols)}
            return 1 if self.callback(row) else 0
        except BaseException as e:  # noqa: B036 -- carried over the C frames
            self.exc = e
            return 1


class Problem:
    """A compiled .blo program (bloc.compile makes one). Attributes: name, nx, ny (the sizes
    of the upper and lower variables), summary (what `bloc check` prints). Methods: bind,
    prepare, set_start, solve, eval, close. One thread at a time uses a problem; different
    problems may be solved at once from different threads."""

    def __init__(self):
        L = _lib.lib()
        h = ctypes.c_void_p()
        if L.bloc_problem_new(ctypes.byref(h)) != _lib.OK:
            raise MemoryError("bloc: out of memory")
        self._h = h
        self._bound = {}  # name -> the array bloc reads in place: it must outlive the handle
        self._lock = threading.RLock()
        self._prepared = False
        self._solving = 0  # bloc_solves running (a callback may solve again): none may close

    # -------------------------------------------------------------- lifetime
    def close(self):
        """Free the problem (also done when it is garbage collected). From another thread
        it waits for a solve in progress; from the solve's own callback it is refused."""
        lock = getattr(self, "_lock", None)
        if lock is None:  # __init__ failed before the handle existed
            return
        with lock:  # the RLock lets the solving thread's callback in: the flag stops it
            if self._solving:
                raise _py_error(UsageError, "close: the problem cannot be freed while it is "
                                "solving (called from the solve's callback)", category="usage")
            h, self._h = getattr(self, "_h", None), None
            if h:
                _lib.lib().bloc_problem_free(h)
            self._bound = {}

    def __del__(self):
        try:
            self.close()
        except Exception:  # at interpreter exit the library may be gone already
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _handle(self):
        if not self._h:
            raise _py_error(UsageError, "the problem was closed", category="usage")
        return self._h

    # -------------------------------------------------------------- compiling
    def _compile(self, path, text, name, defines, backend, seed, precision):
        L, h = _lib.lib(), self._handle()
        for k, v in (defines or {}).items():
            check(h, L.bloc_define(h, k.encode(), float(v)))
        if backend is not None:
            check(h, L.bloc_set_backend(h, backend.encode()))
        if precision is not None:
            check(h, L.bloc_set_precision(h, precision.encode()))
        if seed is not None:
            check(h, L.bloc_set_seed(h, _seed(seed)))
        if text is not None:
            st = L.bloc_compile_string(h, os.fsencode(name), text.encode())
        else:
            st = L.bloc_compile_file(h, os.fsencode(path))
        check(h, st)

    @property
    def name(self):
        return _lib.text(_lib.lib().bloc_problem_name(self._handle()))

    @property
    def nx(self):
        return _lib.lib().bloc_problem_nx(self._handle())

    @property
    def ny(self):
        return _lib.lib().bloc_problem_ny(self._handle())

    @property
    def data(self):
        """The data declarations, which bind() takes: {name: (shape, sparse)}, the shape a
        tuple as bind wants it (() for a scalar) and sparse True for a sparse[m, n] one."""
        L, h = _lib.lib(), self._handle()
        out = {}
        for i in range(L.bloc_problem_data_count(h)):
            dims = (ctypes.c_int64 * 3)()
            rank = L.bloc_problem_data_shape(h, i, dims)
            out[_lib.text(L.bloc_problem_data_name(h, i))] = (
                tuple(dims[:max(rank, 0)]), L.bloc_problem_data_sparse(h, i) == 1)
        return out

    @property
    def variables(self):
        """The variables, upper then lower, each in declaration order: {name: (level, shape,
        offset)}, level "upper" (part of x) or "lower" (part of y), shape a tuple (() for a
        scalar), offset the variable's first element in x or y (row-major within it).
        Result.vars and Result.var(name) cut x and y into them."""
        L, h = _lib.lib(), self._handle()
        out = {}
        for i in range(L.bloc_problem_var_count(h)):
            dims = (ctypes.c_int64 * 3)()
            level, off = ctypes.c_int(), ctypes.c_int64()
            rank = L.bloc_problem_var_shape(h, i, dims, ctypes.byref(level), ctypes.byref(off))
            out[_lib.text(L.bloc_problem_var_name(h, i))] = (
                "lower" if level.value else "upper", tuple(dims[:max(rank, 0)]), off.value)
        return out

    @property
    def summary(self):
        return _lib.text(_lib.lib().bloc_problem_summary(self._handle()))

    def __repr__(self):
        if not self._h:
            return "<bloc.Problem (closed)>"
        return "<bloc.Problem %s nx=%d ny=%d>" % (self.name, self.nx, self.ny)

    # -------------------------------------------------------------- data
    def bind(self, **arrays):
        """Give data declarations their values instead of their loaders: bind(X=array, ...).
        Each array must have the declared shape (a scalar, vector[n], matrix[m, n], ...);
        anything NumPy reads as real numbers is converted to float64. A C-contiguous float64
        array is used in place, not copied: do not change it while the problem is alive (the
        problem keeps a reference to it). A sparse[m, n] declaration takes a SciPy sparse
        matrix or array (any format: it is converted to CSR), which is checked and copied.
        Before the first solve, eval or prepare. Every array is converted before any is bound,
        so one that is not real numbers binds none; the library then checks each against its
        declaration in turn, and one it refuses leaves those before it bound. Returns the
        problem."""
        L = _lib.lib()
        with self._lock:
            h = self._handle()
            ready = []  # converted first: a conversion error binds nothing
            for name, value in arrays.items():
                if hasattr(value, "tocsr") and hasattr(value, "nnz"):  # scipy.sparse
                    ready.append((name, _csr(name, value), True))
                else:
                    ready.append((name, _float64("data %s" % name, value), False))
            for name, a, sparse in ready:
                if sparse:
                    check(h, L.bloc_bind_csr(h, name.encode(), ctypes.byref(a)))
                    self._bound.pop(name, None)  # copied: nothing to keep alive
                    continue
                dims = (ctypes.c_int64 * max(a.ndim, 1))(*a.shape)
                check(h, L.bloc_bind(h, name.encode(), a.ctypes.data, a.ndim, dims))
                self._bound[name] = a
        return self

    def prepare(self, methods=None):
        """Run the data stage and compile the kernels now (solve and eval do it when
        needed): methods is a method name or a list of them, None for the program's own,
        "all" for every kernel."""
        if methods is not None and not isinstance(methods, str):
            methods = ",".join(methods)
        with self._lock:
            h = self._handle()
            check(h, _lib.lib().bloc_prepare(h, None if methods is None else methods.encode()))
            self._prepared = True
        return self

    def set_start(self, x=None, y=None):
        """Start later solves from x (nx numbers) and/or y (ny numbers) instead of the
        program's initial values; with only x, a lower initialiser that reads x follows it."""
        with self._lock:
            h = self._handle()
            xa = None if x is None else _float64("start x", x, self.nx, flat=True)
            ya = None if y is None else _float64("start y", y, self.ny, flat=True)
            check(h, _lib.lib().bloc_set_start(h, None if xa is None else xa.ctypes.data,
                                               None if ya is None else ya.ctypes.data))
        return self

    # -------------------------------------------------------------- solving
    def solve(self, method=None, *, callback=None, **options):
        """Solve the problem and return a Result.

        method: a method name (None: the program's `solve` line). options: the method's
        options as keyword arguments (outer_steps=200, x_step=0.5, on_divergence="stop",
        ...: `bloc help METHOD`), over the program's; numbers, strings and bools (None leaves
        an option as the program has it, as if it were not given). Also the
        run settings trace_file, result_file, x_file, y_file (write bloc run's files), keep
        ("best" or "last"), console (print progress on stderr as bloc run does), quiet.

        callback(row) is called at every trace point with the trace row as a dict (step, f,
        hypergrad_norm, ...); a true return stops the solve (Result.stop "cancelled"). An
        exception raised by the callback stops the solve and is raised from solve().

        Ctrl-C (SIGINT) stops the solve after its current step and raises KeyboardInterrupt
        (its .result holds the iterate reached); the problem can be solved again. Raises
        OptionError for an unknown option (with a did-you-mean hint) or an output file it
        cannot write, DataError for data the solve could not load, SolveError on numerical
        failure (.result: the last good iterate)."""
        if method is not None and not isinstance(method, str):
            raise _py_error(OptionError, "solve: method expects a method name (a string), got "
                            "%r" % (method,), category="option")
        L = _lib.lib()
        with self._lock:
            h = self._handle()
            if not self._prepared:
                # The data stage and the JIT first, on their own: a Ctrl-C while they run is
                # raised by Python when they return, not after a whole solve. ERR_STATE: the
                # problem is prepared already (a KeyboardInterrupt here last time skipped the
                # flag), or cannot be, which bloc_solve reports.
                st = L.bloc_prepare(h, method.encode() if method else None)
                if st != _lib.ERR_STATE:
                    check(h, st)
                self._prepared = True
            o = ctypes.c_void_p()
            if L.bloc_options_new(ctypes.byref(o)) != _lib.OK:
                raise MemoryError("bloc: out of memory")
            progress = _Progress(callback) if callback is not None else None
            try:
                _fill_options(L, o, method, options)
                out = ctypes.c_void_p()
                cfn = _lib.PROGRESS_FN(progress) if progress else _lib.PROGRESS_FN()
                self._solving += 1
                try:
                    st = L.bloc_solve(h, o, cfn, None, ctypes.byref(out))
                finally:
                    self._solving -= 1
                result = None
                if out:
                    try:
                        result = Result(out, self.variables,
                                        quiet=bool(options.get("quiet")))
                    finally:
                        L.bloc_result_free(out)
            finally:
                L.bloc_options_free(o)
            if progress is not None and progress.exc is not None:
                check(h, _lib.OK)  # its warnings
                _attach(progress.exc, result)
                raise progress.exc
            if st == _lib.INTERRUPTED and result is not None:
                check(h, _lib.OK)
                _interrupted(result)
                return result
            check(h, st, accept=(_lib.OK, _lib.CANCELLED), result=result)
            return result

    # -------------------------------------------------------------- evaluating
    def eval(self, x=None, y=None, v=None, what=None):
        """Evaluate the oracles once, what `bloc eval` prints: at (x, y) (None: the initial
        point), v the direction of the Hessian-vector products (None: ones). what: a list
        (or comma-separated string) of f, g, grad_x_f, grad_y_f, grad_y_g, hvp_yy, hvp_xy,
        hypergrad, phi, grad_phi, y_star, hess_phi; None (or "all") for all but hess_phi (asked
        for by name: the Hessian of phi, an nx x nx array, with hess_phi_accuracy,
        hess_phi_asymmetry, hess_phi_steps, hess_phi_eigenvalues and
        hess_phi_eigenvalue_accuracy), and an empty list or name is an OptionError, as in C. The default point is the one solve() starts from: the initial
        x projected onto its constraints (a warning says so), y0 at that x when its
        initialiser reads x; a given x is evaluated as given, with a warning when it lies
        outside them. hypergrad is the implicit-function formula at (x, y), grad phi(x) only
        where grad_y g = 0 (a warning says so elsewhere); phi, grad_phi and y_star are
        f(x, y*(x)), its gradient and y*(x), with y*(x) solved by Newton (Newton-CG over 2000
        lower variables; g strongly convex in y; a problem with sample sets over all its
        data). Returns a dict: f, g, phi (floats) and
        the vectors (NumPy arrays); with hypergrad also hypergrad_residual, hypergrad_solver
        and, when the lower Hessian is not positive definite there, lower_hessian_min_eig.
        SolveError when the hypergradient or phi fails, or a value is not finite there (.result:
        the values, NaN or inf included)."""
        if what is not None and not isinstance(what, str):
            if not (hasattr(what, "__iter__") and all(isinstance(w, str) for w in what)):
                raise TypeError("eval(): what= must be a str or a list of str, got %r" % (what,))
            what = ",".join(what)
        L = _lib.lib()
        with self._lock:
            h = self._handle()
            pts = [None if a is None else _float64("eval %s" % n, a, size, flat=True)
                   for n, a, size in (("x", x, self.nx), ("y", y, self.ny), ("v", v, self.ny))]
            e = ctypes.c_void_p()
            st = L.bloc_eval_at(h, None if what is None else what.encode(),
                                *[None if a is None else a.ctypes.data for a in pts],
                                ctypes.byref(e))
            self._prepared = self._prepared or bool(e)
            values = None
            if e:
                try:
                    values = _eval_values(L, e)
                finally:
                    L.bloc_eval_free(e)
            check(h, st, result=values)
            return values


def _fill_options(L, o, method, options):
    """The bloc_options o of solve(method, **options)."""
    if method is not None:
        L.bloc_options_method(o, method.encode())
    for k, v in options.items():
        if v is not None:
            setter = L.bloc_options_run if k in RUN_SETTINGS else L.bloc_options_set
            setter(o, k.encode(), _option_value(k, v).encode())
    # The runtime's own SIGINT handler stops a solve after its current step, wherever it is;
    # Python's runs only between bytecodes. Signal handlers are the main thread's business,
    # so only a solve there takes them over.
    if threading.current_thread() is threading.main_thread():
        L.bloc_options_run(o, b"signals", b"on")


def _eval_values(L, e):
    values, ptr, n = {}, ctypes.POINTER(ctypes.c_double)(), ctypes.c_int64()
    for name in _EVAL_ITEMS:
        if L.bloc_eval_get(e, name.encode(), ctypes.byref(ptr), ctypes.byref(n)) == _lib.OK:
            a = np.ctypeslib.as_array(ptr, shape=(n.value,)).copy()
            values[name] = float(a[0]) if name in _SCALARS else a
    if "hess_phi" in values:  # nx rows of nx
        h = values["hess_phi"]
        values["hess_phi"] = h.reshape(int(round(len(h) ** 0.5)), -1)
    solver = L.bloc_eval_hypergrad_solver(e)
    if solver:
        values["hypergrad_solver"] = _lib.text(solver)
    return values


def _attach(exc, result):
    try:
        exc.result = result
    except AttributeError:  # an exception type without a __dict__
        pass


def _interrupted(result):
    """A signal stopped the solve (the runtime's handler had it, Python's did not): Ctrl-C
    becomes KeyboardInterrupt; another signal is sent again, now to Python's handler."""
    sig = int(result.fields.get("signal", signal.SIGINT))
    if sig == signal.SIGINT and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        exc = KeyboardInterrupt()
        exc.result = result
        raise exc
    os.kill(os.getpid(), sig)


def compile(path=None, *, text=None, name=None, defines=None, backend=None, seed=None,
            precision=None):
    """Compile a .blo program: from the file `path`, or from the string `text` (named `name`
    in messages, "<string>" by default; relative imports and data paths resolve against
    name's directory). defines: {"n": 100, ...} overrides `const` declarations (as bloc's
    -D); backend: "jit" (default) or "interp"; seed: the data stage's seed and the solves'
    default; precision: "f64" or "f32", how the kernels store the data (as bloc run
    --precision; None: the program's). Raises CompileError with the diagnostics' file, line
    and column."""
    if (path is None) == (text is None):
        raise TypeError("bloc.compile() takes a path or text=, not both" if path is not None
                        else "bloc.compile() needs a path or text=")
    if text is not None and not isinstance(text, str):
        raise TypeError("bloc.compile(): text= must be a str, got %s%s" % (
            type(text).__name__, " (decode it: text.decode())" if isinstance(
                text, (bytes, bytearray)) else ""))
    if text is not None and "\0" in text:  # the C string would end there, silently
        at = text.index("\0")
        start = text.rfind("\n", 0, at) + 1  # the column in bytes, as bloc check counts it
        line, col = text.count("\n", 0, at) + 1, len(text[start:at].encode()) + 1
        raise _py_error(CompileError, "unexpected byte 0x00", category="compile",
                        at=(name or "<string>", line, col))
    if name is not None and (not isinstance(name, str) or "\0" in name):
        raise TypeError("bloc.compile(): name= must be a str without NUL bytes, got %r" % (name,))
    if defines is not None and not (hasattr(defines, "items") and all(
            isinstance(k, str) and isinstance(v, numbers.Real) for k, v in defines.items())):
        raise TypeError("bloc.compile(): defines= must be a dict of const names (str) to "
                        "numbers, got %r" % (defines,))
    p = Problem()
    p._compile(path, text, name or "<string>", defines, backend, seed, precision)
    return p
