/* diag.h — source files and user-facing diagnostics.
 * Spans are byte offsets into a registered source file, turned into line:col only when a
 * message is printed (as PostgreSQL and clang do). Every error of a run is reported; the
 * caller checks diag_error_count() at phase boundaries and exits with status 1. */
#ifndef BLOC_DIAG_H
#define BLOC_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "support/arena.h"

/* A range of bytes [start, end) in source file `file` (an index from diag_add_file).
 * file == SPAN_NO_FILE means "no location" (command line, internal). */
typedef struct Span {
  uint32_t file;
  uint32_t start, end;
} Span;

#define SPAN_NO_FILE UINT32_MAX
#define SPAN_NONE ((Span){SPAN_NO_FILE, 0, 0})

typedef struct SrcFile {
  const char *path;     /* as the user named it (for messages) */
  const char *dir;      /* directory of the file, for relative imports and data paths */
  const char *text;     /* NUL-terminated contents */
  uint32_t len;
  uint32_t *line_starts; /* byte offset of each line start */
  uint32_t nlines;
} SrcFile;

typedef enum { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } DiagLevel;

/* One message as a library caller receives it (Diag.sink): kind is a DiagLevel, DIAG_HINT (a
 * "hint:" line, which belongs to the message before it) or DIAG_LIMIT ("too many errors").
 * path is NULL and line, col 0 without a location; message is the text after "LEVEL: " and
 * text all that would have been printed (location, message, source excerpt). The strings
 * live only during the call. */
enum { DIAG_HINT = 3, DIAG_LIMIT = 4 };
typedef struct DiagEvent {
  int kind;
  const char *path;
  uint32_t line, col;
  const char *message;
  const char *text;
} DiagEvent;
typedef void (*DiagSink)(void *ctx, const DiagEvent *ev);

typedef struct Diag {
  Arena *arena;
  SrcFile *files;
  uint32_t nfiles, capfiles;
  int nerrors, nwarnings;
  int max_errors;        /* stop printing after this many errors (0 = unlimited) */
  bool warnings_as_errors;
  FILE *out;             /* where messages go (stderr by default) */
  DiagSink sink;         /* when set, messages go to sink(sink_ctx, ...) instead of out */
  void *sink_ctx;
  struct DiagSpanNote *span_notes; /* diag_note_errors_at's, in the arena */
} Diag;

/* Initialise; messages are printed to `out` (stderr if NULL). Allocations go to `arena`. */
void diag_init(Diag *d, Arena *arena, FILE *out);

/* Register a source text (copied into the arena); returns its file id. */
uint32_t diag_add_file(Diag *d, const char *path, const char *text, size_t len);

/* Read a file from disk and register it. Returns the file id, or SPAN_NO_FILE after
 * reporting "cannot read" as an error at `where`. */
uint32_t diag_load_file(Diag *d, const char *path, Span where);

const SrcFile *diag_file(const Diag *d, uint32_t file);

/* 1-based line and column (in bytes) of byte offset `off` in `file`. */
void diag_line_col(const Diag *d, uint32_t file, uint32_t off, uint32_t *line, uint32_t *col);

/* Follow every error reported at exactly span `at` with the note `text` (copied), without a
 * location: a loader whose file the command line replaced (--data NAME=FILE) is shown where
 * the program names another file, and the note says which file was read and why. */
void diag_note_errors_at(Diag *d, Span at, const char *text);

/* Report a diagnostic: "path:line:col: error: message", the source line, and a caret with
 * tildes under the span. Notes attach to the preceding error/warning. */
void diag_error(Diag *d, Span at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_warning(Diag *d, Span at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_note(Diag *d, Span at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "hint: ..." line, printed right after the previous diagnostic. */
void diag_hint(Diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_report(Diag *d, DiagLevel level, Span at, const char *fmt, va_list ap);

int diag_error_count(const Diag *d);

/* True once more errors than max_errors were reported ("too many errors, stopping here" was
 * printed): later messages are dropped, so a caller may stop looking for them. */
bool diag_stopped(const Diag *d);

/* Writes s[0..n) to out as messages are written: control characters, bytes not part of
 * well-formed UTF-8 and invisible format characters as visible escapes (doc/language.md §13),
 * for other echoes of source text and names to a terminal (bloc check's summary). */
void diag_put_escaped(FILE *out, const char *s, size_t n);

/* Makes s (NUL-terminated) safe to print, write into JSON or a gnuplot script and use in a
 * file name, in place: every unit diag_put_escaped would escape (controls, bytes not part of
 * well-formed UTF-8, invisible format characters) and each '"', '\\' and '`' becomes one '_'.
 * For names taken from file names (a program without a `problem` line), which reached the
 * terminal raw and ran a command through bloc compare's gnuplot script. */
void diag_sanitize_name(char *s);

/* Span covering both a and b (same file). */
Span span_join(Span a, Span b);

/* Closest candidate to `name` by edit distance (for "did you mean"), or NULL if none is
 * close enough. `names` has n entries; NULL entries are skipped. The runtime's
 * rt_nearest_name, which emitted solvers have too. */
const char *diag_suggest(const char *name, const char *const *names, size_t n);

#endif
