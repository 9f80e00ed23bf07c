/* sema_names.c — names: the symbol table, declarations (duplicates, builtin names), unknown
 * and not-yet-declared names with "did you mean" hints, and name resolution inside fn bodies
 * (which is done once, at the fn's declaration, before any call gives it shapes). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "front/sema_int.h"
#include "front/spelling.h"

static size_t hash(const char *s) {
  size_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

AstDecl *sema_sym_get(const SymTab *t, const char *name) {
  if (!t->cap) return NULL;
  for (size_t i = hash(name) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
    if (!t->keys[i]) return NULL;
    if (strcmp(t->keys[i], name) == 0) return t->vals[i];
  }
}

void sema_sym_put(Arena *a, SymTab *t, const char *name, AstDecl *d) {
  if ((t->len + 1) * 4 > t->cap * 3) {
    SymTab n = {0};
    n.cap = t->cap ? t->cap * 2 : 64;
    n.keys = ARENA_ARRAY(a, const char *, n.cap);
    n.vals = ARENA_ARRAY(a, AstDecl *, n.cap);
    for (size_t i = 0; i < t->cap; i++)
      if (t->keys[i]) sema_sym_put(a, &n, t->keys[i], t->vals[i]);
    *t = n;
  }
  size_t i = hash(name) & (t->cap - 1);
  while (t->keys[i]) {
    if (strcmp(t->keys[i], name) == 0) { t->vals[i] = d; return; }
    i = (i + 1) & (t->cap - 1);
  }
  t->keys[i] = name;
  t->vals[i] = d;
  t->len++;
}

const char *sema_decl_what(const AstDecl *d) {
  /* a few rotating buffers: one message may name two declarations */
  static _Thread_local char bufs[4][160]; /* per thread: compiles may run in parallel */
  static _Thread_local int next;
  char *buf = bufs[next++ & 3];
  const char *k = "";
  switch (d->kind) {
  case DECL_CONST: k = "const"; break;
  case DECL_DATA: k = "data"; break;
  case DECL_UPPER: k = "upper variable"; break;
  case DECL_LOWER: k = "lower variable"; break;
  case DECL_UPPER_OBJ: k = "upper objective"; break;
  case DECL_LOWER_OBJ: k = "lower objective"; break;
  case DECL_FN: k = "fn"; break;
  case DECL_REPORT: k = "report"; break;
  case DECL_SAMPLE: k = "sample set"; break;
  default: k = ast_decl_kind_str(d->kind); break;
  }
  snprintf(buf, sizeof bufs[0], "%s '%.100s'", k, d->name ? d->name : "");
  return buf;
}

bool sema_declare(Sema *S, AstDecl *d) {
  if (!d->name) return false;
  if (ast_builtin_lookup(d->name) != BI_NONE) {
    diag_error(S->diag, d->name_span, "'%s' is a builtin function and cannot be redeclared",
               d->name);
    /* a fn written for what is now a builtin (fn tan(z) = sin(z) / cos(z), the workaround
     * before tan was one, new-user pass M, session 51) is deleted rather than renamed */
    if (d->kind == DECL_FN)
      diag_hint(S->diag, "delete this fn to call the builtin %s (doc/language.md section 6 "
                "lists the builtins), or give the fn another name", d->name);
    else
      diag_hint(S->diag, "choose another name");
    return false;
  }
  AstDecl *prev = sema_sym_get(&S->syms, d->name);
  if (prev) {
    diag_error(S->diag, d->name_span, "'%s' is already declared", d->name);
    diag_note(S->diag, prev->name_span, "%s is declared here", sema_decl_what(prev));
    return false;
  }
  sema_sym_put(S->arena, &S->syms, d->name, d);
  return true;
}

