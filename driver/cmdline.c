/* cmdline.c — shared argument parsing for the bloc subcommands (see cmdline.h). */
#include "cmdline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver.h"
#include "help_methods.h"
#include "support/diag.h"
#include "rt_methods.h"

static const DriverCmd *cmd_of(const char *name) {
  for (int i = 0; i < driver_ncmds; i++)
    if (strcmp(driver_cmds[i].name, name) == 0) return &driver_cmds[i];
  return NULL;
}

static const char *synopsis_of(const char *cmd) {
  const DriverCmd *c = cmd_of(cmd);
  return c ? c->synopsis : "";
}

int cmd_usage_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "bloc: error: ");
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  fprintf(stderr, "usage: bloc %s %s\n", cmd, synopsis_of(cmd));
  return 1;
}

#define usage_error(a, ...) cmd_usage_error((a)->cmd, __VA_ARGS__)

/* The options every command's parser knows (--seed, --backend, --precision) are accepted only by
 * the commands whose synopsis lists them: elsewhere they would be read and silently ignored. */
static bool lists(const CmdArgs *a, const char *flag) {
  return strstr(synopsis_of(a->cmd), flag) != NULL;
}

static int add_define(CmdArgs *a, const char *text) {
  SemaDefine d;
  if (!driver_parse_define(text, &d)) return 1;
  SemaDefine *defs = realloc(a->defs, sizeof(SemaDefine) * (size_t)(a->ndefs + 1));
  if (!defs) exit(3);
  a->defs = defs;
  size_t len = (size_t)(strchr(text, '=') - text);
  char *name = malloc(len + 1);
  if (!name) exit(3);
  memcpy(name, text, len);
  name[len] = '\0';
  a->defs[a->ndefs++] = (SemaDefine){name, d.value, d.text};
  return 0;
}

/* --data NAME=FILE: the name's syntax is checked here, the rest by the compile (sema). */
static int add_data_file(CmdArgs *a, const char *text) {
  const char *eq = strchr(text, '=');
  size_t len = eq ? (size_t)(eq - text) : 0;
  bool ident = len > 0 && !(text[0] >= '0' && text[0] <= '9');
  for (size_t i = 0; i < len; i++)
    ident &= text[i] == '_' || (text[i] >= 'a' && text[i] <= 'z') ||
             (text[i] >= 'A' && text[i] <= 'Z') || (text[i] >= '0' && text[i] <= '9');
  if (!eq || !ident || !eq[1])
    return usage_error(a, "--data expects NAME=FILE (a data declaration of the program and the "
                       "file its loader reads instead), got '%s'", text);
  SemaDataFile *f = realloc(a->files, sizeof *f * (size_t)(a->nfiles + 1));
  char *name = malloc(len + 1);
  if (!f || !name) exit(3);
  a->files = f;
  memcpy(name, text, len);
  name[len] = '\0';
  a->files[a->nfiles++] = (SemaDataFile){name, eq + 1};
  return 0;
}

/* The value of flag `name` at argv[*i]: after '=' or the next argument. */
static const char *flag_value(CmdArgs *a, int argc, char **argv, int *i, const char *name,
                              const char *value) {
  if (value) return value;
  if (*i + 1 >= argc) {
    usage_error(a, "option '%s' needs a value", name);
    return NULL;
  }
  return argv[++*i];
}

