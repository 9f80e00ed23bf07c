/* shape.h — tensor shapes shared by the AST (after sema) and the IR: a scalar, a vector[n]
 * or a matrix[m, n]. Values are IEEE doubles; matrices are stored row-major. */
#ifndef BLOC_SHAPE_H
#define BLOC_SHAPE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct Shape {
  uint8_t rank;  /* 0 scalar, 1 vector[rows], 2 matrix[rows, cols] */
  int64_t rows;  /* 1 for a scalar */
  int64_t cols;  /* 1 for a scalar or a vector */
} Shape;

static inline Shape shape_scalar(void) { return (Shape){0, 1, 1}; }
static inline Shape shape_vector(int64_t n) { return (Shape){1, n, 1}; }
static inline Shape shape_matrix(int64_t m, int64_t n) { return (Shape){2, m, n}; }
static inline int64_t shape_size(Shape s) { return s.rows * s.cols; }
static inline bool shape_eq(Shape a, Shape b) {
  return a.rank == b.rank && a.rows == b.rows && a.cols == b.cols;
}
/* Writes "scalar", "vector[3]" or "matrix[2, 3]" into buf (at least 64 bytes); returns buf. */
const char *shape_str(Shape s, char *buf);

#endif
