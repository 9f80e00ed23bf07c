/* sema_memory.c — the memory the data and variables need, checked against the machine's
 * physical memory at check time: a declaration that cannot fit is an error at its name, not
 * "out of memory" (exit 3) after compiling and loading. `bloc check` prints the amounts. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "front/sema_int.h"

double sema_physical_bytes(void) {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? (double)pages * (double)page : 0;
}

const char *sema_fmt_bytes(double b, char buf[32]) {
  static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (b >= 1024 && u < 6) b /= 1024, u++;
  snprintf(buf, 32, u ? "%.3g %s" : "%.0f %s", b, unit[u]);
  return buf;
}

/* A sparse_coo declaration's CSR, as the data stage builds it (pipeline.c's coo_sparse,
 * rt_sparse.c's rt_csr_from_coo and rt_sparse_make), from `entries` triplets: the matrix's
 * arrays are allocated for every entry (8 bytes a value, 4 a column index; entries at one
 * position are summed into one, but the arrays keep their size), its transpose's for its nnz
 * entries, nnz <= min(entries, rows x cols), and each has 8 bytes a row pointer. A bound. */
double sema_coo_held_bytes(int64_t rows, int64_t cols, int64_t entries) {
  double n = entries > 0 ? (double)entries : 1, r = rows > 0 ? (double)rows : 0;
  double c = cols > 0 ? (double)cols : 0, nnz = n < r * c ? n : r * c;
  return 12 * n + 8 * (r + 1) + 12 * (nnz > 1 ? nnz : 1) + 8 * (c + 1);
}

/* What building it from its triplets holds at most: the three vectors of triplets (8 bytes a
 * number), then, while rt_csr_from_coo sorts them, the matrix's arrays and a 16-byte sort slot
 * an entry; then, the triplets freed, the matrix and its transpose (sema_coo_held_bytes).
 * Computing the triplets' expressions is the pipeline's to add (their intermediates). */
double sema_coo_build_bytes(int64_t rows, int64_t cols, int64_t entries) {
  double n = entries > 0 ? (double)entries : 1, r = rows > 0 ? (double)rows : 0;
  double sorting = 24 * n + 12 * n + 16 * n + 8 * (r + 1);
  double held = sema_coo_held_bytes(rows, cols, entries);
  return sorting > held ? sorting : held;
}

double sema_decl_bytes(const AstDecl *d) {
  if (!d->shape.sparse) return 8.0 * (double)shape_size(d->shape);
  const AstExpr *e = d->init;
  if (!e || e->kind != AST_CALL || e->builtin != BI_SPARSE_COO || e->nargs != 3 ||
      !e->args[0] || e->args[0]->shape.rank != 1)
    return 0; /* loaded from a file: its loader sizes it by the file */
  return sema_coo_held_bytes(d->shape.rows, d->shape.cols, e->args[0]->shape.rows);
}

/* onehot(idx, n) @ X in a data declaration: the k x n matrix of ones is built and multiplied,
 * where X[idx, :] picks the same rows (language.md, "Indexing"): 112 s and 2.8 GB against
 * 0.2 s for 5000 of Fashion-MNIST's 60000 images (new-user pass, session 42). Large ones get a
 * warning, one past the machine's memory an error, at the product. */
static void check_onehot_products(Sema *S, const AstExpr *e, double phys) {
  if (!e) return;
  if (e->inlined) check_onehot_products(S, e->inlined, phys);
  for (int i = 0; i < e->nargs; i++) check_onehot_products(S, e->args[i], phys);
  if (e->kind != AST_BINARY || e->op != OP_MATMUL || !e->checked) return;
  const AstExpr *oh = e->args[0];
  if (oh->kind != AST_CALL || oh->builtin != BI_ONEHOT || oh->shape.rank != 2) return;
  double bytes = 8.0 * (double)shape_size(oh->shape);
  if (bytes < 1e8) return; /* a class embedding's lookup, onehot(y, 10) @ W: cheap */
  char a[32], b[32], sb[64];
  if (phys > 0 && bytes > phys)
    diag_error(S->diag, e->span, "onehot(...) @ ... builds a %s of ones, %s, more than this "
               "machine's %s of memory", shape_str(oh->shape, sb), sema_fmt_bytes(bytes, a),
               sema_fmt_bytes(phys, b));
  else
    diag_warning(S->diag, e->span, "onehot(...) @ ... builds a %s of ones (%s) to pick rows",
                 shape_str(oh->shape, sb), sema_fmt_bytes(bytes, a));
  diag_hint(S->diag, "pick the rows by their indices, X[idx, :], with no such matrix: the same "
            "values, at the cost of copying them");
}

