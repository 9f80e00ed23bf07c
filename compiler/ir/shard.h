/* shard.h — compiling a problem with sharded data for one rank of a data-parallel run
 * (doc/scaling.md, "Sharded data"). The problem is lowered, derived and hoisted for the whole
 * data as usual; ir_shard_problem then rebuilds every graph of it for the rows that rank owns
 * (runtime/rt_shard.h): sharded tensors get their local row count, each kernel output becomes
 * the rank's share of the whole output (the sum over the ranks of the outputs is the unsharded
 * value), and terms without sharded data count on rank 0 only. */
#ifndef BLOC_SHARD_H
#define BLOC_SHARD_H

#include <stddef.h>

#include "ir/problem.h"
#include "rt_shard.h"

/* Rewrite p (after kern_hoist, before the data stage) for shard s, s.count > 1, in a new graph
 * (p->graph is replaced; the old nodes are left in the arena). prog->data[k]->row_sharded says
 * which declarations are split. Returns 0, or -1 with err filled: a sharded tensor with fewer
 * rows than ranks (a user error), or an expression the rules do not cover (sema_shard.c
 * should have refused it: bloc's bug). */
int ir_shard_problem(IrProblem *p, RtShard s, char *err, size_t errlen);

/* The first global row a replicated declaration's value v holds after ir_shard_problem: a load
 * narrowed to the rows the rank's slices read starts at its attr[2], anything else at 0. */
int64_t ir_shard_load_row0(const IrNode *v);

#endif
