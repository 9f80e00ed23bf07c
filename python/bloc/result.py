"""The result of a solve: x, y, the trace and the result's fields, copied into Python."""
import ctypes
import importlib
import warnings

import numpy as np

from . import _lib
from .errors import BlocWarning


def _vector(ptr, n):
    """A NumPy copy of n doubles at ptr (the C result is freed after copying)."""
    if n <= 0 or not ptr:
        return np.zeros(0)
    return np.ctypeslib.as_array(ptr, shape=(n,)).copy()


def _pandas():
    """pandas when it can be imported, else None (checked at each use: optional)."""
    try:
        return importlib.import_module("pandas")
    except ImportError:
        return None


# The result JSON's integer fields (steps, best_step, seed, counts): ints, as the JSON has them
# (r.steps was 3.0); the C API hands every field over as a double.
_INT_FIELDS = ("steps", "best_step", "seed", "warnings", "recoveries", "signal")


def _counts(name):
    return name in _INT_FIELDS or name.startswith(("calls_", "diag_calls_"))


def _as_int(v):
    return int(v) if v == v and abs(v) != float("inf") and v == int(v) else v


class Result:
    """What a solve reached. Attributes: x, y, best_x, best_y (NumPy arrays), trace (a pandas
    DataFrame when pandas is importable, else trace_array), trace_array (a NumPy structured
    array, one record a trace point, fields named as the trace CSV's columns), stop (why it
    stopped: "outer_steps", "tol", "cancelled", "interrupted", "numerical_failure"), method,
    status (the bloc_status, 0 for success), message, summary (as bloc run prints it),
    stationarity (what hypergrad_norm measures: "projected_gradient", |x - P(x - d)|, when the
    upper variables are constrained, else "gradient", |d|), and
    fields: the scalar fields of the result JSON (steps, f, g, hypergrad_norm, t_solve,
    calls_f, each report, ...), also readable as r.f or r["f"] (a report named as one of these
    attributes only as r["name"]: r.name is the attribute, and a warning says so); vars (each variable of x and y
    as an array of its declared shape, by name) and var(name, best=False)."""

    def __init__(self, handle, variables=None, quiet=False):
        self._variables = variables or {}
        L, t = _lib.lib(), _lib.text
        n = ctypes.c_int64()
        self.status = L.bloc_result_status(handle)
        self.stop = t(L.bloc_result_stop(handle))
        self.method = t(L.bloc_result_method(handle))
        self.message = t(L.bloc_result_message(handle)) or ""
        self.summary = t(L.bloc_result_summary(handle)) or ""
        self.stationarity = t(L.bloc_result_stationarity(handle))
        self.x = _vector(L.bloc_result_x(handle, ctypes.byref(n)), n.value)
        self.y = _vector(L.bloc_result_y(handle, ctypes.byref(n)), n.value)
        self.best_x = _vector(L.bloc_result_best_x(handle, ctypes.byref(n)), n.value)
        self.best_y = _vector(L.bloc_result_best_y(handle, ctypes.byref(n)), n.value)
        v = ctypes.c_double()
        self.fields = {}
        for i in range(L.bloc_result_field_count(handle)):
            name = L.bloc_result_field(handle, i)
            if L.bloc_result_get(handle, name, ctypes.byref(v)) == _lib.OK:
                key = t(name)
                self.fields[key] = _as_int(v.value) if _counts(key) else v.value
        # A report named as an attribute (x, summary, vars, ...) is hidden from r.NAME, which
        # gives the attribute: a sweep reading getattr(r, name) for each report got an array
        # or a string without a word (s51 nuN 3). Said once, unless quiet; r[name] reads it.
        shadowed = [k for k in self.fields if k in self.__dict__ or hasattr(Result, k)]
        if shadowed and not quiet:
            one = len(shadowed) == 1
            warnings.warn("bloc: %s %s %s of bloc.Result, which r.%s reads: read %s as %s" % (
                "report" if one else "reports", ", ".join(repr(k) for k in shadowed),
                "has the name of an attribute" if one else "have the names of attributes",
                shadowed[0] if one else "NAME", "the report" if one else "them",
                ", ".join("r[%r]" % k for k in shadowed)), BlocWarning, stacklevel=3)
        rows, cols = L.bloc_result_trace_rows(handle), L.bloc_result_trace_cols(handle)
        self.trace_columns = [t(L.bloc_result_trace_column(handle, j)) for j in range(cols)]
        table = _vector(L.bloc_result_trace(handle), rows * cols).reshape(rows, cols)
        self._table = np.ascontiguousarray(table)

    @property
    def trace_array(self):
        """The trace as a NumPy structured array (one float64 field a column)."""
        names, seen = [], set()
        for c in self.trace_columns:  # structured fields must be unique
            name, k = c, 1
            while name in seen:
                k += 1
                name = "%s_%d" % (c, k)
            seen.add(name)
            names.append(name)
        dtype = np.dtype([(c, np.float64) for c in names])
        return self._table.view(dtype).reshape(self._table.shape[0]).copy()

    def var(self, name, best=False):
        """Variable `name` at the end (best=True: at best_x/best_y) as an array of its declared
        shape (a copy; a scalar is a 0-d array), cut from x or y by Problem.variables."""
        if name not in self._variables:
            raise KeyError("bloc.Result: no variable %r (the problem's: %s)" % (
                name, ", ".join(self._variables) or "none known"))
        level, shape, off = self._variables[name]
        v = (self.best_x if best else self.x) if level == "upper" else (
            self.best_y if best else self.y)
        n = int(np.prod(shape)) if shape else 1
        return np.array(v[off:off + n]).reshape(shape)

    @property
    def vars(self):
        """{name: array of its declared shape} for every variable, upper then lower, at the end."""
        return {name: self.var(name) for name in self._variables}

    @property
    def trace(self):
        """The trace: a pandas DataFrame when pandas is importable, else trace_array."""
        pd = _pandas()
        if pd is None:
            return self.trace_array
        return pd.DataFrame(self._table.copy(), columns=self.trace_columns)

    def __getattr__(self, name):
        fields = self.__dict__.get("fields", {})
        if name in fields:
            return fields[name]
        raise AttributeError("bloc.Result has no field %r" % name)

    def __getitem__(self, name):
        return self.fields[name]

    def __contains__(self, name):
        return name in self.fields

    def keys(self):
        return self.fields.keys()

    def as_dict(self):
        """Every field, with x, y, stop, method, status and message, as a dict."""
        d = dict(self.fields)
        d.update(x=self.x, y=self.y, stop=self.stop, method=self.method, status=self.status,
                 message=self.message, stationarity=self.stationarity)
        return d

    def __repr__(self):
        f = self.fields
        return "<bloc.Result %s stop=%s steps=%d f=%.6g hypergrad_norm=%.3g>" % (
            self.method, self.stop, int(f.get("steps", 0)), f.get("f", float("nan")),
            f.get("hypergrad_norm", float("nan")))
