/* fuzz_front.c — libFuzzer target for the whole front end: scan, parse and check any text as
 * a .blo program (then print its summary and tree when it checks), with ASan and UBSan.
 * `make fuzz` builds it with $(CLANG) and runs it for $(FUZZ_SECONDS) on the golden programs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "front/ast.h"
#include "front/sema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static FILE *sink;
  if (!sink) sink = fopen("/dev/null", "w");
  if (!sink) return 0;
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  Arena arena;
  arena_init(&arena);
  Diag diag;
  diag_init(&diag, &arena, sink);
  diag.max_errors = 0; /* every message is printed: exercise them all */
  SemaDefine defs[1] = {{"n", 3}};
  SemaInputs in = {defs, 1, "/nonexistent/stdlib", NULL};
  Program *p = sema_compile_string(&arena, &diag, "fuzz.blo", text, &in);
  if (p) {
    sema_print_summary(p, sink);
    ast_dump(p->ast, &diag, sink);
  }
  arena_free(&arena);
  free(text);
  return 0;
}
