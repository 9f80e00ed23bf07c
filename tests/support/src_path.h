/* src_path.h — the path of a file of the source tree, for unit tests that read its programs
 * and data: make check runs them in the build tree with $top_srcdir set (a VPATH build's
 * sources are elsewhere); run by hand from the top of a checkout, "." is the tree. */
#ifndef BLOC_SRC_PATH_H
#define BLOC_SRC_PATH_H

/* $top_srcdir/rel (./rel without it). The result lives in one of 4 rotating buffers, so that
 * a test can hold a few paths at once. */
const char *src_path(const char *rel);

#endif
