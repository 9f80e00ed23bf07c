/* torch_link.h — the PyTorch column of bench_kernels: bench/bench_torch.py runs as a coprocess
 * (/usr/bin/python3 --serve, a line protocol on its stdin/stdout) that is handed each problem's
 * data and point, checks its outputs against the JIT's and times its kernels one round at a
 * time, so PyTorch rounds are interleaved with the JIT and C rounds of the same run. When the
 * interpreter or torch is missing, or the coprocess fails, a note is printed and the column is
 * skipped; the benchmark never fails because of it. Also the combined summary table printed at
 * the end of the run (one row per problem and kernel, every column and ratio). */
#ifndef BLOC_BENCH_TORCH_LINK_H
#define BLOC_BENCH_TORCH_LINK_H

#include <stdbool.h>
#include <stdint.h>

/* Start the coprocess (unless BLOC_BENCH_TORCH=0); prints one line saying what runs or why the
 * column is skipped. The interpreter is $BLOC_BENCH_PYTHON, else /usr/bin/python3. */
void torch_start(void);
void torch_stop(void);

/* The problem measured next: `label` names it in the summary; `spec` is the script's problem
 * line without the file ("synthetic 1000", "hyperclean 5000 5000 785 10") and arrays are
 * written, in the script's order, to a temporary file it reads. */
void torch_problem(const char *label, const char *spec, int narrays, const double *const *arrays,
                   const int64_t *lens);

#define TORCH_MAX_VARIANTS 4
typedef struct TorchCase {
  int nvar; /* 0: no PyTorch column for this case */
  char var[TORCH_MAX_VARIANTS][16];
  int reps[TORCH_MAX_VARIANTS];
  double best[TORCH_MAX_VARIANTS];
  double first[TORCH_MAX_VARIANTS]; /* time of the first timed call (variants over 3x the fastest
                                       are dropped) */
  double diff; /* largest relative difference of any variant's outputs from ref */
} TorchCase;

/* Prepare the kernel `kernel` (bloc's name; NULL: no PyTorch column): every variant's outputs
 * are checked against ref (slots 0..nslots-1 of size[s] doubles, the JIT's outputs), and its
 * rounds are sized to about round_ms. */
void torch_case_begin(TorchCase *t, const char *kernel, double *const *ref, const int64_t *size,
                      int nslots, double round_ms);
/* One timed round of every variant (call between the JIT and C rounds). */
void torch_case_round(TorchCase *t);
/* Best time per call over the variants (NAN when not timed); *variant names the winner. */
double torch_case_best(const TorchCase *t, const char **variant);

/* Record one row of the combined table (ms per call; NAN: not measured): JIT and C on one
 * thread and on combined_threads threads, PyTorch on one, the evaluator. */
void combined_add(const char *kernel, double jit, double c, double jit2, double c2, double torch,
                  const char *variant, double eval);
/* The thread count of the second configuration, for the table's header. */
extern int combined_threads;
/* Print the combined table of every recorded row (markdown), then forget the rows. */
void combined_print(void);

#endif
