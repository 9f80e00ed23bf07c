/* rt_fmt.c — shortest round-tripping number text (see rt_fmt.h). */
#include "rt_fmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

RT_API const char *rt_fmt_num(double v, char *buf) {
  if (isnan(v)) {
    snprintf(buf, RT_FMT_NUM_LEN, "nan"); /* printf may say "-nan" */
    return buf;
  }
  if (isinf(v)) {
    snprintf(buf, RT_FMT_NUM_LEN, v > 0 ? "inf" : "-inf");
    return buf;
  }
  for (int prec = 15; prec < 17; prec++) {
    snprintf(buf, RT_FMT_NUM_LEN, "%.*g", prec, v);
    if (strtod(buf, NULL) == v) return buf;
  }
  snprintf(buf, RT_FMT_NUM_LEN, "%.17g", v);
  return buf;
}
