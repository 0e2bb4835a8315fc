/* batched.c — Metropolis–Hastings on a batched trace (genc/gfi.h: batched execution):
 * one batched proposal for all particles, each particle accepting or rejecting on its
 * own [n] weight entry and its own uniform, and the accepted and rejected particles
 * merged back into one batched trace. The gradient kernels' batched form is in
 * hmc_batched.c. */
#include <math.h>
#include <string.h>

#include "kernels_int.h"
#include "../gfi/gfi_int.h"

gen_status infer_log_uniforms(gen_key key, int64_t n, double *out) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_array *u = gen_random_uniform(key, GEN_F64, 1, &n);
    s = u ? gen_array_copy_to(u, GEN_F64, out, (size_t)n * sizeof *out) : infer_pending();
    for (int64_t i = 0; s == GEN_OK && i < n; i++) out[i] = log(out[i]);
    gen_scope_end();
    return s;
}

gen_status infer_batch_decide(gen_key key, int64_t n, const double *alpha, bool *acc, bool *any) {
    double *lu = core_alloc((size_t)n * sizeof *lu);
    if (!lu) return GEN_ERR_OOM;
    gen_status s = infer_log_uniforms(key, n, lu);
    bool some = false;
    for (int64_t i = 0; s == GEN_OK && i < n; i++) {
        acc[i] = !isnan(alpha[i]) && lu[i] < alpha[i];
        some |= acc[i];
    }
    if (s == GEN_OK && any) *any = some;
    core_free(lu, (size_t)n * sizeof *lu);
    return s;
}

gen_status infer_batch_publish(int64_t n, const bool *acc, bool *any_out, gen_array **acc_out) {
    if (any_out) {
        *any_out = false;
        for (int64_t i = 0; i < n; i++) *any_out |= acc[i];
    }
    if (!acc_out) return GEN_OK;
    *acc_out = gen_array_from(GEN_BOOL, 1, &n, acc);
    return *acc_out ? GEN_OK : infer_pending();
}

/* where(acc, b, a) of two values of one address (physical shapes: acc [n] reshaped to
 * [n, 1, ...] against the batched one's [n, ...]), marked batched. */
static gen_array *where_particles(const gen_array *acc, const gen_array *a, const gen_array *b) {
    const gen_array *batched = gen_array_is_batched(b) ? b : a;
    int nd = gen_array_ndim(batched);
    int64_t shape[GEN_MAX_DIMS];
    shape[0] = gen_array_shape(acc)[0];
    for (int k = 1; k < nd; k++) shape[k] = 1;
    gen_array *c = gen_array_to_device(gen_reshape(acc, nd, shape), gen_array_device(batched));
    return gen_batched(gen_where(c, b, a));
}

/* The constraints that turn tr into the merge: where(acc, prop's value, tr's value) at
 * every address whose value prop changed; *out NULL (GEN_OK) when the two differ in
 * structure (an address one of them lacks, a masked value that changed, a shared value
 * that changed), which only gen_trace_where can merge. */
static gen_status merge_constraints(const gen_trace *tr, const gen_trace *prop, const gen_array *acc,
                                    gen_choicemap **out) {
    *out = NULL;
    const gen_choicemap *old = gen_trace_choices(tr), *neu = old ? gen_trace_choices(prop) : NULL;
    if (!neu) return infer_pending();
    if (gen_choicemap_count(old) != gen_choicemap_count(neu)) return GEN_OK;
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    if (!b) return infer_pending();
    gen_status s = GEN_OK;
    bool same_structure = true;
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, neu);
    while (s == GEN_OK && same_structure && gen_choicemap_iter_next(&it)) {
        const gen_array *v0 = gen_choicemap_find(old, &it.addr), *v1 = it.value;
        if (v0 == v1) continue;
        if (!v0 || it.mask || gen_choicemap_mask_at(old, &it.addr) ||
            (!gen_array_is_batched(v0) && !gen_array_is_batched(v1) && !gfi_same_value(v0, v1))) {
            same_structure = false;
        } else if (gen_array_is_batched(v0) || gen_array_is_batched(v1)) {
            gen_array *w = where_particles(acc, v0, v1);
            s = w ? gen_choicemap_builder_set(b, &it.addr, w) : infer_pending();
        }
    }
    if (s == GEN_OK && same_structure && !(*out = gen_choicemap_builder_finish(b))) s = infer_pending();
    gen_choicemap_builder_free(b);
    return s;
}

