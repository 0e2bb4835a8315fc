/* von_mises.c — VonMises(mu, kappa) on the circle [-pi, pi): logpdf with a stable
 * log I0 (scaled Bessel function written with array ops, so it is differentiable in
 * kappa), and the Best–Fisher (1979) rejection sampler run batch-natively. kappa = 0 is
 * allowed: the uniform distribution on the circle. */
#include <math.h>
#include <string.h>

#include "circular.h"

static const char *const names[] = {"mu", "kappa"};

/* ---- log I0e(k) = log(I0(k) e^-k) ---------------------------------------------------- */

#define BESSEL_SWITCH 20.0 /* series below, asymptotic expansion above */
#define SERIES_TERMS 38    /* the 38th term is < 1e-18 I0(k) for k <= 20 */
#define ASYMP_TERMS 35     /* the 35th term is < 1e-18 for k >= 20 */

/* sum_j c[j] t^j by Horner's rule, in t's float type. */
static gen_array *poly(const gen_array *t, const double *c, int n) {
    gen_array *p = dist_const(t, c[n - 1]);
    for (int j = n - 2; j >= 0; j--) p = gen_add(gen_mul(p, t), dist_const(t, c[j]));
    return p;
}

/* k <= 20: I0(k) = sum_j (k^2/4)^j / (j!)^2 (positive terms: no cancellation).
 * k > 20: I0e(k) ~ (2 pi k)^-1/2 sum_j c_j k^-j, c_j = ((2j-1)!!)^2 / (j! 8^j); at
 * k >= 20 the terms fall below 1e-18 well before the series starts to diverge.
 * Each branch is evaluated at a substituted argument inside its range, so neither
 * produces inf or NaN (nor NaN gradients) where it is not selected. */
static gen_array *log_i0e(const gen_array *k) {
    double cs[SERIES_TERMS], ca[ASYMP_TERMS];
    cs[0] = ca[0] = 1.0;
    for (int j = 1; j < SERIES_TERMS; j++) cs[j] = cs[j - 1] / ((double)j * j);
    for (int j = 1; j < ASYMP_TERMS; j++) ca[j] = ca[j - 1] * (2.0 * j - 1) * (2.0 * j - 1) / (8.0 * j);
    gen_array *sw = dist_const(k, BESSEL_SWITCH);
    gen_array *small = gen_le(k, sw);
    gen_array *ks = gen_where(small, k, sw), *kl = gen_where(small, sw, k);
    gen_array *ls = gen_sub(gen_log(poly(gen_mul(gen_square(ks), dist_const(ks, 0.25)), cs, SERIES_TERMS)), ks);
    gen_array *ll = gen_sub(gen_log(poly(gen_reciprocal(kl), ca, ASYMP_TERMS)),
                            gen_mul(dist_const(kl, 0.5), gen_log(gen_mul(dist_const(kl, CIRC_2PI), kl))));
    return gen_where(small, ls, ll);
}

/* kappa (cos(x - mu) - 1) - log(2 pi) - log I0e(kappa), with cos(d) - 1 = -2 sin^2(d/2)
 * so that large kappa loses nothing to cancellation. */
static gen_array *von_mises_logpdf(const gen_dist *d, const gen_array *x) {
    const gen_array *mu = d->params[0], *kappa = d->params[1];
    gen_array *ok = circ_in_support(x);
    gen_array *xs = dist_safe(ok, x, 0.0);
    gen_array *s = gen_sin(gen_mul(gen_sub(xs, mu), dist_const(mu, 0.5)));
    gen_array *lp = gen_mul(gen_mul(dist_const(kappa, -2.0), kappa), gen_square(s));
    lp = gen_sub(gen_sub(lp, log_i0e(kappa)), dist_const(lp, log(CIRC_2PI)));
    return dist_mask_support(ok, lp);
}

/* ---- sampling ---------------------------------------------------------------------- */

#define VM_MAX_ROUNDS 1000 /* acceptance is >= 0.66 per round */

/* The Best–Fisher envelope parameter s (as NumPy computes it: series for tiny kappa). */
static double bf_s(double kappa) {
    if (kappa < 1e-5) return 1.0 / kappa + kappa;
    double r = 1.0 + sqrt(1.0 + 4.0 * kappa * kappa), rho = (r - sqrt(2.0 * r)) / (2.0 * kappa);
    return (1.0 + rho * rho) / (2.0 * rho);
}

/* One round of proposals: element i uses only the i-th uniforms of this round. */
static int64_t bf_round(gen_key key, int ndim, const int64_t *shape, const double *kap,
                        const double *s, bool *pending, double *w) {
    gen_key ks[2];
    gen_key_split(key, 2, ks);
    gen_array *u = gen_random_uniform(ks[0], GEN_F64, ndim, shape);
    gen_array *v = gen_random_uniform(ks[1], GEN_F64, ndim, shape);
    if (!u || !v) return -1;
    const double *ud = u->data, *vd = v->data;
    int64_t left = 0;
    for (int64_t i = 0; i < u->size; i++) {
        if (!pending[i]) continue;
        double z = cos(CIRC_PI * ud[i]), wi = (1.0 + s[i] * z) / (s[i] + z), y = kap[i] * (s[i] - wi);
        if (y * (2.0 - y) - vd[i] >= 0 || log(y / vd[i]) + 1.0 - y >= 0) {
            w[i] = wi;
            pending[i] = false;
        } else {
            left++;
        }
    }
    return left;
}

