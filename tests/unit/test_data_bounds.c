/* test_data_bounds.c — the loaders against hostile input: a file far larger than its
 * declaration (a sparse file, a pipe of zeros, a gzip bomb) must be refused after reading about
 * as much as the declaration can need, which each test measures as the peak memory of a child
 * process doing the load; and the small parsing findings of issue 13 (long LIBSVM tokens, NUL
 * bytes, a repeated NPY 'shape' key) each with its own message. */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE /* wait4 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "fixture_dir.h"
#include "load_expect.h"
#include "rt_data.h"
#include "rt_sparse.h"

#define E sizeof g_err

static int group_setup(void **state) {
  (void)state;
  return fxd_create("bounds");
}

/* ------------------------------------------------------------------ bounded reading */

typedef int (*Loader)(const char *, RtShape, RtTensor *, RtErr);

/* The virtual (which 0) or resident (which 1) memory of this process now, in KiB. */
static long mem_kb(int which) {
  FILE *f = fopen("/proc/self/statm", "r");
  long v[2] = {0, 0};
  if (f) {
    if (fscanf(f, "%ld %ld", &v[0], &v[1]) != 2) v[0] = v[1] = 0;
    fclose(f);
  }
  return v[which] * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Loads path as a vector[2] in a child process; returns how much the child's peak resident
 * memory exceeded this process's (KiB), and asserts the load failed with `want`. The child
 * may use 20 s of CPU and 256 MiB more address space (room enough under ASan, whose shadow is
 * already mapped), so that a lost bound fails the test quickly rather than eating the machine. */
static long load_peak_kb(Loader load, int rank, int64_t rows, int64_t cols, const char *path,
                         const char *want) {
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  long base = mem_kb(1);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    struct rlimit cpu = {20, 20};
    setrlimit(RLIMIT_CPU, &cpu);
    rlim_t as = ((rlim_t)mem_kb(0) << 10) + ((rlim_t)256 << 20);
    struct rlimit asl = {as, as};
    setrlimit(RLIMIT_AS, &asl);
    RtTensor t;
    char err[512] = "";
    int rc = load(path, rt_shape(rank, rows, cols), &t, rt_err(err, sizeof err));
    if (rc == 0) snprintf(err, sizeof err, "(it succeeded)");
    ssize_t w = write(fds[1], err, strlen(err) + 1);
    _exit(w > 0 ? 0 : 1);
  }
  close(fds[1]);
  char msg[512] = "";
  ssize_t got = read(fds[0], msg, sizeof msg - 1);
  close(fds[0]);
  int status;
  struct rusage ru;
  assert_int_equal(wait4(pid, &status, 0, &ru), pid);
  if (!WIFEXITED(status)) fail_msg("the loading child died (status %d): no bound?", status);
  assert_true(got > 0);
  if (!strstr(msg, want)) fail_msg("message \"%s\"\n  lacks \"%s\"", msg, want);
  print_message("%s: peak %ld KiB above the parent's\n", path, ru.ru_maxrss - base);
  return ru.ru_maxrss - base;
}

/* The bound is 1 MiB plus 256 bytes a number: every oversized file below is 48 MiB or more,
 * so a child that reads it whole peaks 48 MiB higher; one that stops at the bound, a few. */
#define BIG ((size_t)48 << 20)
#define PEAK_LIMIT_KB (16L << 10)

static void test_sparse_file_is_not_read_whole(void **state) {
  (void)state;
  const char *p = fxd_path("sparse.csv");
  int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  assert_true(fd >= 0);
  assert_int_equal(ftruncate(fd, (off_t)BIG), 0); /* 48 MiB of NUL bytes, no disk used */
  close(fd);
  long peak = load_peak_kb(rt_load_csv, 1, 2, 1, p, "is too large for the declaration vector[2]");
  if (peak > PEAK_LIMIT_KB) fail_msg("peak memory %ld KiB above the parent's", peak);
  peak = load_peak_kb(rt_load_libsvm, 2, 2, 3, p, "is too large for the declaration matrix[2, 3]");
  if (peak > PEAK_LIMIT_KB) fail_msg("libsvm: peak memory %ld KiB above the parent's", peak);
}

/* /dev/zero and a pipe: non-regular files are read under the same bound (a pipe of 48 MiB of
 * zeros, so that a lost bound shows as memory rather than as a run that never ends). */