gen_status infer_batch_merge(const gen_trace *tr, const gen_trace *prop, const bool *acc, gen_trace **out) {
    int64_t n = gen_trace_batch_size(tr), k = 0;
    for (int64_t i = 0; i < n; i++) k += acc[i];
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_trace *m = (gen_trace *)(k == 0 ? tr : prop);
    if (k > 0 && k < n) {
        gen_array *a = gen_array_from(GEN_BOOL, 1, &n, acc);
        gen_choicemap *c = NULL;
        gen_diff nc[16];
        s = a ? merge_constraints(tr, prop, a, &c) : infer_pending();
        /* same structure: one update of the moved values (it samples nothing, so its key
         * does not matter); else the general merge, a batched generate of the picked choices */
        if (s == GEN_OK && c)
            s = gen_update(tr, gen_key_new(0), gen_trace_args(tr), infer_same_args(tr, nc), c, &m, NULL, NULL, NULL);
        else if (s == GEN_OK)
            s = gen_trace_where(a, tr, prop, &m);
    }
    if (s == GEN_OK && !(*out = gen_trace_scope_return(m))) s = infer_pending();
    gen_scope_end();
    return s;
}

/* Buffers of n alphas and acceptances (one block). */
typedef struct batch_buf {
    int64_t n;
    double *alpha;
    bool *acc;
} batch_buf;

static gen_status buf_init(batch_buf *b, int64_t n) {
    b->n = n;
    b->alpha = core_alloc((size_t)n * (sizeof(double) + sizeof(bool)));
    b->acc = b->alpha ? (bool *)(b->alpha + n) : NULL;
    if (b->acc) memset(b->acc, 0, (size_t)n * sizeof(bool));
    return b->alpha ? GEN_OK : GEN_ERR_OOM;
}

static void buf_free(batch_buf *b) {
    if (b->alpha) core_free(b->alpha, (size_t)b->n * (sizeof(double) + sizeof(bool)));
}

/* Decides each particle from b->alpha (prop NULL: the model rejected the batched
 * proposal as a whole, so every particle keeps its state) and publishes the merge. */
static gen_status decide_and_merge(const gen_trace *tr, const gen_trace *prop, gen_key key, batch_buf *b,
                                   gen_trace **out, bool *any, gen_array **acc) {
    gen_status s = prop ? infer_batch_decide(key, b->n, b->alpha, b->acc, NULL) : GEN_OK;
    gen_trace *m = NULL;
    if (s == GEN_OK) s = infer_batch_merge(tr, prop ? prop : tr, b->acc, &m);
    if (s == GEN_OK) s = infer_batch_publish(b->n, b->acc, any, acc);
    if (s == GEN_OK && acc && !(*acc = gen_scope_return(*acc))) s = infer_pending();
    if (s == GEN_OK && !(*out = gen_trace_scope_return(m))) s = infer_pending();
    return s;
}

/* The [n] f64 weight w into out (n doubles). */
static gen_status weights_of(const gen_array *w, int64_t n, double *out) {
    if (gen_array_size(w) != n)
        return GEN_FAIL(GEN_ERR_SHAPE, "a batched weight has %lld elements, not one per particle (%lld)",
                        (long long)gen_array_size(w), (long long)n);
    return gen_array_copy_to(w, GEN_F64, out, (size_t)n * sizeof *out);
}

gen_status infer_mh_select_batched(const gen_trace *tr, gen_key key, const gen_selection *sel, gen_trace **out,
                                   bool *any, gen_array **acc) {
    batch_buf b;
    gen_status s = buf_init(&b, gen_trace_batch_size(tr));
    if (s != GEN_OK) return s;
    if ((s = gen_scope_begin()) != GEN_OK) {
        buf_free(&b);
        return s;
    }
    gen_key k[2];
    gen_diff nc[16];
    gen_trace *prop = NULL;
    gen_array *w = NULL;
    s = gen_key_split(key, 2, k);
    if (s == GEN_OK) s = gen_regenerate(tr, k[0], gen_trace_args(tr), infer_same_args(tr, nc), sel, &prop, &w, NULL);
    if (s != GEN_OK && infer_rejection(s, NULL, 0) != GEN_DIVERGENCE_NONE) { /* the batch as a whole: see infer.h */
        s = GEN_OK;
        prop = NULL;
    } else if (s == GEN_OK) {
        s = weights_of(w, b.n, b.alpha);
    }
    if (s == GEN_OK) s = decide_and_merge(tr, prop, k[1], &b, out, any, acc);
    gen_scope_end();
    buf_free(&b);
    return s;
}

