/* emit_link.c — two solvers written by bloc emit-c with the prefixes quad and toy, linked into
 * one program through their library interfaces (tests/e2e/emit_c.sh builds and runs it). Each
 * loads its data, sizes its work buffer and solves; every heap allocation of the generated
 * files is counted (emit_count_alloc.h) and a solve must make none. The solves are
 * interleaved and repeated: each file's runtime state is its own, so the results repeat
 * exactly. A work buffer one byte short fails cleanly, and so does a caller-filled data struct
 * with a tensor missing. Final iterates go to DIR/P_x.csv and
 * DIR/P_y.csv for comparison with bloc run.
 *   usage: emit_link DIR */
#define quad_API_ONLY
#include "quad.c"
#define toy_API_ONLY
#include "toy.c"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long emit_test_allocs;

void *emit_test_malloc(size_t n) {
  emit_test_allocs++;
  return malloc(n);
}

void *emit_test_calloc(size_t n, size_t size) {
  emit_test_allocs++;
  return calloc(n, size);
}

void *emit_test_realloc(void *p, size_t n) {
  emit_test_allocs++;
  return realloc(p, n);
}

static int failures;

#define CHECK(cond, ...)                       \
  do {                                         \
    if (!(cond)) {                             \
      fprintf(stderr, "emit_link: FAIL: ");    \
      fprintf(stderr, __VA_ARGS__);            \
      fprintf(stderr, "\n");                   \
      failures++;                              \
    }                                          \
  } while (0)

static void save(const char *dir, const char *name, const double *v, int64_t n) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f) {
    CHECK(0, "cannot write %s", path);
    return;
  }
  for (int64_t i = 0; i < n; i++) fprintf(f, "%.17g\n", v[i]);
  fclose(f);
}

/* One solver's side: data, work size, a solve without the heap, and the error paths. */
#define SOLVER(P)                                                                                \
  static P##_data P##_d;                                                                         \
  static P##_params P##_p;                                                                       \
  static void *P##_work;                                                                         \
  static size_t P##_bytes;                                                                       \
  static const char *P##_set[] = {"outer_steps=30", "trace_every=10"};                           \
  static int P##_setup(void) {                                                                   \
    char err[1024];                                                                              \
    if (P##_data_load(&P##_d, -1, err, sizeof err)) {                                            \
      CHECK(0, #P "_data_load: %s", err);                                                        \
      return 1;                                                                                  \
    }                                                                                            \
    P##_params_init(&P##_p);                                                                     \
    P##_p.data = &P##_d;                                                                         \
    P##_p.set = P##_set;                                                                         \
    P##_p.nset = 2;                                                                              \
    if (P##_work_size(&P##_p, &P##_bytes, err, sizeof err)) {                                    \
      CHECK(0, #P "_work_size: %s", err);                                                        \
      return 1;                                                                                  \
    }                                                                                            \
    P##_work = malloc(P##_bytes + 1);                                                            \
    return P##_work == NULL;                                                                     \
  }                                                                                              \
  /* a solve into x, y; returns the heap allocations it made */                                 \
  static long P##_run(double *x, double *y, P##_result *r, size_t bytes, int misalign) {         \
    long before = emit_test_allocs;                                                              \
    P##_solve(&P##_p, (char *)P##_work + misalign, bytes, x, y, r);                              \
    return emit_test_allocs - before;                                                            \
  }

SOLVER(quad)
SOLVER(toy)

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: emit_link DIR\n");
    return 2;
  }
  if (quad_setup() || toy_setup()) return 1;
  static double qx[2][quad_NX], qy[2][quad_NY], tx[2][toy_NX], ty[2][toy_NY];
  quad_result qr;
  toy_result tr;
  long a;
  /* interleaved: quad, toy, quad again (misaligned work), toy again */
  a = quad_run(qx[0], qy[0], &qr, quad_bytes, 0);
  CHECK(a == 0, "quad_solve allocated %ld times", a);
  CHECK(qr.status == 0 && qr.steps == 30, "quad_solve: status %d, %lld steps: %s", qr.status,
        (long long)qr.steps, qr.message);
  a = toy_run(tx[0], ty[0], &tr, toy_bytes, 0);
  CHECK(a == 0, "toy_solve allocated %ld times", a);
  CHECK(tr.status == 0 && tr.steps == 30, "toy_solve: status %d, %lld steps: %s", tr.status,
        (long long)tr.steps, tr.message);
  a = quad_run(qx[1], qy[1], &qr, quad_bytes, 1);
  CHECK(a == 0, "quad_solve (again) allocated %ld times", a);
  a = toy_run(tx[1], ty[1], &tr, toy_bytes, 1);
  CHECK(a == 0, "toy_solve (again) allocated %ld times", a);
  CHECK(!memcmp(qx[0], qx[1], sizeof qx[0]) && !memcmp(qy[0], qy[1], sizeof qy[0]),
        "quad: the second solve differs");
  CHECK(!memcmp(tx[0], tx[1], sizeof tx[0]) && !memcmp(ty[0], ty[1], sizeof ty[0]),
        "toy: the second solve differs");
  /* too little work: a clean user error naming the size query, still without the heap */
  a = quad_run(qx[1], qy[1], &qr, quad_bytes / 2, 0);
  CHECK(a == 0 && qr.status == 1 && strstr(qr.message, "quad_work_size"),
        "quad_solve with half the work: status %d: %s", qr.status, qr.message);
  /* a bad option override */
  const char *bad[] = {"no_such_option=1"};
  toy_p.set = bad;
  toy_p.nset = 1;
  a = toy_run(tx[1], ty[1], &tr, toy_bytes, 0);
  CHECK(tr.status == 1 && strstr(tr.message, "no_such_option"),
        "toy_solve with a bad option: status %d: %s", tr.status, tr.message);
  /* a caller-filled quad_data that leaves a tensor the kernels read NULL (or x0): status 1
   * naming it, where the solve segfaulted (new-user pass, session 42) */
  quad_data holed = quad_d;
  int first = 0;
  while (first < quad_N_DATA && !holed.tensor[first]) first++;
  CHECK(first < quad_N_DATA, "quad_data_load left every tensor NULL");
  holed.tensor[first] = NULL;
  quad_p.data = &holed;
  a = quad_run(qx[1], qy[1], &qr, quad_bytes, 0);
  CHECK(qr.status == 1 && strstr(qr.message, "is NULL but the kernels read it"),
        "quad_solve with tensor %d NULL: status %d: %s", first, qr.status, qr.message);
  holed = quad_d;
  holed.x0 = NULL;
  a = quad_run(qx[1], qy[1], &qr, quad_bytes, 0);
  CHECK(qr.status == 1 && strstr(qr.message, "x0 is NULL"),
        "quad_solve with x0 NULL: status %d: %s", qr.status, qr.message);
  quad_p.data = &quad_d;
  save(argv[1], "quad_x.csv", qx[0], quad_NX);
  save(argv[1], "quad_y.csv", qy[0], quad_NY);
  save(argv[1], "toy_x.csv", tx[0], toy_NX);
  save(argv[1], "toy_y.csv", ty[0], toy_NY);
  quad_data_free(&quad_d);
  toy_data_free(&toy_d);
  free(quad_work);
  free(toy_work);
  if (!failures) printf("emit_link: two solvers, 4 solves without the heap, error paths ok\n");
  return failures ? 1 : 0;
}
