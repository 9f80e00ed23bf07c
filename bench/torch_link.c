/* torch_link.c — see torch_link.h. */
#define _GNU_SOURCE
#include "torch_link.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef BENCH_TORCH_SCRIPT
#define BENCH_TORCH_SCRIPT "bench/bench_torch.py"
#endif

static FILE *to_py, *from_py;
static pid_t py_pid = -1;
static char cur_label[96] = "?";

static void torch_disable(const char *why) {
  printf("  note: PyTorch column skipped from here on: %s\n", why);
  fflush(stdout);
  torch_stop();
}

/* Send one command line and read the reply line into buf; false (and the column disabled)
 * when the coprocess is gone or answers "error". */
static bool request(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool request(char *buf, size_t len, const char *fmt, ...) {
  if (!to_py) return false;
  va_list ap;
  va_start(ap, fmt);
  vfprintf(to_py, fmt, ap);
  va_end(ap);
  fputc('\n', to_py);
  if (fflush(to_py) != 0 || !fgets(buf, (int)len, from_py)) {
    torch_disable("the PyTorch process exited");
    return false;
  }
  buf[strcspn(buf, "\n")] = '\0';
  if (strncmp(buf, "error", 5) == 0) {
    char why[600];
    snprintf(why, sizeof why, "bench_torch.py: %s", buf);
    torch_disable(why);
    return false;
  }
  return true;
}

static const char *tmp_dir(void) {
  const char *d = getenv("BLOC_BENCH_TMPDIR");
  struct stat st;
  if (d && *d) return d;
  if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0)
    return "/dev/shm";
  d = getenv("TMPDIR");
  return d && *d ? d : "/tmp";
}

void torch_start(void) {
  const char *env = getenv("BLOC_BENCH_TORCH");
  if (env && !strcmp(env, "0")) {
    printf("  PyTorch: skipped (BLOC_BENCH_TORCH=0)\n");
    return;
  }
  const char *py = getenv("BLOC_BENCH_PYTHON");
  if (!py || !*py) py = "/usr/bin/python3";
  if (access(py, X_OK) != 0) {
    printf("  PyTorch: skipped (%s not found; Debian: apt-get install python3-torch)\n", py);
    return;
  }
  if (access(BENCH_TORCH_SCRIPT, R_OK) != 0) {
    printf("  PyTorch: skipped (%s not found)\n", BENCH_TORCH_SCRIPT);
    return;
  }
  int in[2], out[2];
  if (pipe(in) || pipe(out)) {
    printf("  PyTorch: skipped (pipe: %s)\n", strerror(errno));
    return;
  }
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    printf("  PyTorch: skipped (fork: %s)\n", strerror(errno));
    return;
  }
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    close(in[0]);
    close(in[1]);
    close(out[0]);
    close(out[1]);
    setenv("OPENBLAS_NUM_THREADS", "1", 0);
    setenv("OMP_NUM_THREADS", "1", 0);
    execl(py, py, BENCH_TORCH_SCRIPT, "--serve", (char *)NULL);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  signal(SIGPIPE, SIG_IGN); /* a dead coprocess is an error return, not a signal */
  py_pid = pid;
  to_py = fdopen(in[1], "w");
  from_py = fdopen(out[0], "r");
  char line[512];
  if (!from_py || !to_py || !fgets(line, sizeof line, from_py)) {
    printf("  PyTorch: skipped (%s %s --serve did not start)\n", py, BENCH_TORCH_SCRIPT);
    torch_stop();
    return;
  }
  line[strcspn(line, "\n")] = '\0';
  if (strncmp(line, "ready ", 6) != 0) {
    printf("  PyTorch: skipped (%s: %s)\n", py, line);
    torch_stop();
    return;
  }
  printf(
      "  PyTorch: %s (%s, float64, OPENBLAS_NUM_THREADS=1); torch = the faster of autograd and "
      "functorch\n",
      line + 6, py);
  fflush(stdout);
}

