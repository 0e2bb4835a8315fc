/* pgibbs.c — particle Gibbs (Andrieu, Doucet & Holenstein 2010): a sweep of conditional
 * SMC for the states given the static parameters, then any kernel for the parameters
 * given the states; as a function and as a gen_kernel. */
#include "pmcmc_int.h"

gen_status gen_particle_gibbs(const gen_trace *tr, gen_key key, const gen_particle_gibbs_kernel *k,
                              gen_trace **out, bool *accepted) {
    const char *fn = "gen_particle_gibbs";
    if (accepted) *accepted = false;
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out is NULL", fn);
    *out = NULL;
    if (!tr) return infer_null(fn, "the trace");
    if (!k) return infer_null(fn, "the kernel's payload");
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_trace *x = NULL, *y = NULL;
    bool acc = false;
    s = gen_csmc(tr, gen_key_fold_in(key, 0), k->ssm, &k->csmc, &x);
    if (s == GEN_OK && k->param_kernel.fn) {
        s = gen_kernel_apply(k->param_kernel, gen_key_fold_in(key, 1), x, &y, &acc);
        if (s != GEN_OK) core_error_prefix("the parameters' kernel");
    } else {
        y = x;
    }
    if (s == GEN_OK && !(*out = gen_trace_scope_return(y))) s = infer_pending();
    if (s != GEN_OK) core_error_prefix("%s", fn);
    else if (accepted) *accepted = acc;
    gen_scope_end();
    return s;
}

static gen_status pg_kernel(void *payload, gen_key key, const gen_trace *tr, gen_trace **out, bool *accepted) {
    if (!payload) return infer_kernel_null("particle_gibbs", NULL);
    return gen_particle_gibbs(tr, key, payload, out, accepted);
}

gen_kernel gen_kernel_particle_gibbs(gen_particle_gibbs_kernel *k) { return (gen_kernel){.fn = pg_kernel, .payload = k}; }