/* ------------------------------------------------------------------ suggestions */

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char *sema_suggest(Sema *S, const char *name, unsigned kinds, bool builtins) {
  /* the list is the heap's, freed here: in the arena each unknown name kept a copy of every
   * declared name, and 8000 `const cI = zz` lines took 735 MB */
  size_t n = builtins ? BI_COUNT : 0;
  for (size_t i = 0; i < S->syms.cap; i++)
    if (S->syms.keys[i] && (kinds & (1u << S->syms.vals[i]->kind))) n++;
  const char **names = malloc((n ? n : 1) * sizeof *names);
  if (!names) return NULL; /* out of memory: no suggestion */
  n = 0;
  for (size_t i = 0; i < S->syms.cap; i++)
    if (S->syms.keys[i] && (kinds & (1u << S->syms.vals[i]->kind))) names[n++] = S->syms.keys[i];
  if (builtins)
    for (int i = 0; i < BI_COUNT; i++) names[n++] = ast_builtins[i].name;
  /* the table's order depends on hashing; sort so the suggestion is stable */
  if (n > 1) qsort(names, n, sizeof *names, cmp_str);
  const char *s = diag_suggest(name, names, n);
  free(names);
  return s;
}

#define VALUE_KINDS \
  ((1u << DECL_CONST) | (1u << DECL_DATA) | (1u << DECL_UPPER) | (1u << DECL_LOWER) | \
   (1u << DECL_SAMPLE))

/* The fn names the text t (n bytes) defines (`fn NAME(` at the start of a line, spaces
 * allowed), each added to *names (arena copies) with module mod, up to cap in all. */
static void fns_defined(Sema *S, const char *t, size_t n, const char *mod, const char **names,
                        const char **mods, size_t *count, size_t cap) {
  for (size_t i = 0; i < n && *count < cap; i++) {
    if (i > 0 && t[i - 1] != '\n') continue;
    size_t j = i;
    while (j < n && (t[j] == ' ' || t[j] == '\t')) j++;
    if (n - j < 3 || strncmp(t + j, "fn", 2) != 0 || (t[j + 2] != ' ' && t[j + 2] != '\t'))
      continue;
    j += 2;
    while (j < n && (t[j] == ' ' || t[j] == '\t')) j++;
    size_t k = j;
    while (k < n && (t[k] == '_' || (t[k] >= 'a' && t[k] <= 'z') || (t[k] >= 'A' && t[k] <= 'Z') ||
                     (t[k] >= '0' && t[k] <= '9')))
      k++;
    if (k == j || k - j > 64) continue;
    names[*count] = arena_printf(S->arena, "%.*s", (int)(k - j), t + j);
    mods[(*count)++] = mod;
  }
}

enum { STDLIB_FNS_MAX = 256 };

/* The fns of the standard library's modules (the stdlib directory's .blo files, small, read
 * as an import would), with their module names (file names without .blo): for an unknown
 * function that only needs its import ("ce_mean" was told "did you mean 'mean'?") or is one
 * misspelt ("ce_mena" got nothing). Returns how many. */
static size_t stdlib_fns(Sema *S, const char **names, const char **mods) {
  DIR *d = S->stdlib_dir ? opendir(S->stdlib_dir) : NULL;
  if (!d) return 0;
  size_t count = 0;
  struct dirent *ent;
  while (count < STDLIB_FNS_MAX && (ent = readdir(d))) {
    size_t nl = strlen(ent->d_name);
    if (nl < 5 || nl > 200 || strcmp(ent->d_name + nl - 4, ".blo") != 0) continue;
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", S->stdlib_dir, ent->d_name) >= sizeof path)
      continue;
    FILE *f = fopen(path, "r");
    if (!f) continue;
    char *text = malloc(1 << 20); /* the modules are a few hundred bytes; larger is not one */
    size_t n = text ? fread(text, 1, 1 << 20, f) : 0;
    fclose(f);
    const char *mod = arena_printf(S->arena, "%.*s", (int)(nl - 4), ent->d_name);
    if (text) fns_defined(S, text, n, mod, names, mods, &count, STDLIB_FNS_MAX);
    free(text);
  }
  closedir(d);
  return count;
}

