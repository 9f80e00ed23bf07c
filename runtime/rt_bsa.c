/* rt_bsa.c — BSA (Ghadimi, Wang 2018): T gradient steps on y, then the randomly truncated
 * Neumann estimate v = Q eta (I - eta A)^q b with q ~ U{0..Q-1} (q HVPs, unbiased for stocBiO's
 * truncated sum), then x <- x - x_step max(0.01, (k+1)^-x_decay) d, x_decay = 0.5 by default.
 * The step is shared with TTSA (rt_rand_neumann_step in rt_solver.c). */
#include "rt_solver.h"

RT_API const RtMethodImpl rt_impl_bsa = {"bsa", RT_SCHED_POLY_FLOOR, true, rt_rand_neumann_setup,
                                         rt_rand_neumann_step, NULL, rt_lower_next_y, NULL, NULL,
                                         NULL};
