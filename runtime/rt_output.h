/* rt_output.h — the run's files: the CSV trace (header row, one row per trace point), the
 * result JSON and saved vectors. Numbers round-trip exactly: the shortest of %.15g..%.17g that
 * reads back unchanged in the trace and the JSON, %.17g in saved vectors; non-finite values are
 * "nan"/"inf" in CSV and null in JSON. Formats are specified in doc/methods.md. */
#ifndef BLOC_RT_OUTPUT_H
#define BLOC_RT_OUTPUT_H

#include <stdio.h>

#include "rt_api.h"
#include "rt_diag.h"
#include "rt_outfile.h"
#include "rt_run.h"
#include "rt_solver.h"

/* Trace: the header row. */
RT_API void rt_trace_header(FILE *f, const BloProblem *p);
/* A CSV field holding text: quoted, quotes doubled, when it holds a comma, a quote or a line
 * end (a report's name in the trace header; compare's summary). */
RT_API void rt_csv_text(FILE *f, const char *s);
/* One row: step (completed outer steps), time (solver seconds), diagnostics, |d| (NaN: empty),
 * then the method's cumulative oracle calls. */
RT_API void rt_trace_row(FILE *f, int64_t step, double time, const RtDiagValues *dv, double hg_norm,
                  const RtSolver *s);
/* The trace's columns without a file (library callers, RtRunConfig.on_trace): how many a row
 * of problem p has, the name of column i (as in the CSV header, unquoted), and one row as
 * numbers (NaN where the CSV leaves a cell empty; step and counts as doubles) into
 * row[rt_trace_ncols(p)]. */
RT_API int rt_trace_ncols(const BloProblem *p);
RT_API const char *rt_trace_column(const BloProblem *p, int i);
RT_API void rt_trace_values(double *row, int64_t step, double time, const RtDiagValues *dv,
                            double hg_norm, const RtSolver *s);
/* The result JSON (doc/methods.md). */
RT_API void rt_result_json(FILE *f, const RtSolver *s, const RtResult *res, const RtRunConfig *cfg);
/* n numbers, one per line, replacing path whole or not at all (rt_outfile.h): through o when
 * it is already open (an output written in place, which rt_solve keeps open from its check
 * before the run), else opened here. Returns 0, or -1 with errno set. */
RT_API int rt_save_vector(RtOutFile *o, const char *path, int64_t n, const double *x);

#endif
