/* jit.c — compiling an IrProblem's kernels with LLVM (see jit.h): plan them, split them into
 * parts of about equal size, and on one thread per part generate a module, verify it,
 * optimise it for the host CPU with the new pass manager and emit an object file; the ORC
 * LLJIT links the objects against each other (a skinny product's shared function is defined
 * in one part, called from any) and against an explicit table of absolute symbols (libm,
 * memset/memcpy, CBLAS), and the kernels are looked up. Every LLVM failure becomes an
 * "internal error: ..." message, never a crash. */
#define _GNU_SOURCE
#include "llvm/jit.h"
#include "rt_clock.h"

#include <cblas.h>
#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>
#include <llvm-c/Support.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>
#include <llvm/Config/llvm-config.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h> /* bcmp: LLVM turns memcmp(...) == 0 into it */
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "llvm/cg_llvm.h"
#include "llvm/jit_cache.h"
#include "llvm/jit_libm.h"
#include "llvm/jit_target.h"
#include "rt_f32.h"
#include "rt_par.h"

/* MAX_SKINNY: the shared skinny-product functions of one module, at most (split_parts) */
enum { JIT_MAX_THREADS = 4, MAX_SKINNY = 64 };

struct JitModule {
  LLVMOrcLLJITRef jit;
  BloKernelFn fn[BLO_K_COUNT];
  char sym[BLO_K_COUNT][64];
  int64_t work_size;
  char *ir;
  JitTimings t;
  Arena arena; /* the plans */
  SchedPlan plan;
  int64_t size[BLO_K_COUNT]; /* sched_kernel_size of each present kernel */
  int nskinny; /* the shared skinny-product functions "bloc.skinny<i>" */
  CgSkinnyKey skinny_keys[MAX_SKINNY]; /* what function i was generated for */
  char warning[JIT_CACHE_WARNING_LEN]; /* the compile's warning (jit_warning), "" when none */
  JitTarget target; /* the CPU the kernels are compiled for */
};

JitOptions jit_default_options(void) {
  JitOptions o;
  memset(&o, 0, sizeof o);
  o.opt_level = 2;
  o.verify = true;
  o.max_kernel_size = JIT_MAX_KERNEL_SIZE;
  o.vector_bits = jit_env_vector_bits();
  const char *memo = getenv("BLOC_MEMO");
  o.sched.memo = !(memo && !strcmp(memo, "0"));
  const char *xmemo = getenv("BLOC_XMEMO");
  o.sched.xmemo = !(xmemo && !strcmp(xmemo, "0"));
  return o;
}

bool jit_host_has_avx512(void) {
  JitTarget t;
  char err[8];
  jit_target(&t, err, sizeof err); /* on an error, the host's: jit_compile reports it */
  bool wide = t.avx512;
  jit_target_free(&t);
  return wide;
}

int jit_env_vector_bits(void) {
  const char *v = getenv("BLOC_VECTOR_WIDTH");
  if (v && !strcmp(v, "256")) return 256;
  if (v && !strcmp(v, "512")) return 512;
  return 0;
}

/* The width opt asks for, as the target (wide: with AVX-512F) can run it: 256, 512, or 0 (the
 * default, per kernel). */
static int vector_bits(const JitOptions *opt, bool wide) {
  if (opt->any_host_width && opt->vector_bits) return opt->vector_bits;
  if (opt->vector_bits == 0) return wide ? 0 : 256;
  return opt->vector_bits == 512 && wide ? 512 : 256;
}

/* The default width of kernel k on an AVX-512 CPU. 512-bit vectors paid on the kernels that
 * stream a big data matrix through row-parallel regions and skinny products (hyper-cleaning:
 * 5-12% less CPU time per call on four of five kernels) and not on the plain vector loops of
 * the synthetic problem (f 12-21% faster, but hvp_xy 13-22% and grad_f at n = 10^4 up to 42%
 * slower); BLAS-bound kernels do not care (bench/bench_kernels widths, doc/performance.md). */
static int kernel_vector_bits(const SchedKernel *k) {
  for (int i = 0; i < k->nsteps; i++)
    if (k->steps[i].kind == SS_PAR_ROWS || k->steps[i].kind == SS_SKINNY_GEMM) return 512;
  return 256;
}


static void set_err(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || !errlen) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