/* Particle i's ratio when the batched update or backward assess of the proposed q failed
 * as a whole on a point the model (or the proposal, backwards) rejects: the scalar update
 * of particle i's trace with q's particle i and the scalar backward assess, so that only
 * the particles whose own proposal is refused get -inf. GEN_OK with *alpha set, or an
 * error that is not a rejection. */
static gen_status particle_ratio(const gen_trace *tr, int64_t i, const gen_choicemap *q, double w_fwd,
                                 const gen_gf *proposal, const gen_args *fwd, gen_key key, double *alpha) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    const gen_choicemap *m = gen_trace_choices(tr);
    gen_choicemap *ci = m ? gen_choicemap_particle(m, i) : NULL, *qi = ci ? gen_choicemap_particle(q, i) : NULL;
    gen_choicemap *discard = NULL;
    gen_trace *ti = NULL, *pi = NULL;
    gen_array *w = NULL, *wb = NULL;
    gen_diff nc[16];
    s = qi ? gen_generate(gen_trace_gf(tr), key, gen_trace_args(tr), ci, &ti, NULL) : infer_pending();
    if (s == GEN_OK) s = gen_update(ti, key, gen_trace_args(tr), infer_same_args(tr, nc), qi, &pi, &w, NULL, &discard);
    if (s == GEN_OK) {
        gen_args bwd = {fwd->n, fwd->v, pi};
        s = gen_assess(proposal, &bwd, discard, &wb, NULL);
    }
    double a = 0, c = 0;
    if (s == GEN_OK && (s = gen_item(w, &a)) == GEN_OK && (s = gen_item(wb, &c)) == GEN_OK) *alpha = a - w_fwd + c;
    if (s != GEN_OK && infer_rejection(s, NULL, 0) != GEN_DIVERGENCE_NONE) {
        s = GEN_OK;
        *alpha = -INFINITY;
    }
    if (s != GEN_OK) core_error_prefix("particle %lld", (long long)i);
    gen_scope_end();
    return s;
}

/* The trace whose particle i has q's values where acc[i], else tr's: one batched update
 * with where(acc, q, tr's value) at q's addresses. *out NULL (GEN_OK) when q has an
 * address tr lacks or a masked value (the particles' structure would change). */
static gen_status merge_values(const gen_trace *tr, const gen_choicemap *q, const bool *acc, gen_key key,
                               gen_trace **out) {
    *out = NULL;
    int64_t n = gen_trace_batch_size(tr);
    const gen_choicemap *old = gen_trace_choices(tr);
    gen_array *a = gen_array_from(GEN_BOOL, 1, &n, acc);
    gen_choicemap_builder *b = old && a ? gen_choicemap_builder_new() : NULL;
    if (!b) return infer_pending();
    gen_status s = GEN_OK;
    bool same_structure = true;
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, q);
    while (s == GEN_OK && same_structure && gen_choicemap_iter_next(&it)) {
        const gen_array *v0 = gen_choicemap_find(old, &it.addr);
        same_structure = v0 && !it.mask && !gen_choicemap_mask_at(old, &it.addr);
        gen_array *w = same_structure ? where_particles(a, v0, it.value) : NULL;
        if (same_structure) s = w ? gen_choicemap_builder_set(b, &it.addr, w) : infer_pending();
    }
    gen_choicemap *c = s == GEN_OK && same_structure ? gen_choicemap_builder_finish(b) : NULL;
    gen_choicemap_builder_free(b);
    if (s != GEN_OK || !same_structure) return s;
    if (!c) return infer_pending();
    gen_diff nc[16];
    return gen_update(tr, key, gen_trace_args(tr), infer_same_args(tr, nc), c, out, NULL, NULL, NULL);
}

/* The proposal q rejected as a whole: every particle judged on its own (particle_ratio),
 * decided, and merged. *done false (GEN_OK) when that cannot be done (batched arguments,
 * a structure-changing q): the caller then rejects every particle. */
