/* diag.c — printing diagnostics with source excerpts, and "did you mean" suggestions. */
#define _GNU_SOURCE /* open_memstream, strndup */
#include "support/diag.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_fmt.h"

void diag_init(Diag *d, Arena *arena, FILE *out) {
  memset(d, 0, sizeof *d);
  d->arena = arena;
  d->out = out ? out : stderr;
  d->max_errors = 50;
}

static char *dir_of(Arena *a, const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return arena_strdup(a, ".");
  if (slash == path) return arena_strdup(a, "/");
  return arena_strndup(a, path, (size_t)(slash - path));
}

uint32_t diag_add_file(Diag *d, const char *path, const char *text, size_t len) {
  if (d->nfiles == d->capfiles) {
    uint32_t cap = d->capfiles ? d->capfiles * 2 : 8;
    SrcFile *files = arena_calloc(d->arena, cap, sizeof(SrcFile));
    if (d->nfiles) memcpy(files, d->files, d->nfiles * sizeof(SrcFile));
    d->files = files;
    d->capfiles = cap;
  }
  /* a UTF-8 byte-order mark (as some Windows editors write) is not part of the program:
   * dropped here, so that offsets, columns and the echoed first line all start after it */
  if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) text += 3, len -= 3;
  SrcFile *f = &d->files[d->nfiles];
  f->path = arena_strdup(d->arena, path);
  f->dir = dir_of(d->arena, path);
  f->text = arena_strndup(d->arena, text, len);
  f->len = (uint32_t)len;
  uint32_t n = 1;
  for (size_t i = 0; i < len; i++)
    if (text[i] == '\n') n++;
  f->line_starts = arena_calloc(d->arena, n, sizeof(uint32_t));
  f->nlines = 0;
  f->line_starts[f->nlines++] = 0;
  for (size_t i = 0; i < len; i++)
    if (text[i] == '\n') f->line_starts[f->nlines++] = (uint32_t)(i + 1);
  return d->nfiles++;
}

uint32_t diag_load_file(Diag *d, const char *path, Span where) {
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    diag_error(d, where, "cannot read '%s': %s", path, strerror(errno));
    return SPAN_NO_FILE;
  }
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + len, 1, cap - len, fp)) > 0) {
    len += got;
    if (len == cap) {
      if (cap >= (size_t)1 << 30) break; /* a 1 GiB program is not a program */
      char *nb = realloc(buf, cap * 2);
      if (!nb) { free(buf); buf = NULL; break; }
      buf = nb;
      cap *= 2;
    }
  }
  int err = ferror(fp);
  fclose(fp);
  if (!buf || err || len >= ((size_t)1 << 30)) {
    free(buf);
    diag_error(d, where, "cannot read '%s': %s", path, err ? "read error" : "file too large");
    return SPAN_NO_FILE;
  }
  uint32_t id = diag_add_file(d, path, buf, len);
  free(buf);
  return id;
}

const SrcFile *diag_file(const Diag *d, uint32_t file) {
  return file < d->nfiles ? &d->files[file] : NULL;
}

void diag_line_col(const Diag *d, uint32_t file, uint32_t off, uint32_t *line, uint32_t *col) {
  const SrcFile *f = diag_file(d, file);
  if (!f) { *line = *col = 0; return; }
  if (off > f->len) off = f->len;
  uint32_t lo = 0, hi = f->nlines; /* last line start <= off */
  while (hi - lo > 1) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (f->line_starts[mid] <= off) lo = mid; else hi = mid;
  }
  *line = lo + 1;
  *col = off - f->line_starts[lo] + 1;
}

static const char *level_name(DiagLevel l) {
  switch (l) {
  case DIAG_ERROR: return "error";
  case DIAG_WARNING: return "warning";
  case DIAG_NOTE: return "note";
  }
  return "error";
}

/* ------------------------------------------------------------------ escaping */