int cmd_parse(int argc, char **argv, const CmdFlag *flags, int nflags, CmdArgs *a) {
  const char *cmd = a->cmd;
  memset(a, 0, sizeof *a);
  a->cmd = cmd ? cmd : argv[0];
  a->backend = BLO_BACKEND_JIT;
  /* the single-valued flags given so far (bit k: flags[k]): a second value would silently
   * replace the first (`--out a.json --out b.json` wrote b.json alone) */
  uint64_t seen = 0;
  bool backend_set = false;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      const DriverCmd *c = cmd_of(a->cmd); /* the same text as `bloc help CMD` */
      printf("usage: bloc %s %s\n", a->cmd, synopsis_of(a->cmd));
      if (c) printf("\n%s\n", c->help);
      help_extra(a->cmd, stdout);
      return 2;
    }
    if (strncmp(arg, "-D", 2) == 0) {
      const char *def = arg[2] ? arg + 2 : (i + 1 < argc ? argv[++i] : NULL);
      if (!def) return usage_error(a, "-D needs NAME=VALUE");
      if (add_define(a, def)) return 1;
      continue;
    }
    if (arg[0] != '-' || strcmp(arg, "-") == 0) {
      if (a->file)
        return usage_error(a, "'%s' takes one file, got '%s' and '%s'", a->cmd, a->file, arg);
      a->file = arg;
      continue;
    }
    /* --name value or --name=value */
    const char *eq = strchr(arg, '=');
    size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
    const char *value = eq ? eq + 1 : NULL;
    bool data = nlen == 11 && strncmp(arg, "--data-seed", 11) == 0;
    if ((data || (nlen == 6 && strncmp(arg, "--seed", 6) == 0)) &&
        lists(a, data ? "--data-seed" : "--seed")) {
      const char *flag = data ? "--data-seed" : "--seed";
      bool *set = data ? &a->data_seed_set : &a->seed_set;
      if (*set) return usage_error(a, "%s given twice", flag);
      if (!(value = flag_value(a, argc, argv, &i, flag, value))) return 1;
      /* the range of the option 'seed', checked on the text: every command takes the same
       * seeds, and one past 2^53 is refused as typed, not rounded or wrapped */
      const char *bad = rt_seed_parse(flag, value, data ? &a->data_seed : &a->seed);
      if (bad) return usage_error(a, "%s", bad);
      *set = true;
      continue;
    }
    if (nlen == 6 && strncmp(arg, "--data", 6) == 0 && lists(a, "--data NAME=FILE")) {
      if (!(value = flag_value(a, argc, argv, &i, "--data", value))) return 1;
      if (add_data_file(a, value)) return 1;
      continue;
    }
    if (nlen == 9 && strncmp(arg, "--backend", 9) == 0 && lists(a, "--backend")) {
      if (backend_set) return usage_error(a, "--backend given twice");
      backend_set = true;
      if (!(value = flag_value(a, argc, argv, &i, "--backend", value))) return 1;
      if (strcmp(value, "jit") == 0) a->backend = BLO_BACKEND_JIT;
      else if (strcmp(value, "interp") == 0) a->backend = BLO_BACKEND_INTERP;
      else return usage_error(a, "--backend expects jit or interp, got '%s'", value);
      continue;
    }
    if (nlen == 11 && strncmp(arg, "--precision", 11) == 0 && lists(a, "--precision")) {
      if (a->precision_set) return usage_error(a, "--precision given twice");
      if (!(value = flag_value(a, argc, argv, &i, "--precision", value))) return 1;
      if (blo_precision_parse(value, &a->precision) != 0)
        return usage_error(a, "--precision expects f64 or f32, got '%s'", value);
      a->precision_set = true;
      continue;
    }
    const CmdFlag *f = NULL;
    int fk = 0;
    for (int k = 0; k < nflags; k++)
      if (strlen(flags[k].name) == nlen && strncmp(flags[k].name, arg, nlen) == 0)
        f = &flags[fk = k];
    if (!f) {
      /* the nearest flag of this command (as misspelt keys in a program get one) */
      char given[64];
      snprintf(given, sizeof given, "%.*s", (int)(nlen < 63 ? nlen : 63), arg);
      const char *names[64] = {"--help"};
      int nn = 1;
      for (int k = 0; k < nflags && nn < 64; k++) names[nn++] = flags[k].name;
      static const char *const common[] = {"--seed", "--backend", "--precision", "--data"};
      for (int k = 0; k < 4; k++)
        if (lists(a, k == 3 ? "--data NAME=FILE" : common[k])) names[nn++] = common[k];
      /* a flag that begins with what was given (--out of --out-dir) before the nearest by
       * edits (--set, three edits from --out) */
      const char *start[64];
      int starts = 0;
      for (int k = 0; k < nn; k++)
        if (strncmp(names[k], given, strlen(given)) == 0) start[starts++] = names[k];
      const char *near = starts == 1 ? start[0] : diag_suggest(given, names, (size_t)nn);
      usage_error(a, "unknown option '%s' for '%s'", arg, a->cmd);
      if (starts >= 2 && starts <= 5) { /* --sav: --save-x or --save-y; --s: four of them */
        fprintf(stderr, "hint: did you mean '%s'", start[0]);
        for (int k = 1; k < starts; k++)
          fprintf(stderr, "%s'%s'", k == starts - 1 ? " or " : ", ", start[k]);
        fprintf(stderr, "?\n");
      } else if (near) {
        fprintf(stderr, "hint: did you mean '%s'?\n", near);
      }
      return 1;
    }
    if (f->takes_value) {
      if (!(value = flag_value(a, argc, argv, &i, f->name, value))) return 1;
    } else {
      if (value) return usage_error(a, "option '%s' takes no value", f->name);
      value = "1";
    }
    if (f->repeat) {
      const char **l = realloc(*f->list, sizeof(char *) * (size_t)(*f->nlist + 1));
      if (!l) exit(3);
      *f->list = l;
      l[(*f->nlist)++] = value;
    } else {
      /* a switch given twice loses nothing */
      if (f->takes_value && fk < 64 && (seen >> fk & 1))
        return usage_error(a, "%s given twice", f->name);
      seen |= fk < 64 ? UINT64_C(1) << fk : 0;
      *f->value = value;
    }
  }
  if (!a->file) return usage_error(a, "'%s' needs a .blo file", a->cmd);
  return 0;
}

/* CmdArgs.quiet's filter (a DiagSink, which lives as long as the compiled problem's Diag: the
 * option checks after compiling report there too). A note or hint belongs to the message
 * before it. */
