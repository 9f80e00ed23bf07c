/* rt_par.c — the thread pool behind rt_par_run (see rt_par.h). One call at a time owns the
 * workers (a trylock; anyone else runs serially). A call publishes its job under the mutex
 * and bumps a generation counter; workers (spinning briefly after a job, then sleeping on a
 * condition variable) join, and every participant claims task indices from an atomic counter.
 * A call returns when all tasks are done; the next call first waits until no worker is still
 * inside the previous job, so a late worker can never claim a task of a job it did not see. */
#define _GNU_SOURCE
#include "rt_par.h"
#include "rt_clock.h"
#include "rt_sparse.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { PAR_MAX = 64, PAR_DEFAULT_MAX = 8 };
/* How long a worker spins for the next job before sleeping (kernels of one solver step
 * follow each other within microseconds; waking a sleeping thread costs tens of them). */
#define PAR_SPIN_NS 200000

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER; /* owns the workers for one call */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv_work = PTHREAD_COND_INITIALIZER, cv_done = PTHREAD_COND_INITIALIZER;
static int nthreads;             /* threads per call, the caller included */
static pthread_t workers[PAR_MAX];
static int nworkers;             /* started (0: start on the next call) */
static atomic_bool stopping;
static atomic_uint_fast64_t gen; /* bumped for every job */
static RtParFn job_fn;
static void *job_ctx;
static int64_t job_n;
static atomic_int_fast64_t job_next, job_done;
static int active;               /* workers inside the current job */

int rt_par_parse_threads(const char *s) {
  if (!s || *s < '0' || *s > '9') return -1; /* strtol would take " 4" and "+4" */
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  return *end == '\0' && errno == 0 && v >= 1 && v <= PAR_MAX ? (int)v : -1;
}

static int env_threads(void) {
  int v = rt_par_parse_threads(getenv("BLOC_THREADS"));
  if (v > 0) return v;
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0 && CPU_COUNT(&set) < n)
    n = CPU_COUNT(&set);
  if (n < 1) n = 1;
  return n > PAR_DEFAULT_MAX ? PAR_DEFAULT_MAX : (int)n;
}

static void init_once(void) { nthreads = env_threads(); }

int rt_par_threads(void) {
  pthread_once(&once, init_once);
  pthread_mutex_lock(&run_lock);
  int n = nthreads;
  pthread_mutex_unlock(&run_lock);
  return n;
}

static void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/* Claim and run tasks until none is left. */
static void work(RtParFn fn, void *ctx, int64_t n) {
  for (;;) {
    int64_t t = atomic_fetch_add(&job_next, 1);
    if (t >= n) return;
    fn(ctx, t);
    if (atomic_fetch_add(&job_done, 1) + 1 == n) {
      pthread_mutex_lock(&mu);
      pthread_cond_broadcast(&cv_done);
      pthread_mutex_unlock(&mu);
    }
  }
}

static void *worker(void *arg) {
  uint_fast64_t seen = (uint_fast64_t)(uintptr_t)arg;
  for (;;) {
    /* spin a little for the next job, then sleep */
    int64_t until = rt_clock_ns() + PAR_SPIN_NS;
    while (atomic_load(&gen) == seen && !atomic_load(&stopping)) {
      for (int i = 0; i < 64; i++) cpu_relax();
      if (rt_clock_ns() > until) break;
    }
    pthread_mutex_lock(&mu);
    while (atomic_load(&gen) == seen && !atomic_load(&stopping)) pthread_cond_wait(&cv_work, &mu);
    if (atomic_load(&stopping)) {
      pthread_mutex_unlock(&mu);
      return NULL;
    }
    seen = atomic_load(&gen);
    RtParFn fn = job_fn;
    void *ctx = job_ctx;
    int64_t n = job_n;
    active++;
    pthread_mutex_unlock(&mu);
    work(fn, ctx, n);
    pthread_mutex_lock(&mu);
    if (--active == 0) pthread_cond_broadcast(&cv_done);
    pthread_mutex_unlock(&mu);
  }
}

/* With run_lock held: start nthreads - 1 workers (as many as the system gives). Workers block
 * every signal, so signals (Ctrl-C) reach the program's own threads. */
