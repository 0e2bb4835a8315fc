/* pmcmc_int.h — what the particle MCMC files share (prefix pmcmc_): reading a
 * state-space problem (gen_ssm) step by step, and the checks of its fields. */
#ifndef GENC_SRC_INFER_PMCMC_INT_H
#define GENC_SRC_INFER_PMCMC_INT_H

#include "genc/pmcmc.h"
#include "kernels_int.h"
#include "pf_int.h"

/* GEN_OK when ssm is usable: model set, n_steps >= 0, step_args and step_obs given when
 * there are steps; else the error naming fn and the field. */
gen_status pmcmc_check_ssm(const char *fn, const gen_ssm *ssm);

/* The arguments of step t (0: init_args). */
const gen_args *pmcmc_args(const gen_ssm *ssm, int64_t t);
/* The observations of step t (0: init_obs), the empty map for none. */
const gen_choicemap *pmcmc_obs(const gen_ssm *ssm, int64_t t);
/* The argdiffs of step t >= 1 (NULL: all unknown). */
const gen_diff *pmcmc_diffs(const gen_ssm *ssm, int64_t t);
/* The argdiffs that take step t's arguments back to step t - 1's, in buf (16 slots):
 * no change stays, an int diff is negated, any other diff is unknown; NULL (all
 * unknown) when step t's are, or for more than 16 arguments. */
const gen_diff *pmcmc_back_diffs(const gen_ssm *ssm, int64_t t, gen_diff *buf);

/* The parameters of tr: its choices in params (the empty map for NULL params), a new map
 * in the current scope (NULL on error, recorded). */
gen_choicemap *pmcmc_params_of(const gen_trace *tr, const gen_selection *params);

#endif
