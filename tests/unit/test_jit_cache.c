/* test_jit_cache.c — the JIT's object cache: a second compile of the same problem loads every
 * part from the cache and its kernels give bit-identical results; a different problem, CPU
 * count or opt level misses; corrupt, truncated and foreign entries are misses that get
 * rewritten; keep_ir and "" bypass the cache; the directory is pruned to the most recently
 * used entries; keys separate string boundaries. The cache trusts only what the user alone
 * could have written (issue 13): 0700/0600 whatever the umask; directories and entries of
 * another user or writable by group/others, symbolic links and FIFOs are refused; an entry
 * copied under another key's name is a miss; temporary files never write through a planted
 * symbolic link. A refusal is a warning of the compile (jit_warning), once per compile. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hand_problems.h"
#include "llvm/jit.h"
#include "llvm/jit_cache.h"
#include "llvm/jit_target.h"
#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>
#include "rt_rng.h"

static char dir[256];

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/bloc-test-jit-cache-%ld", (long)getpid());
  return 0;
}

static void remove_dir(void) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *de;
  char path[512];
  while ((de = readdir(d)))
    if (de->d_name[0] != '.') {
      snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
      unlink(path);
    }
  closedir(d);
  rmdir(dir);
}

static int teardown(void **state) {
  (void)state;
  remove_dir();
  return 0;
}

/* Entry files in dir (names in names[0..], up to max). */
static int list_entries(char names[][64], int max) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  int n = 0;
  struct dirent *de;
  while ((de = readdir(d)))
    if (de->d_name[0] != '.') {
      if (n < max) snprintf(names[n], 64, "%.63s", de->d_name);
      n++;
    }
  closedir(d);
  return n;
}

typedef struct Problem {
  Arena arena;
  IrProblem p;
  double *data[4];
  int64_t n;
} Problem;

static void synthetic(Problem *pr, int64_t n) {
  arena_init(&pr->arena);
  hp_synthetic(&pr->p, &pr->arena, n, 0.5);
  pr->n = n;
  RtRng r;
  rt_rng_seed(&r, 7);
  for (int i = 0; i < 4; i++) {
    int64_t len = i == 3 ? n * n : n;
    pr->data[i] = malloc((size_t)len * sizeof(double));
    for (int64_t j = 0; j < len; j++) pr->data[i][j] = rt_rng_uniform(&r, 0.1, 1);
  }
  for (int64_t i = 0; i < n; i++) /* G symmetric */
    for (int64_t j = 0; j < i; j++) pr->data[3][i * n + j] = pr->data[3][j * n + i];
}

static void problem_free(Problem *pr) {
  for (int i = 0; i < 4; i++) free(pr->data[i]);
  arena_free(&pr->arena);
}

static JitModule *compile(Problem *pr, JitOptions o) {
  JitModule *m = NULL;
  char err[512];
  int rc = jit_compile(&pr->p, &o, &m, err, sizeof err);
  if (rc) fprintf(stderr, "%s\n", err);
  assert_int_equal(rc, 0);
  return m;
}

/* Run every kernel at a fixed point; results into out (concatenated, at most cap doubles). */
static size_t run_all(JitModule *m, Problem *pr, double *out, size_t cap) {
  int64_t nx = pr->p.nx, ny = pr->p.ny;
  double *x = malloc((size_t)nx * sizeof(double)), *y = malloc((size_t)ny * sizeof(double)),
         *v = malloc((size_t)(nx > ny ? nx : ny) * sizeof(double)); /* x-sized for hvp_yx */
  for (int64_t i = 0; i < nx; i++) x[i] = sin((double)i);
  for (int64_t i = 0; i < ny; i++) y[i] = cos((double)i);
  for (int64_t i = 0; i < (nx > ny ? nx : ny); i++) v[i] = 0.3 - 0.01 * (double)i;
  int64_t ws = jit_work_size(m);
  double *work = calloc((size_t)(ws ? ws : 1), sizeof(double));
  BloEnv env = {(const double *const *)pr->data, NULL, work, NULL};
  size_t n = 0;
  for (int id = 0; id < BLO_K_COUNT; id++) {
    BloKernelFn fn = jit_kernel(m, (BloKernelId)id);
    if (!fn) continue;
    IrKernel *k = &pr->p.kernels[id];
    double *slots[4] = {0};
    for (int s = 0; s < k->nslots; s++)
      slots[s] = calloc((size_t)(k->slot_size[s] ? k->slot_size[s] : 1), sizeof(double));
    fn(&env, x, y, v, slots);
    for (int s = 0; s < k->nslots; s++) {
      for (int64_t i = 0; i < k->slot_size[s] && n < cap; i++) out[n++] = slots[s][i];
      free(slots[s]);
    }
  }
  free(x);
  free(y);
  free(v);
  free(work);
  return n;
}

