/* options.c — the bloc command's method and option resolution (options.h): the C API's
 * (api/opt_resolve.h), its messages printed as "bloc CMD: LEVEL: MESSAGE" and "hint: ...". */
#include "options.h"

#include <stdio.h>

#include "support/diag.h"

static void print_report(void *ctx, int level, const char *msg, const char *hint) {
  fprintf(stderr, "bloc %s: %s: %s\n", (const char *)ctx,
          level == DIAG_WARNING ? "warning" : "error", msg);
  if (hint) fprintf(stderr, "hint: %s\n", hint);
}

static OptSink sink_of(const char *cmd) {
  return (OptSink){.fn = print_report, .ctx = (void *)cmd, .set_label = "--set"};
}

const RtMethodSpec *opt_find_method(const char *cmd, const char *name) {
  OptSink s = sink_of(cmd);
  return opt_find_method_to(&s, name);
}

int opt_split_set(const char *cmd, const char *set, char *key, size_t keysize, const char **value) {
  OptSink s = sink_of(cmd);
  return opt_split_set_to(&s, set, key, keysize, value);
}

static void print_error(void *ctx, int level, const char *msg, const char *hint) {
  if (level != DIAG_WARNING) print_report(ctx, level, msg, hint);
}

int opt_resolve(const BloCompiled *c, const char *cmd, bool quiet, const char *method,
                const char *const *sets, int nsets, RtOptions *opt) {
  OptSink s = sink_of(cmd);
  if (quiet) s.fn = print_error;
  return opt_resolve_to(c, &s, method, sets, nsets, opt);
}

int opt_resolve_collect(const BloCompiled *c, const char *cmd, bool quiet, const char *method,
                        RtOptions *opt, void (*ignored)(void *ctx, const char *key), void *ctx) {
  OptSink s = sink_of(cmd);
  if (quiet) s.fn = print_error;
  s.ignored = ignored;
  s.ignored_ctx = ctx;
  return opt_resolve_to(c, &s, method, NULL, 0, opt);
}

int opt_check_rules(BloCompiled *c, const char *cmd, const RtOptions *opt,
                    const char *const *sets, int nsets) {
  OptSink s = sink_of(cmd);
  return opt_check_rules_to(c, &s, opt, sets, nsets);
}

int opt_check_rules_named(BloCompiled *c, const char *cmd, const RtOptions *opt,
                          const char *const *sets, const char *const *keys,
                          const char *const *hints, int nsets) {
  OptSink s = sink_of(cmd);
  return opt_check_rules_keyed(c, &s, opt, sets, keys, hints, nsets);
}