static void start_workers(void) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  uintptr_t g = (uintptr_t)atomic_load(&gen);
  for (int i = 0; i < nthreads - 1 && i < PAR_MAX; i++) {
    if (pthread_create(&workers[nworkers], NULL, worker, (void *)g) != 0) break;
    nworkers++;
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void serial(RtParFn fn, void *ctx, int64_t ntasks) {
  for (int64_t t = 0; t < ntasks; t++) fn(ctx, t);
}

void rt_par_run(RtParFn fn, void *ctx, int64_t ntasks) {
  if (ntasks <= 1) {
    if (ntasks == 1) fn(ctx, 0);
    return;
  }
  pthread_once(&once, init_once);
  if (pthread_mutex_trylock(&run_lock) != 0) { /* busy: another caller, or a call from a task */
    serial(fn, ctx, ntasks);
    return;
  }
  if (nthreads > 1 && nworkers == 0) start_workers();
  if (nworkers == 0) {
    pthread_mutex_unlock(&run_lock);
    serial(fn, ctx, ntasks);
    return;
  }
  pthread_mutex_lock(&mu);
  while (active > 0) pthread_cond_wait(&cv_done, &mu); /* a late worker still in the last job */
  job_fn = fn;
  job_ctx = ctx;
  job_n = ntasks;
  atomic_store(&job_next, 0);
  atomic_store(&job_done, 0);
  atomic_fetch_add(&gen, 1);
  pthread_cond_broadcast(&cv_work);
  pthread_mutex_unlock(&mu);
  work(fn, ctx, ntasks);
  for (int i = 0; i < 20000 && atomic_load(&job_done) < ntasks; i++) cpu_relax();
  pthread_mutex_lock(&mu);
  while (atomic_load(&job_done) < ntasks) pthread_cond_wait(&cv_done, &mu);
  pthread_mutex_unlock(&mu);
  pthread_mutex_unlock(&run_lock);
}

/* With run_lock held: stop and join every worker. */
static void stop_workers(void) {
  pthread_mutex_lock(&mu);
  atomic_store(&stopping, true);
  pthread_cond_broadcast(&cv_work);
  pthread_mutex_unlock(&mu);
  for (int i = 0; i < nworkers; i++) pthread_join(workers[i], NULL);
  nworkers = 0;
  pthread_mutex_lock(&mu);
  atomic_store(&stopping, false);
  active = 0;
  pthread_mutex_unlock(&mu);
}

void rt_par_set_threads(int n) {
  pthread_once(&once, init_once);
  pthread_mutex_lock(&run_lock);
  stop_workers();
  nthreads = n < 1 ? 1 : n > PAR_MAX ? PAR_MAX : n;
  pthread_mutex_unlock(&run_lock);
}

void rt_par_shutdown(void) {
  pthread_once(&once, init_once);
  pthread_mutex_lock(&run_lock);
  stop_workers();
  pthread_mutex_unlock(&run_lock);
}

/* dst[e] += src[e] for e < n, four at a time so that the compiler's -O2 vectorises it (an
 * element is still one addition: the same bits); the partials do not overlap. */
static void add_into(double *restrict dst, const double *restrict src, int64_t n) {
  int64_t e = 0;
  for (; e + 4 <= n; e += 4) {
    double a0 = dst[e] + src[e], a1 = dst[e + 1] + src[e + 1];
    double a2 = dst[e + 2] + src[e + 2], a3 = dst[e + 3] + src[e + 3];
    dst[e] = a0;
    dst[e + 1] = a1;
    dst[e + 2] = a2;
    dst[e + 3] = a3;
  }
  for (; e < n; e++) dst[e] += src[e];
}

void rt_par_reduce(double *dest, int64_t ld, double *part, int64_t stride, int64_t ntasks,
                   int64_t rows, int64_t cols, double alpha, double beta, int trans) {
  int64_t n = rows * cols;
  for (int64_t p = 1; p < ntasks; p++) add_into(part, part + p * stride, n);
  int64_t si = trans ? 1 : cols, sj = trans ? rows : 1; /* (i, j) at i si + j sj */
  for (int64_t i = 0; i < rows; i++)
    for (int64_t j = 0; j < cols; j++) {
      double v = alpha * part[i * si + j * sj];
      dest[i * ld + j] = beta != 0 ? dest[i * ld + j] + v : v;
    }
}

typedef struct SparseTask {
  const RtSparse *s;
  const int64_t *idx;
  int64_t rows, n, ldb, ldc, out_rows, per;
  int trans;
  const double *b;
  double *c;
} SparseTask;

static void sparse_task(void *ctx, int64_t task) {
  const SparseTask *t = ctx;
  int64_t r0 = task * t->per, r1 = r0 + t->per < t->out_rows ? r0 + t->per : t->out_rows;
  rt_sparse_mul_rows(t->s, t->idx, t->rows, t->trans, t->n, t->b, t->ldb, t->c, t->ldc, r0, r1);
}

/* Rows per task: about 64k stored entries' work each (tiny products stay on one thread). */
void rt_sparse_mul_par(const void *sp, const int64_t *idx, int64_t rows, int trans, int64_t n,
                       const double *b, int64_t ldb, double *c, int64_t ldc) {
  const RtSparse *s = sp;
  int64_t out_rows = rt_sparse_out_rows(s, rows, trans);
  double nnz_row = s->m.rows ? (double)s->m.nnz / (double)(trans ? s->m.cols : s->m.rows) : 0;
  double work = (double)out_rows * (nnz_row + 1) * (double)n;
  if ((trans && idx) || work < 131072 || out_rows < 2) {
    rt_sparse_mul(s, idx, rows, trans, n, b, ldb, c, ldc);
    return;
  }
  int64_t ntasks = (int64_t)(work / 65536);
  if (ntasks > 256) ntasks = 256;
  if (ntasks > out_rows) ntasks = out_rows;
  SparseTask t = {s, idx, rows, n, ldb, ldc, out_rows, (out_rows + ntasks - 1) / ntasks, trans, b,
                  c};
  rt_par_run(sparse_task, &t, (out_rows + t.per - 1) / t.per);
}
