/* schedule_int.h — internal to the planner (schedule.c, schedule_par.c): its state while a
 * kernel is planned. Work buffers are logical (SchedBuf.index = buffer id) until finish()
 * assigns offsets by liveness; step indices in bfirst/blast refer to Sch.steps. */
#ifndef BLOC_SCHEDULE_INT_H
#define BLOC_SCHEDULE_INT_H

#include "support/alloc.h"
#include "plan/schedule.h"

/* Work-buffer offsets are multiples of this many doubles (64 bytes). */
#define SCHED_ALIGN 8

typedef struct Map {
  uint32_t *keys; /* id + 1; 0 = empty */
  void **vals;
  uint32_t cap, len;
} Map;

typedef struct Step {
  SchedStep st;
  int capitems;
  Map memo; /* node id -> SchedExpr translated in this step */
} Step;

typedef struct Sch {
  const IrGraph *g;
  const IrKernel *k;
  const SchedOptions *opt;
  Arena *a;
  char *err;
  size_t errlen;
  uint32_t n;
  const IrNode **order;
  size_t norder;
  uint32_t *uses;     /* distinct consumers + output occurrences */
  uint8_t *is_out;
  uint8_t *mat;       /* materialised */
  int32_t *cost;      /* per-element cost of computing the node inline (0 when materialised) */
  uint8_t *folded;    /* product written by its accumulation root */
  int32_t *chain;     /* accumulation chain node: root id + 1 */
  int32_t *def;       /* step where the value is complete */
  int32_t *last;      /* last step reading it */
  uint8_t *blas_use;  /* the base of a BLAS operand (must stay a plain row-major buffer) */
  int32_t *share_step;
  SchedExpr **share;  /* full SI_WRITE expression of the node in step share_step */
  SchedBuf *loc;      /* where materialised nodes live; SB_WORK index = node id until allocated */
  uint8_t *has_loc;
  /* work buffers: id = node id for a node's own buffer, n.. for extra (packed) buffers */
  int32_t *bfirst, *blast; /* first write, last access (steps) */
  int64_t *bsize;
  uint32_t nbufs, capbufs;
  Step *steps;
  int nsteps, capsteps;
  int nsregs;
  int nexprs;
  /* output copies */
  IrOutput *copies;
  int ncopies;
  /* SchedOptions.memo: memo_ok[id], products worth a memo slot (sched_problem); memo[id],
   * those planned with one (their buffer, id, is placed by sched_problem, not finish) */
  const uint8_t *memo_ok;
  uint8_t *memo;
  /* SchedOptions.xmemo: xleaf[id] = 1 + the x-memo slot holding node id's value, for the
   * nodes this kernel reads from their slots (NULL: none). Such a node is a leaf here: a
   * read-only view (SB_XMEMO), its operands never visited */
  const int32_t *xleaf;
} Sch;

void sched_map_free(Map *m);
/* A new logical work buffer of `size` doubles (not yet written: bfirst = blast = -1). */
uint32_t sched_new_buffer(Sch *s, int64_t size);

/* Group the steps into SS_PAR_ROWS regions (schedule_par.c): reorders s->steps (hoisting
 * independent steps before a region and deferring dependent ones after it), replaces each
 * region's steps by one SS_PAR_ROWS step whose body holds them, adds the partial buffers of
 * its reductions, and remaps the live ranges of the work buffers to the new step order. */
void sched_regions(Sch *s);
/* Mark the copies of sampled rows of data made in a region and read only there, by skinny
 * products reading their whole rows as a, and those products' a (SchedBuf.rows_direct): a
 * backend may then read the rows in the data instead of copying them. Runs on the finished
 * plan (buffer offsets final). */
void sched_direct_rows(SchedKernel *k);

#endif
