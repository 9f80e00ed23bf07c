/* sema.c — the entry points of semantic analysis: load the main file and its imports (depth
 * first, each module once, cycles reported), stop after syntax errors, then check every
 * declaration in order and fill the Program. Also where the stdlib lives. */
#define _GNU_SOURCE /* dladdr1 and struct link_map: which file the library was loaded from */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <dlfcn.h>
#include <link.h>
#endif

#include "parse.h"
#include "front/sema_int.h"

#ifndef BLOC_STDLIB_DIR
#define BLOC_STDLIB_DIR "/usr/local/share/bloc/stdlib"
#endif

enum { MAX_MODULE_BYTES = 16 << 20 };

/* The build tree. Its top directory holds the file BUILD_MARK (written by make, never
 * installed: Makefile.am), one line naming the source tree's stdlib/ directory. The code
 * running is the build tree's when the file holding it (the program as /proc/self/exe names it;
 * libbloc.so as the dynamic loader does) has that mark in its directory or one of the two above
 * (bloc; .libs/libbloc.so; tests/unit/test_*). No build-tree path is compiled in: the installed
 * bloc and libbloc carry none (reproducible builds), and find no mark where they are installed.
 * A mark counts only if it is a regular file owned by root or by the owner of the code's file,
 * writable by no one else, naming an absolute directory: a mark planted in a shared directory
 * (a copy of libbloc in /tmp/x looks in /tmp) is not another user's way to choose our stdlib. */
enum { BUILD_MARK_UP = 2 };
static const char BUILD_MARK[] = "bloc-build-tree";

/* The source stdlib the mark in directory dir names, into out (PATH_MAX bytes); false when
 * there is no usable mark. owner: the uid owning the code's file. */
static bool read_build_mark(const char *dir, uid_t owner, char *out) {
  char path[PATH_MAX];
  if (snprintf(path, sizeof path, "%s/%s", dir, BUILD_MARK) >= (int)sizeof path) return false;
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;
  struct stat st;
  char buf[PATH_MAX + 1];
  ssize_t n = -1;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_uid == 0 || st.st_uid == owner) &&
      !(st.st_mode & (S_IWGRP | S_IWOTH)) && st.st_size <= PATH_MAX)
    n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 1 || buf[0] != '/') return false;
  buf[n] = '\0';
  if (buf[n - 1] == '\n') buf[--n] = '\0';
  if (n >= PATH_MAX || memchr(buf, '\n', (size_t)n) || memchr(buf, '\0', (size_t)n))
    return false;
  struct stat d;
  if (stat(buf, &d) != 0 || !S_ISDIR(d.st_mode)) return false;
  memcpy(out, buf, (size_t)n + 1);
  return true;
}

/* The source stdlib named by a build mark near the file at the absolute path file (resolved
 * first: bloc may be reached through a symbolic link), into out; false when none is. */
static bool build_mark_near(const char *file, char *out) {
  char *real = realpath(file, NULL);
  struct stat st;
  bool found = false;
  if (real && stat(real, &st) == 0) {
    char *slash;
    for (int up = 0; !found && up <= BUILD_MARK_UP && (slash = strrchr(real, '/')); up++) {
      *slash = '\0'; /* real is now the directory above */
      found = read_build_mark(*real ? real : "/", st.st_uid, out);
      if (!*real) break;
    }
  }
  free(real);
  return found;
}

/* Is the shared library holding this code (libbloc.so, loaded by a program outside the build
 * tree: a C program linked against .libs, Python's ctypes) the build tree's? Its file, as the
 * dynamic loader names it, says. Only an absolute name is taken: a relative one was resolved
 * against the directory current when it was loaded, which may have changed since, and could
 * now name another tree's file. The main program (named "" by the loader, and by dladdr its
 * argv[0], whatever its caller passed) is left to /proc/self/exe. */
static bool library_build_mark(char *out) {
#if defined(__GLIBC__)
  static const char anchor = 0; /* an address inside this library (or program) */
  Dl_info info;
  struct link_map *map = NULL;
  if (!dladdr1(&anchor, &info, (void **)&map, RTLD_DL_LINKMAP) || !map || !map->l_name ||
      map->l_name[0] != '/') /* the main program's name is "" */
    return false;
  return build_mark_near(map->l_name, out);
#else
  (void)out;
  return false;
#endif
}

