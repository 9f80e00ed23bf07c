/* parse.h — the .blo parser (lang/parser.y): one source file to a list of declarations.
 * Syntax only: names, shapes and everything else are sema's. */
#ifndef BLOC_PARSE_H
#define BLOC_PARSE_H

#include "support/arena.h"
#include "front/ast.h"
#include "support/diag.h"

/* Parse registered source file `file`. Every syntax error is reported through `d` (the parser
 * recovers at the next declaration keyword); returns the declarations it could build, in
 * source order (never NULL). Callers check diag_error_count() to know whether it was clean. */
AstProgram *parse_program(Arena *a, Diag *d, uint32_t file);

#endif