/* "internal error: <what>: <LLVM's message>" (first line); consumes e. */
static void llvm_err(char *err, size_t errlen, const char *what, LLVMErrorRef e) {
  char *msg = LLVMGetErrorMessage(e);
  size_t n = strcspn(msg, "\n");
  set_err(err, errlen, "internal error: %s: %.*s", what, (int)n, msg);
  LLVMDisposeErrorMessage(msg);
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_status;

static void init_llvm(void) {
  if (LLVMInitializeNativeTarget() || LLVMInitializeNativeAsmPrinter()) init_status = -1;
  /* Loop strength reduction was 13% of llc's pass time on the parallel-region kernels;
   * turning it off cut cold compiles by 6-28% and changed no kernel's time measurably
   * (alternating A/B on the hyper-cleaning kernels, maml_sinusoid and synthetic runs;
   * doc/performance.md). LLVM only has it as a process-wide option, set here once, before
   * any code is generated. The post-RA list scheduler (run for Zen and other CPUs whose
   * scheduling model asks for it) reorders the allocated instructions once more: 8% of
   * machine code time on hyper-cleaning's parts, and out-of-order cores hardly need it
   * (doc/performance.md, "Compile time"). Neither changes what is computed. */
  const char *argv[] = {"bloc", "-disable-lsr", "-post-RA-scheduler=false"};
  LLVMParseCommandLineOptions(3, argv, NULL);
}

/* ------------------------------------------------------------------ the symbol table */

typedef struct JitSym {
  const char *name;
  uintptr_t addr;
} JitSym;

#define SYM(f) {#f, (uintptr_t)&f}
static const JitSym jit_syms[] = {
    SYM(exp),         SYM(exp2),          SYM(expm1),       SYM(log),
    SYM(log2),        SYM(log10),         SYM(log1p),       SYM(sqrt),
    SYM(cbrt),        SYM(sin),           SYM(cos),         SYM(tan),
    SYM(sincos),      SYM(tanh),          SYM(pow),         SYM(floor),
    SYM(ceil),        SYM(round),         SYM(trunc),       SYM(fabs),
    SYM(fmod),        SYM(fmax),          SYM(fmin),        SYM(ldexp),
    SYM(frexp),       SYM(acos),          SYM(asin),        SYM(atan),
    SYM(erf),         SYM(memset),        SYM(memcpy),      SYM(memmove),
    SYM(cblas_dgemm), SYM(cblas_dgemv),   SYM(cblas_dsymv), SYM(cblas_dger),
    SYM(rt_par_run),  SYM(rt_par_reduce), SYM(rt_f32_gemm), SYM(rt_sparse_mul_par),
    SYM(memcmp),      SYM(bcmp),
};
#undef SYM

static LLVMErrorRef define_symbols(LLVMOrcLLJITRef jit) {
  size_t n = sizeof jit_syms / sizeof jit_syms[0];
  LLVMOrcCSymbolMapPair pairs[sizeof jit_syms / sizeof jit_syms[0]];
  for (size_t i = 0; i < n; i++) {
    pairs[i].Name = LLVMOrcLLJITMangleAndIntern(jit, jit_syms[i].name);
    /* exp and log: glibc's without the errno wrapper when it gives the same bits */
    pairs[i].Sym.Address =
        (LLVMOrcJITTargetAddress)jit_libm_address(jit_syms[i].name, jit_syms[i].addr);
    pairs[i].Sym.Flags.GenericFlags =
        LLVMJITSymbolGenericFlagsExported | LLVMJITSymbolGenericFlagsCallable;
    pairs[i].Sym.Flags.TargetFlags = 0;
  }
  LLVMOrcMaterializationUnitRef mu = LLVMOrcAbsoluteSymbols(pairs, n);
  LLVMErrorRef e = LLVMOrcJITDylibDefine(LLVMOrcLLJITGetMainJITDylib(jit), mu);
  if (e) LLVMOrcDisposeMaterializationUnit(mu);
  return e;
}

/* ------------------------------------------------------------------ compile */

/* Level 2, the default, is a function pipeline sized to what plans produce: loop nests over
 * row-major buffers, common subexpressions already merged and loop-invariant code already
 * placed by the code generator, no calls to inline. It promotes the code generator's allocas,
 * cleans up, rotates loops, hoists what remains, and vectorises for the host CPU. Against
 * "default<O2>" it halves optimisation time with the same kernel times (doc/performance.md).
 * Induction-variable simplification is left out: it was the most expensive pass on the
 * skinny-product and region loops and changed no kernel time (interleaved A/B, hyper-cleaning
 * and synthetic). Level 3 is LLVM's full O3 with interleaving and unrolling. */
static const char *pipeline(int level) {
  switch (level) {
  case 0: return "default<O0>";
  case 1: return "default<O1>";
  case 3: return "default<O3>";
  default:
    return "function(sroa,early-cse<memssa>,instcombine<no-verify-fixpoint>,simplifycfg,"
           "loop-mssa(loop-rotate,licm),loop-vectorize<interleave-forced-only>,"
           "instcombine<no-verify-fixpoint>,simplifycfg)";
  }
}

/* ------------------------------------------------------------ one part: kernels -> object file */

/* A group of kernels compiled into one module and one object file, on its own thread with
 * its own LLVM context and target machine (nothing is shared between parts). */
typedef struct Part {
  /* in */
  const SchedPlan *plan;
  const JitOptions *opt;
  const char (*sym)[64];
  const char *triple, *datalayout;
  const JitTarget *target; /* the CPU to generate code for */
  int vector_bits; /* 256, 512, or 0: per kernel (kernel_vector_bits) */
  int ids[BLO_K_COUNT];
  int nids;
  int index; /* in parts[] */
  const CgSkinnyTable *skinny; /* the skinny functions of all parts and who defines them */
  int64_t size; /* estimated code size, for balancing */
  /* out */
  LLVMMemoryBufferRef obj;
  char *ir;
  int rc;
  char err[512];
  double codegen_ms, verify_ms, optimize_ms, emit_ms, cache_ms; /* thread CPU time */
  JitCache cache; /* the part's own: its warning is read after the parts join */
  bool cached; /* obj came from the cache */
} Part;

static double cpu_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static LLVMTargetMachineRef host_machine(const char *triple, const char *cpu, const char *features,
                                         int level, char *err, size_t errlen) {
  LLVMTargetRef target;
  char *msg = NULL;
  if (LLVMGetTargetFromTriple(triple, &target, &msg)) {
    set_err(err, errlen, "internal error: no LLVM target for '%s': %s", triple, msg ? msg : "?");
    LLVMDisposeMessage(msg);
    return NULL;
  }
  LLVMDisposeMessage(msg);
  /* JITDefault: the code model LLJIT itself uses for the host (absolute calls to the
   * symbol table's addresses need no stubs) */
  LLVMTargetMachineRef tm =
      LLVMCreateTargetMachine(target, triple, cpu, features,
                              level >= 3 ? LLVMCodeGenLevelAggressive : LLVMCodeGenLevelDefault,
                              LLVMRelocDefault, LLVMCodeModelJITDefault);
  if (!tm)
    set_err(err, errlen, "internal error: cannot create an LLVM target machine for '%s'", triple);
  return tm;
}

/* Optimise mod for the host CPU; returns 0 or -1 with err set. */
static int optimize(LLVMModuleRef mod, LLVMTargetMachineRef tm, int level, const char *passes,
                    char *err, size_t errlen) {
  LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
  LLVMPassBuilderOptionsSetLoopVectorization(po, level >= 2);
  LLVMPassBuilderOptionsSetSLPVectorization(po, level >= 2);
  /* Interleaving and unrolling triple the code (and epilogue vectorisation kicks in at
   * VF x UF >= 16); instruction selection and loop strength reduction then dominate compile
   * time, while the kernels, memory-, BLAS- or libm-bound, gain nothing measurable (see
   * doc/performance.md). O3 keeps them. */
  LLVMPassBuilderOptionsSetLoopInterleaving(po, level >= 3);
  LLVMPassBuilderOptionsSetLoopUnrolling(po, level >= 3);
  LLVMErrorRef e = LLVMRunPasses(mod, passes ? passes : pipeline(level), tm, po);
  LLVMDisposePassBuilderOptions(po);
  if (e) {
    llvm_err(err, errlen, "LLVM optimisation failed", e);
    return -1;
  }
  return 0;
}

static void *compile_part(void *arg) {
  Part *pt = arg;
  const JitOptions *opt = pt->opt;
  double t0 = cpu_ms();
  LLVMContextRef ctx = LLVMContextCreate();
  LLVMModuleRef mod = LLVMModuleCreateWithNameInContext("bloc", ctx);
  LLVMSetTarget(mod, pt->triple);
  LLVMSetDataLayout(mod, pt->datalayout);
  const char *cpu = pt->target->cpu, *features = pt->target->features ? pt->target->features : "";
  Cg cg;
  cg_init(&cg, ctx, mod, cpu, features);
  pt->rc = 0;
  for (int i = 0; i < pt->nids && pt->rc == 0; i++) {
    const SchedKernel *k = &pt->plan->kernels[pt->ids[i]];
    cg.vector_bits = pt->vector_bits ? pt->vector_bits : kernel_vector_bits(k);
    cg.f32 = opt->f32;
    cg.sparse_call = opt->sched.sparse_call;
    cg.skinny_inline = opt->skinny_inline;
    cg.vectorize_all = opt->vectorize_all;
    cg.sk_table = pt->skinny;
    cg.part = pt->index;
    cg.xmemo = pt->plan->xmemo;
    cg.nxmemo = pt->plan->nxmemo;
    pt->rc = cg_kernel(&cg, k, pt->sym[pt->ids[i]], pt->err, sizeof pt->err);
  }
  cg_dispose(&cg);
  double t1 = cpu_ms();
  pt->codegen_ms = t1 - t0;
  if (pt->rc == 0 && opt->verify) {
    char *msg = NULL;
    if (LLVMVerifyModule(mod, LLVMReturnStatusAction, &msg)) {
      size_t n = msg ? strcspn(msg, "\n") : 0;
      set_err(pt->err, sizeof pt->err, "internal error: LLVM module verification failed: %.*s",
              (int)n, msg ? msg : "");
      pt->rc = -1;
    }
    LLVMDisposeMessage(msg);
  }
  double t2 = cpu_ms();
  pt->verify_ms = t2 - t1;
  /* the object cache: the key is the unoptimised module and everything else the machine
   * code depends on (jit_cache.h) */
  JitCacheKey key;
  bool cache = pt->cache.dir && pt->rc == 0;
  if (cache) {
    char *txt = LLVMPrintModuleToString(mod), how[64];
    snprintf(how, sizeof how, "O%d abi%d", opt->opt_level, JIT_CACHE_ABI);
    const char *in[] = {txt,
                        cpu,
                        features,
                        how,
                        opt->passes ? opt->passes : pipeline(opt->opt_level),
                        LLVM_VERSION_STRING};
    key = jit_cache_key(in, sizeof in / sizeof in[0]);
    LLVMDisposeMessage(txt);
    char *bytes;
    size_t n;
    if (jit_cache_load(&pt->cache, key, &bytes, &n) == 0) {
      pt->obj = LLVMCreateMemoryBufferWithMemoryRangeCopy(bytes, n, "bloc-cached-kernels");
      free(bytes);
      pt->cached = true;
    }
  }
  double t2c = cpu_ms();
  pt->cache_ms = t2c - t2;
  t2 = t2c;
  LLVMTargetMachineRef tm = NULL;
  if (pt->rc == 0 && !pt->cached) {
    tm = host_machine(pt->triple, cpu, features, opt->opt_level, pt->err, sizeof pt->err);
    if (!tm) pt->rc = -1;
  }
  if (pt->rc == 0 && !pt->cached)
    pt->rc = optimize(mod, tm, opt->opt_level, opt->passes, pt->err, sizeof pt->err);
  double t3 = cpu_ms();
  pt->optimize_ms = t3 - t2;
  if (pt->rc == 0 && opt->keep_ir) {
    char *txt = LLVMPrintModuleToString(mod);
    pt->ir = strdup(txt);
    LLVMDisposeMessage(txt);
  }
  if (pt->rc == 0 && !pt->cached) {
    char *msg = NULL;
    if (LLVMTargetMachineEmitToMemoryBuffer(tm, mod, LLVMObjectFile, &msg, &pt->obj)) {
      set_err(pt->err, sizeof pt->err, "internal error: LLVM code generation failed: %s",
              msg ? msg : "?");
      pt->obj = NULL;
      pt->rc = -1;
    }
    LLVMDisposeMessage(msg);
  }
  double t4 = cpu_ms();
  pt->emit_ms = t4 - t3;
  if (pt->cached) pt->optimize_ms = pt->emit_ms = 0; /* skipped: only the checks ran */
  if (cache && !pt->cached && pt->rc == 0) {
    jit_cache_store(&pt->cache, key, LLVMGetBufferStart(pt->obj), LLVMGetBufferSize(pt->obj));
    pt->cache_ms += cpu_ms() - t4;
  }
  if (tm) LLVMDisposeTargetMachine(tm);
  LLVMDisposeModule(mod);
  LLVMContextDispose(ctx);
  return NULL;
}

static int compile_threads(const JitOptions *opt, int nkernels) {
  int n = opt->threads;
  if (n <= 0) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    n = cpus > 0 ? (int)cpus : 1;
    if (n > JIT_MAX_THREADS) n = JIT_MAX_THREADS;
  }
  if (n > nkernels) n = nkernels;
  return n > 0 ? n : 1;
}

