/* adev_int.h — the ADEV estimator's private interface (prefix adev_): strategy
 * annotations (adev_dist.c), one run of a program under the ADEV handler (adev_run.c),
 * and the group baselines the VIMCO objective sets (adev_objectives.c). */
#ifndef GENC_SRC_ADEV_INT_H
#define GENC_SRC_ADEV_INT_H

#include "../dsl/dsl_int.h"
#include "genc/adev.h"

/* The distribution d annotates (d itself when not annotated) and its strategy. */
const gen_dist *adev_unwrap(const gen_dist *d, gen_adev_strategy *s);
/* GEN_OK if d (not annotated) can take strategy s, else GEN_ERR_VALUE naming why. */
gen_status adev_check_strategy(const gen_dist *d, gen_adev_strategy s);

/* What every run of one estimate shares. */
typedef struct adev_job {
    const gen_gf *prog;
    const gen_args *args;
    gen_adev_strategy strategy; /* for unannotated choices */
} adev_job;

/* One run of the program with key (the sample's key): *S the surrogate (0-d f64, on the
 * tape), *D the coefficient of the run's baseline b (the surrogate with baseline b is
 * S - b D), *value S's value (the estimate of E[f]). S and D belong to the current
 * scope. */
gen_status adev_run_sample(const adev_job *job, gen_key key, gen_array **S, gen_array **D,
                           double *value);

/* In a run (ctx under the ADEV handler): the REINFORCE terms of the choices made by the
 * i-th call from the program's body (0-based, in the order the body made them) use
 * baseline b[i] instead of the estimator's, i < n. GEN_ERR_MISUSE outside a run. */
gen_status adev_set_call_baselines(gen_ctx *ctx, int n, const double *b);
/* The ADEV counterpart of simulate at address a from a body running under the ADEV
 * handler (gen_adev_simulate without the name). */
gen_status adev_simulate_at(gen_ctx *ctx, const gen_addr *a, const gen_gf *f, const gen_args *args,
                            gen_trace **tr);

#endif
