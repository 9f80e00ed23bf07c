/* inputs.c — whether an output would replace a file the compile read (blo.h:
 * blo_input_named): the program, its imports and the data files it loaded. A typo such as
 * `bloc emit-c p.blo -o p.blo` replaced the program with C; `bloc run --trace data.csv`
 * replaced its own data with a trace. Outputs are committed whole at the end (rt_outfile.h),
 * so the run itself was right; the input was gone afterwards. */
#include <stddef.h>
#include <sys/stat.h>

#include "compiled.h"

/* Whether path names the file st describes (the same device and inode: links and other
 * spellings of one file included). */
static bool same_file(const char *path, const struct stat *st) {
  struct stat in;
  return path && stat(path, &in) == 0 && in.st_dev == st->st_dev && in.st_ino == st->st_ino;
}

const char *blo_input_named(const BloCompiled *c, const char *out_path) {
  struct stat st;
  if (!c || !out_path || stat(out_path, &st) != 0 || !S_ISREG(st.st_mode)) return NULL;
  for (uint32_t i = 0; i < c->diag.nfiles; i++)
    if (same_file(c->diag.files[i].path, &st)) return c->diag.files[i].path;
  if (!c->ir) return NULL;
  IrNode **order;
  size_t n = ir_topo(&c->ir->graph, c->ir->data_value, (size_t)c->ir->ndata, &order);
  for (size_t i = 0; i < n; i++)
    if (order[i]->op == IR_LOAD && same_file(order[i]->str, &st)) return order[i]->str;
  return NULL;
}