static void test_device_and_pipe_are_bounded(void **state) {
  (void)state;
  long peak = load_peak_kb(rt_load_csv, 1, 2, 1, "/dev/zero", "'/dev/zero' is too large");
  if (peak > PEAK_LIMIT_KB) fail_msg("/dev/zero: peak memory %ld KiB above the parent's", peak);
  FILE *src = popen("head -c 50331648 /dev/zero", "r");
  assert_non_null(src);
  char path[64];
  snprintf(path, sizeof path, "/dev/fd/%d", fileno(src));
  peak = load_peak_kb(rt_load_csv, 1, 2, 1, path, "is too large for the declaration vector[2]");
  pclose(src);
  if (peak > PEAK_LIMIT_KB) fail_msg("pipe: peak memory %ld KiB above the parent's", peak);
  /* LIBSVM labels: their features are not declared, so no byte count bounds the file; a line
   * with a NUL ends the read, and so does one example past the declared count (/dev/zero held
   * 6.5 GB in 8 s; a pipe of `yes '1 1:1'` 7.8 GB in 20 s) */
  peak = load_peak_kb(rt_load_libsvm_labels, 1, 2, 1, "/dev/zero",
                      "'/dev/zero' line 1: contains a NUL byte");
  if (peak > PEAK_LIMIT_KB) fail_msg("labels of /dev/zero: peak %ld KiB above the parent's", peak);
  src = popen("yes '1 1:1' | head -c 50331648", "r");
  assert_non_null(src);
  snprintf(path, sizeof path, "/dev/fd/%d", fileno(src));
  peak = load_peak_kb(rt_load_libsvm_labels, 1, 2, 1, path,
                      "holds more than 2 examples (line 3 is one more) but the declaration "
                      "says vector[2]");
  pclose(src);
  if (peak > PEAK_LIMIT_KB) fail_msg("labels of a pipe: peak %ld KiB above the parent's", peak);
}

/* A gzip of 48 MiB of "1\n" declared vector[2]: refused after about 1 MiB of decompression
 * (the 1 MB gzip took 32 s and 5.3 GB before the shape error). */
static void test_gzip_bomb_is_bounded(void **state) {
  (void)state;
  const char *p = fxd_path("bomb.csv.gz");
  gzFile g = gzopen(p, "wb1");
  assert_non_null(g);
  static char chunk[1 << 16];
  for (size_t i = 0; i < sizeof chunk; i += 2) chunk[i] = '1', chunk[i + 1] = '\n';
  for (size_t n = 0; n < BIG; n += sizeof chunk)
    assert_int_equal(gzwrite(g, chunk, sizeof chunk), (int)sizeof chunk);
  assert_int_equal(gzclose(g), Z_OK);
  long peak = load_peak_kb(rt_load_csv, 1, 2, 1, p, "is too large for the declaration vector[2]");
  if (peak > PEAK_LIMIT_KB) fail_msg("gzip: peak memory %ld KiB above the parent's", peak);
  /* the vector reader behind --x and --init-x has the same bound */
  double x[2];
  g_err[0] = 0;
  assert_int_not_equal(rt_read_vector_csv(p, "x", 2, x, rt_err(g_err, E)), 0);
  assert_non_null(strstr(g_err, "too large for x, a vector[2]: it holds more than"));
}

/* A binary file past the bound still gets the shape message its header supports; one whose
 * header agrees but that has too much after it is refused as too large. */
static void test_binary_too_large_keeps_shape_message(void **state) {
  (void)state;
  size_t n = (size_t)3 << 20;
  unsigned char *b = calloc(n, 1);
  assert_non_null(b);
  b[2] = 0x08, b[3] = 1; /* u8, one dimension */
  uint32_t d = (uint32_t)(n - 8);
  b[4] = (unsigned char)(d >> 24), b[5] = (unsigned char)(d >> 16), b[6] = (unsigned char)(d >> 8),
  b[7] = (unsigned char)d;
  const char *p = fxd_bytes("big.idx", b, n);
  RtTensor t;
  expect_fail(rt_load_idx(p, rt_shape(1, 4, 1), &t, rt_err(g_err, E)), t,
              "holds a vector of 3145720 numbers but the declaration says vector[4]");
  b[4] = b[5] = b[6] = 0, b[7] = 4; /* the header says 4, then megabytes of junk */
  p = fxd_bytes("junk.idx", b, n);
  expect_fail(rt_load_idx(p, rt_shape(1, 4, 1), &t, rt_err(g_err, E)), t,
              "is too large for the declaration vector[4]");
  free(b);
}

/* ------------------------------------------------------------------ parsing findings */

/* LIBSVM tokens of any length (a 64-byte buffer used to reject them as "not a finite number"),
 * and a message of its own for each way a token or a line can be wrong. */