/* The source tree's stdlib when the code running lives in the build tree (tests, ./bloc before
 * installing, a program using the build tree's libbloc.so): the one that matches it. Only the
 * files of the code itself decide, as the kernel and the loader name them: never the current
 * directory or anything a caller chooses. Decided once: the files do not move under us. */
static char build_stdlib[PATH_MAX];
static bool have_build_stdlib;
static pthread_once_t build_once = PTHREAD_ONCE_INIT;

static void find_build_stdlib(void) {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0 && n < (ssize_t)sizeof exe - 1) {
    exe[n] = '\0';
    have_build_stdlib = build_mark_near(exe, build_stdlib);
  }
  if (!have_build_stdlib) have_build_stdlib = library_build_mark(build_stdlib);
}

const char *sema_stdlib_dir(void) {
  const char *env = getenv("BLOC_STDLIB");
  if (env && *env) return env;
  pthread_once(&build_once, find_build_stdlib);
  return have_build_stdlib ? build_stdlib : BLOC_STDLIB_DIR;
}

/* What a path that exists but is not a regular file is, for messages. */
static const char *file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

static const char *canonical(Sema *S, const char *path) {
  char *r = realpath(path, NULL);
  if (!r) return arena_strdup(S->arena, path);
  const char *c = arena_strdup(S->arena, r);
  free(r);
  return c;
}

static bool has_suffix(const char *s, const char *suf) {
  size_t n = strlen(s), m = strlen(suf);
  return n >= m && strcmp(s + n - m, suf) == 0;
}

static bool contains(const PtrVec *v, const char *s) {
  for (size_t i = 0; i < v->len; i++)
    if (strcmp(v->items[i], s) == 0) return true;
  return false;
}

/* dir/name, without "./" noise: "." + "./m.blo" is "m.blo", "mods" + "./a" is "mods/a". */
static const char *join(Sema *S, const char *dir, const char *name) {
  while (strncmp(name, "./", 2) == 0) name += 2;
  if (strcmp(dir, ".") == 0) return name;
  return arena_printf(S->arena, "%s/%s", dir, name);
}

/* Where `import "name"` points: "./x", "../x" and "/x" only where they say; other names
 * relative to the importing file first, then in the stdlib. ".blo" may be left out. Only a
 * regular file is a module (a directory named like one is passed over: the stdlib's may come
 * next). NULL when none is found: *tried lists the candidates, and *problem (else NULL) says
 * what is wrong with the first that exists but cannot be one, or cannot be looked at. */
static const char *resolve_import(Sema *S, const char *dir, const char *name, char **tried,
                                  const char **problem) {
  bool explicit_path =
      name[0] == '/' || strncmp(name, "./", 2) == 0 || strncmp(name, "../", 3) == 0;
  const char *bases[2];
  int nb = 0;
  bases[nb++] = name[0] == '/' ? name : join(S, dir, name);
  if (!explicit_path) bases[nb++] = join(S, S->stdlib_dir, name);
  *tried = "";
  *problem = NULL;
  for (int i = 0; i < nb; i++) {
    const char *cands[2];
    int nc = 0;
    if (!has_suffix(bases[i], ".blo")) cands[nc++] = arena_printf(S->arena, "%s.blo", bases[i]);
    cands[nc++] = bases[i];
    for (int j = 0; j < nc; j++) {
      struct stat st;
      if (stat(cands[j], &st) == 0) {
        if (S_ISREG(st.st_mode)) return cands[j];
        if (!*problem)
          *problem = arena_printf(S->arena, "'%s' is %s, not a regular file", cands[j],
                                  file_kind(st.st_mode));
      } else if (errno != ENOENT && errno != ENOTDIR && !*problem) {
        *problem = arena_printf(S->arena, "'%s': %s", cands[j], strerror(errno));
      }
      *tried = arena_printf(S->arena, "%s%s%s", *tried, **tried ? ", " : "", cands[j]);
    }
  }
  return NULL;
}

static void load_module(Sema *S, uint32_t file, const char *canon, bool is_main);

