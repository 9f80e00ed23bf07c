/* schedule_verify.h — the plan verifier: checks an execution plan (schedule.h) as the
 * backends will run it. Every view lies inside what it addresses (x, y, v, a data tensor, the
 * samples, the work buffer, an output slot, a scalar register); nothing writes an input; every
 * step reads only values earlier steps produced, and no two work buffers that are live at the
 * same step share memory (buffers are known by SchedBuf.index, the planner's buffer id);
 * every item's expression has the shape of its step and of the IR node it computes; every
 * kernel output is written. Run after planning when BLOC_VERIFY is set (see ir_verify.h). */
#ifndef BLOC_SCHEDULE_VERIFY_H
#define BLOC_SCHEDULE_VERIFY_H

#include <stddef.h>

#include "plan/schedule.h"

/* Check kernel k, the plan of p->kernels[k->id]. Returns 0, or -1 with "kernel 'NAME', step
 * S ...: reason" in err. */
int sched_verify_kernel(const IrProblem *p, const SchedKernel *k, char *err, size_t errlen);

/* Every present kernel of plan, and that plan->work_size covers each. */
int sched_verify_plan(const IrProblem *p, const SchedPlan *plan, char *err, size_t errlen);

/* sched_verify_plan when ir_verify_enabled(): on failure prints "bloc: internal error: plan
 * verification failed after PASS: ..." on stderr and exits with status 3. */
void sched_verify_after(const IrProblem *p, const SchedPlan *plan, const char *pass);

#endif
