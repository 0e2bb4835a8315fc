/* truncated_normal.c — TruncatedNormal(mu, sigma, lo, hi): Normal(mu, sigma) restricted
 * to [lo, hi] (either end may be infinite). Log normalizer and inverse-CDF sampling are
 * computed in the lower tail (by symmetry) and in log space, so both stay exact deep in
 * the tails; draws are reparameterized through the implicit derivative of the CDF. */
#include <math.h>

#include "../dist_int.h"
#include "../../array/special.h"

#define HALF_LOG_2PI 0.91893853320467274178 /* log(2 pi) / 2 */
#define LN2 0.69314718055994530942

static const char *const names[] = {"mu", "sigma", "lo", "hi"};

/* ---- log normalizer (array ops) ----------------------------------------------------- */

/* log(1 - e^d) for d <= 0: log(-expm1(d)) near 0, log1p(-e^d) below -log 2 (each branch
 * evaluated at a substitute where unselected, so neither yields NaN gradients). */
static gen_array *log1mexp(const gen_array *d) {
    gen_array *near = gen_gt(d, dist_const(d, -LN2));
    gen_array *dn = gen_where(near, d, dist_const(d, -1.0)), *df = gen_where(near, dist_const(d, -1.0), d);
    return gen_where(near, gen_log(gen_neg(gen_expm1(dn))), gen_log1p(gen_neg(gen_exp(df))));
}

/* log(Phi(b) - Phi(a)) with a = (lo - mu)/sigma, b = (hi - mu)/sigma. When a > 0 the
 * interval is flipped, Phi(-a) - Phi(-b), so both CDF values are small (exact in log
 * space) rather than both close to 1. Infinite ends contribute log Phi = -inf / 0 by
 * selection, never through log_ndtr(+-inf) (whose gradient would be inf * 0). */
static gen_array *log_mass(const gen_array *mu, const gen_array *sigma, const gen_array *lo,
                           const gen_array *hi) {
    gen_array *fl = gen_isfinite(lo), *fh = gen_isfinite(hi);
    gen_array *a = gen_div(gen_sub(gen_where(fl, lo, mu), mu), sigma);
    gen_array *b = gen_div(gen_sub(gen_where(fh, hi, mu), mu), sigma);
    gen_array *up = gen_gt(a, dist_const(a, 0.0));
    gen_array *a2 = gen_where(up, gen_neg(b), a), *b2 = gen_where(up, gen_neg(a), b);
    gen_array *la = gen_where(gen_where(up, fh, fl), gen_log_ndtr(a2), dist_const(a2, -INFINITY));
    gen_array *lb = gen_where(gen_where(up, fl, fh), gen_log_ndtr(b2), dist_const(b2, 0.0));
    return gen_add(lb, log1mexp(gen_sub(la, lb)));
}

static gen_array *truncated_normal_logpdf(const gen_dist *d, const gen_array *x) {
    const gen_array *mu = d->params[0], *sigma = d->params[1], *lo = d->params[2], *hi = d->params[3];
    gen_array *ok = gen_logical_and(gen_logical_and(gen_ge(x, lo), gen_le(x, hi)), gen_isfinite(x));
    gen_array *z = gen_div(gen_sub(dist_safe(ok, x, 0.0), mu), sigma);
    gen_array *lp = gen_sub(gen_mul(dist_const(z, -0.5), gen_square(z)), gen_log(sigma));
    lp = gen_sub(gen_sub(lp, dist_const(lp, HALF_LOG_2PI)), log_mass(mu, sigma, lo, hi));
    return dist_mask_support(ok, lp);
}

/* ---- inverse CDF (C doubles) ---------------------------------------------------------- */

static double log_add_exp(double p, double q) {
    double m = fmax(p, q);
    return m == -INFINITY ? m : m + log1p(exp(fmin(p, q) - m));
}

/* log(e^p - e^q), q <= p. */
static double log_diff_exp(double p, double q) {
    double dd = q - p;
    return p + (dd > -LN2 ? log(-expm1(dd)) : log1p(-exp(dd)));
}

