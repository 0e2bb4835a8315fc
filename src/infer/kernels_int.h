/* kernels_int.h — what the involutive, elliptical slice, Gibbs and enumeration files
 * share (prefix infer_): no-change argdiffs and the choice addresses of a map. */
#ifndef GENC_SRC_INFER_KERNELS_INT_H
#define GENC_SRC_INFER_KERNELS_INT_H

#include "infer_int.h"

/* No-change argdiffs for tr's arguments in buf (at most 16; NULL beyond: all unknown). */
static inline const gen_diff *infer_same_args(const gen_trace *tr, gen_diff *buf) {
    int n = gen_trace_args(tr)->n;
    if (n > 16) return NULL;
    for (int i = 0; i < n; i++) buf[i] = gen_diff_no_change();
    return buf;
}

/* tr's choices in *out (a lazily built map: building it may run out of memory). */
static inline gen_status infer_choices(const gen_trace *tr, const gen_choicemap **out) {
    *out = gen_trace_choices(tr);
    return *out ? GEN_OK : infer_pending();
}

/* update(tr, constraints) with tr's own arguments (no change). */
static inline gen_status infer_update(const gen_trace *tr, gen_key key, const gen_choicemap *c,
                                      gen_trace **out, gen_array **w, gen_choicemap **discard) {
    gen_diff nc[16];
    return gen_update(tr, key, gen_trace_args(tr), infer_same_args(tr, nc), c, out, w, NULL, discard);
}

/* The addresses of m's values in deep order: *addrs (core_alloc'd, *n of them; free
 * with core_free(*addrs, *n * sizeof **addrs)); NULL and 0 when m is empty. */
gen_status infer_addrs(const gen_choicemap *m, gen_addr **addrs, int64_t *n);

/* The selection of m's value addresses (NULL on error). */
gen_selection *infer_select_values(const gen_choicemap *m);

/* Whether maps a and b have the same addresses and, at each, values of the same dtype
 * and shape whose elements differ by at most tol (1 + |a|) (discrete ones: equal). On
 * a difference, where gets a description naming the address. */
bool infer_maps_close(const gen_choicemap *a, const gen_choicemap *b, double tol, char *where,
                      size_t n);

/* Accepts the proposed trace when log U < alpha, else keeps tr; *out is published in
 * the caller's scope. */
gen_status infer_decide(const gen_trace *tr, gen_trace *proposed, double alpha, gen_key key,
                        gen_trace **out, bool *accepted);

/* Reversible jump (birth/death, split/merge): K, the 0-d i64 count choice at count in
 * the model's choices m, within [min_count, max_count] (errors name fn and the address). */
gen_status infer_read_count(const char *fn, const gen_choicemap *m, const gen_addr *count, int64_t min_count,
                            int64_t max_count, int64_t *k);
/* The probability of the move that adds a component at K: 1 at the minimum, 0 at the
 * maximum, else 1/2. */
static inline double infer_p_grow(int64_t k, int64_t min_count, int64_t max_count) {
    return k <= min_count ? 1.0 : k >= max_count ? 0.0 : 0.5;
}

/* ---- batched traces (batched.c): every particle its own accept / reject ---- */

/* n log uniforms from key into out (particle i's MH test is out[i] < alpha[i]). */
gen_status infer_log_uniforms(gen_key key, int64_t n, double *out);
/* acc[i] = the MH test of particle i: alpha[i] not NaN and log U_i < alpha[i] (the log
 * uniforms drawn from key); *any (may be NULL) whether some particle accepted. */
gen_status infer_batch_decide(gen_key key, int64_t n, const double *alpha, bool *acc, bool *any);
/* The trace whose particle i is prop's where acc[i], else tr's (n = tr's batch size):
 * tr or prop themselves (retained) when none or all accepted; when the two have the same
 * structure (the same addresses, no masked value or shared value changed), one batched
 * update of tr whose constraints are where(acc, prop's value, tr's value) at every
 * address whose value prop changed (a rejected particle keeps its values exactly, and its
 * score is recomputed from them; nothing else runs); else gen_trace_where (a batched
 * generate of the picked choices). *out in the caller's scope. */
gen_status infer_batch_merge(const gen_trace *tr, const gen_trace *prop, const bool *acc, gen_trace **out);
/* Publishes a kernel's per-particle outcome: *any_out (may be NULL) and *acc_out (may
 * be NULL): a new bool [n] array in the caller's scope. */
gen_status infer_batch_publish(int64_t n, const bool *acc, bool *any_out, gen_array **acc_out);
/* The batched MH kernels (batched.c) and gradient kernels (hmc_batched.c) behind
 * gen_mh_select, gen_mh_proposal, gen_hmc and gen_mala for a batched tr: *any (may be
 * NULL) whether some particle accepted, *acc (may be NULL) the bool [n] acceptances. */
gen_status infer_mh_select_batched(const gen_trace *tr, gen_key key, const gen_selection *sel, gen_trace **out,
                                   bool *any, gen_array **acc);
gen_status infer_mh_proposal_batched(const gen_trace *tr, gen_key key, const gen_gf *proposal,
                                     const gen_args *proposal_args, gen_trace **out, bool *any, gen_array **acc);
gen_status infer_hmc_batched(const gen_trace *tr, gen_key key, const gen_selection *sel, double step, int n_leapfrog,
                             const gen_array *inv_metric, gen_trace **out, bool *any, gen_array **acc);
gen_status infer_mala_batched(const gen_trace *tr, gen_key key, const gen_selection *sel, double step,
                              gen_trace **out, bool *any, gen_array **acc);

#endif