/* A JitCache on directory d (NULL: none yet) with no warning, for one call's use; the call's
 * warning is then in the_cache.warning. */
static JitCache the_cache;
static JitCache *cache_at(const char *d) {
  the_cache = (JitCache){.dir = d};
  return &the_cache;
}

/* The cache's last call gave the warning that dir (what) was refused for why, or none. */
static void warned(const char *what, const char *why) {
  char want[JIT_CACHE_WARNING_LEN] = "";
  if (what && !strcmp(what, "dir"))
    snprintf(want, sizeof want,
             "not using the compile cache '%s': %s (it must be yours, mode 700); compiling afresh",
             dir, why);
  else if (what)
    snprintf(want, sizeof want, "not using a compile cache entry in '%s': %s; compiling afresh",
             dir, why);
  assert_string_equal(the_cache.warning, want);
}

static JitOptions cached(int threads) {
  JitOptions o = jit_default_options();
  o.cache_dir = dir;
  o.threads = threads;
  return o;
}

static void test_second_compile_hits(void **state) {
  (void)state;
  remove_dir();
  Problem pr;
  synthetic(&pr, 30);
  static double a[100000], b[100000];
  JitModule *m = compile(&pr, cached(2));
  const JitTimings *t = jit_timings(m);
  assert_int_equal(t->cache_hits, 0);
  assert_true(t->emit_ms > 0);
  size_t na = run_all(m, &pr, a, 100000);
  jit_free(m);
  char names[16][64];
  assert_int_equal(list_entries(names, 16), 2); /* one object per compile part */

  m = compile(&pr, cached(2));
  t = jit_timings(m);
  assert_int_equal(t->cache_hits, 2);
  assert_true(t->optimize_ms == 0 && t->emit_ms == 0);
  size_t nb = run_all(m, &pr, b, 100000);
  jit_free(m);
  assert_int_equal(na, nb);
  assert_true(na > 100);
  assert_memory_equal(a, b, na * sizeof(double));

  /* another split into parts, another opt level, another problem: misses */
  m = compile(&pr, cached(1));
  assert_int_equal(jit_timings(m)->cache_hits, 0);
  jit_free(m);
  JitOptions o3 = cached(2);
  o3.opt_level = 3;
  m = compile(&pr, o3);
  assert_int_equal(jit_timings(m)->cache_hits, 0);
  jit_free(m);
  Problem other;
  synthetic(&other, 31);
  m = compile(&other, cached(2));
  assert_int_equal(jit_timings(m)->cache_hits, 0);
  jit_free(m);
  problem_free(&other);
  assert_int_equal(list_entries(names, 16), 2 + 1 + 2 + 2);
  problem_free(&pr);
}

/* Damage every entry with `damage`; the next compile misses, rewrites them, the one after hits. */
static void damaged_entries_are_misses(void (*damage)(const char *path)) {
  remove_dir();
  Problem pr;
  synthetic(&pr, 12);
  static double a[20000], b[20000];
  JitModule *m = compile(&pr, cached(2));
  size_t na = run_all(m, &pr, a, 20000);
  jit_free(m);
  char names[16][64], path[1400];
  int n = list_entries(names, 16);
  assert_int_equal(n, 2);
  for (int i = 0; i < n; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    damage(path);
  }
  m = compile(&pr, cached(2));
  assert_int_equal(jit_timings(m)->cache_hits, 0);
  size_t nb = run_all(m, &pr, b, 20000);
  jit_free(m);
  assert_int_equal(na, nb);
  assert_memory_equal(a, b, na * sizeof(double));
  m = compile(&pr, cached(2));
  assert_int_equal(jit_timings(m)->cache_hits, 2);
  jit_free(m);
  problem_free(&pr);
}