/* The length of the well-formed UTF-8 sequence at s[0..n) (1 for ASCII), or 0 when s[0]
 * starts none: a stray continuation byte, a lead byte not followed by its continuation bytes,
 * an overlong form, a surrogate or a code point past U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t n) {
  unsigned c = s[0];
  size_t len;
  uint32_t min;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) len = 2, min = 0x80;
  else if (c >= 0xe0 && c <= 0xef) len = 3, min = 0x800;
  else if (c >= 0xf0 && c <= 0xf4) len = 4, min = 0x10000;
  else return 0;
  if (n < len) return 0;
  uint32_t cp = c & (0x7fu >> len);
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80) return 0;
    cp = cp << 6 | (s[i] & 0x3f);
  }
  return cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? 0 : len;
}

/* Source text and names are echoed to a terminal: a raw ESC could recolour it, move the
 * cursor or retitle the window, and Unicode bidirectional controls can make the echoed line
 * read differently from what the compiler sees ("Trojan Source"). So each of these units is
 * written as a visible escape: C0 controls (a tab only when keep_tab is false), DEL and C1
 * controls as \xHH, a byte that is not part of well-formed UTF-8 as \xHH too (a raw 0x9b is
 * CSI to a terminal reading 8-bit controls, as ESC [ is), and the invisible format characters
 * as <U+XXXX>: the bidi embeddings, overrides and isolates (U+202A-202E, U+2066-2069), the
 * marks U+200E, U+200F and U+061C, the zero-width U+200B-200D, U+2028, U+2029 and U+FEFF.
 * Returns the number of bytes of s the unit spans (at least 1) and sets rep to its escape,
 * or to "" when it is written as it is (an ASCII character or a whole UTF-8 sequence). */
static size_t escape_unit(const unsigned char *s, size_t n, bool keep_tab, char rep[16]) {
  unsigned c = s[0];
  rep[0] = '\0';
  if ((c < 0x20 && !(c == '\t' && keep_tab)) || c == 0x7f) {
    snprintf(rep, 16, "\\x%02x", c);
    return 1;
  }
  size_t ulen = utf8_len(s, n);
  if (ulen == 0) {
    snprintf(rep, 16, "\\x%02x", c);
    return 1;
  }
  uint32_t cp = 0;
  size_t len = 0;
  if (c == 0xc2 && n >= 2 && s[1] >= 0x80 && s[1] <= 0x9f) {
    snprintf(rep, 16, "\\x%02x", s[1]); /* a C1 control, U+0080-009F */
    return 2;
  }
  if (c == 0xd8 && n >= 2 && s[1] == 0x9c) cp = 0x061c, len = 2;
  else if (c == 0xe2 && n >= 3 && (s[1] == 0x80 || s[1] == 0x81) && s[2] >= 0x80 && s[2] <= 0xbf)
    cp = 0x2000 + ((uint32_t)(s[1] & 0x3f) << 6) + (s[2] & 0x3f), len = 3;
  else if (c == 0xef && n >= 3 && s[1] == 0xbb && s[2] == 0xbf) cp = 0xfeff, len = 3;
  bool hidden = cp == 0x061c || cp == 0xfeff || (cp >= 0x200b && cp <= 0x200f) ||
                (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
  if (!hidden) return ulen;
  snprintf(rep, 16, "<U+%04X>", (unsigned)cp);
  return len;
}

void diag_sanitize_name(char *s) {
  size_t n = strlen(s), w = 0;
  for (size_t i = 0; i < n;) {
    char rep[16];
    size_t len = escape_unit((const unsigned char *)s + i, n - i, false, rep);
    if (rep[0] || s[i] == '"' || s[i] == '\\' || s[i] == '`') {
      s[w++] = '_';
    } else {
      memmove(s + w, s + i, len);
      w += len;
    }
    i += len;
  }
  s[w] = '\0';
}

/* Writes s[0..n) with escape_unit's units escaped. */
static void put_escaped(FILE *out, const char *s, size_t n, bool keep_tab) {
  const unsigned char *u = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    char rep[16];
    size_t k = escape_unit(u + i, n - i, keep_tab, rep);
    if (rep[0]) fputs(rep, out);
    else fwrite(u + i, 1, k, out);
    i += k;
  }
}

/* How much of a long source line (over 3 times this) an excerpt shows: this many bytes before
 * the span's start and after its end (on the line), the rest as "...". A line of 100 KB of NUL
 * bytes was echoed whole, escaped, by each of its 50 errors: 20 MB of output and 2 s. */
enum { EXCERPT_CONTEXT = 80 };

