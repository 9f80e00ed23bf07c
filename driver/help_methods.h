/* help_methods.h — the methods and their options as `bloc help run` lists them, generated from
 * the catalogue of runtime/rt_methods.c so that the help cannot drift from what the runtime
 * accepts. */
#ifndef BLOC_HELP_METHODS_H
#define BLOC_HELP_METHODS_H

#include <stdio.h>

/* Print every method with its summary, then every option of the catalogue once per distinct
 * description: its one-line help, its kind, its default(s), and the methods that have it when
 * not all do (an option a method lists but does not use, rt_method_unused_option, is left
 * out for it). Lines wrap at 92 columns. */
void help_method_options(FILE *out);

/* `bloc help METHOD`: the summary of method `name` and each option it shows (not those it
 * lists but does not use), with its help, kind and default. -1 when no method has that name. */
int help_method(const char *name, FILE *out);

/* The extra help of subcommand `cmd` after its paragraph (run: help_method_options), or
 * nothing. */
void help_extra(const char *cmd, FILE *out);

#endif
