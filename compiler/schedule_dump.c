/* schedule_dump.c — readable listings of execution plans (schedule.h), for debugging, for the
 * planner's unit tests and for `bloc dump-plan`. */
#include <inttypes.h>
#include <stdio.h>

#include "schedule.h"

static void print_buf(const SchedBuf *b, FILE *out) {
  switch (b->base) {
  case SB_NONE: fprintf(out, "-"); return;
  case SB_X: fprintf(out, "x"); break;
  case SB_Y: fprintf(out, "y"); break;
  case SB_V: fprintf(out, "v"); break;
  case SB_DATA: fprintf(out, "data%d", b->index); break;
  case SB_SAMPLE: fprintf(out, "samples"); break;
  case SB_WORK: fprintf(out, "w"); break;
  case SB_OUT: fprintf(out, "out%d", b->index); break;
  case SB_SREG: fprintf(out, "s%d", b->index); return;
  }
  fprintf(out, "[%" PRId64 "]", b->offset);
  if (b->ld > 1) fprintf(out, "/%" PRId64, b->ld);
}

static void print_shape(Shape s, FILE *out) {
  if (s.rank == 1) fprintf(out, "[%" PRId64 "]", s.rows);
  else if (s.rank == 2) fprintf(out, "[%" PRId64 "x%" PRId64 "]", s.rows, s.cols);
}

void sched_print_expr(const SchedExpr *e, FILE *out) {
  if (e->op == SCHED_LOAD) {
    print_buf(&e->buf, out);
    print_shape(e->shape, out);
    return;
  }
  if (e->op == IR_CONST) {
    fprintf(out, "%.17g", e->num);
    return;
  }
  fprintf(out, "%s", ir_ops[e->op].name);
  if (e->op == IR_POWC) fprintf(out, "^%.17g", e->num);
  if (e->op == IR_SLICE)
    fprintf(out, "[%" PRId64 ":%" PRId64 ",%" PRId64 ":%" PRId64 "]", e->attr[0], e->attr[1], e->attr[2], e->attr[3]);
  if (e->op == IR_PAD) fprintf(out, "@%" PRId64 ",%" PRId64, e->attr[0], e->attr[2]);
  if (e->op == IR_PAD || e->op == IR_RESHAPE || e->op == IR_BCAST || e->op == IR_BCAST_ROWS ||
      e->op == IR_BCAST_COLS || e->op == IR_SCATTER || e->op == IR_ONEHOT)
    print_shape(e->shape, out);
  fputc('(', out);
  for (int i = 0; i < e->nargs; i++) {
    if (i) fputs(", ", out);
    sched_print_expr(e->args[i], out);
  }
  fputc(')', out);
}

static const char *item_name(SchedItemKind k) {
  switch (k) {
  case SI_WRITE: return "write";
  case SI_SUM: return "sum";
  case SI_SUM_COLS: return "sum_cols";
  case SI_LSE: return "logsumexp";
  case SI_ROW_SUM: return "row_sum";
  case SI_ROW_LSE: return "row_logsumexp";
  case SI_ROW_ARGMAX: return "row_argmax";
  case SI_SCATTER: return "scatter_add";
  }
  return "?";
}

static void print_alpha(const SchedBlas *b, FILE *out) {
  fprintf(out, "%.17g", b->alpha);
  if (b->alpha_buf.base != SB_NONE) {
    fputc('*', out);
    print_buf(&b->alpha_buf, out);
  }
}

void sched_dump(const SchedKernel *k, FILE *out) {
  fprintf(out, "kernel %s: %d steps, work %" PRId64 " doubles, %d scalar registers, %" PRId64 " materialised\n",
          k->name ? k->name : "?", k->nsteps, k->work_size, k->nsregs, k->materialised);
  for (int i = 0; i < k->nsteps; i++) {
    const SchedStep *st = &k->steps[i];
    const SchedBlas *b = &st->blas;
    fprintf(out, "  #%d ", i);
    switch (st->kind) {
    case SS_LOOP:
    case SS_ROWS:
    case SS_LSE:
    case SS_SCATTER:
      fprintf(out, "%s %" PRId64 "x%" PRId64 "%s\n",
              st->kind == SS_LOOP ? "loop" : st->kind == SS_ROWS ? "rows" : st->kind == SS_LSE ? "lse" : "scatter",
              st->rows, st->cols, st->flat ? " flat" : "");
      for (int j = 0; j < st->nitems; j++) {
        const SchedItem *it = &st->items[j];
        fprintf(out, "       %s%s ", item_name(it->kind), it->partial ? " (partial)" : "");
        print_buf(&it->dest, out);
        if (it->kind == SI_SCATTER) {
          fprintf(out, " at ");
          print_buf(&it->idx, out);
        }
        fprintf(out, " <- ");
        sched_print_expr(it->expr, out);
        if (it->node == UINT32_MAX) fprintf(out, "   ; copy\n");
        else fprintf(out, "   ; %%%u\n", it->node);
      }
      break;
    case SS_GEMM:
      fprintf(out, "gemm ");
      print_buf(&b->c, out);
      fprintf(out, " = ");
      print_alpha(b, out);
      fprintf(out, " * ");
      print_buf(&b->a, out);
      fprintf(out, "%s @ ", b->trans_a ? "'" : "");
      print_buf(&b->b, out);
      fprintf(out, "%s + %g  (m %" PRId64 " n %" PRId64 " k %" PRId64 ")   ; %%%u\n", b->trans_b ? "'" : "", b->beta,
              b->m, b->n, b->k, b->node);
      break;
    case SS_GEMV:
      fprintf(out, "gemv ");
      print_buf(&b->c, out);
      fprintf(out, " = ");
      print_alpha(b, out);
      fprintf(out, " * ");
      print_buf(&b->a, out);
      fprintf(out, "%s @ ", b->trans_a ? "'" : "");
      print_buf(&b->b, out);
      fprintf(out, " + %g  (stored %" PRId64 "x%" PRId64 ")   ; %%%u\n", b->beta, b->m, b->n, b->node);
      break;
    case SS_SYMV:
      fprintf(out, "symv ");
      print_buf(&b->c, out);
      fprintf(out, " = ");
      print_alpha(b, out);
      fprintf(out, " * ");
      print_buf(&b->a, out);
      fprintf(out, " @ ");
      print_buf(&b->b, out);
      fprintf(out, " + %g  (symmetric %" PRId64 ")   ; %%%u\n", b->beta, b->m, b->node);
      break;
    case SS_GER:
      fprintf(out, "ger ");
      print_buf(&b->c, out);
      fprintf(out, " += ");
      print_alpha(b, out);
      fprintf(out, " * ");
      print_buf(&b->a, out);
      fprintf(out, " x ");
      print_buf(&b->b, out);
      fprintf(out, "  (%" PRId64 "x%" PRId64 ")   ; %%%u\n", b->m, b->n, b->node);
      break;
    }
  }
}