/* The first byte of the UTF-8 sequence holding text[i], but not before lo. */
static uint32_t unit_start(const char *text, uint32_t i, uint32_t lo) {
  while (i > lo && ((unsigned char)text[i] & 0xc0) == 0x80) i--;
  return i;
}

/* The columns a terminal gives the UTF-8 character u[0..k) (k > 1, valid): 0 for a combining
 * mark (a decomposed "é" is e and U+0301), 2 for East Asian wide and fullwidth characters and
 * most emoji, else 1. The caret line padded a byte a column,
 * so after "éé" it stood two columns right of its place. */
static size_t utf8_columns(const unsigned char *u, size_t k) {
  uint32_t cp = k == 2   ? (uint32_t)(u[0] & 0x1f) << 6 | (u[1] & 0x3f)
                : k == 3 ? (uint32_t)(u[0] & 0x0f) << 12 | (uint32_t)(u[1] & 0x3f) << 6 |
                               (u[2] & 0x3f)
                         : (uint32_t)(u[0] & 0x07) << 18 | (uint32_t)(u[1] & 0x3f) << 12 |
                               (uint32_t)(u[2] & 0x3f) << 6 | (u[3] & 0x3f);
  static const uint32_t wide[][2] = {{0x1100, 0x115f},   {0x2e80, 0xa4cf},   {0xac00, 0xd7a3},
                                     {0xf900, 0xfaff},   {0xfe30, 0xfe4f},   {0xff00, 0xff60},
                                     {0xffe0, 0xffe6},   {0x1f300, 0x1f64f}, {0x1f900, 0x1f9ff},
                                     {0x20000, 0x3fffd}};
  static const uint32_t combining[][2] = {
      {0x0300, 0x036f}, {0x1ab0, 0x1aff}, {0x1dc0, 0x1dff}, {0x20d0, 0x20ff}, {0xfe20, 0xfe2f}};
  for (size_t i = 0; i < sizeof combining / sizeof combining[0]; i++)
    if (cp >= combining[i][0] && cp <= combining[i][1]) return 0;
  for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++)
    if (cp >= wide[i][0] && cp <= wide[i][1]) return 2;
  return 1;
}

/* Writes the underline of text[from, to) (already echoed): blanks (a tab under a tab) before
 * at.start, then a caret and tildes to span_end, each unit as wide as it was echoed; *caret
 * says whether the caret is out. */
static void underline(Diag *d, const char *text, uint32_t from, uint32_t to, Span at,
                      uint32_t span_end, bool *caret) {
  const unsigned char *u = (const unsigned char *)text;
  for (uint32_t i = from; i < to && (i < span_end || !*caret);) {
    char rep[16];
    size_t k = escape_unit(u + i, to - i, true, rep);
    size_t w = rep[0] ? strlen(rep) : k > 1 ? utf8_columns(u + i, k) : 1;
    for (size_t j = 0; j < w; j++) {
      if (i < at.start) fputc(!j && u[i] == '\t' ? '\t' : ' ', d->out);
      else fputc(*caret ? '~' : '^', d->out), *caret = true;
    }
    i += (uint32_t)k;
  }
}

/* Print the source line holding span.start (escaped), then a caret under the start and tildes
 * under the rest of the span that lies on that line. Tabs are kept, an escape is as wide as its
 * text and a character as a terminal shows it (utf8_columns), so columns line up. A long line
 * is cut to EXCERPT_CONTEXT bytes each side, and a long span to EXCERPT_CONTEXT bytes at each
 * end, "..." (under tildes) between: a 1 MB identifier was echoed and underlined whole. */
