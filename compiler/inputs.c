/* inputs.c — whether an output would replace a file the compile read (blo.h:
 * blo_output_replaces_input): the program, its imports and the data files it loaded. A typo
 * such as `bloc emit-c p.blo -o p.blo` replaced the program with C; `bloc run --trace data.csv`
 * replaced its own data with a trace. Outputs are committed whole at the end (rt_outfile.h),
 * so the run itself was right; the input was gone afterwards. */
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>

#include "compiled.h"

/* Whether path names the file st describes (the same device and inode: links and other
 * spellings of one file included). */
static bool same_file(const char *path, const struct stat *st) {
  struct stat in;
  return path && stat(path, &in) == 0 && in.st_dev == st->st_dev && in.st_ino == st->st_ino;
}

/* The input that out_path is, as the compile named it, or NULL. Loads are leaves of the data
 * stage's graphs, so a walk over the graph's nodes finds them all without a traversal (which
 * would take arena memory at every solve of an embedding caller). */
static const char *input_named(const BloCompiled *c, const char *out_path) {
  struct stat st;
  if (!c || !out_path || stat(out_path, &st) != 0 || !S_ISREG(st.st_mode)) return NULL;
  for (uint32_t i = 0; i < c->diag.nfiles; i++)
    if (same_file(c->diag.files[i].path, &st)) return c->diag.files[i].path;
  const IrGraph *g = c->ir ? &c->ir->graph : NULL;
  for (uint32_t i = 0; g && i < g->count; i++)
    if (g->nodes[i]->op == IR_LOAD && same_file(g->nodes[i]->str, &st)) return g->nodes[i]->str;
  return NULL;
}

int blo_output_replaces_input(const BloCompiled *c, const char *out_path, char *err,
                              size_t errlen) {
  const char *input = input_named(c, out_path);
  if (!input) return 0;
  snprintf(err, errlen,
           "the output '%s' is the input '%s' (the program, an import or a data "
           "file): refusing to replace it",
           out_path, input);
  return 1;
}
