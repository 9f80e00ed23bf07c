"""Loading libbloc and declaring the C API's functions (api/bloc.h) for ctypes.

The library is found, in this order: the file named by the environment variable BLOC_LIBRARY;
the libbloc that `make install` installed along with this package (_config.py); whatever
ctypes.util.find_library("bloc") finds. It is loaded on first use, so that `import bloc`
works without it and the error says where it looked.
"""
import ctypes
import ctypes.util
import os
import threading

c_int, c_int64, c_uint64 = ctypes.c_int, ctypes.c_int64, ctypes.c_uint64
c_double, c_char_p, c_void_p = ctypes.c_double, ctypes.c_char_p, ctypes.c_void_p
P = ctypes.POINTER

# bloc_status (bloc.h)
OK, ERR_INPUT, ERR_NUMERICAL, ERR_MEMORY, CANCELLED, INTERRUPTED, ERR_STATE = range(7)

# int (*bloc_progress_fn)(void *user, int ncols, const char *const *names, const double *values)
PROGRESS_FN = ctypes.CFUNCTYPE(c_int, c_void_p, c_int, P(c_char_p), P(c_double))



class Csr(ctypes.Structure):
    """struct bloc_csr (bloc.h): a sparse matrix's compressed sparse row arrays."""
    _fields_ = [("rows", c_int64), ("cols", c_int64), ("indptr", c_void_p),
                ("indices", c_void_p), ("values", c_void_p)]


# name: (restype, argtypes); handles are opaque pointers (c_void_p)
_PROTOTYPES = {
    "bloc_version": (c_char_p, []),
    "bloc_diag_severity": (c_int, [c_void_p]),
    "bloc_diag_category": (c_char_p, [c_void_p]),
    "bloc_diag_file": (c_char_p, [c_void_p]),
    "bloc_diag_line": (c_int, [c_void_p]),
    "bloc_diag_column": (c_int, [c_void_p]),
    "bloc_diag_message": (c_char_p, [c_void_p]),
    "bloc_diag_hint": (c_char_p, [c_void_p]),
    "bloc_diag_text": (c_char_p, [c_void_p]),
    "bloc_problem_new": (c_int, [P(c_void_p)]),
    "bloc_problem_free": (None, [c_void_p]),
    "bloc_problem_diag_count": (c_int, [c_void_p]),
    "bloc_problem_diag": (c_void_p, [c_void_p, c_int]),
    "bloc_define": (c_int, [c_void_p, c_char_p, c_double]),
    "bloc_set_backend": (c_int, [c_void_p, c_char_p]),
    "bloc_set_seed": (c_int, [c_void_p, c_uint64]),
    "bloc_set_precision": (c_int, [c_void_p, c_char_p]),
    "bloc_compile_file": (c_int, [c_void_p, c_char_p]),
    "bloc_compile_string": (c_int, [c_void_p, c_char_p, c_char_p]),
    "bloc_bind": (c_int, [c_void_p, c_char_p, c_void_p, c_int, P(c_int64)]),
    "bloc_bind_csr": (c_int, [c_void_p, c_char_p, P(Csr)]),
    "bloc_prepare": (c_int, [c_void_p, c_char_p]),
    "bloc_problem_name": (c_char_p, [c_void_p]),
    "bloc_problem_nx": (c_int64, [c_void_p]),
    "bloc_problem_ny": (c_int64, [c_void_p]),
    "bloc_problem_stochastic": (c_int, [c_void_p]),
    "bloc_problem_seed": (c_uint64, [c_void_p]),
    "bloc_problem_data_count": (c_int, [c_void_p]),
    "bloc_problem_data_name": (c_char_p, [c_void_p, c_int]),
    "bloc_problem_data_shape": (c_int, [c_void_p, c_int, P(c_int64)]),
    "bloc_problem_data_sparse": (c_int, [c_void_p, c_int]),
    "bloc_problem_var_count": (c_int, [c_void_p]),
    "bloc_problem_var_name": (c_char_p, [c_void_p, c_int]),
    "bloc_problem_var_shape": (c_int, [c_void_p, c_int, P(c_int64), P(c_int), P(c_int64)]),
    "bloc_problem_summary": (c_char_p, [c_void_p]),
    "bloc_set_start": (c_int, [c_void_p, c_void_p, c_void_p]),
    "bloc_options_new": (c_int, [P(c_void_p)]),
    "bloc_options_free": (None, [c_void_p]),
    "bloc_options_method": (c_int, [c_void_p, c_char_p]),
    "bloc_options_set": (c_int, [c_void_p, c_char_p, c_char_p]),
    "bloc_options_run": (c_int, [c_void_p, c_char_p, c_char_p]),
    "bloc_solve": (c_int, [c_void_p, c_void_p, PROGRESS_FN, c_void_p, P(c_void_p)]),
    "bloc_result_free": (None, [c_void_p]),
    "bloc_result_status": (c_int, [c_void_p]),
    "bloc_result_stop": (c_char_p, [c_void_p]),
    "bloc_result_method": (c_char_p, [c_void_p]),
    "bloc_result_message": (c_char_p, [c_void_p]),
    "bloc_result_x": (P(c_double), [c_void_p, P(c_int64)]),
    "bloc_result_y": (P(c_double), [c_void_p, P(c_int64)]),
    "bloc_result_best_x": (P(c_double), [c_void_p, P(c_int64)]),
    "bloc_result_best_y": (P(c_double), [c_void_p, P(c_int64)]),
    "bloc_result_get": (c_int, [c_void_p, c_char_p, P(c_double)]),
    "bloc_result_field_count": (c_int, [c_void_p]),
    "bloc_result_field": (c_char_p, [c_void_p, c_int]),
    "bloc_result_trace_rows": (c_int64, [c_void_p]),
    "bloc_result_trace_cols": (c_int, [c_void_p]),
    "bloc_result_trace_column": (c_char_p, [c_void_p, c_int]),
    "bloc_result_trace": (P(c_double), [c_void_p]),
    "bloc_result_summary": (c_char_p, [c_void_p]),
    "bloc_result_stationarity": (c_char_p, [c_void_p]),
    "bloc_eval_at": (c_int, [c_void_p, c_char_p, c_void_p, c_void_p, c_void_p, P(c_void_p)]),
    "bloc_eval_free": (None, [c_void_p]),
    "bloc_eval_get": (c_int, [c_void_p, c_char_p, P(P(c_double)), P(c_int64)]),
    "bloc_eval_hypergrad_solver": (c_char_p, [c_void_p]),
}