static void quiet_sink(void *ctx, const DiagEvent *ev) {
  CmdArgs *a = ctx;
  if (ev->kind == DIAG_ERROR || ev->kind == DIAG_LIMIT) a->quiet_after_error = true;
  else if (ev->kind == DIAG_WARNING) a->quiet_after_error = false;
  if (a->quiet_after_error) fputs(ev->text, stderr);
}

static BloCompileOptions compile_options(CmdArgs *a, bool no_data) {
  BloCompileOptions opt = {0};
  if (a->quiet) {
    opt.diag_sink = quiet_sink;
    opt.diag_sink_ctx = a;
  }
  opt.defs = a->defs;
  opt.ndefs = a->ndefs;
  opt.data_files = a->files;
  opt.ndata_files = a->nfiles;
  /* the data stage's seed: --data-seed over --seed, as bloc_set_data_seed (compare took
   * neither --data-seed nor its meaning) */
  opt.seed = a->data_seed_set ? a->data_seed : a->seed;
  opt.seed_set = a->seed_set || a->data_seed_set;
  opt.backend = a->backend;
  opt.precision_set = a->precision_set;
  opt.precision = a->precision;
  opt.no_data = no_data;
  opt.methods = a->methods;
  opt.nmethods = a->nmethods;
  opt.all_kernels = a->all_kernels;
  opt.shard = a->shard;
  return opt;
}

int cmd_compile(CmdArgs *a, bool no_data, BloCompiled **out) {
  BloCompileOptions opt = compile_options(a, no_data);
  return blo_compile_file(a->file, &opt, out);
}

int cmd_compile_begin(CmdArgs *a, BloCompiled **out) {
  BloCompileOptions opt = compile_options(a, false);
  return blo_compile_begin(a->file, NULL, &opt, out);
}

int cmd_compile_rest(CmdArgs *a, BloCompiled *c) {
  BloCompileOptions opt = compile_options(a, false);
  return blo_compile_rest(c, &opt);
}

int cmd_compile_full(CmdArgs *a, BloCompiled *c, BloCompiled **out) {
  BloCompileOptions opt = compile_options(a, false);
  opt.diag_sink = NULL; /* the variant's messages are nobody's (blo_compile_full) */
  opt.diag_sink_ctx = NULL;
  return blo_compile_full(c, &opt, out);
}

int cmd_precision_from_sets(CmdArgs *a, const char *const *sets, int n) {
  const char *last = NULL;
  BloPrecision p = a->precision, q;
  for (int i = 0; i < n; i++) {
    if (strncmp(sets[i], "precision=", 10) != 0) continue;
    if (blo_precision_parse(sets[i] + 10, &q) == 0) last = sets[i] + 10, p = q;
  }
  if (!last) return 0; /* none, or a bad value: the options' message */
  /* as for the seed: one would silently win over the other (which depended on the order) */
  if (a->precision_set && p != a->precision)
    return cmd_usage_error(a->cmd, "--precision %s and --set precision=%s disagree: give one "
                           "precision", blo_precision_name(a->precision), last);
  a->precision = p;
  a->precision_set = true;
  return 0;
}

int cmd_seed_from_sets(CmdArgs *a, const char *const *sets, int n) {
  const char *last = NULL;
  for (int i = 0; i < n; i++)
    if (strncmp(sets[i], "seed=", 5) == 0) last = sets[i] + 5;
  uint64_t s;
  if (!last || rt_seed_parse("--set seed", last, &s)) return 0; /* a bad value: the options' */
  if (a->seed_set && s != a->seed)
    return cmd_usage_error(a->cmd, "--seed %llu and --set seed=%s disagree: give one seed",
                           (unsigned long long)a->seed, last);
  a->seed = s;
  a->seed_set = true;
  return 0;
}

void cmd_args_free(CmdArgs *a) {
  for (int i = 0; i < a->ndefs; i++) free((char *)a->defs[i].name);
  free(a->defs);
  a->defs = NULL;
  a->ndefs = 0;
  for (int i = 0; i < a->nfiles; i++) free((char *)a->files[i].name);
  free(a->files);
  a->files = NULL;
  a->nfiles = 0;
}

int cmd_check_readable(const char *cmd, const char *flag, const char *path) {
  struct stat st;
  int fd = -1;
  if (stat(path, &st) != 0 || (S_ISREG(st.st_mode) && (fd = open(path, O_RDONLY)) < 0)) {
    fprintf(stderr, "bloc %s: error: %s: '%s': cannot open: %s\n", cmd, flag, path,
            strerror(errno));
    return 1;
  }
  if (fd >= 0) close(fd);
  if (S_ISDIR(st.st_mode)) {
    fprintf(stderr, "bloc %s: error: %s: '%s' is a directory, not a data file\n", cmd, flag,
            path);
    return 1;
  }
  return 0;
}