/* x = mu +- acos(W) (W from Best–Fisher), wrapped; kappa < 1e-8: uniform; kappa > 1e6:
 * the wrapped normal approximation N(mu, 1/kappa) (as NumPy). Rounds r use keys
 * fold_in(key0, r); the sign, the uniform and the normal draws use key1. */
static gen_status vm_fill(gen_key key, int ndim, const int64_t *shape, const double *mu,
                          const double *kap, double *out, int64_t n) {
    gen_key ks[2];
    gen_key_split(key, 2, ks);
    double *s = core_calloc((size_t)n + 1, sizeof *s), *w = core_calloc((size_t)n + 1, sizeof *w);
    bool *pending = core_calloc((size_t)n + 1, sizeof *pending);
    gen_status st = s && w && pending ? GEN_OK : GEN_ERR_OOM;
    int64_t left = 0;
    for (int64_t i = 0; st == GEN_OK && i < n; i++) {
        pending[i] = kap[i] >= 1e-8 && kap[i] <= 1e6;
        if (pending[i]) s[i] = bf_s(kap[i]), left++;
    }
    for (uint64_t r = 0; st == GEN_OK && left > 0; r++) {
        if (r == VM_MAX_ROUNDS) {
            st = GEN_FAIL(GEN_ERR_INTERNAL, "von_mises: %lld draws still rejected after %d rounds",
                          (long long)left, VM_MAX_ROUNDS);
            break;
        }
        gen_scope_begin();
        left = bf_round(gen_key_fold_in(ks[0], r), ndim, shape, kap, s, pending, w);
        gen_scope_end();
        if (left < 0) st = core_error_pending();
    }
    if (st == GEN_OK) {
        gen_key kk[3];
        gen_key_split(ks[1], 3, kk);
        gen_scope_begin();
        gen_array *u = gen_random_uniform(kk[0], GEN_F64, ndim, shape);
        gen_array *z = gen_random_normal(kk[1], GEN_F64, ndim, shape);
        gen_array *sg = gen_random_uniform(kk[2], GEN_F64, ndim, shape);
        if (u && z && sg) {
            const double *ud = u->data, *zd = z->data, *sd = sg->data;
            for (int64_t i = 0; i < n; i++) {
                double x = kap[i] < 1e-8  ? CIRC_PI * (2.0 * ud[i] - 1.0)
                         : kap[i] > 1e6   ? mu[i] + zd[i] / sqrt(kap[i])
                         : sd[i] < 0.5    ? mu[i] - acos(w[i])
                                          : mu[i] + acos(w[i]);
                out[i] = circ_wrap(x);
            }
        } else {
            st = core_error_pending();
        }
        gen_scope_end();
    }
    core_free(s, ((size_t)n + 1) * sizeof *s);
    core_free(w, ((size_t)n + 1) * sizeof *w);
    core_free(pending, ((size_t)n + 1) * sizeof *pending);
    return st;
}

/* A C loop on the host: parameters on a device are read from host copies, the uniforms
 * and normals are drawn on the host, and the draws copied to the device. */
static gen_array *von_mises_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    if (gen_scope_begin() != GEN_OK) return NULL;
    const double *mu = dist_host_f64(d->params[0], ndim, shape), *kap = dist_host_f64(d->params[1], ndim, shape);
    const backend *dev = arr_creation_be;
    arr_creation_restore(NULL);
    gen_array *x = mu && kap ? arr_alloc("von_mises", GEN_F64, ndim, shape) : NULL;
    if (x && vm_fill(key, ndim, shape, mu, kap, x->data, x->size) != GEN_OK) {
        gen_array_release(x);
        x = NULL;
    }
    x = x ? gen_cast(arr_publish(x), d->dtype) : NULL;
    arr_creation_restore(dev);
    return arr_scope_return(dist_place(d, x));
}

static const dist_family von_mises_family = {
    .name = "von_mises",
    .param_names = names,
    .sample = von_mises_sample,
    .logpdf = von_mises_logpdf,
    .support = circ_support,
    .free_extra = circ_free_extra,
    .extra_is_support = true,
};

gen_dist *gen_von_mises(const gen_array *mu, const gen_array *kappa) {
    const gen_array *p[2] = {mu, kappa};
    if (mu && kappa && (dist_check_finite("von_mises", "mu", mu) != GEN_OK ||
                        dist_check_nonnegative("von_mises", "kappa", kappa) != GEN_OK ||
                        dist_check_finite("von_mises", "kappa", kappa) != GEN_OK))
        return NULL;
    return circ_new(&von_mises_family, 2, p);
}