static void load_import(Sema *S, AstDecl *imp, const char *dir) {
  if (!imp->path || !imp->path[0]) {
    diag_error(S->diag, imp->path_span, "empty module name");
    return;
  }
  char *tried;
  const char *problem;
  const char *path = resolve_import(S, dir, imp->path, &tried, &problem);
  if (!path && problem) { /* "cannot find" would send the user looking for what is there */
    diag_error(S->diag, imp->path_span, "cannot import '%s': %s", imp->path, problem);
    return;
  }
  if (!path) {
    diag_error(S->diag, imp->path_span, "cannot find module '%s'", imp->path);
    diag_hint(S->diag, "looked for %s", tried);
    return;
  }
  const char *canon = canonical(S, path);
  if (contains(&S->stack, canon)) {
    size_t start = 0;
    while (strcmp(S->stack.items[start], canon) != 0) start++;
    char *cycle = "";
    for (size_t i = start; i < S->stack_names.len; i++)
      cycle = arena_printf(S->arena, "%s%s -> ", cycle, (const char *)S->stack_names.items[i]);
    diag_error(S->diag, imp->path_span, "import cycle: %s%s", cycle,
               (const char *)S->stack_names.items[start]);
    return;
  }
  if (contains(&S->loaded, canon)) return; /* imported before: once is enough */
  struct stat st;
  if (stat(path, &st) == 0 && st.st_size > MAX_MODULE_BYTES) {
    diag_error(S->diag, imp->path_span, "module '%s' is too large (more than 16 MiB)", path);
    return;
  }
  uint32_t f = diag_load_file(S->diag, path, imp->path_span);
  if (f == SPAN_NO_FILE) return;
  load_module(S, f, canon, false);
}

static void load_module(Sema *S, uint32_t file, const char *canon, bool is_main) {
  ptrvec_push(S->arena, &S->loaded, (void *)canon);
  ptrvec_push(S->arena, &S->stack, (void *)canon);
  ptrvec_push(S->arena, &S->stack_names, (void *)diag_file(S->diag, file)->path);
  AstProgram *m = parse_program(S->arena, S->diag, file);
  const char *dir = diag_file(S->diag, file)->dir;
  for (int i = 0; i < m->ndecls; i++)
    if (m->decls[i]->kind == DECL_IMPORT) load_import(S, m->decls[i], dir);
  S->stack.len--;
  S->stack_names.len--;
  for (int i = 0; i < m->ndecls; i++) {
    AstDecl *d = m->decls[i];
    if (!is_main && d->kind != DECL_FN && d->kind != DECL_CONST && d->kind != DECL_IMPORT) {
      diag_error(S->diag, d->span, "an imported module may only declare fn and const, not %s",
                 ast_decl_kind_str(d->kind));
      diag_hint(S->diag, "'%s' is imported; put this declaration in the main program",
                diag_file(S->diag, file)->path);
      continue;
    }
    ptrvec_push(S->arena, &S->decls, d);
  }
}

/* The nesting the passes may recurse to: SEMA_MAX_DEPTH, or fewer where the stack limit
 * (ulimit -s) cannot hold that many levels of the deepest pass, the C emitter: about 2 KB a
 * level after some 300 KB (under `ulimit -s 2048` it crashed at 880 levels and not at 560,
 * under 1024 not at 220, under 8192 not at 1980; the checker crashed at 1990 levels under
 * 1024). Here 2.5 KB a level after 512 KB; the default 8 MB holds the 2000. */