static void flip_last_byte(const char *path) {
  FILE *f = fopen(path, "r+b");
  assert_non_null(f);
  fseek(f, -1, SEEK_END);
  int c = fgetc(f);
  fseek(f, -1, SEEK_END);
  fputc(c ^ 0x40, f);
  fclose(f);
}

static void truncate_half(const char *path) {
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(truncate(path, st.st_size / 2), 0);
}

static void empty(const char *path) { assert_int_equal(truncate(path, 0), 0); }

static void foreign(const char *path) { /* a file of the right size but another format */
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  FILE *f = fopen(path, "wb");
  for (off_t i = 0; i < st.st_size; i++) fputc('x', f);
  fclose(f);
}

static void append_garbage(const char *path) {
  FILE *f = fopen(path, "ab");
  fputs("extra", f);
  fclose(f);
}

static void test_corrupt_entries(void **state) {
  (void)state;
  damaged_entries_are_misses(flip_last_byte);
  damaged_entries_are_misses(truncate_half);
  damaged_entries_are_misses(empty);
  damaged_entries_are_misses(foreign);
  damaged_entries_are_misses(append_garbage);
}

static void test_bypassed(void **state) {
  (void)state;
  remove_dir();
  Problem pr;
  synthetic(&pr, 10);
  JitOptions o = cached(2);
  o.keep_ir = true; /* dump-llvm needs the optimised IR: never from the cache */
  JitModule *m = compile(&pr, o);
  jit_free(m);
  char names[4][64];
  assert_int_equal(list_entries(names, 4), 0);
  o = jit_default_options();
  o.cache_dir = "";
  m = compile(&pr, o);
  assert_int_equal(jit_timings(m)->cache_hits, 0);
  jit_free(m);
  /* BLOC_CACHE=0 turns the environment's cache off */
  setenv("BLOC_CACHE_DIR", dir, 1);
  setenv("BLOC_CACHE", "0", 1);
  char buf[256];
  assert_null(jit_cache_dir(cache_at(NULL), NULL, buf, sizeof buf));
  unsetenv("BLOC_CACHE");
  assert_string_equal(jit_cache_dir(cache_at(NULL), NULL, buf, sizeof buf), dir);
  problem_free(&pr);
}

static void test_pruned_to_most_recent(void **state) {
  (void)state;
  remove_dir();
  char buf[256];
  assert_non_null(jit_cache_dir(cache_at(NULL), dir, buf, sizeof buf));
  JitCacheKey keys[6];
  for (int i = 0; i < 6; i++) {
    char s[16];
    snprintf(s, sizeof s, "entry %d", i);
    const char *in[] = {s};
    keys[i] = jit_cache_key(in, 1);
    JitCache four = {.dir = dir, .max_entries = 4};
    jit_cache_store(&four, keys[i], s, strlen(s));
    if (i == 3) { /* use entry 0 again: it is now more recent than 1..3 */
      char *bytes;
      size_t n;
      usleep(20000);
      assert_int_equal(jit_cache_load(cache_at(dir), keys[0], &bytes, &n), 0);
      assert_int_equal(n, 7);
      assert_memory_equal(bytes, "entry 0", 7);
      free(bytes);
    }
    usleep(20000); /* distinct modification times */
  }
  char names[16][64];
  assert_int_equal(list_entries(names, 16), 4);
  bool kept[6];
  for (int i = 0; i < 6; i++) {
    char *bytes;
    size_t n;
    kept[i] = jit_cache_load(cache_at(dir), keys[i], &bytes, &n) == 0;
    if (kept[i]) free(bytes);
  }
  assert_true(kept[0] && !kept[1] && !kept[2] && kept[3] && kept[4] && kept[5]);
}

