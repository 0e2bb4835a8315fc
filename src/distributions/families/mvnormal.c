/* mvnormal.c — MvNormal(mean, cov) and MvNormal(mean, chol): events [n], the density
 * through the lower Cholesky factor L (triangular solves, never an inverse), and the
 * reparameterized draw mean + L z. gen_mvnormal factors cov once, with gen_cholesky, so
 * gradients flow to cov when it is tracked. */
#include "mv_util.h"
#include "../../array/autodiff_int.h"

#define HALF_LOG_2PI 0.91893853320467274178 /* log(2 pi) / 2 */

static const char *const cov_names[] = {"mean", "cov"};
static const char *const chol_names[] = {"mean", "chol"};

/* The factor computed by gen_mvnormal (extra), or mvnormal_chol's parameter. */
static const gen_array *mvn_chol(const gen_dist *d) { return d->extra ? d->extra : d->params[1]; }

static gen_array *mvn_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    gen_array *z = gen_random_normal(key, d->dtype, ndim, shape);
    const gen_array *l = mvn_chol(d);
    if (l->ndim == 2) { /* one factor for all draws: a single [M, n] x [n, n] product */
        gen_array *rows = gen_reshape(z, 2, (int64_t[]){-1, d->event_shape[0]});
        gen_array *lz = gen_matmul(rows, gen_matrix_transpose(l));
        return gen_add(d->params[0], gen_reshape(lz, ndim, shape));
    }
    gen_array *lz = gen_matmul(l, gen_expand_dims(z, -1)); /* [..., n, 1] */
    return gen_add(d->params[0], gen_reshape(lz, ndim, shape));
}

/* -|L^-1 (x - mean)|^2 / 2 - sum log diag L - n log(2 pi) / 2. A value with an infinite
 * or NaN entry (its row sum is not finite) gets -inf; such rows are replaced by the mean
 * before the algebra so no inf - inf reaches values or gradients. */
static gen_array *mvn_logpdf(const gen_dist *d, const gen_array *x) {
    const gen_array *l = mvn_chol(d);
    int64_t n = d->event_shape[0];
    gen_array *ok = gen_isfinite(gen_sum(x, GEN_AXES(-1), true));
    bool clean = ok && dist_all_true(ok); /* captured or on a device: the general path, for any value */
    gen_array *diff = gen_sub(clean ? x : dist_safe(ok, x, 0), d->params[0]);
    if (!diff) return NULL;
    int nd;
    int64_t sh[GEN_MAX_DIMS];
    if (arr_broadcast_shapes(d->family->name, diff->ndim - 1, diff->shape, d->batch_ndim,
                             d->batch_shape, &nd, sh) != GEN_OK)
        return NULL;
    sh[nd] = n;
    gen_array *q;
    if (l->ndim == 2) {
        /* One factor for every value: z = D L^-T as a single [M, n] x [n, n] product, with
         * the (triangular) inverse formed once per call. */
        gen_array *linv = mv_solve_lower(l, gen_eye(n, (gen_dtype)l->dtype));
        gen_array *rows = gen_reshape(gen_broadcast_to(diff, nd + 1, sh), 2, (int64_t[]){-1, n});
        gen_array *z = gen_matmul(rows, gen_matrix_transpose(linv));
        q = gen_reshape(gen_sum(gen_square(z), GEN_AXES(-1), false), nd, sh);
    } else {
        gen_array *z = mv_solve_lower(l, gen_expand_dims(gen_broadcast_to(diff, nd + 1, sh), -1));
        q = dist_sum_last(gen_square(z), 2);
    }
    gen_array *c = gen_add(mv_sum_log_diag(l), dist_const(q, HALF_LOG_2PI * (double)n));
    gen_array *lp = gen_sub(gen_mul(dist_const(q, -0.5), q), c);
    return clean ? lp : dist_mask_support(gen_squeeze(ok, GEN_AXES(-1)), lp);
}

static gen_status mvn_support(const gen_dist *d, gen_support *out) {
    (void)d;
    out->kind = GEN_SUPPORT_REAL;
    return GEN_OK;
}

static void mvn_free(gen_dist *d) { gen_array_release(d->extra); }

static const dist_family mvnormal_family = {
    .name = "mvnormal",
    .param_names = cov_names,
    .sample = mvn_sample,
    .rsample = true,
    .logpdf = mvn_logpdf,
    .support = mvn_support,
    .free_extra = mvn_free,
};

static const dist_family mvnormal_chol_family = {
    .name = "mvnormal_chol",
    .param_names = chol_names,
    .sample = mvn_sample,
    .rsample = true,
    .logpdf = mvn_logpdf,
    .support = mvn_support,
};

/* Shared checks: ranks, matching n, finite mean; fills the batch shape. */
static gen_status mvn_shapes(const char *fam, const char *mname, const gen_array *mean,
                             const gen_array *m, int *nd, int64_t *shape) {
    gen_status st = dist_check_rank(fam, "mean", mean, 1, false);
    if (st == GEN_OK) st = dist_check_rank(fam, mname, m, 2, true);
    if (st != GEN_OK) return st;
    if (mean->shape[mean->ndim - 1] != m->shape[m->ndim - 1]) {
        char s1[ARR_SHAPE_STR_MAX], s2[ARR_SHAPE_STR_MAX];
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: mean of shape %s and %s of shape %s disagree on n", fam,
                        arr_shape_str(mean->ndim, mean->shape, s1, sizeof s1), mname,
                        arr_shape_str(m->ndim, m->shape, s2, sizeof s2));
    }
    if ((st = dist_check_finite(fam, "mean", mean)) != GEN_OK) return st;
    return mv_batch(fam, mean, 1, m, 2, nd, shape);
}

gen_dist *gen_mvnormal(const gen_array *mean, const gen_array *cov) {
    int nd;
    int64_t shape[GEN_MAX_DIMS];
    if (mvn_shapes("mvnormal", "cov", mean, cov, &nd, shape) != GEN_OK ||
        mv_check_spd("mvnormal", "cov", cov) != GEN_OK || gen_scope_begin() != GEN_OK)
        return NULL;
    gen_array *l = gen_array_retain(mv_cholesky("mvnormal", "cov", cov));
    gen_scope_end();
    if (!l) return NULL;
    const gen_array *p[2] = {mean, cov};
    int64_t n = cov->shape[cov->ndim - 1];
    gen_dist *d = dist_new(&mvnormal_family, mv_dtype(2, p), 2, (gen_array *const *)p, nd, shape, 1, &n);
    if (!d) {
        gen_array_release(l);
        return NULL;
    }
    d->extra = l;
    return d;
}

gen_dist *gen_mvnormal_chol(const gen_array *mean, const gen_array *chol) {
    int nd;
    int64_t shape[GEN_MAX_DIMS];
    if (mvn_shapes("mvnormal_chol", "chol", mean, chol, &nd, shape) != GEN_OK ||
        mv_check_lower_chol("mvnormal_chol", "chol", chol) != GEN_OK)
        return NULL;
    const gen_array *p[2] = {mean, chol};
    int64_t n = chol->shape[chol->ndim - 1];
    return dist_new(&mvnormal_chol_family, mv_dtype(2, p), 2, (gen_array *const *)p, nd, shape, 1, &n);
}