_lock = threading.Lock()
_lib = None


def candidates():
    """The places looked at, in order: (how it was chosen, path or name)."""
    env = os.environ.get("BLOC_LIBRARY")
    if env:
        return [("BLOC_LIBRARY", env)]
    found = []
    try:
        from . import _config
    except ImportError:  # a source tree, not an installed package
        _config = None
    if _config is not None:
        for name in (_config.DLNAME, "libbloc.so"):
            if name:
                found.append(("the installed library", os.path.join(_config.LIBDIR, name)))
    name = ctypes.util.find_library("bloc")
    if name:
        found.append(("ctypes.util.find_library", name))
    return found


def lib():
    """The loaded libbloc with its prototypes; LibraryError when it cannot be loaded."""
    global _lib
    with _lock:
        if _lib is None:
            _lib = _load()
        return _lib


def _load():
    from .errors import LibraryError
    tried = []
    for how, path in candidates():
        if how == "the installed library" and not os.path.exists(path):
            tried.append("%s: %s (no such file)" % (how, path))
            continue
        try:
            handle = ctypes.CDLL(path)
        except OSError as e:
            tried.append("%s: %s (%s)" % (how, path, e))
            if how == "BLOC_LIBRARY":
                break
            continue
        for fn, (restype, argtypes) in _PROTOTYPES.items():
            try:
                f = getattr(handle, fn)
            except AttributeError:
                raise LibraryError("%s is not a libbloc with the C API: it has no %s()"
                                   % (path, fn)) from None
            f.restype, f.argtypes = restype, argtypes
        return handle
    if not tried:
        tried.append("ctypes.util.find_library('bloc'): not found")
    raise LibraryError("cannot load libbloc, the bloc library; looked at:\n  " +
                       "\n  ".join(tried) + "\nhint: set BLOC_LIBRARY to the path of "
                       "libbloc.so, or install bloc with ./configure --with-python")


def text(b):
    """A C string from the library as str (None stays None)."""
    return None if b is None else b.decode("utf-8", "replace")
