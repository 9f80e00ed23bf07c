/* src_path.c — see src_path.h. */
#include "src_path.h"

#include <stdio.h>
#include <stdlib.h>

const char *src_path(const char *rel) {
  static char buf[4][4096];
  static int next;
  char *b = buf[next++ % 4];
  const char *top = getenv("top_srcdir");
  snprintf(b, sizeof buf[0], "%s/%s", top ? top : ".", rel);
  return b;
}
