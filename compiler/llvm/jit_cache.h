/* jit_cache — an on-disk cache of the JIT's object files, so that running the same problem
 * again skips LLVM's optimisation and machine code generation (most of compile + JIT).
 *
 * An entry is keyed by a 128-bit hash of everything the machine code depends on: the
 * unoptimised LLVM module (its text names the target triple, data layout, kernels and every
 * symbol they call), the host CPU and its features, the optimisation level and pipeline, the
 * LLVM version and JIT_CACHE_ABI. A file holds a header (magic, the full key, size, checksum of
 * key and object) and the object; a file that is short, corrupt, of another format or of another
 * key is a miss and is rewritten.
 *
 * The cache loads native code, so it trusts only what the user alone could have written
 * (doc/security.md): the directory is created 0700 and entries 0600 whatever the umask; a
 * directory or entry owned by another user or writable by group or others is refused with a
 * warning (the compile goes on without it; the cache never prints: the warning is kept in the
 * caller's JitCache, and jit_compile reports it through the compile's diagnostics), entries are
 * opened with O_NOFOLLOW and must be regular files. Writes go to a fresh temporary file
 * (O_CREAT|O_EXCL|O_NOFOLLOW, random name) renamed into place, so concurrent bloc processes never
 * read a partial entry and nothing planted at a predictable name is written through. The directory
 * is pruned to the most recently used entries. */
#ifndef BLOC_JIT_CACHE_H
#define BLOC_JIT_CACHE_H

#include <stddef.h>
#include <stdint.h>

/* Bump when anything outside the hashed inputs changes the machine code (the target
 * machine's code model or relocation model, the pass and code generation options in jit.c).
 * 2: loop strength reduction off. 3: the post-RA scheduler off. */
#define JIT_CACHE_ABI 3

typedef struct JitCacheKey {
  uint64_t h[2];
} JitCacheKey;

/* Hash of n strings (NULL counts as empty); the strings' boundaries are part of the hash. */
JitCacheKey jit_cache_key(const char *const *s, size_t n);

/* One user of the cache, on one thread: the directory, how many entries to keep, and the first
 * warning the calls on it gave. A library must not print: the caller reports the warning
 * (jit_compile does, once per compile, through its diagnostics), and a caller on several
 * threads gives each its own JitCache, since their warnings are only read after they join. */
enum { JIT_CACHE_WARNING_LEN = 4096 + 160 }; /* a path of PATH_MAX bytes and the sentence */
typedef struct JitCache {
  const char *dir; /* from jit_cache_dir; NULL: no cache (every load misses, stores do nothing) */
  int max_entries; /* jit_cache_store keeps the most recently used this many (<= 0: 256) */
  char warning[JIT_CACHE_WARNING_LEN]; /* "" or the first refusal: "not using the compile
                                          cache 'DIR': ..." (a diagnostic's message) */
} JitCache;

/* The cache directory: dir when not NULL, else $BLOC_CACHE_DIR, else $XDG_CACHE_HOME/bloc,
 * else $HOME/.cache/bloc. Returns buf, or NULL when caching is off: dir or the variable
 * chosen is empty, BLOC_CACHE=0, or no directory can be named. The directory is created
 * (with its parents, 0700) when missing; NULL when that fails, or (with a warning in
 * c->warning) when the directory is another user's or writable by group or others.
 * c->dir is set to the result. */
const char *jit_cache_dir(JitCache *c, const char *dir, char *buf, size_t len);

/* The object stored under key in c->dir: a malloc'ed copy of its bytes in *bytes (size *n),
 * and 0; -1 (nothing allocated) on a miss, including an entry that is refused (a warning in
 * c->warning: not a regular file, a symbolic link, another user's, writable by group or
 * others) or stored under another key. A hit refreshes the entry's time for pruning. */
int jit_cache_load(JitCache *c, JitCacheKey key, char **bytes, size_t *n);

/* Store n bytes under key in c->dir, then remove the least recently used entries beyond
 * c->max_entries. A failure (read-only or full disk) leaves a warning in c->warning; the compile
 * goes on (the cache is an optimisation). */
void jit_cache_store(JitCache *c, JitCacheKey key, const char *bytes, size_t n);

#endif