static gen_status one_by_one(const gen_trace *tr, const gen_choicemap *q, const double *wf, const gen_gf *proposal,
                             const gen_args *fwd, const gen_key *k, batch_buf *b, gen_trace **merged, bool *done) {
    *done = false;
    const gen_args *args = gen_trace_args(tr);
    for (int i = 0; args && i < args->n; i++)
        if (gen_array_is_batched(args->v[i])) return GEN_OK;
    gen_status s = GEN_OK;
    for (int64_t i = 0; s == GEN_OK && i < b->n; i++)
        s = particle_ratio(tr, i, q, wf[i], proposal, fwd, gen_key_fold_in(k[1], (uint64_t)i), &b->alpha[i]);
    if (s == GEN_OK) s = infer_batch_decide(k[2], b->n, b->alpha, b->acc, NULL);
    if (s == GEN_OK) s = merge_values(tr, q, b->acc, k[1], merged);
    *done = s == GEN_OK && *merged;
    return s;
}

gen_status infer_mh_proposal_batched(const gen_trace *tr, gen_key key, const gen_gf *proposal,
                                     const gen_args *proposal_args, gen_trace **out, bool *any, gen_array **acc) {
    const char *fn = "gen_mh_proposal";
    batch_buf b;
    gen_status s = buf_init(&b, gen_trace_batch_size(tr));
    if (s != GEN_OK) return s;
    if ((s = gen_scope_begin()) != GEN_OK) {
        buf_free(&b);
        return s;
    }
    double *wf = core_alloc((size_t)(2 * b.n) * sizeof *wf), *wb = wf ? wf + b.n : NULL;
    gen_key k[3];
    gen_diff nc[16];
    gen_args fwd = {proposal_args ? proposal_args->n : 0, proposal_args ? proposal_args->v : NULL, (void *)tr};
    gen_choicemap *q = NULL, *discard = NULL;
    gen_array *w_fwd = NULL, *w = NULL, *w_bwd = NULL;
    gen_trace *prop = NULL;
    s = wf ? gen_key_split(key, 3, k) : GEN_ERR_OOM;
    if (s == GEN_OK && (s = gen_batch_begin(b.n)) == GEN_OK) { /* the proposal runs batched */
        s = gen_propose(proposal, k[0], &fwd, &q, &w_fwd, NULL);
        gen_batch_end();
    }
    if (s == GEN_OK) s = weights_of(w_fwd, b.n, wf);
    if (s == GEN_OK)
        s = gen_update(tr, k[1], gen_trace_args(tr), infer_same_args(tr, nc), q, &prop, &w, NULL, &discard);
    bool rejected = s != GEN_OK && infer_rejection(s, NULL, 0) != GEN_DIVERGENCE_NONE;
    if (s == GEN_OK) {
        gen_args bwd = {fwd.n, fwd.v, prop};
        s = gen_assess_batched(proposal, b.n, &bwd, discard, &w_bwd, NULL);
        rejected = s != GEN_OK && infer_rejection(s, NULL, 0) != GEN_DIVERGENCE_NONE;
        if (s != GEN_OK && !rejected) core_error_prefix("%s: the proposal cannot propose the old values back", fn);
    }
    bool done = false;
    if (rejected) { /* the batch as a whole: each particle on its own, where it can be */
        gen_trace *merged = NULL;
        s = one_by_one(tr, q, wf, proposal, &fwd, k, &b, &merged, &done);
        if (s == GEN_OK && done) {
            if (!(*out = gen_trace_scope_return(merged))) s = infer_pending();
            if (s == GEN_OK) s = infer_batch_publish(b.n, b.acc, any, acc);
            if (s == GEN_OK && acc && !(*acc = gen_scope_return(*acc))) s = infer_pending();
        } else if (s == GEN_OK) { /* see infer.h: every particle keeps its state */
            memset(b.acc, 0, (size_t)b.n * sizeof *b.acc);
        }
        prop = NULL;
    } else if (s == GEN_OK && (s = weights_of(w, b.n, b.alpha)) == GEN_OK && (s = weights_of(w_bwd, b.n, wb)) == GEN_OK) {
        for (int64_t i = 0; i < b.n; i++) b.alpha[i] += wb[i] - wf[i];
    }
    if (s == GEN_OK && !done) s = decide_and_merge(tr, prop, k[2], &b, out, any, acc);
    if (wf) core_free(wf, (size_t)(2 * b.n) * sizeof *wf);
    gen_scope_end();
    buf_free(&b);
    return s;
}