static int depth_limit(long *stack_kb) {
  struct rlimit rl;
  *stack_kb = 0;
  if (getrlimit(RLIMIT_STACK, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return SEMA_MAX_DEPTH;
  *stack_kb = (long)(rl.rlim_cur >> 10);
  long fit = (*stack_kb - 512) * 2 / 5;
  return fit < 16 ? 16 : fit < SEMA_MAX_DEPTH ? (int)fit : SEMA_MAX_DEPTH;
}

static Program *compile(Arena *arena, Diag *diag, uint32_t file, const char *canon,
                        const SemaInputs *in) {
  Sema *S = ARENA_NEW(arena, Sema);
  S->max_depth = depth_limit(&S->stack_kb);
  S->arena = arena;
  S->diag = diag;
  S->defs = in->defs;
  S->ndefs = in->ndefs;
  S->defs_given = in->defs_given ? in->defs_given : "-D";
  S->full_population = in->full_population;
  S->def_used = ARENA_ARRAY(arena, bool, (size_t)in->ndefs + 1);
  S->files = in->files;
  S->nfiles = in->nfiles;
  S->file_used = ARENA_ARRAY(arena, bool, (size_t)in->nfiles + 1);
  S->stdlib_dir = in->stdlib_dir ? in->stdlib_dir : sema_stdlib_dir();
  Program *p = ARENA_NEW(arena, Program);
  S->prog = p;
  p->diag = diag;
  const SrcFile *src = diag_file(diag, file);
  p->path = src->path;
  p->dir = src->dir;
  char cwd[4096];
  p->cwd = getcwd(cwd, sizeof cwd) ? arena_strdup(arena, cwd) : NULL;

  int before = diag_error_count(diag);
  load_module(S, file, canon, true);
  AstProgram *ast = ARENA_NEW(arena, AstProgram);
  ast->file = file;
  ast->ndecls = (int)S->decls.len;
  ast->decls = ARENA_ARRAY(arena, AstDecl *, S->decls.len + 1);
  for (size_t i = 0; i < S->decls.len; i++) ast->decls[i] = S->decls.items[i];
  p->ast = ast;
  /* after syntax errors the tree is partial: checking it would mostly report its holes */
  if (diag_error_count(diag) > before) return NULL;

  for (int i = 0; i < ast->ndecls; i++) {
    AstDecl *d = ast->decls[i];
    if (d->name && d->kind != DECL_PROBLEM && d->kind != DECL_SOLVE &&
        !sema_sym_get(&S->all, d->name))
      sema_sym_put(arena, &S->all, d->name, d);
  }
  /* past the error limit nothing more is printed: checking on was work for nothing */
  for (int i = 0; i < ast->ndecls && !diag_stopped(diag); i++) sema_check_decl(S, ast->decls[i]);
  if (!diag_stopped(diag)) sema_check_program(S);
  if (diag_error_count(diag) == before) sema_check_shards(S);
  if (diag_error_count(diag) == before) sema_check_full(S);
  if (!p->name) {
    const char *base = strrchr(p->path, '/');
    base = base ? base + 1 : p->path;
    size_t n = strlen(base);
    if (n > 4 && has_suffix(base, ".blo")) n -= 4;
    char *name = arena_strndup(arena, base, n);
    diag_sanitize_name(name); /* a file name may hold anything but '/' and NUL */
    p->name = name;
  }
  return diag_error_count(diag) > before ? NULL : p;
}

/* The main file must be a regular file (not a directory, a FIFO or /dev/stdin: no hangs). */
static uint32_t load_main(Diag *diag, const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) {
    diag_error(diag, SPAN_NONE, "cannot read '%s': %s", path, strerror(errno));
    return SPAN_NO_FILE;
  }
  if (!S_ISREG(st.st_mode)) {
    diag_error(diag, SPAN_NONE, "cannot read '%s': not a regular file", path);
    return SPAN_NO_FILE;
  }
  if (st.st_size > MAX_MODULE_BYTES) {
    diag_error(diag, SPAN_NONE, "cannot read '%s': larger than 16 MiB", path);
    return SPAN_NO_FILE;
  }
  return diag_load_file(diag, path, SPAN_NONE);
}

Program *sema_compile_file(Arena *arena, Diag *diag, const char *path, const SemaInputs *in) {
  uint32_t f = load_main(diag, path);
  if (f == SPAN_NO_FILE) return NULL;
  Sema tmp = {.arena = arena};
  return compile(arena, diag, f, canonical(&tmp, path), in);
}

Program *sema_compile_string(Arena *arena, Diag *diag, const char *path, const char *text,
                             const SemaInputs *in) {
  uint32_t f = diag_add_file(diag, path, text, strlen(text));
  Sema tmp = {.arena = arena};
  return compile(arena, diag, f, canonical(&tmp, path), in);
}

AstProgram *sema_parse_only(Arena *arena, Diag *diag, const char *path) {
  uint32_t f = load_main(diag, path);
  if (f == SPAN_NO_FILE) return NULL;
  return parse_program(arena, diag, f);
}