/* ---------------------------------------------------- skinny products shared between parts */

/* A kernel's skinny products: the plan's SS_SKINNY_GEMM steps, in regions or not. The code
 * generator keys them the same way (cg_skinny_key). */
static int kernel_skinny_keys(const SchedKernel *k, bool f32, int vector_bits, CgSkinnyKey *out,
                              int max) {
  int n = 0;
  for (int i = 0; i < k->nsteps; i++) {
    const SchedStep *st = &k->steps[i];
    if (st->kind == SS_SKINNY_GEMM && n < max) out[n++] = cg_skinny_key(st, f32, vector_bits, NULL);
    if (st->kind != SS_PAR_ROWS) continue;
    for (int j = 0; j < st->nbody; j++)
      if (st->body[j].kind == SS_SKINNY_GEMM && n < max)
        out[n++] = cg_skinny_key(&st->body[j], f32, vector_bits, st);
  }
  return n;
}

/* What a shared skinny function weighs in the balance of the parts, in plan size, where
 * sched_kernel_size counts 40 for each product's tiles: an estimate (llc took 5-8 ms for each
 * of hyper-cleaning's, a region body 9-19 ms); bench_compile's "slowest part" column shows the
 * balance it gives (52-57% of the JIT CPU on the examples, doc/performance.md). */
