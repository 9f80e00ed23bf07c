/* load_expect.h — the loaders' tests' checks of a load's outcome (test_data, test_data_bounds):
 * each test passes g_err to the loader it calls (rt_err(g_err, sizeof g_err)) and states what
 * it expects of the call. Include after cmocka.h and string.h. */
#ifndef BLOC_LOAD_EXPECT_H
#define BLOC_LOAD_EXPECT_H

/* The message of the last load (the loaders' RtErr buffer). */
static char g_err[512];

/* Asserts a loader failed with a message containing `want`, and left out zeroed. */
#define expect_fail(call, out, want) \
  do { \
    g_err[0] = 0; \
    int rc_ = (call); \
    if (rc_ == 0) fail_msg("expected failure with \"%s\", but it succeeded", want); \
    if (!strstr(g_err, want)) fail_msg("message \"%s\"\n  lacks \"%s\"", g_err, want); \
    assert_null((out).v); \
  } while (0)

/* Asserts a loader succeeded, showing its message if not. */
#define expect_ok(call) \
  do { \
    g_err[0] = 0; \
    if ((call) != 0) fail_msg("unexpected failure: %s", g_err); \
  } while (0)

#endif
