/* shape.h — tensor shapes shared by the AST (after sema) and the IR: a scalar, a vector[n]
 * or a matrix[m, n]. Values are IEEE doubles; matrices are stored row-major. The front end
 * also knows tensor[T, K, d] (rank 3), the type of per-task data: only `data` may have it and
 * only indexing by task (X[t], a matrix[K, d]) may use it, so the IR never sees rank 3 (it
 * holds such data as its storage, matrix[T, K*d]: task t is row t). */
#ifndef BLOC_SHAPE_H
#define BLOC_SHAPE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct Shape {
  uint8_t rank;  /* 0 scalar, 1 vector[rows], 2 matrix[rows, cols], 3 tensor[blocks, rows, cols] */
  int64_t rows;  /* 1 for a scalar */
  int64_t cols;  /* 1 for a scalar or a vector */
  int64_t blocks; /* rank 3 only (the number of tasks T); 0 otherwise */
  uint8_t sparse; /* rank 2 only: 1 a sparse[rows, cols] matrix held as CSR (data only); 2 its
                     transpose (front end only: X', which only '@' takes); 0 dense */
} Shape;

static inline Shape shape_scalar(void) { return (Shape){0, 1, 1, 0, 0}; }
static inline Shape shape_vector(int64_t n) { return (Shape){1, n, 1, 0, 0}; }
static inline Shape shape_matrix(int64_t m, int64_t n) { return (Shape){2, m, n, 0, 0}; }
static inline Shape shape_tensor(int64_t t, int64_t k, int64_t d) { return (Shape){3, k, d, t, 0}; }
static inline int64_t shape_size(Shape s) { return s.rows * s.cols * (s.rank == 3 ? s.blocks : 1); }
static inline bool shape_eq(Shape a, Shape b) {
  return a.rank == b.rank && a.rows == b.rows && a.cols == b.cols &&
         (a.rank != 3 || a.blocks == b.blocks) && a.sparse == b.sparse;
}
/* How the IR holds a value of shape s: s itself, except tensor[T, K, d] -> matrix[T, K*d]. */
static inline Shape shape_storage(Shape s) {
  return s.rank == 3 ? shape_matrix(s.blocks, s.rows * s.cols) : s;
}
/* Writes "scalar", "vector[3]", "matrix[2, 3]", "sparse[2, 3]" (its transpose
 * "sparse[3, 2] (transposed)") or "tensor[4, 2, 3]" into buf (at least 64
 * bytes); returns buf. */
const char *shape_str(Shape s, char *buf);

#endif