enum { SKINNY_FN_SIZE = 60, SKINNY_STEP_SIZE = 40 };

/* Split the kernels order[0..nk) (largest first) into parts of about equal size: each to the
 * smallest part so far, its skinny products' functions defined in the part that first needs
 * them (the others link to it) and weighed there. Fills t (arrays of MAX_SKINNY). */
static void split_parts(JitModule *m, const JitOptions *opt, const int *order, int nk, Part *parts,
                        int nparts, CgSkinnyTable *t) {
  for (int i = 0; i < nk; i++) {
    const SchedKernel *k = &m->plan.kernels[order[i]];
    int vb = m->t.vector_bits ? m->t.vector_bits : kernel_vector_bits(k);
    CgSkinnyKey keys[MAX_SKINNY];
    int nkeys = kernel_skinny_keys(k, opt->f32, vb, keys, MAX_SKINNY);
    Part *smallest = &parts[0];
    for (int j = 1; j < nparts; j++)
      if (parts[j].size < smallest->size) smallest = &parts[j];
    smallest->ids[smallest->nids++] = order[i];
    smallest->size += m->size[order[i]] - (int64_t)nkeys * SKINNY_STEP_SIZE;
    for (int j = 0; j < nkeys; j++) {
      bool known = false;
      for (int q = 0; q < t->n && !known; q++) known = cg_skinny_key_eq(&t->keys[q], &keys[j]);
      if (known || t->n == MAX_SKINNY) continue; /* beyond: one per module that needs it */
      t->keys[t->n] = keys[j];
      t->owner[t->n++] = smallest->index;
      smallest->size += SKINNY_FN_SIZE;
    }
  }
}

