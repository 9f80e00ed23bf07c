/* rt_ttsa.c — TTSA (Hong, Wai, Wang, Yang 2020): two time scales — a single y gradient step
 * per outer step (inner_steps = 1 by default), the randomly truncated Neumann estimate of BSA,
 * and x <- x - x_step max(0.01, (k+1)^-x_decay) d with the slower x_decay = 0.4. It is BSA's
 * step (rt_rand_neumann_step) with those defaults (rt_methods.c). */
#include "rt_solver.h"

RT_API const RtMethodImpl rt_impl_ttsa = {"ttsa", RT_SCHED_POLY_FLOOR, true, rt_rand_neumann_setup,
                                          rt_rand_neumann_step, NULL, rt_lower_next_y, NULL, NULL,
                                          NULL};