static void print_excerpt(Diag *d, Span at) {
  const SrcFile *f = diag_file(d, at.file);
  if (!f) return;
  uint32_t line, col;
  diag_line_col(d, at.file, at.start, &line, &col);
  uint32_t ls = f->line_starts[line - 1];
  uint32_t le = ls;
  /* to the newline (a CRLF's CR left out): a lone CR inside the line is shown as \x0d, where
   * stopping at it hid the rest of the line, the error's column included */
  while (le < f->len && f->text[le] != '\n') le++;
  if (le > ls && f->text[le - 1] == '\r') le--;
  uint32_t from = ls, to = le, last = at.end > at.start ? at.end : at.start;
  bool cut = le - ls > 3 * EXCERPT_CONTEXT; /* a line of common length is shown whole */
  if (cut && at.start > ls + EXCERPT_CONTEXT)
    from = unit_start(f->text, at.start - EXCERPT_CONTEXT, ls);
  if (cut && last < le && le - last > EXCERPT_CONTEXT)
    to = unit_start(f->text, last + EXCERPT_CONTEXT, last);
  /* the span's middle [gap_a, gap_b), left out when the span is long on this line */
  uint32_t span_end = last < le ? last : le, gap_a = to, gap_b = to;
  if (at.start < span_end && span_end - at.start > 3 * EXCERPT_CONTEXT) {
    gap_a = unit_start(f->text, at.start + EXCERPT_CONTEXT, at.start);
    gap_b = unit_start(f->text, span_end - EXCERPT_CONTEXT, gap_a);
  }
  const char *more = "...";
  fprintf(d->out, "%5u | %s", line, from > ls ? more : "");
  put_escaped(d->out, f->text + from, gap_a - from, true);
  if (gap_b > gap_a) {
    fputs(more, d->out);
    put_escaped(d->out, f->text + gap_b, to - gap_b, true);
  }
  fprintf(d->out, "%s\n      | %s", to < le ? more : "", from > ls ? "   " : "");
  uint32_t end = at.end < to ? at.end : to;
  bool caret = false;
  underline(d, f->text, from, gap_a, at, end, &caret);
  if (gap_b > gap_a) {
    fputs("~~~", d->out); /* under the "..." */
    underline(d, f->text, gap_b, to, at, end, &caret);
  }
  if (!caret) fputc('^', d->out); /* the span starts at the end of the line */
  fputc('\n', d->out);
}

void diag_put_escaped(FILE *out, const char *s, size_t n) { put_escaped(out, s, n, false); }

/* vfprintf with escape_unit's units escaped (tabs too): messages quote source text. */
static void vput_escaped(FILE *out, const char *fmt, va_list ap) {
  char small[512];
  va_list aq;
  va_copy(aq, ap);
  int n = vsnprintf(small, sizeof small, fmt, aq);
  va_end(aq);
  if (n < 0) return;
  char *buf = (size_t)n < sizeof small ? small : malloc((size_t)n + 1);
  if (!buf) return;
  if (buf != small) vsnprintf(buf, (size_t)n + 1, fmt, ap);
  /* a long quoted text (a 1 MB unknown name made a 1 MB message) is cut as a long source
   * line is: EXCERPT_CONTEXT bytes each end, "..." between */
  size_t done = 0;
  for (size_t i = 0; i < (size_t)n; i++) {
    const char *close = buf[i] == '\'' ? memchr(buf + i + 1, '\'', (size_t)n - i - 1) : NULL;
    if (!close) continue;
    uint32_t a = (uint32_t)i + 1, b = (uint32_t)(close - buf); /* the quoted text is [a, b) */
    if (b - a > 3 * EXCERPT_CONTEXT) {
      uint32_t head = unit_start(buf, a + EXCERPT_CONTEXT, a);
      uint32_t tail = unit_start(buf, b - EXCERPT_CONTEXT, head);
      put_escaped(out, buf + done, head - done, false);
      fputs("...", out);
      done = tail;
    }
    i = b;
  }
  put_escaped(out, buf + done, (size_t)n - done, false);
  if (buf != small) free(buf);
}

/* With a sink, a message is rendered into memory (as it would have been printed) and handed
 * over; [msg_at, msg_end) of the rendering is the message itself. */
typedef struct Capture {
  FILE *saved;
  char *buf;
  size_t len;
} Capture;

static bool capture_begin(Diag *d, Capture *c) {
  c->saved = d->out;
  c->buf = NULL;
  c->len = 0;
  if (!d->sink) return false;
  FILE *m = open_memstream(&c->buf, &c->len);
  if (!m) return false; /* out of memory: the message goes where it would have */
  d->out = m;
  return true;
}

static void capture_end(Diag *d, Capture *c, int kind, const char *path, uint32_t line,
                        uint32_t col, long msg_at, long msg_end) {
  FILE *m = d->out;
  d->out = c->saved;
  if (fclose(m) != 0 || !c->buf) {
    free(c->buf);
    return;
  }
  char *msg = strndup(c->buf + msg_at, (size_t)(msg_end - msg_at));
  DiagEvent ev = {kind, path, line, col, msg ? msg : "", c->buf};
  d->sink(d->sink_ctx, &ev);
  free(msg);
  free(c->buf);
}

