/* fixture_dir.h — a private temporary directory for one group of unit tests, and the fixture
 * files the tests write into it. fxd_create makes $TMPDIR/bloc-test-NAME-XXXXXX (mkdtemp: mode
 * 0700, a fresh name), fxd_remove deletes it with everything in it. One directory at a time. */
#ifndef BLOC_FIXTURE_DIR_H
#define BLOC_FIXTURE_DIR_H

#include <stddef.h>

/* Creates the directory for the test group NAME; 0 on success (a cmocka group setup can
 * return it), -1 if it could not be made. */
int fxd_create(const char *name);

/* Removes the directory and every file in it; 0 on success. It is a cmocka group teardown as
 * it is (state unused). */
int fxd_remove(void **state);

/* The directory itself. */
const char *fxd_dir(void);

/* The path of NAME in the directory. The result lives in one of 8 rotating buffers, so a test
 * can hold a few paths at once. */
const char *fxd_path(const char *name);

/* Write len bytes to NAME as they are (fxd_bytes) or gzip-compressed (fxd_gz; the name is
 * used as given), or a C string as it is (fxd_text), and return the file's path (as fxd_path).
 * A failure fails the running test. */
const char *fxd_bytes(const char *name, const void *data, size_t len);
const char *fxd_gz(const char *name, const void *data, size_t len);
const char *fxd_text(const char *name, const char *text);

/* The contents of the file at `path` (a fixture's, as the functions above return), read
 * whole into a buffer to free, with a NUL after them (so text is a C string); *len, unless
 * len is NULL, is their length. A failure fails the running test. */
void *fxd_read(const char *path, size_t *len);

#endif