void sema_check_memory(Sema *S) {
  double phys = sema_physical_bytes(), total = 0, largest_bytes = 0;
  for (size_t i = 0; i < S->data.len; i++) {
    const AstDecl *d = S->data.items[i];
    if (!d->failed) check_onehot_products(S, d->init, phys);
  }
  if (phys <= 0) return;
  const AstDecl *largest = NULL;
  bool refused = false;
  char a[32], b[32];
  PtrVec *lists[] = {&S->data, &S->upper, &S->lower};
  for (int l = 0; l < 3; l++)
    for (size_t i = 0; i < lists[l]->len; i++) {
      const AstDecl *d = lists[l]->items[i];
      if (d->failed) continue;
      /* one double a number; a loaded sparse matrix's entries are not known before it is
       * loaded (its loader sizes them by the file), sparse_coo's are at most its triplets */
      double bytes = sema_decl_bytes(d);
      total += bytes;
      if (bytes > largest_bytes) largest_bytes = bytes, largest = d;
      if (bytes <= phys) continue;
      if (d->shape.sparse)
        diag_error(S->diag, d->name_span,
                   "%s needs up to %s as a sparse matrix with its transpose, more than this "
                   "machine's %s of memory", sema_decl_what(d), sema_fmt_bytes(bytes, a),
                   sema_fmt_bytes(phys, b));
      else
        diag_error(S->diag, d->name_span,
                   "%s needs %s (%lld numbers), more than this machine's %s of memory",
                   sema_decl_what(d), sema_fmt_bytes(bytes, a), (long long)shape_size(d->shape),
                   sema_fmt_bytes(phys, b));
      refused = true;
    }
  if (refused || total <= phys || !largest) return;
  diag_error(S->diag, largest->name_span,
             "the data and variables need %s in all, more than this machine's %s of memory",
             sema_fmt_bytes(total, a), sema_fmt_bytes(phys, b));
  diag_hint(S->diag, "%s is the largest (%s)", sema_decl_what(largest),
            sema_fmt_bytes(largest_bytes, a));
}

/* The bytes of a list of declarations (sema_decl_bytes). */
static double decl_bytes(const AstDecl *const *d, int n) {
  double b = 0;
  for (int i = 0; i < n; i++) b += sema_decl_bytes(d[i]);
  return b;
}

void sema_print_memory(const Program *p, FILE *out) {
  char a[32], b[32], c[32];
  double data = decl_bytes((const AstDecl *const *)p->data, p->ndata);
  double vars = decl_bytes((const AstDecl *const *)p->upper, p->nupper) +
                decl_bytes((const AstDecl *const *)p->lower, p->nlower);
  /* the intermediates of a data expression (argmax_rows(eye(n)) holds the n x n eye) are
   * part of the peak: "at most" the declarations alone was 156 KiB where a run took 856 MB */
  if (p->data_peak_bytes > data && p->data_peak_decl >= 0 && p->data_peak_decl < p->ndata &&
      strcmp(sema_fmt_bytes(p->data_peak_bytes, a), sema_fmt_bytes(data, c)) != 0)
    fprintf(out, "memory: data at most %s (%s declared, the rest while computing '%s'), "
            "variables %s (8 bytes a number)\n", a, c, p->data[p->data_peak_decl]->name,
            sema_fmt_bytes(vars, b));
  else
    fprintf(out, "memory: data at most %s, variables %s (8 bytes a number)\n",
            sema_fmt_bytes(data, a), sema_fmt_bytes(vars, b));
}
