/* cmd_derive.c — `bloc derive` (simplified derivatives as readable expressions, with
 * operation counts), `bloc dump-ir` (the IR of every kernel, SSA style) and `bloc dump-llvm`
 * (the optimised LLVM IR the JIT runs, and each kernel's execution plan). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "compiled.h" /* the dump commands show the stages' intermediate forms */
#include "driver.h"
#include "ir/ir.h"
#include "llvm/jit.h"
#include "rt_mpi.h"

typedef struct Names {
  const Program *prog;
  const IrProblem *p;
  Arena *arena;
} Names;

static const char *leaf_name(void *ctx, const IrNode *n) {
  Names *nm = ctx;
  const Program *prog = nm->prog;
  switch ((IrOp)n->op) {
  case IR_VAR:
    return n->attr[0] == 0 ? prog->upper[n->attr[1]]->name : prog->lower[n->attr[1]]->name;
  case IR_DIR:
    return prog->nlower == 1 ? "v" : arena_printf(nm->arena, "v_%s", prog->lower[n->attr[1]]->name);
  case IR_DATA:
    if (n->attr[0] < prog->ndata) return prog->data[n->attr[0]]->name;
    return arena_printf(nm->arena, "%%hoisted%lld", (long long)(n->attr[0] - prog->ndata));
  case IR_SAMPLE:
    return prog->samples[n->attr[0]]->name;
  default:
    return NULL;
  }
}

typedef struct Deriv {
  const char *what;
  IrNode **nodes;
  bool upper;    /* one entry per upper variable (else per lower variable) */
} Deriv;

static void print_deriv(IrProblem *p, Names *nm, const Deriv *d, FILE *out) {
  const Program *prog = p->prog;
  int n = d->upper ? prog->nupper : prog->nlower;
  const char **names = arena_calloc(nm->arena, (size_t)n + 1, sizeof(char *));
  for (int i = 0; i < n; i++)
    names[i] = arena_printf(nm->arena, "%s[%s]", d->what,
                            d->upper ? prog->upper[i]->name : prog->lower[i]->name);
  fprintf(out, "%s:\n", d->what);
  ir_print_expr(&p->graph, d->nodes, names, (size_t)n, leaf_name, nm, out);
}

static void print_stats(IrProblem *p, FILE *out) {
  IrGraph *g = &p->graph;
  double fo = ir_flops(g, &p->f, 1), go = ir_flops(g, &p->g, 1);
  fprintf(out, "%-18s %8s %14s %10s\n", "kernel", "ops", "flops/call", "vs g");
  fprintf(out, "%-18s %8zu %14.4g %10s\n", "objective f", ir_count_ops(g, &p->f, 1), fo, "");
  fprintf(out, "%-18s %8zu %14.4g %10.2f\n", "objective g", ir_count_ops(g, &p->g, 1), go, 1.0);
  for (int k = 0; k < BLO_K_COUNT; k++) {
    IrKernel *kern = &p->kernels[k];
    if (!kern->nouts) continue;
    IrNode **roots = arena_calloc(g->arena, (size_t)kern->nouts + 1, sizeof(IrNode *));
    for (int o = 0; o < kern->nouts; o++) roots[o] = kern->outs[o].node;
    double fl = ir_flops(g, roots, (size_t)kern->nouts);
    fprintf(out, "%-18s %8zu %14.4g %10.2f\n", kern->name,
            ir_count_ops(g, roots, (size_t)kern->nouts), fl, go > 0 ? fl / go : 0.0);
  }
  if (p->nhoisted)
    fprintf(out, "(%d data-only subexpressions precomputed once before solving)\n", p->nhoisted);
}

/* Parse the arguments and compile without data: 0 and *out, or the exit status. */
static int parse_and_compile(int argc, char **argv, CmdArgs *a, const CmdFlag *flags, int nflags,
                             BloCompiled **out) {
  int rc = cmd_parse(argc, argv, flags, nflags, a);
  if (rc) return rc == 2 ? -1 : 1; /* -1: --help was printed */
  return cmd_compile(a, true, out);
}

int cmd_derive(int argc, char **argv) {
  const char *what = "all", *stats = NULL;
  CmdFlag flags[] = {{"--what", true, &what, false, NULL, NULL},
                     {"--stats", false, &stats, false, NULL, NULL}};
  CmdArgs a = {.cmd = "derive"};
  BloCompiled *c = NULL;
  int rc = parse_and_compile(argc, argv, &a, flags, 2, &c);
  if (rc == 0) {
    IrProblem *p = c->ir;
    Names nm = {c->prog, p, &c->arena};
    const Deriv all[] = {
        {"grad_x_f", p->grad_x_f, true},  {"grad_y_f", p->grad_y_f, false},
        {"grad_y_g", p->grad_y_g, false}, {"hvp_yy", p->hvp_yy, false},
        {"hvp_xy", p->hvp_xy, true},      {"init_vjp", p->init_vjp, true},
    };
    bool found = strcmp(what, "all") == 0;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
      if (strcmp(what, "all") != 0 && strcmp(what, all[i].what) != 0) continue;
      if (strcmp(what, "all") == 0 && i == 5 && !c->prog->init_uses_x) continue;
      found = true;
      print_deriv(p, &nm, &all[i], stdout);
    }
    if (!found) {
      fprintf(
          stderr,
          "bloc derive: error: --what expects grad_x_f, grad_y_f, grad_y_g, hvp_yy, hvp_xy, "
          "init_vjp or all, got '%s'\n",
          what);
      rc = 1;
    } else if (stats) {
      print_stats(p, stdout);
    }
  }
  blo_compiled_free(c);
  cmd_args_free(&a);
  return rc < 0 ? 0 : rc; /* -1: --help */
}

