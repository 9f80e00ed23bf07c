/* cmd_emit.c — `bloc emit-c`: compile the problem (with its data stage, on the reference
 * evaluator: no JIT needed), resolve the method and options as `bloc run` does, and write the
 * standalone C solver (compiler/emit_c/emit_c.h). The file is written to a temporary next to the
 * target and renamed, so a failure never leaves half a solver behind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "config.h"
#include "driver.h"
#include "emit_c/emit_c.h"
#include "options.h"
#include "rt_outfile.h"
#include "rt_run.h"

/* The most rank compiles --ranks may ask for (the sum of its counts): each is a compile with
 * its data stage, and its kernels are written into the file. */
#define EMIT_MAX_PARTS 1024

/* --ranks N1,N2,...: the run sizes, sorted, without repeats and without 1 (the whole problem
 * is always in the file) into n[], their number into *count. Returns 0, or 1 after an error. */
static int parse_ranks(const char *text, int n[64], int *count) {
  const char *p = text;
  int total = 0;
  *count = 0;
  for (;;) {
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p || (*end && *end != ',') || v < 1 || v > EMIT_MAX_PARTS || *p == '+' ||
        *p == ' ')
      return cmd_usage_error("emit-c", "--ranks expects process counts such as 2 or 2,4, got '%s'",
                             text);
    int at = 0;
    while (at < *count && n[at] < v) at++;
    if (v > 1 && (at == *count || n[at] != v)) {
      if (*count == 64) return cmd_usage_error("emit-c", "--ranks: at most 64 process counts");
      memmove(n + at + 1, n + at, sizeof n[0] * (size_t)(*count - at));
      n[at] = (int)v;
      ++*count;
      total += (int)v;
    }
    if (total > EMIT_MAX_PARTS)
      return cmd_usage_error("emit-c",
                             "--ranks '%s': %d ranks in all, more than the %d a file holds", text,
                             total, EMIT_MAX_PARTS);
    if (!*end) return 0;
    p = end + 1;
  }
}

/* The problem compiled for every rank of each count in n[0..nn) (cmd_compile with a.shard),
 * appended to *shards. Returns 0, or the status of the first compile that failed (its
 * diagnostics printed: e.g. fewer sharded rows than ranks). */
static int compile_shards(CmdArgs *a, const int *n, int nn, BloCompiled ***shards, int *count) {
  int total = 0;
  for (int i = 0; i < nn; i++) total += n[i];
  *shards = calloc((size_t)total + 1, sizeof **shards);
  if (!*shards) exit(3);
  *count = 0;
  for (int i = 0; i < nn; i++)
    for (int r = 0; r < n[i]; r++) {
      a->shard = (RtShard){r, n[i]};
      int rc = cmd_compile(a, false, &(*shards)[*count]);
      ++*count;
      if (rc) {
        fprintf(stderr, "bloc emit-c: note: compiling rank %d of %d for --ranks\n", r, n[i]);
        return rc;
      }
    }
  return 0;
}

/* The command line as one line for the provenance header (arguments with blanks or quotes
 * quoted for a POSIX shell), which a shell reads back as the arguments given and a C comment
 * holds: inside the quotes "*" "/", "/" "*" and "?" "?" are split by '' (the quotes closed and
 * opened again), which a shell joins and which ends no comment nor forms a trigraph. ('\''
 * there put a quote into the argument: 'x*'\''/q.blo' read as x*'/q.blo.) Control characters,
 * which neither can hold on one line, are left to the header (emit_c.c), which says so. */
static char *command_line(int argc, char **argv) {
  size_t len = 16;
  for (int i = 0; i < argc; i++) len += 4 * strlen(argv[i]) + 3; /* a byte takes 4 at most */
  char *s = malloc(len), *p = s;
  if (!s) exit(3);
  p += sprintf(p, "bloc");
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    bool plain =
        *a &&
        strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=./,:+@%") ==
            strlen(a);
    *p++ = ' ';
    if (plain) {
      p += sprintf(p, "%s", a);
      continue;
    }
    *p++ = '\'';
    for (const char *first = a; *a; a++) {
      if (*a == '\'') {
        p += sprintf(p, "'\\''");
        continue;
      }
      char prev = a > first ? a[-1] : 0;
      if ((prev == '*' && *a == '/') || (prev == '/' && *a == '*') || (prev == '?' && *a == '?'))
        p += sprintf(p, "''");
      *p++ = *a;
    }
    *p++ = '\'';
  }
  *p = '\0';
  return s;
}