static void test_keys(void **state) {
  (void)state;
  const char *ab_c[] = {"ab", "c"}, *a_bc[] = {"a", "bc"}, *ab_c2[] = {"ab", "c"},
             *null_[] = {NULL, "c"}, *empty_[] = {"", "c"};
  JitCacheKey k1 = jit_cache_key(ab_c, 2), k2 = jit_cache_key(a_bc, 2),
              k3 = jit_cache_key(ab_c2, 2);
  assert_true(k1.h[0] == k3.h[0] && k1.h[1] == k3.h[1]);
  assert_false(k1.h[0] == k2.h[0] && k1.h[1] == k2.h[1]);
  JitCacheKey k4 = jit_cache_key(null_, 2), k5 = jit_cache_key(empty_, 2);
  assert_true(k4.h[0] == k5.h[0] && k4.h[1] == k5.h[1]);
  /* a one-character change moves both lanes */
  const char *x1[] = {"define void @bloc_f(ptr %0)"}, *x2[] = {"define void @bloc_g(ptr %0)"};
  JitCacheKey a = jit_cache_key(x1, 1), b = jit_cache_key(x2, 1);
  assert_true(a.h[0] != b.h[0] && a.h[1] != b.h[1]);
}

static JitCacheKey key_of(const char *s) {
  const char *in[] = {s};
  return jit_cache_key(in, 1);
}

static void entry_file(JitCacheKey k, char *path, size_t len) {
  snprintf(path, len, "%s/%016llx%016llx.o", dir, (unsigned long long)k.h[0],
           (unsigned long long)k.h[1]);
}

static bool loads(JitCacheKey k, const char *want) {
  char *bytes;
  size_t n;
  if (jit_cache_load(cache_at(dir), k, &bytes, &n) != 0) return false;
  bool same = n == strlen(want) && memcmp(bytes, want, n) == 0;
  free(bytes);
  assert_true(same);
  return true;
}

static void test_modes_whatever_the_umask(void **state) {
  (void)state;
  remove_dir();
  mode_t old = umask(0);
  char buf[256], sub[300], path[400];
  snprintf(sub, sizeof sub, "%s/sub", dir);
  assert_non_null(jit_cache_dir(cache_at(NULL), sub, buf, sizeof buf)); /* parents too */
  JitCacheKey k = key_of("umask");
  jit_cache_store(cache_at(sub), k, "object", 6);
  umask(old);
  struct stat st;
  assert_int_equal(stat(dir, &st), 0);
  assert_int_equal(st.st_mode & 07777, 0700);
  assert_int_equal(stat(sub, &st), 0);
  assert_int_equal(st.st_mode & 07777, 0700);
  snprintf(path, sizeof path, "%s/%016llx%016llx.o", sub, (unsigned long long)k.h[0],
           (unsigned long long)k.h[1]);
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 07777, 0600);
  unlink(path);
  rmdir(sub);
}

static void test_untrusted_refused(void **state) {
  (void)state;
  remove_dir();
  char buf[256], path[400], link[420];
  assert_non_null(jit_cache_dir(cache_at(NULL), dir, buf, sizeof buf));
  JitCacheKey k = key_of("trusted");
  jit_cache_store(cache_at(dir), k, "object", 6);
  entry_file(k, path, sizeof path);
  assert_true(loads(k, "object"));
  warned(NULL, NULL);
  /* an entry writable by group or others could have been planted */
  assert_int_equal(chmod(path, 0620), 0);
  assert_false(loads(k, "object"));
  warned("entry", "it is writable by group or others");
  assert_int_equal(chmod(path, 0602), 0);
  assert_false(loads(k, "object"));
  assert_int_equal(chmod(path, 0600), 0);
  assert_true(loads(k, "object"));
  /* so could anything in a directory writable by group or others */
  assert_int_equal(chmod(dir, 0770), 0);
  assert_null(jit_cache_dir(cache_at(NULL), dir, buf, sizeof buf));
  warned("dir", "it is writable by group or others");
  assert_false(loads(k, "object"));
  warned("dir", "it is writable by group or others");
  assert_int_equal(chmod(dir, 0707), 0);
  assert_null(jit_cache_dir(cache_at(NULL), dir, buf, sizeof buf));
  assert_int_equal(chmod(dir, 0700), 0);
  assert_non_null(jit_cache_dir(cache_at(NULL), dir, buf, sizeof buf));
  /* a symbolic link to a valid entry is not followed */
  snprintf(link, sizeof link, "%s.real", path);
  assert_int_equal(rename(path, link), 0);
  assert_int_equal(symlink(link, path), 0);
  assert_false(loads(k, "object"));
  warned("entry", "it is a symbolic link");
  unlink(path);
  unlink(link);
  /* a FIFO in place of an entry is refused at once (it used to block the run) */
  assert_int_equal(mkfifo(path, 0600), 0);
  assert_false(loads(k, "object"));
  warned("entry", "it is not a regular file");
  unlink(path);
  if (geteuid() != 0) {
    fprintf(stderr, "SKIP: entries and directories of another user (needs root to chown)\n");
    return;
  }
  jit_cache_store(cache_at(dir), k, "object", 6);
  assert_true(loads(k, "object"));
  assert_int_equal(chown(path, 65534, 65534), 0);
  assert_false(loads(k, "object"));
  warned("entry", "it is owned by another user");
  assert_int_equal(chown(path, 0, 0), 0);
  assert_int_equal(chown(dir, 65534, 65534), 0);
  assert_null(jit_cache_dir(cache_at(NULL), dir, buf, sizeof buf));
  assert_false(loads(k, "object"));
  assert_int_equal(chown(dir, 0, 0), 0);
  assert_true(loads(k, "object"));
}