int cmd_dump_ir(int argc, char **argv) {
  const char *kernel = NULL;
  CmdFlag flags[] = {{"--kernel", true, &kernel, false, NULL, NULL}};
  CmdArgs a = {.cmd = "dump-ir"};
  BloCompiled *c = NULL;
  int rc = parse_and_compile(argc, argv, &a, flags, 1, &c);
  if (rc == 0) {
    IrProblem *p = c->ir;
    bool found = false;
    for (int k = 0; k < BLO_K_COUNT; k++) {
      IrKernel *kern = &p->kernels[k];
      if (!kern->nouts || (kernel && strcmp(kernel, kern->name) != 0)) continue;
      found = true;
      IrNode **roots = arena_calloc(&c->arena, (size_t)kern->nouts + 1, sizeof(IrNode *));
      const char **names = arena_calloc(&c->arena, (size_t)kern->nouts + 1, sizeof(char *));
      for (int o = 0; o < kern->nouts; o++) {
        roots[o] = kern->outs[o].node;
        names[o] = arena_printf(&c->arena, "out%d[%lld:]", kern->outs[o].slot,
                                (long long)kern->outs[o].offset);
      }
      printf("kernel %s:\n", kern->name);
      ir_dump(&p->graph, roots, names, (size_t)kern->nouts, stdout);
    }
    for (int h = 0; h < p->nhoisted; h++) {
      if (kernel) break;
      printf("hoisted data %%hoisted%d (computed once):\n", h);
      const char *name = "value";
      ir_dump(&p->graph, &p->hoisted[h], &name, 1, stdout);
    }
    if (!found && kernel) {
      fprintf(stderr, "bloc dump-ir: error: no kernel named '%s'\n", kernel);
      rc = 1;
    }
  }
  blo_compiled_free(c);
  cmd_args_free(&a);
  return rc < 0 ? 0 : rc; /* -1: --help */
}

int cmd_dump_llvm(int argc, char **argv) {
  const char *plan = NULL;
  CmdFlag flags[] = {{"--plan", false, &plan, false, NULL, NULL}};
  CmdArgs a = {.cmd = "dump-llvm"};
  int rc = cmd_parse(argc, argv, flags, 1, &a);
  if (rc) {
    cmd_args_free(&a);
    return rc == 2 ? 0 : 1;
  }
  BloCompileOptions opt = {0};
  opt.defs = a.defs;
  opt.ndefs = a.ndefs;
  opt.data_files = a.files;
  opt.ndata_files = a.nfiles;
  opt.seed = a.seed;
  opt.seed_set = a.seed_set;
  opt.backend = BLO_BACKEND_JIT;
  opt.precision_set = a.precision_set;
  opt.precision = a.precision;
  opt.keep_llvm_ir = true;
  /* under mpirun (rank 0 alone runs this): the whole problem's kernels, as one process has;
   * BLOC_SHARD=R/N shows a rank's */
  if (rt_mpi_size() > 1) opt.shard = (RtShard){0, 1};
  BloCompiled *c = NULL;
  rc = blo_compile_file(a.file, &opt, &c);
  if (rc == 0) {
    if (plan) {
      for (int k = 0; k < BLO_K_COUNT; k++) {
        const SchedKernel *sk = jit_plan(c->jit, (BloKernelId)k);
        if (!sk) continue;
        const char *sym = jit_symbol(c->jit, (BloKernelId)k);
        printf("; plan of %s%s\n", sym ? sym : sk->name, sym ? "" : " (not compiled: too large)");
        sched_dump(sk, stdout);
      }
      int nx = 0;
      const SchedXMemo *xm = jit_xmemo(c->jit, &nx);
      for (int j = 0; j < nx; j++) {
        printf("; plan of x-memo slot xmemo%d: node %%%u, header w[%lld], value w[%lld..%lld)\n",
               j, xm[j].node, (long long)xm[j].hdr, (long long)xm[j].at,
               (long long)(xm[j].at + xm[j].size));
        sched_dump(&xm[j].stage, stdout);
      }
    } else {
      jit_print_module(c->jit, stdout);
    }
  }
  blo_compiled_free(c);
  cmd_args_free(&a);
  return rc;
}