void torch_stop(void) {
  if (to_py) {
    fputs("quit\n", to_py);
    fclose(to_py);
    to_py = NULL;
  }
  if (from_py) {
    fclose(from_py);
    from_py = NULL;
  }
  if (py_pid > 0) {
    waitpid(py_pid, NULL, 0);
    py_pid = -1;
  }
}

void torch_problem(const char *label, const char *spec, int narrays, const double *const *arrays,
                   const int64_t *lens) {
  snprintf(cur_label, sizeof cur_label, "%s", label);
  if (!to_py) return;
  char path[4096], line[512];
  snprintf(path, sizeof path, "%s/bloc-bench-XXXXXX", tmp_dir());
  int fd = mkstemp(path);
  FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
  bool ok = f != NULL;
  for (int i = 0; ok && i < narrays; i++)
    ok = fwrite(arrays[i], sizeof(double), (size_t)lens[i], f) == (size_t)lens[i];
  if (f && fclose(f) != 0) ok = false;
  if (!ok) {
    if (fd >= 0) unlink(path);
    char why[4200];
    snprintf(why, sizeof why, "cannot write %s (BLOC_BENCH_TMPDIR chooses the directory)", path);
    torch_disable(why);
    return;
  }
  request(line, sizeof line, "problem %s %s", spec, path);
  unlink(path);
}

/* Largest |a - b| / max(|b|, 1e-3 |b|_inf) over the outputs (as bench_kernels' rel_diff). */
static double rel_diff(double *const *a, const double *b, const int64_t *size, int nslots) {
  double worst = 0;
  for (int s = 0; s < nslots; s++) {
    double scale = 0;
    for (int64_t i = 0; i < size[s]; i++) scale = fmax(scale, fabs(b[i]));
    for (int64_t i = 0; i < size[s]; i++) {
      double d = fabs(a[s][i] - b[i]) / fmax(fmax(fabs(b[i]), 1e-3 * scale), 1e-300);
      worst = isnan(d) ? INFINITY : fmax(worst, d);
    }
    b += size[s];
  }
  return worst;
}

static double time_variant(const char *kernel, const char *var, int reps) {
  char line[512];
  if (!request(line, sizeof line, "time %s %s %d", kernel, var, reps)) return NAN;
  double ms;
  if (sscanf(line, "ms %lf", &ms) != 1) {
    torch_disable("bad reply to time");
    return NAN;
  }
  return ms;
}

static const char *g_kernel;

void torch_case_begin(TorchCase *t, const char *kernel, double *const *ref, const int64_t *size,
                      int nslots, double round_ms) {
  memset(t, 0, sizeof *t);
  g_kernel = kernel;
  char line[512];
  if (!kernel || !to_py || !request(line, sizeof line, "variants %s", kernel)) return;
  char *save = NULL;
  strtok_r(line, " ", &save); /* "ok" */
  for (char *w = strtok_r(NULL, " ", &save); w && t->nvar < TORCH_MAX_VARIANTS;
       w = strtok_r(NULL, " ", &save))
    snprintf(t->var[t->nvar++], sizeof t->var[0], "%s", w);
  int64_t total = 0;
  for (int s = 0; s < nslots; s++) total += size[s];
  double *got = malloc((size_t)(total + 1) * sizeof(double));
  for (int i = 0; i < t->nvar; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/bloc-bench-XXXXXX", tmp_dir());
    int fd = mkstemp(path);
    if (fd < 0) {
      torch_disable("cannot create a temporary file");
      break;
    }
    close(fd);
    bool ok = request(line, sizeof line, "check %s %s %s", kernel, t->var[i], path);
    FILE *f = ok ? fopen(path, "rb") : NULL;
    ok = f && fread(got, sizeof(double), (size_t)total, f) == (size_t)total;
    if (f) fclose(f);
    unlink(path);
    if (!ok) {
      if (to_py) torch_disable("short output file from bench_torch.py");
      break;
    }
    t->diff = fmax(t->diff, rel_diff(ref, got, size, nslots));
    double t1 = time_variant(kernel, t->var[i], 1);
    if (isnan(t1)) break;
    t->reps[i] = (int)fmax(1, round_ms / fmax(t1, 1e-4));
    t->best[i] = INFINITY;
    t->first[i] = t1;
  }
  free(got);
  if (!to_py) t->nvar = 0;
  /* a variant over 3x slower than the fastest on its first call is not timed further (functorch's
   * forward-over-reverse HVPs at n = 10000: seconds per call, where double backward takes 0.2 s) */
  double fastest = INFINITY;
  for (int i = 0; i < t->nvar; i++) fastest = fmin(fastest, t->first[i]);
  int kept = 0;
  for (int i = 0; i < t->nvar; i++)
    if (t->first[i] <= 3 * fastest) {
      if (kept != i) {
        memcpy(t->var[kept], t->var[i], sizeof t->var[0]);
        t->reps[kept] = t->reps[i];
        t->best[kept] = t->best[i];
        t->first[kept] = t->first[i];
      }
      kept++;
    }
  t->nvar = kept;
}

