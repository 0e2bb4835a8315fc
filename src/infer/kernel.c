/* kernel.c — MCMC kernels as values: MH kernels, and their composition (cycle, mixture,
 * repetition), on scalar traces and, with per-particle acceptances, on batched ones. */
#include <math.h>
#include <string.h>

#include "kernels_int.h"

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

gen_status gen_kernel_apply_batched(gen_kernel k, gen_key key, const gen_trace *tr, gen_trace **out,
                                    gen_array **accepted) {
    const char *fn = "gen_kernel_apply_batched";
    if (out) *out = NULL;
    if (accepted) *accepted = NULL;
    if (!k.fn) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the kernel has no function", fn);
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out is NULL", fn);
    if (!tr) return infer_null(fn, "the trace");
    int64_t n = gen_trace_batch_size(tr);
    if (n == 0) { /* a scalar trace: the kernel's own function, its acceptance as a 0-d bool */
        bool acc = false;
        gen_status s = gen_kernel_apply(k, key, tr, out, &acc);
        if (s == GEN_OK && accepted && !(*accepted = gen_scalar_bool(acc))) s = infer_pending();
        return s;
    }
    if (!k.fn_batched)
        return GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s: the kernel has no batched function (fn_batched is NULL), so it "
                        "cannot tell each particle's acceptance", fn);
    gen_array *acc = NULL;
    core_guard g = core_guard_begin();
    gen_status s = k.fn_batched(k.payload, key, tr, out, &acc);
    gen_status sg = CORE_GUARD_END(g, s, "the kernel's batched function", "%s", fn);
    if (CORE_UNLIKELY(sg != GEN_OK)) {
        *out = NULL, acc = NULL; /* a scope closed for them may have owned them */
        s = sg;
    }
    if (s == GEN_OK && (!acc || gen_array_dtype(acc) != GEN_BOOL || gen_array_ndim(acc) != 1 ||
                        gen_array_shape(acc)[0] != n))
        s = GEN_FAIL(GEN_ERR_CALLBACK, "%s: the kernel's batched function gave no bool [%lld] acceptances", fn,
                     (long long)n);
    if (s == GEN_OK && accepted) *accepted = acc;
    if (s != GEN_OK) *out = NULL;
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

static gen_status mh_select_nfn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, gen_array **acc) {
    if (CORE_UNLIKELY(!p)) return infer_kernel_null("mh_select", NULL);
    const gen_selection *sel = ((gen_mh_select_kernel *)p)->sel;
    if (!sel) return infer_null("gen_mh_select", "the selection");
    return infer_mh_select_batched(tr, key, sel, out, NULL, acc);
}

gen_kernel gen_kernel_mh_select(gen_mh_select_kernel *k) { return (gen_kernel){mh_select_fn, k, mh_select_nfn}; }

static gen_status mh_proposal_fn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, bool *acc) {
    if (CORE_UNLIKELY(!p)) return infer_kernel_null("mh_proposal", NULL);
    const gen_mh_proposal_kernel *k = p;
    return gen_mh_proposal(tr, key, k->proposal, k->proposal_args, out, acc);
}

static gen_status mh_proposal_nfn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, gen_array **acc) {
    if (CORE_UNLIKELY(!p)) return infer_kernel_null("mh_proposal", NULL);
    const gen_mh_proposal_kernel *k = p;
    if (!k->proposal) return infer_null("gen_mh_proposal", "the proposal");
    return infer_mh_proposal_batched(tr, key, k->proposal, k->proposal_args, out, NULL, acc);
}

gen_kernel gen_kernel_mh_proposal(gen_mh_proposal_kernel *k) {
    return (gen_kernel){mh_proposal_fn, k, mh_proposal_nfn};
}

static gen_status hmc_fn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, bool *acc) {
    if (CORE_UNLIKELY(!p)) return infer_kernel_null("hmc", NULL);
    const gen_hmc_kernel *k = p;
    return gen_hmc(tr, key, k->sel, k->step, k->n_leapfrog, k->inv_metric, out, acc);
}

static gen_status hmc_nfn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, gen_array **acc) {
    if (CORE_UNLIKELY(!p)) return infer_kernel_null("hmc", NULL);
    const gen_hmc_kernel *k = p;
    return infer_hmc_batched(tr, key, k->sel, k->step, k->n_leapfrog, k->inv_metric, out, NULL, acc);
}

gen_kernel gen_kernel_hmc(gen_hmc_kernel *k) { return (gen_kernel){hmc_fn, k, hmc_nfn}; }

static gen_status mala_fn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, bool *acc) {
    if (CORE_UNLIKELY(!p)) return infer_kernel_null("mala", NULL);
    const gen_mala_kernel *k = p;
    return gen_mala(tr, key, k->sel, k->step, out, acc);
}

static gen_status mala_nfn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, gen_array **acc) {
    if (CORE_UNLIKELY(!p)) return infer_kernel_null("mala", NULL);
    const gen_mala_kernel *k = p;
    return infer_mala_batched(tr, key, k->sel, k->step, out, NULL, acc);
}

gen_kernel gen_kernel_mala(gen_mala_kernel *k) { return (gen_kernel){mala_fn, k, mala_nfn}; }

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

/* run_steps with per-particle acceptances: *acc[i] is whether any step accepted
 * particle i. */
