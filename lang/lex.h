/* lex.h — the .blo scanner (lang/lexer.l): turns one registered source file into tokens
 * for the parser, with spans as byte offsets. Lexical errors (stray characters, bad strings,
 * malformed numbers) are reported through Diag and scanning goes on. */
#ifndef BLOC_LEX_H
#define BLOC_LEX_H

#include "support/arena.h"
#include "support/diag.h"
#include "parser.h"

typedef struct LexState LexState;

/* Start scanning file `file` of `d` (its text stays owned by Diag). Strings and identifiers
 * returned in token values are copied into `a`. Free with lex_close. */
LexState *lex_open(Arena *a, Diag *d, uint32_t file);
/* Next token code (0 at end of input); fills *val (number, identifier or string text) and
 * *loc (its span). */
int lex_next(LexState *ls, PARSE_STYPE *val, Span *loc);
void lex_close(LexState *ls);
/* True when `text`, a decimal number that strtod read as `v`, names a nonzero value too small
 * for a double, so that it reads as 0 (1e-400): the lexer and -D warn of it. */
bool lex_underflows(const char *text, double v);

#endif
