"""bloc from Python: compile a bilevel problem written in .blo, bind NumPy arrays as its
data, solve it with any of bloc's methods, evaluate its oracles. A thin layer over bloc's C
API (libbloc, api/bloc.h) with ctypes; the tutorial is doc/python.md.

    import bloc
    p = bloc.compile("hyperclean.blo", defines={"n": 1000})
    p.bind(Xtr=Xtr, Ytr=Ytr, Xval=Xval, Yval=Yval)
    r = p.solve("lancbio", outer_steps=200)
    r.x, r.y, r.trace, r.f
"""
from . import _lib
from .errors import (BlocWarning, CompileError, DataError, Diagnostic, Error, LibraryError,
                     OptionError, SolveError, UsageError)
from .problem import Problem, compile
from .result import Result

__all__ = ["compile", "Problem", "Result", "Diagnostic", "Error", "CompileError", "DataError",
           "OptionError", "SolveError", "UsageError", "LibraryError", "BlocWarning",
           "version", "library_path"]


def version():
    """The version of the libbloc loaded, "MAJOR.MINOR.PATCH"."""
    return _lib.text(_lib.lib().bloc_version())


def library_path():
    """The path (or name) of the libbloc loaded."""
    return _lib.lib()._name