/* What a compile was told (jit_warning), compiling pr with cache options o, and how many parts
 * came from the cache. */
static const char *compile_warning(Problem *pr, JitOptions o, char *buf, size_t len, int *hits) {
  JitModule *m = compile(pr, o);
  const char *w = jit_warning(m);
  snprintf(buf, len, "%s", w ? w : "");
  *hits = jit_timings(m)->cache_hits;
  jit_free(m);
  return w ? buf : NULL;
}

/* The compile reports a refusal through jit_warning, never stderr: once per compile however
 * many parts met it, and again in the next compile of the same process (it was once per
 * process, so a library compiling many problems told only the first). */
static void test_warning_per_compile(void **state) {
  (void)state;
  remove_dir();
  Problem pr;
  synthetic(&pr, 10);
  char w[JIT_CACHE_WARNING_LEN], want[JIT_CACHE_WARNING_LEN];
  int hits;
  assert_null(compile_warning(&pr, cached(2), w, sizeof w, &hits)); /* fills the cache */
  char names[4][64], path[600];
  snprintf(want, sizeof want,
           "not using a compile cache entry in '%s': it is writable by group or others; "
           "compiling afresh",
           dir);
  /* both parts' entries refused: one warning, in each of two compiles (each compile replaces
   * the entries it refused with its own, so they are opened up again before it) */
  for (int rep = 0; rep < 2; rep++) {
    int n = list_entries(names, 4);
    assert_int_equal(n, 2);
    for (int i = 0; i < n; i++) {
      snprintf(path, sizeof path, "%s/%s", dir, names[i]);
      assert_int_equal(chmod(path, 0660), 0);
    }
    assert_non_null(compile_warning(&pr, cached(2), w, sizeof w, &hits));
    assert_string_equal(w, want);
    assert_int_equal(hits, 0);
  }
  /* the directory refused: the same, for the directory */
  assert_int_equal(chmod(dir, 0770), 0);
  snprintf(want, sizeof want,
           "not using the compile cache '%s': it is writable by group or others (it must be "
           "yours, mode 700); compiling afresh",
           dir);
  for (int rep = 0; rep < 2; rep++) {
    assert_non_null(compile_warning(&pr, cached(2), w, sizeof w, &hits));
    assert_string_equal(w, want);
    assert_int_equal(hits, 0);
  }
  assert_int_equal(chmod(dir, 0700), 0);
  problem_free(&pr);
}

static void test_key_in_header(void **state) {
  (void)state;
  remove_dir();
  char buf[256], pa[400], pb[400];
  assert_non_null(jit_cache_dir(cache_at(NULL), dir, buf, sizeof buf));
  JitCacheKey a = key_of("problem a"), b = key_of("problem b");
  jit_cache_store(cache_at(dir), a, "object of a", 11);
  jit_cache_store(cache_at(dir), b, "object of b", 11);
  entry_file(a, pa, sizeof pa);
  entry_file(b, pb, sizeof pb);
  assert_int_equal(rename(pa, pb), 0); /* a's entry under b's name: valid checksum, wrong key */
  assert_false(loads(b, "object of a"));
  assert_false(loads(a, "object of a"));
}