int cmd_emit_c(int argc, char **argv) {
  const char *method = NULL, *outp = NULL, *prefix = NULL, *embed = NULL, *ranks = NULL;
  const char **sets = NULL;
  int nsets = 0;
  CmdFlag flags[] = {
    {"--method", true, &method, false, NULL, NULL}, {"--set", true, NULL, true, &sets, &nsets},
    {"-o", true, &outp, false, NULL, NULL},         {"--prefix", true, &prefix, false, NULL, NULL},
    {"--embed-data", false, &embed, false, NULL, NULL},
    {"--ranks", true, &ranks, false, NULL, NULL},
  };
  CmdArgs a = {.cmd = "emit-c"};
  int rc = cmd_parse(argc, argv, flags, (int)(sizeof flags / sizeof flags[0]), &a);
  if (rc == 2) {
    cmd_args_free(&a);
    return 0;
  }
  if (rc == 0 && !outp)
    rc = cmd_usage_error("emit-c", "-o FILE is required (-o - writes to stdout)");
  if (rc == 0 && prefix && !emit_valid_prefix(prefix))
    rc = cmd_usage_error(
        "emit-c",
        "--prefix '%s' is not usable: a C identifier of at most 40 characters, not rt, blo, "
        "emit or cblas",
        prefix);
  int counts[64], ncounts = 0, nshards = 0;
  if (rc == 0 && ranks) rc = parse_ranks(ranks, counts, &ncounts);
  BloCompiled *c = NULL, **shards = NULL;
  if (method) { /* compile the kernels --method calls, not those of the program's own method */
    a.methods = &method;
    a.nmethods = 1;
  }
  if (rc == 0) {
    a.backend = BLO_BACKEND_INTERP; /* kernels are planned and written as C; nothing to JIT */
    rc = cmd_precision_from_sets(&a, sets, nsets);
    if (rc == 0) rc = cmd_seed_from_sets(&a, sets, nsets);
    a.shard = (RtShard){0, 1}; /* the whole problem, also under mpirun and with BLOC_SHARD */
    if (rc == 0) rc = cmd_compile(&a, false, &c);
  }
  if (rc == 0 && ncounts > 0 && !blo_program(c)->sharded)
    rc = cmd_usage_error("emit-c", "--ranks: '%s' has no sharded data: its solver runs whole on "
                         "every rank of any run", a.file);
  if (rc == 0 && ncounts > 0 && embed)
    rc = cmd_usage_error("emit-c", "--ranks and --embed-data: a data-parallel solver reads each "
                         "rank's rows from the data files");
  RtOptions opt;
  if (rc == 0) rc = opt_resolve(c, "emit-c", false, method, sets, nsets, &opt);
  if (rc == 0) rc = opt_check_rules(c, "emit-c", &opt, sets, nsets);
  if (rc == 0) rc = opt_check_suits(c, &opt);
  if (rc == 0 && a.seed_set) {
    const char *e = rt_options_set_num(&opt, "seed", (double)a.seed);
    if (e) rc = cmd_usage_error("emit-c", "--seed: %s", e);
  }
  char replaced[1200];
  if (rc == 0 && blo_output_replaces_input(c, outp, replaced, sizeof replaced)) {
    fprintf(stderr, "bloc emit-c: error: -o: %s\n", replaced);
    rc = 1;
  }
  if (rc == 0) { /* the options must suit the problem: fail here, not in the generated solver */
    char err[1024];
    if (rt_check(blo_problem(c), &opt, -1, err, sizeof err) != 0) {
      fprintf(stderr, "bloc emit-c: error: %s\n", err);
      rc = 1;
    }
  }
  if (rc == 0) {
    char pbuf[64];
    if (!prefix) {
      emit_default_prefix(blo_program(c)->name, pbuf, sizeof pbuf);
      prefix = pbuf;
    }
    char *cmdline = command_line(argc, argv);
    EmitCOptions eo = {prefix, &opt, embed != NULL, 0, cmdline, PACKAGE_VERSION, stderr, NULL, 0};
    rc = compile_shards(&a, counts, ncounts, &shards, &nshards);
    eo.shards = (const BloCompiled *const *)shards;
    eo.nshards = nshards;
    RtOutFile out;
    char err[1024];
    /* rt_outfile: a regular file is replaced whole when complete (its mode kept), a symbolic
     * link written through, a device or FIFO written in place, never replaced; "-" is stdout */
    if (rc) {
      /* a rank's compile failed: its diagnostics are printed */
    } else if (rt_outfile_open(&out, outp, err, sizeof err) != 0) {
      fprintf(stderr, "bloc emit-c: error: %s\n", err);
      rc = 1;
    } else if (emit_c(c, &eo, out.f, err, sizeof err) != 0) {
      fprintf(stderr, "bloc emit-c: error: %s\n", err);
      rt_outfile_discard(&out); /* what was at outp stays */
      rc = 1;
    } else if (rt_outfile_commit(&out, outp, err, sizeof err) != 0) {
      fprintf(stderr, "bloc emit-c: error: %s\n", err);
      rc = 1;
    }
    free(cmdline);
  }
  blo_compiled_free(c);
  for (int i = 0; i < nshards; i++) blo_compiled_free(shards[i]);
  free(shards);
  cmd_args_free(&a);
  free(sets);
  return rc;
}