/* The hint for an unknown function `name` from the standard library: its import when it is
 * one of its fns, or the nearest of them (with its import) when no name of the program or
 * builtin is near. True when given. */
static bool stdlib_hint(Sema *S, const char *name, bool have_near) {
  const char *names[STDLIB_FNS_MAX], *mods[STDLIB_FNS_MAX];
  size_t n = stdlib_fns(S, names, mods);
  for (size_t i = 0; i < n; i++)
    if (strcmp(names[i], name) == 0) {
      diag_hint(S->diag, "'%s' is in the standard library: add import \"%s\" (doc/stdlib.md)",
                name, mods[i]);
      return true;
    }
  const char *near = have_near ? NULL : diag_suggest(name, names, n);
  for (size_t i = 0; near && i < n; i++)
    if (names[i] == near) {
      diag_hint(S->diag, "did you mean '%s', in the standard library (import \"%s\")?", near,
                mods[i]);
      return true;
    }
  return false;
}

void sema_unknown_name(Sema *S, const ECtx *c, const char *name, Span at, bool as_call) {
  AstDecl *later = sema_sym_get(&S->all, name);
  if (later && c && later == c->decl) {
    sema_err(S, c, at, "'%s' is used in its own declaration", name);
    return;
  }
  if (later && later->kind != DECL_PROBLEM) {
    sema_err(S, c, at, "'%s' is used before its declaration", name);
    diag_note(S->diag, later->name_span, "%s is declared here", sema_decl_what(later));
    diag_hint(S->diag,
              "declarations may come in any order, but a name must be declared before it is used");
    return;
  }
  sema_err(S, c, at, as_call ? "unknown function '%s'" : "unknown name '%s'", name);
  /* past the error limit the message was dropped: a suggestion (a look at every declared
   * name) would be work for nothing, and made many unknown names quadratic */
  if (diag_stopped(S->diag)) return;
  const char *sugg = as_call ? sema_suggest(S, name, 1u << DECL_FN, true)
                             : sema_suggest(S, name, VALUE_KINDS, false);
  const char *py = as_call ? spelling_function_hint(name) : NULL; /* maximum, clamp, amax */
  /* a builtin that is another function (its inverse, its hyperbolic twin) is not offered */
  const char *other = as_call && sugg && ast_builtin_lookup(sugg) != BI_NONE &&
                              spelling_other_function(name, sugg) ? sugg : NULL;
  if (as_call && stdlib_hint(S, name, py || sugg)) return;
  if (py) diag_hint(S->diag, "%s", py);
  else if (other)
    diag_hint(S->diag, "'%s' is another function than '%s', not its spelling: write %s from "
              "the builtins of doc/language.md section 6 as a fn", name, other, name);
  else if (sugg) diag_hint(S->diag, "did you mean '%s'?", sugg);
}

bool sema_call_kwarg(Sema *S, const ECtx *c, const AstExpr *e, const AstDecl *fn) {
  if (!e->kw_key) return false;
  sema_err(S, c, e->kw_at, "'%s' takes no keyword argument '%s'", fn->name, e->kw_key);
  diag_hint(S->diag, "arguments are given by position, in the order of the fn's parameters");
  return true;
}

/* ------------------------------------------------------------------ fn bodies */

static int param_index(const AstDecl *fn, const char *name) {
  for (int i = 0; i < fn->nparams; i++)
    if (strcmp(fn->params[i], name) == 0) return i;
  return -1;
}

