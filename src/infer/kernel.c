/* kernel.c — MCMC kernels as values: MH kernels, and their composition (cycle, mixture,
 * repetition). */
#include <math.h>

#include "infer_int.h"

gen_status gen_kernel_apply(gen_kernel k, gen_key key, const gen_trace *tr, gen_trace **out,
                            bool *accepted) {
    if (out) *out = NULL;
    if (!k.fn) return GEN_FAIL(GEN_ERR_MISUSE, "gen_kernel_apply: the kernel has no function");
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "gen_kernel_apply: out is NULL");
    if (!tr) return infer_null("gen_kernel_apply", "the trace");
    bool acc = false;
    core_guard g = core_guard_begin();
    gen_status s = k.fn(k.payload, key, tr, out, &acc);
    gen_status sg = CORE_GUARD_END(g, s, "the kernel function", "gen_kernel_apply");
    if (CORE_UNLIKELY(sg != GEN_OK)) {
        *out = NULL; /* a scope closed for it may have owned it */
        s = sg, acc = false;
    }
    if (accepted) *accepted = acc;
    return s;
}

gen_status infer_kernel_null(const char *kernel, const char *what) {
    if (what) return GEN_FAIL(GEN_ERR_MISUSE, "gen_kernel_apply: the %s kernel's %s is NULL", kernel, what);
    return GEN_FAIL(GEN_ERR_MISUSE, "gen_kernel_apply: the %s kernel's payload is NULL (gen_kernel_%s(NULL))", kernel, kernel);
}

static gen_status mh_select_fn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, bool *acc) {
    if (CORE_UNLIKELY(!p)) return infer_kernel_null("mh_select", NULL);
    return gen_mh_select(tr, key, ((gen_mh_select_kernel *)p)->sel, out, acc);
}

gen_kernel gen_kernel_mh_select(gen_mh_select_kernel *k) { return (gen_kernel){mh_select_fn, k}; }

static gen_status mh_proposal_fn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, bool *acc) {
    if (CORE_UNLIKELY(!p)) return infer_kernel_null("mh_proposal", NULL);
    const gen_mh_proposal_kernel *k = p;
    return gen_mh_proposal(tr, key, k->proposal, k->proposal_args, out, acc);
}

gen_kernel gen_kernel_mh_proposal(gen_mh_proposal_kernel *k) { return (gen_kernel){mh_proposal_fn, k}; }

static gen_status hmc_fn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, bool *acc) {
    if (CORE_UNLIKELY(!p)) return infer_kernel_null("hmc", NULL);
    const gen_hmc_kernel *k = p;
    return gen_hmc(tr, key, k->sel, k->step, k->n_leapfrog, k->inv_metric, out, acc);
}

gen_kernel gen_kernel_hmc(gen_hmc_kernel *k) { return (gen_kernel){hmc_fn, k}; }

static gen_status mala_fn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, bool *acc) {
    if (CORE_UNLIKELY(!p)) return infer_kernel_null("mala", NULL);
    const gen_mala_kernel *k = p;
    return gen_mala(tr, key, k->sel, k->step, out, acc);
}

gen_kernel gen_kernel_mala(gen_mala_kernel *k) { return (gen_kernel){mala_fn, k}; }

/* Applies n kernels in order: ks[0], ks[stride], ks[2 stride], ... (stride 0 repeats
 * one kernel). Accepted if any step accepted. */
static gen_status run_steps(int n, const gen_kernel *ks, int stride, const gen_trace *tr,
                            gen_key key, gen_trace **out, bool *acc) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    const gen_trace *cur = tr;
    *acc = false;
    for (int i = 0; i < n && s == GEN_OK; i++) {
        gen_trace *next = NULL;
        bool a = false;
        s = gen_kernel_apply(ks[i * stride], gen_key_fold_in(key, (uint64_t)i), cur, &next, &a);
        *acc |= a;
        cur = next;
    }
    if (s == GEN_OK && !(*out = gen_trace_scope_return((gen_trace *)cur))) s = infer_pending();
    gen_scope_end();
    return s;
}

static gen_status cycle_fn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, bool *acc) {
    const gen_kernel_list *l = p;
    if (CORE_UNLIKELY(!l)) return infer_kernel_null("cycle", NULL);
    if (CORE_UNLIKELY(l->n > 0 && !l->kernels)) return infer_kernel_null("cycle", "list of kernels");
    return run_steps(l->n, l->kernels, 1, tr, key, out, acc);
}

gen_kernel gen_kernel_cycle(gen_kernel_list *parts) { return (gen_kernel){cycle_fn, parts}; }

static gen_status mixture_fn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, bool *acc) {
    const gen_kernel_list *l = p;
    if (CORE_UNLIKELY(!l)) return infer_kernel_null("mixture", NULL);
    if (CORE_UNLIKELY(l->n > 0 && !l->kernels)) return infer_kernel_null("mixture", "list of kernels");
    if (CORE_UNLIKELY(l->n > 0 && !l->probs)) return infer_kernel_null("mixture", "list of probabilities");
    if (l->n < 1 || !l->probs)
        return GEN_FAIL(GEN_ERR_VALUE, "kernel mixture: needs n >= 1 kernels and their probabilities");
    gen_key k[2];
    gen_status s = gen_key_split(key, 2, k);
    if (s != GEN_OK) return s;
    double u = exp(infer_log_uniform(k[0])), c = 0;
    int pick = l->n - 1;
    for (int i = 0; i < l->n; i++) {
        if (!(l->probs[i] >= 0)) return GEN_FAIL(GEN_ERR_VALUE, "kernel mixture: probability %d is %g", i, l->probs[i]);
        c += l->probs[i];
        if (u < c) {
            pick = i;
            break;
        }
    }
    return gen_kernel_apply(l->kernels[pick], k[1], tr, out, acc);
}

gen_kernel gen_kernel_mixture(gen_kernel_list *parts) { return (gen_kernel){mixture_fn, parts}; }

static gen_status repeat_fn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, bool *acc) {
    const gen_kernel_repeat *r = p;
    if (CORE_UNLIKELY(!r)) return infer_kernel_null("repeated", NULL);
    if (r->times < 1) return GEN_FAIL(GEN_ERR_VALUE, "kernel repeat: times must be >= 1, got %d", r->times);
    return run_steps(r->times, &r->kernel, 0, tr, key, out, acc);
}

gen_kernel gen_kernel_repeated(gen_kernel_repeat *r) { return (gen_kernel){repeat_fn, r}; }
