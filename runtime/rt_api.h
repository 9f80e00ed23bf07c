/* rt_api.h — linkage of the runtime's functions and objects. In the runtime library RT_API is
 * empty and RT_EXTERN is `extern`: every rt_ symbol is global. `bloc emit-c` copies the runtime
 * sources into one C file (compiler/emit_c/emit_c_rt.awk), defining RT_AMALGAMATION first: then
 * every runtime function and object is static, so several generated solvers link into one program
 * and only their PREFIX_ entry points are exported. RT_PRINTF marks printf-like functions for
 * the compilers that check formats. */
#ifndef BLOC_RT_API_H
#define BLOC_RT_API_H

#if defined(__GNUC__) || defined(__clang__)
#define RT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define RT_MAYBE_UNUSED __attribute__((unused))
#else
#define RT_PRINTF(a, b)
#define RT_MAYBE_UNUSED
#endif

#ifdef RT_AMALGAMATION
/* a generated solver uses only part of the runtime: unused pieces are not worth a warning */
#define RT_API static RT_MAYBE_UNUSED
#define RT_EXTERN static
#else
#define RT_API
#define RT_EXTERN extern
#endif

/* Per-thread state (counters, message buffers): two problems may be solved from two threads
 * (api/bloc.h). Generated solvers are compiled as C99, which has no thread storage: theirs is
 * shared, as their library interface documents. */
#if !defined(RT_AMALGAMATION) && defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define RT_THREAD_LOCAL _Thread_local
#else
#define RT_THREAD_LOCAL
#endif

#endif