static void test_libsvm_long_tokens_and_nul(void **state) {
  (void)state;
  char text[512];
  /* 1.000...0 with 120 zeros, a label and a value of 123 characters */
  char num[200] = "1.";
  memset(num + 2, '0', 120);
  num[122] = 0;
  snprintf(text, sizeof text, "%s 2:%s\n-1 1:0.5\n", num, num);
  RtTensor t;
  g_err[0] = 0;
  if (rt_load_libsvm(fxd_bytes("long.svm", text, strlen(text)), rt_shape(2, 2, 3), &t,
                     rt_err(g_err, E)))
    fail_msg("long tokens: %s", g_err);
  assert_true(t.v[0] == 1 && t.v[1] == 0 && t.v[2] == 1 && t.v[3] == -1 && t.v[4] == 0.5);
  rt_tensor_free(&t);
  snprintf(text, sizeof text, "1 1:%sx\n", num);
  const char *p;
  expect_fail(rt_load_libsvm(fxd_bytes("longbad.svm", text, strlen(text)), rt_shape(2, 1, 3), &t,
                             rt_err(g_err, E)),
              t,
              "line 1: the value in '1:1.000000000000000000000000000000000000...' is not a number");
  /* too large for sparse[2, 3]: the message names it, not the matrix[2, 4] of its text */
  static char big[(size_t)3 << 20];
  memcpy(big, "1 1:1\n0 2:1\n", 12);
  RtCsr m;
  g_err[0] = 0;
  assert_int_equal(rt_load_libsvm_csr(fxd_bytes("big.svm", big, sizeof big), rt_shape(2, 2, 3), &m,
                                      rt_err(g_err, E)),
                   -1);
  if (!strstr(g_err, "is too large for the declaration sparse[2, 3]: it holds more than"))
    fail_msg("sparse too large: %s", g_err);
  p = fxd_bytes("nul.svm", "1 1:1\n1 1:\0002\n", 13);
  expect_fail(rt_load_libsvm(p, rt_shape(2, 2, 3), &t, rt_err(g_err, E)), t,
              "line 2: contains a NUL byte (is this a binary file?)");
  expect_fail(rt_load_libsvm(fxd_bytes("inf.svm", "1e999 1:1\n", 10), rt_shape(2, 1, 3), &t,
                             rt_err(g_err, E)),
              t, "line 1: label '1e999' is not a finite number");
  expect_fail(
      rt_load_libsvm(fxd_bytes("yes.svm", "yes 1:1\n", 8), rt_shape(2, 1, 3), &t, rt_err(g_err, E)),
      t, "line 1: label 'yes' is not a number");
}

/* An NPY header (v1.0) holding dict text h, then the data bytes. */
static const char *npy_with_header(const char *name, const char *h, const void *data, size_t len) {
  unsigned char buf[512];
  size_t hl = strlen(h);
  assert_true(10 + hl + 1 + len <= sizeof buf);
  memcpy(buf, "\x93NUMPY\x01\x00", 8);
  buf[8] = (unsigned char)((hl + 1) & 0xff), buf[9] = (unsigned char)((hl + 1) >> 8);
  memcpy(buf + 10, h, hl);
  buf[10 + hl] = '\n';
  memcpy(buf + 11 + hl, data, len);
  return fxd_bytes(name, buf, 11 + hl + len);
}

/* A repeated key: 'shape': (2,), 'shape': (3,) used to load as shape (2, 3). */
static void test_npy_repeated_keys(void **state) {
  (void)state;
  const double v[6] = {1, 2, 3, 4, 5, 6};
  RtTensor t;
  const char *p = npy_with_header("dup.npy", "{'descr': '<f8', 'fortran_order': False, "
                                  "'shape': (2,), 'shape': (3,), }", v, sizeof v);
  expect_fail(rt_load_npy(p, rt_shape(2, 2, 3), &t, rt_err(g_err, E)), t,
              "malformed NPY header: the key 'shape' appears twice");
  p = npy_with_header("dup2.npy", "{'descr': '<f8', 'descr': '<i8', 'fortran_order': False, "
                      "'shape': (6,), }", v, sizeof v);
  expect_fail(rt_load_npy(p, rt_shape(1, 6, 1), &t, rt_err(g_err, E)), t,
              "the key 'descr' appears twice");
  p = npy_with_header("dup3.npy", "{'descr': '<f8', 'fortran_order': False, 'fortran_order': True, "
                      "'shape': (6,), }", v, sizeof v);
  expect_fail(rt_load_npy(p, rt_shape(1, 6, 1), &t, rt_err(g_err, E)), t,
              "the key 'fortran_order' appears twice");
  p = npy_with_header("ok.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", v,
                      sizeof v);
  g_err[0] = 0;
  if (rt_load_npy(p, rt_shape(2, 2, 3), &t, rt_err(g_err, E))) fail_msg("%s", g_err);
  rt_tensor_free(&t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_sparse_file_is_not_read_whole),
    cmocka_unit_test(test_device_and_pipe_are_bounded),
    cmocka_unit_test(test_gzip_bomb_is_bounded),
    cmocka_unit_test(test_binary_too_large_keeps_shape_message),
    cmocka_unit_test(test_libsvm_long_tokens_and_nul),
    cmocka_unit_test(test_npy_repeated_keys),
  };
  return cmocka_run_group_tests(tests, group_setup, fxd_remove);
}