/* log(Phi(b) - Phi(a)) for a < b, in the lower tail. */
static double log_mass_c(double a, double b) {
    return a > 0 ? log_diff_exp(sf_log_ndtr(-a), sf_log_ndtr(-b))
                 : log_diff_exp(sf_log_ndtr(b), sf_log_ndtr(a));
}

/* Wichura's AS 241 (PPND16) from y = log p: the tails use r = sqrt(-log min(p, 1-p)),
 * which needs only y (or log(-expm1(y))), so p may underflow. Relative error ~1e-16
 * for r <= 27; below that an asymptotic start (Newton finishes). */
static double ndtri_guess(double y) {
    double q = exp(y) - 0.5, r, val;
    if (fabs(q) <= 0.425) {
        r = 0.180625 - q * q;
        return q * (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r +
                        45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r +
                      133.14166789178437745) * r + 3.387132872796366608) /
               (((((((r * 5226.495278852545925 + 28729.085735721942674) * r + 39307.89580009271061) * r +
                    21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r +
                 42.313330701600911252) * r + 1.0);
    }
    r = q < 0 ? -y : -log(-expm1(y));
    if (r > 729) { /* min(p, 1-p) < 1e-316: log p ~ -x^2/2 - log(|x| sqrt(2 pi)) */
        val = sqrt(2 * r - log(4 * 3.14159265358979323846 * r));
        return q < 0 ? -val : val;
    }
    r = sqrt(r);
    if (r <= 5) {
        r -= 1.6;
        val = (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r +
                   1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r +
                4.6303378461565452959) * r + 1.42343711074968357734) /
              (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r +
                   0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) * r +
                2.05319162663775882187) * r + 1.0);
    } else {
        r -= 5;
        val = (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r +
                   0.026532189526576123093) * r + 0.29656057182850489123) * r + 1.7848265399172913358) * r +
                5.4637849111641143699) * r + 6.6579046435011037772) /
              (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r +
                   7.868691311456132591e-4) * r + 0.0148753612908506148525) * r + 0.13692988092273580531) * r +
                0.59983220655588793769) * r + 1.0);
    }
    return q < 0 ? -val : val;
}

/* x with log Phi(x) = y: the guess polished by Newton steps on the concave log Phi. */
static double ndtri_exp(double y) {
    if (isnan(y) || y == -INFINITY) return y;
    if (y >= 0) return INFINITY;
    double x = ndtri_guess(y);
    for (int i = 0; i < 50; i++) {
        double lp = sf_log_ndtr(x), slope = exp(-0.5 * x * x - HALF_LOG_2PI - lp);
        if (!(slope > 0) || !isfinite(slope)) break;
        double dx = (lp - y) / slope;
        x -= dx;
        if (fabs(dx) <= 1e-15 * fabs(x) + 1e-300) break;
    }
    return x;
}

double dist_ndtri_exp(double lp) {
    return ndtri_exp(lp);
}

/* The standard normal truncated to [a, b] at CDF level u (SciPy's scheme): for a < 0
 * solve log Phi(z) = logaddexp(log Phi(a), log u + log Z), else by symmetry
 * log Phi(-z) = logaddexp(log Phi(-b), log(1-u) + log Z). Clipped as a last resort. */
static double tn_quantile(double a, double b, double u) {
    double lz = log_mass_c(a, b), z;
    if (a < 0) z = ndtri_exp(log_add_exp(sf_log_ndtr(a), log(u) + lz));
    else z = -ndtri_exp(log_add_exp(sf_log_ndtr(-b), log1p(-u) + lz));
    return fmin(fmax(z, a), b);
}

/* ---- sampling -------------------------------------------------------------------- */

/* z0 = the standard truncated quantile at u, with ca = dz/da = (1-u) phi(a)/phi(z0) and
 * cb = dz/db = u phi(b)/phi(z0) (implicit derivative of Phi(z) = Phi(a) + u Z; zero at
 * infinite ends; exponent capped so a far-off coefficient cannot overflow). */