static gen_status run_steps_batched(int n, const gen_kernel *ks, int stride, const gen_trace *tr, gen_key key,
                                    gen_trace **out, gen_array **acc) {
    int64_t np = gen_trace_batch_size(tr);
    bool *any = core_calloc((size_t)np, sizeof *any), *one = core_alloc((size_t)np * sizeof *one);
    gen_status s = any && one ? gen_scope_begin() : GEN_ERR_OOM;
    if (s != GEN_OK) {
        core_free(any, (size_t)np * sizeof *any);
        core_free(one, (size_t)np * sizeof *one);
        return s;
    }
    const gen_trace *cur = tr;
    for (int i = 0; i < n && s == GEN_OK; i++) {
        gen_trace *next = NULL;
        gen_array *a = NULL;
        s = gen_kernel_apply_batched(ks[i * stride], gen_key_fold_in(key, (uint64_t)i), cur, &next, &a);
        if (s == GEN_OK) s = gen_array_copy_to(a, GEN_BOOL, one, (size_t)np * sizeof *one);
        for (int64_t j = 0; s == GEN_OK && j < np; j++) any[j] |= one[j];
        cur = next;
    }
    if (s == GEN_OK) s = infer_batch_publish(np, any, NULL, acc);
    if (s == GEN_OK && !(*acc = gen_scope_return(*acc))) s = infer_pending();
    if (s == GEN_OK && !(*out = gen_trace_scope_return((gen_trace *)cur))) s = infer_pending();
    gen_scope_end();
    core_free(any, (size_t)np * sizeof *any);
    core_free(one, (size_t)np * sizeof *one);
    return s;
}

static gen_status cycle_fn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, bool *acc) {
    const gen_kernel_list *l = p;
    if (CORE_UNLIKELY(!l)) return infer_kernel_null("cycle", NULL);
    if (CORE_UNLIKELY(l->n > 0 && !l->kernels)) return infer_kernel_null("cycle", "list of kernels");
    return run_steps(l->n, l->kernels, 1, tr, key, out, acc);
}

static gen_status cycle_nfn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, gen_array **acc) {
    const gen_kernel_list *l = p;
    if (CORE_UNLIKELY(!l)) return infer_kernel_null("cycle", NULL);
    if (CORE_UNLIKELY(l->n > 0 && !l->kernels)) return infer_kernel_null("cycle", "list of kernels");
    return run_steps_batched(l->n, l->kernels, 1, tr, key, out, acc);
}

gen_kernel gen_kernel_cycle(gen_kernel_list *parts) { return (gen_kernel){cycle_fn, parts, cycle_nfn}; }

const gen_kernel_list *gen_kernel_cycle_parts(gen_kernel k) { return k.fn == cycle_fn ? k.payload : NULL; }

/* The part of the mixture l that key picks (checking l) into *pick, and the key for the
 * part's step. */
static gen_status mixture_pick(const gen_kernel_list *l, gen_key key, int *pick, gen_key *part_key) {
    if (CORE_UNLIKELY(!l)) return infer_kernel_null("mixture", NULL);
    if (CORE_UNLIKELY(l->n > 0 && !l->kernels)) return infer_kernel_null("mixture", "list of kernels");
    if (CORE_UNLIKELY(l->n > 0 && !l->probs)) return infer_kernel_null("mixture", "list of probabilities");
    if (l->n < 1 || !l->probs)
        return GEN_FAIL(GEN_ERR_VALUE, "kernel mixture: needs n >= 1 kernels and their probabilities");
    gen_key k[2];
    gen_status s = gen_key_split(key, 2, k);
    if (s != GEN_OK) return s;
    double u = exp(infer_log_uniform(k[0])), c = 0;
    *pick = l->n - 1;
    for (int i = 0; i < l->n; i++) {
        if (!(l->probs[i] >= 0)) return GEN_FAIL(GEN_ERR_VALUE, "kernel mixture: probability %d is %g", i, l->probs[i]);
        c += l->probs[i];
        if (u < c) {
            *pick = i;
            break;
        }
    }
    *part_key = k[1];
    return GEN_OK;
}

static gen_status mixture_fn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, bool *acc) {
    const gen_kernel_list *l = p;
    int pick = 0;
    gen_key k;
    gen_status s = mixture_pick(l, key, &pick, &k);
    return s == GEN_OK ? gen_kernel_apply(l->kernels[pick], k, tr, out, acc) : s;
}

/* One part for every particle (the pick does not depend on the state). */
static gen_status mixture_nfn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, gen_array **acc) {
    const gen_kernel_list *l = p;
    int pick = 0;
    gen_key k;
    gen_status s = mixture_pick(l, key, &pick, &k);
    return s == GEN_OK ? gen_kernel_apply_batched(l->kernels[pick], k, tr, out, acc) : s;
}

gen_kernel gen_kernel_mixture(gen_kernel_list *parts) { return (gen_kernel){mixture_fn, parts, mixture_nfn}; }

static gen_status repeat_fn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, bool *acc) {
    const gen_kernel_repeat *r = p;
    if (CORE_UNLIKELY(!r)) return infer_kernel_null("repeated", NULL);
    if (r->times < 1) return GEN_FAIL(GEN_ERR_VALUE, "kernel repeat: times must be >= 1, got %d", r->times);
    return run_steps(r->times, &r->kernel, 0, tr, key, out, acc);
}

static gen_status repeat_nfn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, gen_array **acc) {
    const gen_kernel_repeat *r = p;
    if (CORE_UNLIKELY(!r)) return infer_kernel_null("repeated", NULL);
    if (r->times < 1) return GEN_FAIL(GEN_ERR_VALUE, "kernel repeat: times must be >= 1, got %d", r->times);
    return run_steps_batched(r->times, &r->kernel, 0, tr, key, out, acc);
}

gen_kernel gen_kernel_repeated(gen_kernel_repeat *r) { return (gen_kernel){repeat_fn, r, repeat_nfn}; }