void torch_case_round(TorchCase *t) {
  for (int i = 0; i < t->nvar && to_py; i++)
    t->best[i] = fmin(t->best[i], time_variant(g_kernel, t->var[i], t->reps[i]));
  if (!to_py) t->nvar = 0;
}

double torch_case_best(const TorchCase *t, const char **variant) {
  double best = NAN;
  *variant = "-";
  for (int i = 0; i < t->nvar; i++)
    if (isnan(best) || t->best[i] < best) {
      best = t->best[i];
      *variant = t->var[i];
    }
  return best;
}

/* ------------------------------------------------------------------ the combined table */

typedef struct Row {
  char problem[96], kernel[24], variant[16];
  double jit, c, jit2, c2, torch, eval; /* jit2, c2: on BLOC_THREADS threads (NaN: not run) */
} Row;
static Row rows[64];
int combined_threads = 1;
static int nrows;

void combined_add(const char *kernel, double jit, double c, double jit2, double c2, double torch,
                  const char *variant, double eval) {
  if (nrows == (int)(sizeof rows / sizeof rows[0])) return;
  Row *r = &rows[nrows++];
  snprintf(r->problem, sizeof r->problem, "%s", cur_label);
  snprintf(r->kernel, sizeof r->kernel, "%s", kernel);
  snprintf(r->variant, sizeof r->variant, "%s", variant ? variant : "-");
  r->jit = jit;
  r->c = c;
  r->jit2 = jit2;
  r->c2 = c2;
  r->torch = torch;
  r->eval = eval;
}

static void cell(double v, const char *fmt) {
  if (isnan(v))
    printf(" - |");
  else
    printf(fmt, v);
}

void combined_print(void) {
  printf("\n== Combined table (ms per call; ratios of times measured in this run)\n\n");
  printf(
      "| problem | kernel | JIT 1T | C 1T | PyTorch 1T | eval | JIT/C | JIT/PyTorch | eval/C | JIT "
      "%dT | C %dT | "
      "JIT/C %dT | PyTorch via |\n",
      combined_threads, combined_threads, combined_threads);
  printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
  for (int i = 0; i < nrows; i++) {
    const Row *r = &rows[i];
    printf("| %s | %s |", r->problem, r->kernel);
    cell(r->jit, " %.3g |");
    cell(r->c, " %.3g |");
    cell(r->torch, " %.3g |");
    cell(r->eval, " %.3g |");
    cell(r->jit / r->c, " %.2f |");
    cell(r->jit / r->torch, " %.3f |");
    cell(r->eval / r->c, " %.1f |");
    cell(r->jit2, " %.3g |");
    cell(r->c2, " %.3g |");
    cell(r->jit2 / r->c2, " %.2f |");
    printf(" %s |\n", r->variant);
  }
  fflush(stdout);
  nrows = 0;
}
