/* pmcmc_ssm.c — a state-space problem (gen_ssm) read step by step for the particle MCMC
 * algorithms: its checks, each step's arguments, argdiffs (forwards and backwards) and
 * observations, and the parameter choices of a trace. */
#include "pmcmc_int.h"

gen_status pmcmc_check_ssm(const char *fn, const gen_ssm *ssm) {
    if (!ssm) return infer_null(fn, "the problem (ssm)");
    if (!ssm->model) return infer_null(fn, "ssm->model");
    if (ssm->n_steps < 0)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: ssm->n_steps must be >= 0, got %lld", fn, (long long)ssm->n_steps);
    if (ssm->n_steps > 0 && !ssm->step_args) return infer_null(fn, "ssm->step_args");
    if (ssm->n_steps > 0 && !ssm->step_obs) return infer_null(fn, "ssm->step_obs");
    return GEN_OK;
}

const gen_args *pmcmc_args(const gen_ssm *ssm, int64_t t) { return t ? &ssm->step_args[t - 1] : ssm->init_args; }

const gen_choicemap *pmcmc_obs(const gen_ssm *ssm, int64_t t) {
    const gen_choicemap *m = t ? ssm->step_obs[t - 1] : ssm->init_obs;
    return m ? m : gen_choicemap_empty();
}

const gen_diff *pmcmc_diffs(const gen_ssm *ssm, int64_t t) {
    return ssm->step_argdiffs ? ssm->step_argdiffs[t - 1] : NULL;
}

const gen_diff *pmcmc_back_diffs(const gen_ssm *ssm, int64_t t, gen_diff *buf) {
    const gen_diff *d = pmcmc_diffs(ssm, t);
    int n = ssm->step_args[t - 1].n;
    if (!d || n > 16) return NULL;
    for (int i = 0; i < n; i++) {
        if (d[i].kind == GEN_DIFF_NO_CHANGE) buf[i] = gen_diff_no_change();
        else if (d[i].kind == GEN_DIFF_INT) buf[i] = gen_diff_int(-d[i].delta);
        else buf[i] = gen_diff_unknown();
    }
    return buf;
}

gen_choicemap *pmcmc_params_of(const gen_trace *tr, const gen_selection *params) {
    if (!params) return gen_choicemap_empty();
    const gen_choicemap *c = gen_trace_choices(tr);
    return c ? gen_choicemap_restrict(c, params) : NULL;
}
