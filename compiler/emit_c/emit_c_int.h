/* emit_c_int.h — internal to the C backend: the text buffer, the emitter's state, and the
 * parts: emit_c.c (the file: header, interface, runtime, tables, options, entry points),
 * emit_c_kernel.c (execution plans -> kernel functions), emit_c_data.c (the data stage). */
#ifndef BLOC_EMIT_C_INT_H
#define BLOC_EMIT_C_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiled.h"
#include "emit_c/emit_c.h"
#include "plan/schedule.h"

/* The plans emit-c writes: the emitted C has no thread pool and calls BLAS (or its portable
 * loops) for every product, so the JIT's skinny products and parallel row regions are off.
 * x-memo slots are on (BLOC_XMEMO=0 turns them off, as for the JIT). */
#define EMIT_SCHED_OPTIONS ((SchedOptions){.no_skinny = true, .no_par = true, .xmemo = true})

/* A growing text buffer; out of memory exits (status 3) like the rest of bloc. */
typedef struct EmitBuf {
  char *s;
  size_t len, cap;
} EmitBuf;

void emit_buf_printf(EmitBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void emit_buf_vprintf(EmitBuf *b, const char *fmt, va_list ap);
void emit_buf_puts(EmitBuf *b, const char *s);
void emit_buf_free(EmitBuf *b);

/* Emitter state. */
typedef struct Emit {
  const BloCompiled *c;
  const IrProblem *p;
  const EmitCOptions *o;
  const char *prefix;
  Arena arena;               /* plans and strings */
  SchedPlan plan;
  char *err;
  size_t errlen;
  int failed;                /* 0; 1 user error; -1 internal error (first message kept) */
  uint8_t *data_used;        /* [ndata_total]: read by a kernel */
  /* the suffix of this part's C names: "" for the whole problem, "_r1of3" for rank 1 of a
   * 3-rank run (emit-c --ranks: every rank's kernels and data stage in one file) */
  const char *sfx;
} Emit;

/* Record the first failure: code 1 (user error) or -1 (internal: "internal error: " is
 * prepended). */
void emit_fail(Emit *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A double as a C99 expression that reads back as exactly that value: the shortest of
 * %.15g..%.17g as a floating literal ("0.5", "1e-05", "3.0", "(-2.0)"), or INFINITY / NAN. */
const char *emit_num(double v, char buf[48]);

/* "file.blo:12" of a span (as the user named the file), or "" without a location. */
const char *emit_where(const Emit *e, Span s, char buf[300]);
/* Appends s as a C string literal that means s to any C compiler: quotes, backslashes and
 * '?' (trigraphs) escaped, control and non-ASCII bytes as octal escapes. */
void emit_c_string(EmitBuf *b, const char *s);

/* The C expression of elementwise IR op `op` (IRC_EW1/EW2/EW3) on operand expressions a, b, c
 * (each evaluated once per use; pass variables), with runtime/rt_scalar.h's arithmetic
 * (which the JIT and the evaluator share): appended to out. Returns false for any other op. */
bool emit_ew_expr(EmitBuf *out, int op, double num, const char *a, const char *b, const char *c);

/* emit_c_kernel.c: every planned kernel as `static void blo_k_<name><sfx>(const BloEnv *env, const
 * double *x, const double *y, const double *v, double *const *out)`, with a comment tying it
 * to its .blo declarations. Fails (internal error) on a step kind, item kind or op it does
 * not know. */
void emit_kernels(Emit *e, EmitBuf *out);
/* The C function name of kernel id (NULL when the problem has none). */
const char *emit_kernel_symbol(const Emit *e, BloKernelId id, char buf[64]);

/* emit_c_data.c: the data stage as `static int emit_data_stage<sfx>(double **t, int *own,
 * double **x0, double **y0, uint64_t seed, char *err, size_t errlen)`, generated from the data
 * graphs (eval.c's semantics, the runtime's loaders and generators), or with embed_data the
 * values themselves (written straight to `out` by emit_data_write_embedded). Checks the
 * embedding limit (user error). */
void emit_data_stage(Emit *e, EmitBuf *out);
/* The table emit_inputs[] of main (emit_c_main.c.in): the absolute paths of the data files the
 * solver loads (none with embed_data), NULL-terminated. An emitted solver's --save-x A.csv
 * replaced its own data file A.csv; bloc run refuses that. */
void emit_data_write_inputs(Emit *e, FILE *f);
/* With embed_data: the arrays of the embedded values, streamed to f. */
void emit_data_write_embedded(Emit *e, FILE *f);
/* The name of data tensor k in the interface (PREFIX_DATA_<name>): its declaration's name,
 * or "derived<k - ndata>" for a hoisted one. */
const char *emit_data_name(const Emit *e, int k, char buf[80]);

#endif