/* BLOC_PERF_MAP set: append the kernels and their region task functions to
 * /tmp/perf-<pid>.map, so `perf report` names JIT'd code (a function's size is taken as the
 * distance to the next one). */
typedef struct MapSym {
  uint64_t addr;
  char name[80];
} MapSym;

static int cmp_sym(const void *a, const void *b) {
  const MapSym *x = a, *y = b;
  return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void write_perf_map(JitModule *m) {
  MapSym syms[BLO_K_COUNT * 9 + MAX_SKINNY];
  int n = 0;
  for (int i = 0; i < m->nskinny; i++) {
    snprintf(syms[n].name, sizeof syms[0].name, "bloc.skinny%d", i);
    LLVMOrcExecutorAddress addr = 0;
    LLVMErrorRef e = LLVMOrcLLJITLookup(m->jit, &addr, syms[n].name);
    if (e) {
      LLVMConsumeError(e);
      continue;
    }
    syms[n++].addr = addr;
  }
  for (int id = 0; id < BLO_K_COUNT; id++) {
    if (!m->fn[id]) continue;
    syms[n].addr = (uint64_t)(uintptr_t)m->fn[id];
    snprintf(syms[n++].name, sizeof syms[0].name, "%s", m->sym[id]);
    for (int r = 0; r < 8; r++) {
      char name[80];
      snprintf(name, sizeof name, "%s.par%d.body", m->sym[id], r);
      LLVMOrcExecutorAddress addr = 0;
      LLVMErrorRef e = LLVMOrcLLJITLookup(m->jit, &addr, name);
      if (e) {
        LLVMConsumeError(e);
        break;
      }
      syms[n].addr = addr;
      snprintf(syms[n++].name, sizeof syms[0].name, "%s", name);
    }
  }
  qsort(syms, (size_t)n, sizeof syms[0], cmp_sym);
  char path[64];
  snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
  /* /tmp is shared: never follow a link planted at the name (it would append to the file it
   * points to), and append only to a regular file of ours, as perf itself requires */
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  struct stat st;
  if (fd < 0) return;
  bool ours = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid();
  FILE *f = ours ? fdopen(fd, "a") : NULL;
  if (!f) {
    close(fd);
    return;
  }
  for (int i = 0; i < n; i++) {
    uint64_t size = i + 1 < n && syms[i + 1].addr - syms[i].addr < 65536
                        ? syms[i + 1].addr - syms[i].addr
                        : 4096;
    fprintf(f, "%llx %llx %s\n", (unsigned long long)syms[i].addr, (unsigned long long)size,
            syms[i].name);
  }
  fclose(f);
}

int jit_compile(const IrProblem *p, const JitOptions *opt, JitModule **out, char *err,
                size_t errlen) {
  JitOptions defaults = jit_default_options();
  if (!opt) opt = &defaults;
  *out = NULL;
  if (err && errlen) err[0] = '\0';
  double t0 = rt_milliseconds();
  pthread_once(&init_once, init_llvm);
  if (init_status) {
    set_err(err, errlen, "internal error: cannot initialise the LLVM native target");
    return -1;
  }
  JitModule *m = calloc(1, sizeof *m);
  if (!m) {
    set_err(err, errlen, "internal error: out of memory");
    return -1;
  }
  arena_init(&m->arena);
  if (jit_target(&m->target, err, errlen)) {
    jit_free(m);
    return -1;
  }
  SchedOptions so = opt->sched;
  so.f32_data = opt->f32; /* block sizes from the bytes of float data */
  /* the double a' b's loops along c's rows need 32 registers (cg_llvm_skinny.c): kernels with
   * regions get 512-bit vectors on an AVX-512 host unless 256 bits are asked for */
  so.trans_f64 = so.trans_f64 || vector_bits(opt, m->target.avx512) != 256;
  if (sched_problem(p, &so, &m->arena, &m->plan, err, errlen)) {
    jit_free(m);
    return -1;
  }
  m->work_size = m->plan.work_size;
  double t1 = rt_milliseconds();
  m->t.plan_ms = t1 - t0;

  LLVMErrorRef e = LLVMOrcCreateLLJIT(&m->jit, NULL);
  if (e) {
    m->jit = NULL;
    llvm_err(err, errlen, "cannot create the LLVM JIT", e);
    jit_free(m);
    return -1;
  }
  if ((e = define_symbols(m->jit))) {
    llvm_err(err, errlen, "cannot define the runtime symbols", e);
    jit_free(m);
    return -1;
  }
  /* symbols, and the kernels split into parts of about equal size (largest first) */
  int order[BLO_K_COUNT], nk = 0;
  for (int id = 0; id < BLO_K_COUNT; id++) {
    if (!m->plan.present[id]) continue;
    const SchedKernel *k = &m->plan.kernels[id];
    m->size[id] = sched_kernel_size(k);
    if (opt->max_kernel_size > 0 && m->size[id] > opt->max_kernel_size) continue; /* left out */
    bool named = k->name && *k->name && strlen(k->name) < 40;
    for (int j = 0; j < id && named; j++) /* names must be unique symbols */
      if (m->plan.present[j] && m->plan.kernels[j].name &&
          !strcmp(m->plan.kernels[j].name, k->name))
        named = false;
    if (named) snprintf(m->sym[id], sizeof m->sym[id], "bloc_%s", k->name);
    else snprintf(m->sym[id], sizeof m->sym[id], "bloc_kernel%d", id);
    order[nk++] = id;
  }
  for (int i = 1; i < nk; i++)
    for (int j = i; j > 0 && m->size[order[j]] > m->size[order[j - 1]]; j--) {
      int t = order[j];
      order[j] = order[j - 1];
      order[j - 1] = t;
    }
  int nparts = compile_threads(opt, nk);
  Part parts[JIT_MAX_THREADS];
  memset(parts, 0, sizeof parts);
  char cache_buf[4096];
  JitCache cache = {.max_entries = opt->cache_max_entries};
  if (!opt->keep_ir) jit_cache_dir(&cache, opt->cache_dir, cache_buf, sizeof cache_buf);
  snprintf(m->warning, sizeof m->warning, "%s", cache.warning);
  m->t.vector_bits = vector_bits(opt, m->target.avx512);
  for (int i = 0; i < nparts; i++) {
    parts[i] = (Part){.plan = &m->plan,
                      .opt = opt,
                      .sym = (const char(*)[64])m->sym,
                      .cache = {cache.dir, cache.max_entries, ""},
                      .target = &m->target,
                      .vector_bits = m->t.vector_bits,
                      .triple = LLVMOrcLLJITGetTripleString(m->jit),
                      .datalayout = LLVMOrcLLJITGetDataLayoutStr(m->jit)};
  }
  CgSkinnyKey sk_keys[MAX_SKINNY];
  int sk_owner[MAX_SKINNY];
  CgSkinnyTable skinny = {sk_keys, sk_owner, 0};
  for (int i = 0; i < nparts; i++) {
    parts[i].index = i;
    parts[i].skinny = &skinny;
  }
  split_parts(m, opt, order, nk, parts, nparts, &skinny);
  m->nskinny = skinny.n;
  memcpy(m->skinny_keys, sk_keys, (size_t)skinny.n * sizeof sk_keys[0]);
  double t2 = rt_milliseconds();
  /* compile: part 0 on this thread, the others on their own */
  pthread_t th[JIT_MAX_THREADS];
  bool started[JIT_MAX_THREADS] = {false};
  for (int i = 1; i < nparts; i++)
    started[i] = pthread_create(&th[i], NULL, compile_part, &parts[i]) == 0;
  compile_part(&parts[0]);
  for (int i = 1; i < nparts; i++) {
    if (started[i]) pthread_join(th[i], NULL);
    else compile_part(&parts[i]); /* no thread: do it here */
  }
  double t3 = rt_milliseconds();
  m->t.threads = nparts;
  m->t.compile_wall_ms = t3 - t2;
  int rc = 0;
  for (int i = 0; i < nparts; i++) {
    m->t.codegen_ms += parts[i].codegen_ms;
    m->t.verify_ms += parts[i].verify_ms;
    m->t.optimize_ms += parts[i].optimize_ms;
    m->t.emit_ms += parts[i].emit_ms;
    m->t.cache_ms += parts[i].cache_ms;
    m->t.cache_hits += parts[i].cached;
    double part_ms = parts[i].codegen_ms + parts[i].verify_ms + parts[i].cache_ms +
                     parts[i].optimize_ms + parts[i].emit_ms;
    if (part_ms > m->t.part_max_ms) m->t.part_max_ms = part_ms;
    if (parts[i].rc && rc == 0) {
      rc = -1;
      set_err(err, errlen, "%s", parts[i].err);
    }
    /* one warning per compile, the first part's: the parts meet the same refusals */
    if (!m->warning[0]) snprintf(m->warning, sizeof m->warning, "%s", parts[i].cache.warning);
  }
  if (rc == 0 && opt->keep_ir) {
    size_t len = 1;
    for (int i = 0; i < nparts; i++) len += parts[i].ir ? strlen(parts[i].ir) : 0;
    m->ir = malloc(len);
    if (m->ir) {
      m->ir[0] = '\0';
      for (int i = 0; i < nparts; i++)
        if (parts[i].ir) strcat(m->ir, parts[i].ir);
    }
  }
  /* the JIT owns an object buffer once it is added, even when adding fails */
  for (int i = 0; i < nparts; i++) {
    free(parts[i].ir);
    if (!parts[i].obj) continue;
    if (rc) {
      LLVMDisposeMemoryBuffer(parts[i].obj);
      continue;
    }
    if ((e = LLVMOrcLLJITAddObjectFile(m->jit, LLVMOrcLLJITGetMainJITDylib(m->jit),
                                       parts[i].obj))) {
      llvm_err(err, errlen, "cannot add compiled kernels to the JIT", e);
      rc = -1;
    }
  }
  for (int id = 0; id < BLO_K_COUNT && rc == 0; id++) {
    if (!m->sym[id][0]) continue; /* absent, or too large */
    LLVMOrcExecutorAddress addr = 0;
    if ((e = LLVMOrcLLJITLookup(m->jit, &addr, m->sym[id]))) {
      char what[128];
      snprintf(what, sizeof what, "cannot resolve kernel '%s'", m->sym[id]);
      llvm_err(err, errlen, what, e);
      rc = -1;
      break;
    }
    m->fn[id] = (BloKernelFn)(uintptr_t)addr;
  }
  if (rc) {
    jit_free(m);
    return -1;
  }
  if (getenv("BLOC_PERF_MAP")) write_perf_map(m);
  double t4 = rt_milliseconds();
  m->t.jit_ms = (t2 - t1) + (t4 - t3);
  m->t.total_ms = t4 - t0;
  *out = m;
  return 0;
}

BloKernelFn jit_kernel(const JitModule *m, BloKernelId id) {
  if (!m || (int)id < 0 || id >= BLO_K_COUNT) return NULL;
  return m->fn[id];
}

int64_t jit_work_size(const JitModule *m) { return m ? m->work_size : 0; }

int64_t jit_kernel_size(const JitModule *m, BloKernelId id) {
  if (!m || (int)id < 0 || id >= BLO_K_COUNT || !m->plan.present[id]) return 0;
  return m->size[id];
}

const SchedKernel *jit_plan(const JitModule *m, BloKernelId id) {
  if (!m || (int)id < 0 || id >= BLO_K_COUNT || !m->plan.present[id]) return NULL;
  return &m->plan.kernels[id];
}

const SchedXMemo *jit_xmemo(const JitModule *m, int *n) {
  *n = m ? m->plan.nxmemo : 0;
  return m ? m->plan.xmemo : NULL;
}

const JitTimings *jit_timings(const JitModule *m) { return &m->t; }

const char *jit_warning(const JitModule *m) { return m && m->warning[0] ? m->warning : NULL; }

const char *jit_symbol(const JitModule *m, BloKernelId id) {
  if (!m || (int)id < 0 || id >= BLO_K_COUNT || !m->sym[id][0]) return NULL;
  return m->sym[id];
}

int jit_skinny_count(const JitModule *m) { return m ? m->nskinny : 0; }

JitSkinnyFn jit_skinny(const JitModule *m, int i, CgSkinnyKey *key) {
  if (!m || i < 0 || i >= m->nskinny) return NULL;
  char name[32];
  snprintf(name, sizeof name, "bloc.skinny%d", i);
  LLVMOrcExecutorAddress addr = 0;
  LLVMErrorRef e = LLVMOrcLLJITLookup(m->jit, &addr, name);
  if (e) {
    LLVMConsumeError(e);
    return NULL;
  }
  if (key) *key = m->skinny_keys[i];
  return (JitSkinnyFn)(uintptr_t)addr;
}

void jit_print_module(const JitModule *m, FILE *out) {
  if (m && m->ir) fputs(m->ir, out);
  else fprintf(out, "; optimised LLVM IR not kept (compile with JitOptions.keep_ir)\n");
}

void jit_free(JitModule *m) {
  if (!m) return;
  if (m->jit) {
    LLVMErrorRef e = LLVMOrcDisposeLLJIT(m->jit);
    if (e) {
      char *msg = LLVMGetErrorMessage(e);
      fprintf(stderr, "bloc: internal error: disposing the JIT: %s\n", msg);
      LLVMDisposeErrorMessage(msg);
    }
  }
  free(m->ir);
  arena_free(&m->arena);
  jit_target_free(&m->target);
  free(m);
}
