/* categorical.c — Categorical(probs [..., K]) and Categorical(logits [..., K]) on
 * 0..K-1: logpdf by a gather of log probabilities (a single C pass; under autodiff a
 * one-hot selection, without NaN gradients at zero probabilities), sampling by inverse
 * CDF of one uniform per value (discrete_kernels.c). */
#include <math.h>

#include "discrete_util.h"
#include "../../array/autodiff_int.h"

static const char *const probs_names[] = {"probs"};
static const char *const logits_names[] = {"logits"};

static int64_t num_categories(const gen_dist *d) {
    const gen_array *a = d->params[0];
    return a->shape[a->ndim - 1];
}

/* logp[..., x] for x in 0..K-1 (broadcast against the batch), -inf elsewhere. Under
 * autodiff the selection is a take (unbatched) or a where over a one-hot mask, so
 * unselected -inf entries never meet a zero multiplier and their cotangent is exactly
 * zero. */
static gen_array *cat_select(const gen_array *x, const gen_array *logp, int64_t k) {
    if (!logp) return NULL; /* its shape is read below */
    if (disc_plain()) return disc_gather_last("categorical", x, logp);
    gen_array *ok = gen_logical_and(disc_is_int(x), gen_logical_and(gen_ge(x, gen_scalar_i64(0)),
                                                                    gen_lt(x, gen_scalar_i64(k))));
    gen_array *xi = gen_cast(gen_where(ok, x, gen_scalar_i64(0)), GEN_I64);
    gen_array *v;
    if (logp->ndim == 1) { /* unbatched: a gather (take's VJP is an index_add) */
        v = gen_take(logp, xi, 0);
    } else {
        gen_array *hot = dist_one_hot(xi, k);
        v = dist_sum_last(gen_where(hot, logp, dist_const(logp, 0)), 1);
    }
    return dist_mask_support(ok, v);
}

static gen_array *categorical_logpdf(const gen_dist *d, const gen_array *x) {
    return cat_select(x, disc_log(d->params[0]), num_categories(d));
}

static gen_array *categorical_logits_logpdf(const gen_dist *d, const gen_array *x) {
    const gen_array *l = d->params[0];
    gen_array *logp = gen_sub(l, gen_logsumexp(l, GEN_AXES(-1), true));
    return cat_select(x, logp, num_categories(d));
}

static gen_array *categorical_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    return disc_categorical_sample(d->params[0], false, key, ndim, shape);
}

static gen_array *categorical_logits_sample(const gen_dist *d, gen_key key, int ndim,
                                            const int64_t *shape) {
    return disc_categorical_sample(d->params[0], true, key, ndim, shape);
}

static gen_array *categorical_enumerate(const gen_dist *d) {
    return gen_arange(0, (double)num_categories(d), 1, GEN_I64);
}

static const dist_family categorical_family = {
    .name = "categorical",
    .param_names = probs_names,
    .discrete = true,
    .sample = categorical_sample,
    .logpdf = categorical_logpdf,
    .support = disc_support_range,
    .enumerate = categorical_enumerate,
    .free_extra = disc_free_bounds,
    .extra_is_support = true,
};

static const dist_family categorical_logits_family = {
    .name = "categorical_logits",
    .param_names = logits_names,
    .discrete = true,
    .sample = categorical_logits_sample,
    .logpdf = categorical_logits_logpdf,
    .support = disc_support_range,
    .enumerate = categorical_enumerate,
    .free_extra = disc_free_bounds,
    .extra_is_support = true,
};

/* Batch = a.shape[:-1], scalar events, support 0..K-1. */
static gen_dist *cat_new(const dist_family *f, const gen_array *a) {
    if (gen_scope_begin() != GEN_OK) return NULL;
    int64_t k = a->shape[a->ndim - 1];
    gen_dist *d = disc_new(f, GEN_I64, 1, &a, a->ndim - 1, a->shape, 0, NULL, gen_scalar_i64(0),
                           gen_scalar_i64(k - 1));
    return disc_scope_return(d);
}

gen_dist *gen_categorical(const gen_array *probs) {
    if (disc_check_categories("categorical", "probs", probs) != GEN_OK ||
        dist_check_simplex("categorical", "probs", probs) != GEN_OK)
        return NULL;
    return cat_new(&categorical_family, probs);
}

/* Rows with no NaN, no +inf and a finite entry (the checks below, on a device). */
static gen_array *logits_ok(const gen_array *l, const gen_array *unused) {
    (void)unused;
    gen_array *each = gen_logical_and(gen_logical_not(gen_isnan(l)), gen_lt(l, gen_scalar(INFINITY)));
    return gen_logical_and(gen_all(each, GEN_AXES(-1), false), gen_any(gen_isfinite(l), GEN_AXES(-1), false));
}

/* Each row needs a finite logit (logsumexp), and +inf would make the others NaN. On a
 * device: checked there, a failure on a host copy. */
static gen_status check_logits(const gen_array *l) {
    gen_status st = disc_check_categories("categorical_logits", "logits", l);
    if (st == GEN_OK && !arr_on_host(l) && !ad_captured(l)) {
        if (dist_device_all(logits_ok, l, NULL)) return GEN_OK;
        gen_array *h = arr_host_ref(l);
        st = h ? check_logits(h) : core_error_pending();
        gen_array_release(h);
        return st;
    }
    if (st == GEN_OK) st = dist_check_not_nan("categorical_logits", "logits", l);
    if (st != GEN_OK) return st;
    int64_t k = l->shape[l->ndim - 1];
    for (int64_t r = 0; r < l->size / k; r++) {
        bool finite = false;
        for (int64_t j = 0; j < k; j++) {
            double v = arr_get_f64(l, r * k + j);
            char buf[ARR_SHAPE_STR_MAX];
            if (v == INFINITY)
                return DIST_REFUSE("categorical_logits: logits must be < inf, got inf at index %s",
                                   dist_index_str(l, r * k + j, buf, sizeof buf));
            finite |= isfinite(v);
        }
        if (!finite) {
            char buf[ARR_SHAPE_STR_MAX];
            return DIST_REFUSE("categorical_logits: logits must have a finite entry in every row, "
                               "the row at index %s is all -inf",
                               dist_index_str(l, r * k, buf, sizeof buf));
        }
    }
    return GEN_OK;
}

gen_dist *gen_categorical_logits(const gen_array *logits) {
    if (check_logits(logits) != GEN_OK) return NULL;
    return cat_new(&categorical_logits_family, logits);
}
