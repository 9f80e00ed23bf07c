/* jit_libm.h — the C library's math functions as the JIT's kernels call them. */
#ifndef BLOC_JIT_LIBM_H
#define BLOC_JIT_LIBM_H

#include <stdint.h>

/* The address the JIT's symbol table gives the libm function `name` ("exp", "log", ...):
 * glibc's function behind the errno wrapper when there is one and it returned the wrapper's
 * bits on the arguments checked once per process (see jit_libm.c), else fallback (the
 * function itself). Thread-safe. */
uintptr_t jit_libm_address(const char *name, uintptr_t fallback);

#endif
