/* schedule_dump.c — readable listings of execution plans (schedule.h), for debugging, for the
 * planner's unit tests and for `bloc dump-plan`. */
#include <inttypes.h>
#include <stdio.h>

#include "plan/schedule.h"

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
  case SB_XMEMO: fprintf(out, "xmemo%d", b->index); break;
  }
  fprintf(out, "[%" PRId64 "]", b->offset);
  if (b->ld > 1) fprintf(out, "/%" PRId64, b->ld);
}

static void print_shape(Shape s, FILE *out) {
  if (s.rank == 1) fprintf(out, "[%" PRId64 "]", s.rows);
  else if (s.rank == 2) fprintf(out, "[%" PRId64 "x%" PRId64 "]", s.rows, s.cols);
}

/* "load y[3]+..."-style printing of one expression. */
static void sched_print_expr(const SchedExpr *e, FILE *out) {
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
    fprintf(out, "[%" PRId64 ":%" PRId64 ",%" PRId64 ":%" PRId64 "]", e->attr[0], e->attr[1],
            e->attr[2], e->attr[3]);
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

static void dump_step(const SchedStep *st, const char *ind, FILE *out);

/* "NAME c<assign>alpha * a<op>b" of a BLAS-2 step; the caller prints the rest of the line. */
static void print_vector_op(const char *name, const SchedBlas *b, const char *assign,
                            const char *op, FILE *out) {
  fprintf(out, "%s ", name);
  print_buf(&b->c, out);
  fputs(assign, out);
  print_alpha(b, out);
  fprintf(out, " * ");
  print_buf(&b->a, out);
  fputs(op, out);
  print_buf(&b->b, out);
}

static void print_product(const char *name, const SchedBlas *b, FILE *out) {
  fprintf(out, "%s ", name);
  print_buf(&b->c, out);
  fprintf(out, b->part ? " += " : " = ");
  if (!b->part) {
    print_alpha(b, out);
    fprintf(out, " * ");
  }
  print_buf(&b->a, out);
  fprintf(out, "%s @ ", b->trans_a ? "'" : "");
  print_buf(&b->b, out);
  fprintf(out, "%s", b->trans_b ? "'" : "");
  if (b->part) fprintf(out, "  (partial %d)", b->part - 1);
  else fprintf(out, " + %g", b->beta);
  if (b->prefetch) fprintf(out, "  (prefetch)");
  if (b->a.rows_direct) fprintf(out, "  (rows read in place)");
  if (b->memo) fprintf(out, "  (memo at w[%" PRId64 "])", b->memo_at);
  fprintf(out, "  (m %" PRId64 " n %" PRId64 " k %" PRId64 ")   ; %%%u\n", b->m, b->n, b->k,
          b->node);
}

static void dump_step(const SchedStep *st, const char *ind, FILE *out) {
  const SchedBlas *b = &st->blas;
  switch (st->kind) {
  case SS_LOOP:
  case SS_ROWS:
  case SS_LSE:
  case SS_SCATTER:
    fprintf(out, "%s %" PRId64 "x%" PRId64 "%s\n",
            st->kind == SS_LOOP   ? "loop"
            : st->kind == SS_ROWS ? "rows"
            : st->kind == SS_LSE  ? "lse"
                                  : "scatter",
            st->rows, st->cols, st->flat ? " flat" : "");
    for (int j = 0; j < st->nitems; j++) {
      const SchedItem *it = &st->items[j];
      fprintf(out, "%s       %s%s ", ind, item_name(it->kind), it->partial ? " (partial)" : "");
      print_buf(&it->dest, out);
      if (it->dest.rows_direct) fprintf(out, " (rows read in place)");
      if (it->part) fprintf(out, " (partial %d)", it->part - 1);
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
  case SS_GEMM: print_product("gemm", b, out); break;
  case SS_SPMM:
    print_vector_op("spmm", b, " = ", b->trans_a ? "' @ " : " @ ", out);
    if (b->idx.base != SB_NONE) {
      fprintf(out, " rows ");
      print_buf(&b->idx, out);
      if (b->idx_rows)
        fprintf(out, " - %" PRId64 " (sharded, %" PRId64 " rows)", b->idx_r0, b->idx_rows);
    }
    fprintf(out, "  (sparse %" PRId64 "x%" PRId64 ", %" PRId64 " cols)   ; %%%u\n", b->m, b->k,
            b->n, b->node);
    break;
  case SS_SKINNY_GEMM: print_product("skinny_gemm", b, out); break;
  case SS_GEMV:
    print_vector_op("gemv", b, " = ", b->trans_a ? "' @ " : " @ ", out);
    fprintf(out, " + %g  (stored %" PRId64 "x%" PRId64 ")   ; %%%u\n", b->beta, b->m, b->n,
            b->node);
    break;
  case SS_SYMV:
    print_vector_op("symv", b, " = ", " @ ", out);
    fprintf(out, " + %g  (symmetric %" PRId64 ")   ; %%%u\n", b->beta, b->m, b->node);
    break;
  case SS_GER:
    print_vector_op("ger", b, " += ", " x ", out);
    fprintf(out, "  (%" PRId64 "x%" PRId64 ")   ; %%%u\n", b->m, b->n, b->node);
    break;
  case SS_PAR_ROWS: {
    fprintf(out,
            "par_rows %" PRId64 ": %" PRId64 " tasks of %" PRId64 " rows, blocks of %" PRId64 "\n",
            st->rows, st->ntasks, st->task_rows, st->block_rows);
    char sub[64];
    snprintf(sub, sizeof sub, "%s    ", ind);
    for (int j = 0; j < st->nbody; j++) {
      fprintf(out, "%s    .%d ", ind, j);
      dump_step(&st->body[j], sub, out);
    }
    for (int j = 0; j < st->nreds; j++) {
      const SchedReduce *r = &st->reds[j];
      fprintf(out, "%s    combine %d: ", ind, j);
      print_buf(&r->dest, out);
      fprintf(out, " = %.17g", r->alpha);
      if (r->alpha_buf.base != SB_NONE) {
        fputc('*', out);
        print_buf(&r->alpha_buf, out);
      }
      fprintf(out, " * sum of ");
      print_buf(&r->part, out);
      fprintf(out, " (%" PRId64 "x%" PRId64 "%s, stride %" PRId64 ") + %g\n", r->rows, r->cols,
              r->trans ? " transposed" : "", r->stride, r->beta);
    }
    break;
  }
  }
}

void sched_dump(const SchedKernel *k, FILE *out) {
  fprintf(out,
          "kernel %s: %d steps, work %" PRId64 " doubles, %d scalar registers, %" PRId64
          " materialised\n",
          k->name ? k->name : "?", k->nsteps, k->work_size, k->nsregs, k->materialised);
  if (k->nxmemo) {
    fprintf(out, "  first brings x-memo slots up to date with x:");
    for (int i = 0; i < k->nxmemo; i++) fprintf(out, " xmemo%d", k->xmemo[i]);
    fprintf(out, "\n");
  }
  for (int i = 0; i < k->nsteps; i++) {
    fprintf(out, "  #%d ", i);
    dump_step(&k->steps[i], "", out);
  }
}