static void test_temp_not_followed(void **state) {
  (void)state;
  remove_dir();
  char buf[256], victim[300], name[450];
  assert_non_null(jit_cache_dir(cache_at(NULL), dir, buf, sizeof buf));
  snprintf(victim, sizeof victim, "%s.victim", dir);
  FILE *f = fopen(victim, "w");
  assert_non_null(f);
  fputs("precious", f);
  fclose(f);
  JitCacheKey k = key_of("planted");
  /* symbolic links at the temporary names bloc used to write (<entry>.tmp<pid>), for this
   * and the next pids */
  char entry[400];
  entry_file(k, entry, sizeof entry);
  for (long pid = getpid(); pid < getpid() + 50; pid++) {
    snprintf(name, sizeof name, "%s.tmp%ld", entry, pid);
    assert_int_equal(symlink(victim, name), 0);
  }
  jit_cache_store(cache_at(dir), k, "object", 6);
  assert_true(loads(k, "object"));
  char got[64] = {0};
  f = fopen(victim, "r");
  assert_non_null(f);
  assert_non_null(fgets(got, sizeof got, f));
  fclose(f);
  assert_string_equal(got, "precious");
  unlink(victim);
}

/* BLOC_CPU (jit_target.h): unset, the host; a level the host has, that level, and its compile
 * is its own cache entry (another CPU name, no host features in the key) whose kernels agree
 * with the host's to rounding; an unknown name, and a level the host lacks, are errors. */
static void test_target_cpu(void **state) {
  (void)state;
  JitTarget t;
  char err[256] = "";
  unsetenv("BLOC_CPU");
  assert_int_equal(jit_target(&t, err, sizeof err), 0);
  char *host = LLVMGetHostCPUName();
  assert_string_equal(t.cpu, host);
  LLVMDisposeMessage(host);
  assert_non_null(t.features);
  bool host512 = t.avx512, host_v3 = strstr(t.features, "+avx2") && strstr(t.features, "+fma");
  jit_target_free(&t);

  setenv("BLOC_CPU", "skylake", 1);
  assert_int_equal(jit_target(&t, err, sizeof err), -1);
  jit_target_free(&t);
  assert_non_null(strstr(err, "BLOC_CPU='skylake' is not a CPU level bloc knows"));

  setenv("BLOC_CPU", "x86-64-v4", 1);
  int rc = jit_target(&t, err, sizeof err);
  jit_target_free(&t);
  if (host512) assert_int_equal(rc, 0);
  else {
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err, "needs the CPU feature avx512f"));
  }

  unsetenv("BLOC_CPU");
  if (!host_v3) return; /* an x86-64 CPU without AVX2 or FMA: no v3 code to run here */
  remove_dir();
  Problem pr;
  synthetic(&pr, 30);
  static double a[100000], b[100000];
  JitModule *m = compile(&pr, cached(2));
  size_t na = run_all(m, &pr, a, 100000);
  jit_free(m);
  setenv("BLOC_CPU", "x86-64-v3", 1);
  assert_int_equal(jit_target(&t, err, sizeof err), 0);
  assert_string_equal(t.cpu, "x86-64-v3");
  assert_null(t.features);
  assert_false(t.avx512);
  jit_target_free(&t);
  m = compile(&pr, cached(2));
  assert_int_equal(jit_timings(m)->cache_hits, 0);
  assert_int_equal(jit_timings(m)->vector_bits, 256);
  size_t nb = run_all(m, &pr, b, 100000);
  jit_free(m);
  m = compile(&pr, cached(2)); /* and its own entries hit */
  assert_int_equal(jit_timings(m)->cache_hits, 2);
  jit_free(m);
  unsetenv("BLOC_CPU");
  assert_int_equal(na, nb);
  double big = 0, diff = 0;
  for (size_t i = 0; i < na; i++) {
    big = fmax(big, fabs(a[i]));
    diff = fmax(diff, fabs(a[i] - b[i]));
  }
  assert_true(diff <= 1e-12 * big);
  problem_free(&pr);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_second_compile_hits),
      cmocka_unit_test(test_corrupt_entries),
      cmocka_unit_test(test_bypassed),
      cmocka_unit_test(test_pruned_to_most_recent),
      cmocka_unit_test(test_keys),
      cmocka_unit_test(test_modes_whatever_the_umask),
      cmocka_unit_test(test_untrusted_refused),
      cmocka_unit_test(test_key_in_header),
      cmocka_unit_test(test_temp_not_followed),
      cmocka_unit_test(test_warning_per_compile),
      cmocka_unit_test(test_target_cpu),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