void diag_report(Diag *d, DiagLevel level, Span at, const char *fmt, va_list ap) {
  if (level == DIAG_WARNING && d->warnings_as_errors) level = DIAG_ERROR;
  if (level == DIAG_ERROR) d->nerrors++;
  if (level == DIAG_WARNING) d->nwarnings++;
  Capture cap;
  if (d->max_errors && d->nerrors > d->max_errors) {
    /* once, then nothing: each dropped message opened a memory stream and called the sink
     * (16 MiB of NUL bytes, an error each, took 16 s in bloc check) */
    if (level != DIAG_ERROR || d->nerrors != d->max_errors + 1) return;
    bool captured = capture_begin(d, &cap);
    fprintf(d->out, "bloc: too many errors, stopping here\n");
    if (captured) capture_end(d, &cap, DIAG_LIMIT, NULL, 0, 0, 0, 0);
    return;
  }
  bool captured = capture_begin(d, &cap);
  const SrcFile *f = diag_file(d, at.file);
  uint32_t line = 0, col = 0;
  if (f) {
    diag_line_col(d, at.file, at.start, &line, &col);
    put_escaped(d->out, f->path, strlen(f->path), false);
    fprintf(d->out, ":%u:%u: %s: ", line, col, level_name(level));
  } else {
    fprintf(d->out, "bloc: %s: ", level_name(level));
  }
  long msg_at = captured ? ftell(d->out) : 0;
  vput_escaped(d->out, fmt, ap);
  long msg_end = captured ? ftell(d->out) : 0;
  fputc('\n', d->out);
  if (f) print_excerpt(d, at);
  if (captured) capture_end(d, &cap, (int)level, f ? f->path : NULL, line, col, msg_at, msg_end);
}

typedef struct DiagSpanNote {
  Span at;
  const char *text;
  struct DiagSpanNote *next;
} DiagSpanNote;

void diag_note_errors_at(Diag *d, Span at, const char *text) {
  DiagSpanNote *n = arena_alloc(d->arena, sizeof *n);
  *n = (DiagSpanNote){at, arena_strdup(d->arena, text), d->span_notes};
  d->span_notes = n;
}

void diag_error(Diag *d, Span at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  diag_report(d, DIAG_ERROR, at, fmt, ap);
  va_end(ap);
  for (const DiagSpanNote *n = d->span_notes; n; n = n->next)
    if (n->at.file == at.file && n->at.start == at.start && n->at.end == at.end &&
        at.file != SPAN_NO_FILE)
      diag_note(d, SPAN_NONE, "%s", n->text);
}

void diag_warning(Diag *d, Span at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  diag_report(d, DIAG_WARNING, at, fmt, ap);
  va_end(ap);
}

void diag_note(Diag *d, Span at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  diag_report(d, DIAG_NOTE, at, fmt, ap);
  va_end(ap);
}

void diag_hint(Diag *d, const char *fmt, ...) {
  if (d->max_errors && d->nerrors > d->max_errors) return;
  va_list ap;
  va_start(ap, fmt);
  Capture cap;
  bool captured = capture_begin(d, &cap);
  fprintf(d->out, "hint: ");
  long msg_at = captured ? ftell(d->out) : 0;
  vput_escaped(d->out, fmt, ap);
  long msg_end = captured ? ftell(d->out) : 0;
  fputc('\n', d->out);
  if (captured) capture_end(d, &cap, DIAG_HINT, NULL, 0, 0, msg_at, msg_end);
  va_end(ap);
}

int diag_error_count(const Diag *d) { return d->nerrors; }

bool diag_stopped(const Diag *d) { return d->max_errors && d->nerrors > d->max_errors; }

Span span_join(Span a, Span b) {
  if (a.file == SPAN_NO_FILE) return b;
  if (b.file == SPAN_NO_FILE || b.file != a.file) return a;
  Span s = a;
  if (b.start < s.start) s.start = b.start;
  if (b.end > s.end) s.end = b.end;
  return s;
}

const char *diag_suggest(const char *name, const char *const *names, size_t n) {
  return rt_nearest_name(name, names, n);
}