static void tn_fill(int64_t n, const double *a, const double *b, const double *lo, const double *hi,
                    const double *u, gen_dtype t, void *z0, void *ca, void *cb) {
    for (int64_t i = 0; i < n; i++) {
        double ai = isfinite(lo[i]) ? a[i] : -INFINITY, bi = isfinite(hi[i]) ? b[i] : INFINITY;
        double z = tn_quantile(ai, bi, u[i]);
        double ea = log1p(-u[i]) + 0.5 * (z - ai) * (z + ai), eb = log(u[i]) + 0.5 * (z - bi) * (z + bi);
        arr_set_f64(t, z0, i, z);
        arr_set_f64(t, ca, i, isfinite(ai) ? exp(fmin(ea, 700.0)) : 0.0);
        arr_set_f64(t, cb, i, isfinite(bi) ? exp(fmin(eb, 700.0)) : 0.0);
    }
}

/* x = mu + sigma z with z = z0 + ca (a - a0) + cb (b - b0): the value is z0 (a - a0 is 0,
 * a0 = stop_gradient(a)) and the derivative is the implicit one. Clipped to [lo, hi].
 * z0, ca and cb come from a C loop on the host: for parameters on a device, the uniforms
 * are drawn on the host, a, b, lo and hi read from host copies, and z0, ca, cb copied to
 * the device (dist_host_f64). */
static gen_array *truncated_normal_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    const gen_array *mu = d->params[0], *sigma = d->params[1], *lo = d->params[2], *hi = d->params[3];
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_array *a = gen_div(gen_sub(gen_where(gen_isfinite(lo), lo, mu), mu), sigma);
    gen_array *b = gen_div(gen_sub(gen_where(gen_isfinite(hi), hi, mu), mu), sigma);
    const double *av = dist_host_f64(a, ndim, shape), *bv = dist_host_f64(b, ndim, shape);
    const double *lov = dist_host_f64(lo, ndim, shape), *hiv = dist_host_f64(hi, ndim, shape);
    const backend *dev = arr_creation_be; /* the C loop's arrays on the host */
    arr_creation_restore(NULL);
    gen_array *u = gen_random_uniform(key, GEN_F64, ndim, shape);
    arr_creation_restore(dev);
    gen_array *z0 = arr_publish(arr_alloc("truncated_normal", d->dtype, ndim, shape));
    gen_array *ca = arr_publish(arr_alloc("truncated_normal", d->dtype, ndim, shape));
    gen_array *cb = arr_publish(arr_alloc("truncated_normal", d->dtype, ndim, shape));
    if (!u || !av || !bv || !lov || !hiv || !z0 || !ca || !cb) return arr_scope_return(NULL);
    tn_fill(u->size, av, bv, lov, hiv, u->data, d->dtype, z0->data, ca->data, cb->data);
    z0 = dist_place(d, z0);
    ca = dist_place(d, ca);
    cb = dist_place(d, cb);
    gen_array *z = gen_add(z0, gen_mul(ca, gen_sub(a, gen_stop_gradient(a))));
    z = gen_add(z, gen_mul(cb, gen_sub(b, gen_stop_gradient(b))));
    return arr_scope_return(gen_clip(gen_add(mu, gen_mul(sigma, z)), lo, hi));
}

static gen_status truncated_normal_support(const gen_dist *d, gen_support *out) {
    out->kind = GEN_SUPPORT_INTERVAL;
    out->lo = d->params[2];
    out->hi = d->params[3];
    return GEN_OK;
}

static const dist_family truncated_normal_family = {
    .name = "truncated_normal",
    .param_names = names,
    .sample = truncated_normal_sample,
    .rsample = true,
    .logpdf = truncated_normal_logpdf,
    .support = truncated_normal_support,
};

gen_dist *gen_truncated_normal(const gen_array *mu, const gen_array *sigma, const gen_array *lo,
                               const gen_array *hi) {
    const gen_array *p[4] = {mu, sigma, lo, hi};
    const char *f = "truncated_normal";
    if (mu && sigma && lo && hi &&
        (dist_check_finite(f, "mu", mu) != GEN_OK || dist_check_positive_finite(f, "sigma", sigma) != GEN_OK ||
         dist_check_not_nan(f, "lo", lo) != GEN_OK ||
         dist_check_not_nan(f, "hi", hi) != GEN_OK || dist_check_less(f, "lo", lo, "hi", hi) != GEN_OK))
        return NULL;
    return dist_new_scalar(&truncated_normal_family, 4, p, -1);
}
