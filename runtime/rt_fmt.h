/* rt_fmt.h — text for people. The one way bloc prints a double for people and files: the
 * shortest of %.15g, %.16g, %.17g that reads back as the same value (0.1 prints as 0.1, every
 * value round-trips), and one spelling for non-finite values ("nan", "inf", "-inf"). And the
 * "did you mean" of every message, in the compiler, bloc's commands and emitted solvers. */
#ifndef BLOC_RT_FMT_H
#define BLOC_RT_FMT_H

#include <stdarg.h>
#include <stddef.h>

#include "rt_api.h"

#define RT_FMT_NUM_LEN 32

/* Format v into buf (at least RT_FMT_NUM_LEN bytes); returns buf. */
RT_API const char *rt_fmt_num(double v, char *buf);

/* v with %.*g at `prec` digits into buf (at least RT_FMT_NUM_LEN bytes), NaN as "nan" whatever
 * its sign bit (printf says "-nan": a summary of a failed run showed "f = -nan"); returns buf.
 * For summaries and progress lines, where a few digits are enough. */
RT_API const char *rt_fmt_g(double v, int prec, char *buf);

/* Read text that people typed as a number (an option's value, -D): decimal only, the whole
 * text, no leading blank (strtod also reads hex, "inf", "nan" and skips blanks: --set
 * outer_steps=0x10 ran 16 steps). A value that underflows (1e-400) reads as what strtod
 * gives (0 or a subnormal); one that overflows does not read. 0 and *out, or -1. */
RT_API int rt_parse_decimal(const char *text, double *out);

/* What goes before item k (0-based) of a list of n for people: "" first, `last` (" or ",
 * " and ") before the last when given, ", " otherwise. */
RT_API const char *rt_list_sep(int k, int n, const char *last);

/* The candidate closest to `name` by edit distance (for "did you mean"), or NULL if none is
 * close enough. `names` has n entries; NULL entries are skipped. */
RT_API const char *rt_nearest_name(const char *name, const char *const *names, size_t n);

/* vsnprintf into buf[len] (len > 0) such that the end of the message survives: a message
 * longer than the buffer has each quoted text ('...') over RT_FIT_KEEP * 2 + 3 bytes cut to
 * its first and last RT_FIT_KEEP bytes with "..." between (a path is quoted first, the reason
 * comes last), and if it is still too long, its middle is cut to "...". A 1,505-byte data path
 * filled the 512 bytes of the message and its reason was lost. Returns buf. */
enum { RT_FIT_KEEP = 60 };
RT_API char *rt_vfit(char *buf, size_t len, const char *fmt, va_list ap);

#endif