static bool resolve(Sema *S, AstDecl *fn, AstExpr *e) {
  if (!e) return true;
  bool ok = true;
  ECtx c = {.kind = CTX_REPORT, .decl = fn};
  if (e->kind == AST_IDENT) {
    if (param_index(fn, e->str) >= 0) return true; /* substituted at each call */
    AstDecl *d = sema_sym_get(&S->syms, e->str);
    if (!d) {
      if (ast_builtin_lookup(e->str) != BI_NONE) {
        diag_error(S->diag, e->span, "'%s' is a builtin function: call it as %s(...)", e->str,
                   e->str);
        return false;
      }
      sema_unknown_name(S, &c, e->str, e->span, false);
      return false;
    }
    switch (d->kind) {
    case DECL_CONST: case DECL_DATA: case DECL_SAMPLE:
      e->ref = d;
      d->used = true;
      return true;
    case DECL_UPPER: case DECL_LOWER:
      diag_error(S->diag, e->span, "fn '%s' cannot use %s directly", fn->name, sema_decl_what(d));
      diag_hint(S->diag, "pass it as an argument: fn %s(..., %s)", fn->name, d->name);
      return false;
    case DECL_FN:
      diag_error(S->diag, e->span, "'%s' is a fn: call it as %s(...)", d->name, d->name);
      return false;
    default:
      diag_error(S->diag, e->span, "%s is not a value", sema_decl_what(d));
      diag_hint(S->diag, "put the shared expression in a fn and call it from both places");
      return false;
    }
  }
  if (e->kind == AST_CALL) {
    BuiltinId id = ast_builtin_lookup(e->str);
    if (id != BI_NONE) {
      e->builtin = id;
      const BuiltinInfo *b = &ast_builtins[id];
      if (e->nargs < b->min_args || e->nargs > b->max_args) {
        if (b->min_args == b->max_args)
          diag_error(S->diag, e->name_span, "'%s' takes %d argument%s, got %d", b->name,
                     b->min_args, b->min_args == 1 ? "" : "s", e->nargs);
        else
          diag_error(S->diag, e->name_span, "'%s' takes %d to %d arguments, got %d", b->name,
                     b->min_args, b->max_args, e->nargs);
        sema_arity_hint(S, id, e->nargs);
        ok = false;
      }
    } else if (strcmp(e->str, fn->name) == 0) {
      diag_error(S->diag, e->name_span, "fn '%s' calls itself: recursion is not allowed", fn->name);
      ok = false;
    } else if (param_index(fn, e->str) >= 0) {
      diag_error(S->diag, e->name_span, "'%s' is a parameter, not a function", e->str);
      ok = false;
    } else {
      AstDecl *d = sema_sym_get(&S->syms, e->str);
      if (!d) {
        sema_unknown_name(S, &c, e->str, e->name_span, true);
        ok = false;
      } else if (d->kind != DECL_FN) {
        diag_error(S->diag, e->name_span, "%s is not a function", sema_decl_what(d));
        ok = false;
      } else {
        d->used = true;
        if (d->failed) ok = false;
        else if (sema_call_kwarg(S, &c, e, d)) ok = false;
        else if (e->nargs != d->nparams) {
          diag_error(S->diag, e->name_span, "fn '%s' takes %d argument%s, got %d", d->name,
                     d->nparams, d->nparams == 1 ? "" : "s", e->nargs);
          diag_note(S->diag, d->name_span, "fn '%s' is declared here", d->name);
          ok = false;
        }
      }
    }
  }
  for (int i = 0; i < e->nargs; i++)
    if (!resolve(S, fn, e->args[i])) ok = false;
  return ok;
}

bool sema_resolve_fn(Sema *S, AstDecl *fn) {
  bool ok = true;
  for (int i = 0; i < fn->nparams; i++) {
    if (ast_builtin_lookup(fn->params[i]) != BI_NONE) {
      diag_error(S->diag, fn->param_spans[i], "parameter '%s' has the name of a builtin function",
                 fn->params[i]);
      diag_hint(S->diag, "choose another name");
      ok = false;
    }
    for (int j = 0; j < i; j++)
      if (strcmp(fn->params[i], fn->params[j]) == 0) {
        diag_error(S->diag, fn->param_spans[i], "parameter '%s' appears twice in fn '%s'",
                   fn->params[i], fn->name);
        ok = false;
      }
  }
  if (!resolve(S, fn, fn->init)) ok = false;
  return ok;
}
