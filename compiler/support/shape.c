/* shape.c — printing shapes for diagnostics and dumps. */
#include "support/shape.h"

#include <stdio.h>

const char *shape_str(Shape s, char *buf) {
  switch (s.rank) {
  case 0: snprintf(buf, 64, "scalar"); break;
  case 1: snprintf(buf, 64, "vector[%lld]", (long long)s.rows); break;
  case 2:
    snprintf(buf, 64, "%s[%lld, %lld]%s", s.sparse ? "sparse" : "matrix", (long long)s.rows,
             (long long)s.cols, s.sparse == 2 ? " (transposed)" : "");
    break;
  default:
    snprintf(buf, 64, "tensor[%lld, %lld, %lld]", (long long)s.blocks, (long long)s.rows,
             (long long)s.cols);
    break;
  }
  return buf;
}
