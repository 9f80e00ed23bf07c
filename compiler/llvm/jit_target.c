/* jit_target.c — the JIT's target CPU (jit_target.h). */
#include "llvm/jit_target.h"

#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The x86-64 micro-architecture levels (the System V psABI's), each with the host features
 * it needs, as LLVMGetHostCPUFeatures spells them (each level needs its predecessors' too). */
static const struct {
  const char *name;
  const char *needs;
} LEVELS[] = {
    {"x86-64", "sse2"},
    {"x86-64-v2", "cx16 popcnt sse3 sse4.1 sse4.2 ssse3"},
    {"x86-64-v3", "avx avx2 bmi bmi2 f16c fma lzcnt movbe xsave"},
    {"x86-64-v4", "avx512f avx512bw avx512cd avx512dq avx512vl"},
};
enum { NLEVELS = sizeof LEVELS / sizeof LEVELS[0] };

/* Whether features ("+avx2,-avx512f,...") has +name. */
static bool has_feature(const char *features, const char *name, size_t len) {
  for (const char *s = features; s && (s = strchr(s, '+')) != NULL; s++)
    if (!strncmp(s + 1, name, len) && (s[1 + len] == ',' || s[1 + len] == '\0')) return true;
  return false;
}

static void host(JitTarget *t) {
  char *cpu = LLVMGetHostCPUName(), *features = LLVMGetHostCPUFeatures();
  snprintf(t->cpu, sizeof t->cpu, "%s", cpu ? cpu : "");
  t->features = features ? strdup(features) : NULL;
  t->avx512 = has_feature(features, "avx512f", strlen("avx512f"));
  LLVMDisposeMessage(cpu);
  LLVMDisposeMessage(features);
}

/* The first feature of levels 0..level that the host's features lack, in missing; false when
 * the host has them all. */
static bool lacks(const char *features, int level, char *missing, size_t len) {
  for (int l = 0; l <= level; l++)
    for (const char *s = LEVELS[l].needs; *s;) {
      size_t n = strcspn(s, " ");
      if (!has_feature(features, s, n)) {
        snprintf(missing, len, "%.*s", (int)n, s);
        return true;
      }
      s += n + (s[n] == ' ');
    }
  return false;
}

int jit_target(JitTarget *t, char *err, size_t errlen) {
  memset(t, 0, sizeof *t);
  host(t);
  const char *want = getenv("BLOC_CPU");
  if (!want || !*want) return 0;
  int level = -1;
  for (int l = 0; l < NLEVELS; l++)
    if (!strcmp(want, LEVELS[l].name)) level = l;
  char *triple = LLVMGetDefaultTargetTriple();
  bool x86_64 = triple && !strncmp(triple, "x86_64", 6);
  LLVMDisposeMessage(triple);
  if (level < 0 || !x86_64) {
    snprintf(err, errlen,
             "BLOC_CPU='%s' is not a CPU level bloc knows: x86-64, x86-64-v2, x86-64-v3 or "
             "x86-64-v4%s (unset it for the host's own CPU)",
             want, x86_64 ? "" : ", on an x86-64 host");
    return -1;
  }
  char missing[32];
  if (lacks(t->features, level, missing, sizeof missing)) {
    snprintf(err, errlen,
             "BLOC_CPU=%s needs the CPU feature %s, which this CPU (%s) does not have: its code "
             "would stop on an illegal instruction; name a lower level",
             want, missing, t->cpu);
    return -1;
  }
  snprintf(t->cpu, sizeof t->cpu, "%s", want);
  free(t->features);
  t->features = NULL;
  t->avx512 = level >= 3;
  return 0;
}

void jit_target_free(JitTarget *t) {
  free(t->features);
  t->features = NULL;
}
