/* jit_target.h — the CPU the JIT generates code for: the host's own, or a portable x86-64
 * level named by BLOC_CPU, for which LLVM emits the same machine code on every CPU of that
 * level, so that runs give the same bits on different machines (doc/methods.md,
 * "Determinism"; the golden tests run so). */
#ifndef BLOC_JIT_TARGET_H
#define BLOC_JIT_TARGET_H

#include <stdbool.h>
#include <stddef.h>

typedef struct JitTarget {
  char cpu[32];        /* an LLVM CPU name: the host's ("znver3") or a level ("x86-64-v3") */
  char *features;      /* the host's features (malloc'd), or NULL for a level: its name implies
                        * them, and the host's extra ones would change the code */
  bool avx512;         /* 512-bit vectors are allowed (AVX-512F on the host, or level v4) */
} JitTarget;

/* Fill t from BLOC_CPU (unset or empty: the host). Returns 0, or -1 with err set when BLOC_CPU
 * is not a level of the table or names one the host cannot run (its code would stop on an
 * illegal instruction). On -1, t holds the host's target. Free with jit_target_free. */
int jit_target(JitTarget *t, char *err, size_t errlen);
void jit_target_free(JitTarget *t);

#endif
