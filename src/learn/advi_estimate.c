/* advi_estimate.c — ADVI's Monte Carlo estimates: draws eps ~ N(0, I) mapped through q,
 * the target's log density and gradient at all of them at once
 * (gen_target_logpdf_grad_chains), draws the model rejects dropped and drawn again as
 * Stan drops them, and the ELBO and its gradient from the draws kept. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "advi_int.h"

gen_status advi_eval_init(advi_eval *e, gen_target *t, int64_t cap) {
    memset(e, 0, sizeof *e);
    e->t = t;
    e->d = gen_target_dim(t);
    e->cap = cap;
    size_t rows = (size_t)(cap * e->d) * sizeof(double);
    e->eps = core_alloc(rows + 1);
    e->zeta = core_alloc(rows + 1);
    e->grad = core_alloc(rows + 1);
    e->lp = core_alloc((size_t)cap * sizeof(double));
    e->ok = core_alloc((size_t)cap * sizeof(bool));
    if (!e->eps || !e->zeta || !e->grad || !e->lp || !e->ok) {
        advi_eval_free(e);
        return GEN_ERR_OOM;
    }
    return GEN_OK;
}

void advi_eval_free(advi_eval *e) {
    size_t rows = (size_t)(e->cap * e->d) * sizeof(double);
    core_free(e->eps, rows + 1);
    core_free(e->zeta, rows + 1);
    core_free(e->grad, rows + 1);
    core_free(e->lp, (size_t)e->cap * sizeof(double));
    core_free(e->ok, (size_t)e->cap * sizeof(bool));
    memset(e, 0, sizeof *e);
}

/* Whether row r's log density and gradient are finite (else e->why says which is not). */
static bool finite_row(advi_eval *e, int64_t r) {
    if (!isfinite(e->lp[r])) {
        snprintf(e->why, sizeof e->why, "the log density is %g", e->lp[r]);
        return false;
    }
    for (int64_t i = 0; i < e->d; i++)
        if (!isfinite(e->grad[r * e->d + i])) {
            snprintf(e->why, sizeof e->why, "the gradient is %g at coordinate %lld", e->grad[r * e->d + i], (long long)i);
            return false;
        }
    return true;
}

/* Rows [at, at + n) : eps drawn from key, zeta = mu + S eps, the log density and gradient
 * there; ok[r] says whether row r can be used. A model rejection of some row (the
 * evaluation of all of them fails) makes the rows go one by one, so only the rejected
 * rows are dropped; other errors are returned. */
static gen_status draw_eval(advi_eval *e, const advi_q *q, gen_key key, int64_t at, int64_t n) {
    int64_t d = e->d;
    double *eps = e->eps + at * d, *zeta = e->zeta + at * d, *lp = e->lp + at, *grad = e->grad + at * d;
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_array *z = gen_random_normal(key, GEN_F64, 2, (int64_t[]){n, d});
    s = z ? gen_array_copy_to(z, GEN_F64, eps, (size_t)(n * d) * sizeof *eps) : infer_pending();
    if (s == GEN_OK) advi_q_transform(q, n, eps, zeta);
    gen_array *th = s == GEN_OK ? gen_array_from_f64(2, (int64_t[]){n, d}, zeta) : NULL;
    gen_array *l = NULL, *g = NULL;
    if (s == GEN_OK) s = th ? gen_target_logpdf_grad_chains(e->t, th, &l, &g) : infer_pending();
    if (s == GEN_OK) {
        s = gen_array_copy_to(l, GEN_F64, lp, (size_t)n * sizeof *lp);
        if (s == GEN_OK) s = gen_array_copy_to(g, GEN_F64, grad, (size_t)(n * d) * sizeof *grad);
        for (int64_t r = 0; s == GEN_OK && r < n; r++) e->ok[at + r] = finite_row(e, at + r);
    } else if (infer_rejection(s, e->why, sizeof e->why) != GEN_DIVERGENCE_NONE) {
        s = GEN_OK;
        for (int64_t r = 0; s == GEN_OK && r < n; r++) {
            gen_status sr = target_value_grad_unchecked(e->t, zeta + r * d, lp + r, grad + r * d);
            if (sr == GEN_OK) e->ok[at + r] = finite_row(e, at + r);
            else if (infer_rejection(sr, e->why, sizeof e->why) != GEN_DIVERGENCE_NONE) e->ok[at + r] = false;
            else s = sr;
        }
    }
    gen_scope_end();
    return s;
}

/* n usable rows at the front of e's buffers, drawing again for dropped ones; what names
 * the estimate for the message. */
static gen_status usable_rows(advi_eval *e, const advi_q *q, gen_key key, int64_t n, const char *what) {
    int64_t have = 0, dropped = 0, d = e->d;
    e->failed = false;
    for (uint64_t round = 0; have < n; round++) {
        int64_t need = n - have;
        gen_status s = draw_eval(e, q, round ? gen_key_fold_in(key, round) : key, have, need);
        if (s != GEN_OK) return s;
        int64_t w = have; /* the usable rows moved to the front */
        for (int64_t r = have; r < have + need; r++) {
            if (!e->ok[r]) {
                dropped++;
                continue;
            }
            if (w != r) {
                memcpy(e->eps + w * d, e->eps + r * d, (size_t)d * sizeof(double));
                memcpy(e->zeta + w * d, e->zeta + r * d, (size_t)d * sizeof(double));
                memcpy(e->grad + w * d, e->grad + r * d, (size_t)d * sizeof(double));
                e->lp[w] = e->lp[r];
                e->ok[w] = true;
            }
            w++;
        }
        have = w;
        if (dropped >= n && (e->failed = true))
            return GEN_FAIL(GEN_ERR_VALUE,
                            "the %s could not be estimated: %lld of %lld draws from the approximation were rejected "
                            "by the model (the last: %s)",
                            what, (long long)dropped, (long long)(dropped + have), e->why);
    }
    return GEN_OK;
}

gen_status advi_estimate_grad(advi_eval *e, const advi_q *q, gen_key key, int64_t n, double *gmu, double *gscale) {
    gen_status s = usable_rows(e, q, key, n, "gradient");
    if (s == GEN_OK) advi_q_grad(q, n, e->eps, e->grad, e->ok, n, gmu, gscale);
    return s;
}

gen_status advi_estimate_elbo(advi_eval *e, const advi_q *q, gen_key key, int64_t n, double *elbo) {
    gen_status s = usable_rows(e, q, key, n, "ELBO");
    if (s != GEN_OK) return s;
    double sum = 0;
    for (int64_t r = 0; r < n; r++) sum += e->lp[r];
    *elbo = sum / (double)n + advi_q_entropy(q);
    return GEN_OK;
}
