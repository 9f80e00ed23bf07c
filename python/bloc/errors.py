"""bloc's exceptions and diagnostics.

Every failing call raises a subclass of bloc.Error carrying the C API's diagnostics (file,
line, column, message, hint); str() of the exception is the diagnostic as the bloc command
prints it, "problem.blo:3:7: error: ..." with the source line and a caret. Warnings of a call
that succeeded are issued as BlocWarning through the warnings module.
"""
import warnings

from . import _lib

ERROR, WARNING, NOTE = 0, 1, 2
_SEVERITY = {ERROR: "error", WARNING: "warning", NOTE: "note"}


class Diagnostic:
    """One diagnostic: severity ("error", "warning", "note"), category ("compile", "data",
    "option", "run", "eval", "usage"), file (None without a location), line and column
    (1-based; 0 without a location), message, hint (None: none) and text (as printed)."""

    __slots__ = ("severity", "category", "file", "line", "column", "message", "hint", "text")

    def __init__(self, severity, category, file, line, column, message, hint, text):
        self.severity, self.category = severity, category
        self.file, self.line, self.column = file, line, column
        self.message, self.hint, self.text = message, hint, text

    @classmethod
    def _from_c(cls, d):
        L, t = _lib.lib(), _lib.text
        return cls(_SEVERITY.get(L.bloc_diag_severity(d), "error"), t(L.bloc_diag_category(d)),
                   t(L.bloc_diag_file(d)), L.bloc_diag_line(d), L.bloc_diag_column(d),
                   t(L.bloc_diag_message(d)), t(L.bloc_diag_hint(d)), t(L.bloc_diag_text(d)))

    @property
    def location(self):
        """"file:line:col" (or "file" or None), as in the text."""
        if not self.file:
            return None
        return "%s:%d:%d" % (self.file, self.line, self.column) if self.line else self.file

    def __repr__(self):
        return "Diagnostic(%r, %r, %r)" % (self.severity, self.location, self.message)

    def __str__(self):
        return (self.text or self.message).rstrip()


class Error(Exception):
    """The base of bloc's errors. diagnostics: every Diagnostic of the failed call; file,
    line, column, message, hint: those of the first error."""

    def __init__(self, message, diagnostics=(), result=None):
        super().__init__(message)
        self.diagnostics = list(diagnostics)
        first = next((d for d in self.diagnostics if d.severity == "error"), None)
        self.file = first.file if first else None
        self.line = first.line if first else 0
        self.column = first.column if first else 0
        self.message = first.message if first else message
        self.hint = first.hint if first else None
        self.result = result


class CompileError(Error):
    """The program does not parse or check (or its file cannot be read)."""


class DataError(Error):
    """Data: a bound array of the wrong type or shape, a loader's failure, bad values."""


class OptionError(Error):
    """A method, option or setting that does not exist or has a bad value."""


class SolveError(Error):
    """The solve (or an evaluation) failed numerically; .result holds what was reached."""


class UsageError(Error):
    """A call out of order, e.g. bind() after the problem was prepared or solved."""


class LibraryError(Error, OSError):
    """libbloc cannot be found or loaded."""


class BlocWarning(UserWarning):
    """A warning of bloc (the text as the bloc command prints it)."""


_CLASSES = {"compile": CompileError, "data": DataError, "option": OptionError,
            "run": SolveError, "eval": SolveError, "usage": UsageError}


def diagnostics(handle):
    """The diagnostics of the last call on a bloc_problem handle."""
    L = _lib.lib()
    return [Diagnostic._from_c(L.bloc_problem_diag(handle, i))
            for i in range(L.bloc_problem_diag_count(handle))]


def check(handle, status, accept=(_lib.OK,), result=None):
    """After a call on problem `handle` that returned `status`: issue its warnings, and raise
    the Error its diagnostics describe unless status is in accept."""
    diags = diagnostics(handle)
    for d in diags:
        if d.severity != "error":
            try:
                warnings.warn(str(d), BlocWarning, stacklevel=3)
            except BlocWarning as w:  # a filter made it an error (pytest -W error)
                w.result = result  # the finished solve's result is not lost with it
                raise
    if status in accept:
        return
    errs = [d for d in diags if d.severity == "error"]
    if status == _lib.ERR_MEMORY:
        # what ran out (a data declaration, the method's buffers), as the bloc command says it
        raise MemoryError("\n".join(str(d) for d in errs) if errs else "bloc: out of memory")
    cat = errs[0].category if errs else None
    if status == _lib.ERR_STATE:
        cls = UsageError
    elif cat in ("eval", "run") and status == _lib.ERR_INPUT:
        # an argument of eval() (an unknown quantity), a run setting the solve could not use
        # (an output file it cannot write): not a numerical failure, which SolveError is
        cls = OptionError
    elif status == _lib.ERR_NUMERICAL:
        cls = SolveError
    else:
        cls = _CLASSES.get(cat, Error)
    text = "\n".join(str(d) for d in errs) or "bloc: error: status %d" % status
    raise cls(text, diags, result)
