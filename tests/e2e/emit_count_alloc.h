/* emit_count_alloc.h — forced into generated solvers by tests/e2e/emit_c.sh (cc -include): every
 * malloc, calloc and realloc the file makes goes through a counter that tests/e2e/emit_link.c
 * defines, so the test sees whether a solve touches the heap. */
#ifndef EMIT_COUNT_ALLOC_H
#define EMIT_COUNT_ALLOC_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* as the generated file would, before any system header */
#endif
#include <stdlib.h>

extern long emit_test_allocs;
void *emit_test_malloc(size_t n);
void *emit_test_calloc(size_t n, size_t size);
void *emit_test_realloc(void *p, size_t n);

#define malloc(n) emit_test_malloc(n)
#define calloc(n, size) emit_test_calloc(n, size)
#define realloc(p, n) emit_test_realloc(p, n)

#endif
