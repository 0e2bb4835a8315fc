/* student_t.c — Student's t(df, loc, scale): draws loc + scale z / sqrt(g / df) with
 * z ~ N(0, 1) and g ~ chi2(df) = 2 Gamma(df/2, 1) (not reparameterized); logpdf
 * lgamma((df+1)/2) - lgamma(df/2) - log(df pi)/2 - log scale - (df+1)/2 log1p(z^2/df),
 * stable in the polynomial tails (cauchy_int.h) and for large df (an asymptotic series
 * replaces the difference of lgammas, which would cancel). */
#include <math.h>

#include "../../array/special.h"
#include "cauchy_int.h"

#define LOG_PI 1.14472988584940017414
#define HALF_LOG_2PI 0.91893853320467274178
#define SERIES_FROM 25.0 /* h = df/2 beyond which the series is exact to ~1e-18 */

#define LN2 0.69314718055994530942

static const char *const names[] = {"df", "loc", "scale"};

static gen_array *student_t_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *shape) {
    gen_key k[2];
    if (gen_key_split(key, 2, k) != GEN_OK) return NULL;
    gen_array *df = gen_cast(gen_broadcast_to(d->params[0], ndim, shape), d->dtype);
    gen_array *g = gen_random_gamma(k[0], gen_mul(df, dist_const(df, 0.5)));
    gen_array *z = gen_random_normal(k[1], d->dtype, ndim, shape);
    gen_array *t = gen_div(z, gen_sqrt(gen_div(gen_mul(g, dist_const(g, 2)), df)));
    return gen_cast(gen_add(d->params[1], gen_mul(d->params[2], t)), d->dtype);
}

/* lgamma(h + 1/2) - lgamma(h) - log(2 h pi)/2, h = df/2. For h > 25 the expansion
 * lgamma(h + 1/2) - lgamma(h) = log(h)/2 + sum_k c_k h^-k (odd k, c_k from Bernoulli
 * polynomials; terms to h^-9) cancels the log(h)/2 exactly. */
static const double series_coef[5] = {-1.0 / 8, 1.0 / 192, -1.0 / 640, 17.0 / 14336, -31.0 / 18432};

static gen_array *log_norm_const(const gen_array *df) {
    const double *c = series_coef;
    gen_array *h = gen_mul(df, dist_const(df, 0.5));
    gen_array *big = gen_gt(h, dist_const(h, SERIES_FROM));
    gen_array *r = gen_reciprocal(dist_safe(big, h, 2 * SERIES_FROM)), *r2 = gen_square(r);
    gen_array *s = dist_const(r, c[4]);
    for (int k = 3; k >= 0; k--) s = gen_add(dist_const(r, c[k]), gen_mul(r2, s));
    gen_array *series = gen_sub(gen_mul(r, s), dist_const(r, HALF_LOG_2PI));
    gen_array *direct = gen_sub(gen_lgamma(gen_add(h, dist_const(h, 0.5))), gen_lgamma(h));
    direct = gen_sub(direct, gen_mul(dist_const(h, 0.5), gen_add(gen_log(df), dist_const(h, LOG_PI))));
    return gen_where(big, series, direct);
}

/* x = +-inf (and NaN) is outside the reals: -inf with a zero gradient. */
static gen_array *student_t_logpdf(const gen_dist *d, const gen_array *x) {
    gen_array *df = d->params[0], *scale = d->params[2];
    gen_array *ok = gen_isfinite(x);
    gen_array *z = gen_div(gen_sub(dist_safe(ok, x, 0), d->params[1]), scale);
    gen_array *dp1 = gen_mul(gen_add(df, dist_const(df, 1)), dist_const(df, 0.5));
    gen_array *lp = log_norm_const(df);
    gen_array *tail = gen_mul(dp1, cauchy_log1p_square(gen_div(z, gen_sqrt(df))));
    return dist_mask_support(ok, gen_sub(lp, gen_add(tail, gen_log(scale))));
}

/* log_norm_const in plain C for one df, with *d = its derivative in df: through the
 * series in r = 1/h (Horner's rule and its derivative in r^2), or the digammas. */
static double log_norm_const1(double df, double *d) {
    const double *c = series_coef;
    double h = df * 0.5;
    if (h > SERIES_FROM) {
        double r = 1 / h, r2 = r * r, s = c[4], ds = 0;
        for (int k = 3; k >= 0; k--) {
            ds = s + r2 * ds;
            s = c[k] + r2 * s;
        }
        *d = -0.5 * r2 * (s + 2 * r2 * ds); /* dr/ddf = -r^2 / 2 */
        return r * s - HALF_LOG_2PI;
    }
    *d = 0.5 * (sf_digamma(h + 0.5) - sf_digamma(h)) - 0.5 * (1 / df);
    return (sf_lgamma(h + 0.5) - sf_lgamma(h)) - 0.5 * (log(df) + LOG_PI);
}

/* student_t_logpdf in plain C with its partials (x, df, loc, scale). With w = z/sqrt(df)
 * the tail is (df+1)/2 log1p(w^2), and dw/ddf = -w / (2 df). */
static double student_t_logpdf1_grad(const double *p, double x, double *g) {
    double df = p[0], loc = p[1], s = p[2], dnc, dw;
    if (!isfinite(x)) {
        g[0] = g[1] = g[2] = g[3] = 0;
        return -INFINITY;
    }
    double nc = log_norm_const1(df, &dnc);
    double z = (x - loc) / s, rd = sqrt(df), w = z / rd, dp1 = (df + 1) * 0.5;
    double l = cauchy_log1p_square1(w, &dw), dtail = dp1 * dw; /* d tail / dw */
    double dz = dtail / rd;
    g[0] = -dz / s;
    g[1] = dnc - (0.5 * l - dtail * (0.5 * w / df));
    g[2] = dz / s;
    g[3] = dz * z / s - 1 / s;
    return nc - (dp1 * l + log(s));
}

static gen_status student_t_support(const gen_dist *d, gen_support *out) {
    (void)d;
    out->kind = GEN_SUPPORT_REAL;
    return GEN_OK;
}

/* ---- CDF (cdf.c): the tail P(T > |z|) = I_x(df/2, 1/2) / 2 with x = df / (df + z^2)
 * (and 1 - x = z^2 / (df + z^2) given exactly), in C; no closed-form quantile ---- */
static double student_t_log_cdf1(const double *s, double z, bool upper) {
    double df = s[0], t2 = z * z, li, lj;
    if (isnan(z)) return NAN;
    if (z == 0) return -LN2;
    double x = df / (df + t2), y = isfinite(t2) ? t2 / (df + t2) : 1;
    dist_log_betainc(0.5 * df, 0.5, x, y, &li, &lj);
    double tail = li - LN2;
    return (z < 0) != upper ? tail : dist_log1mexp1(tail);
}
static gen_array *student_t_log_cdf(const gen_dist *d, const gen_array *x, bool upper) {
    gen_array *scale = d->params[2];
    gen_array *z = gen_div(gen_sub(x, d->params[1]), scale);
    gen_array *lpdf_z = gen_add(student_t_logpdf(d, x), gen_log(scale));
    const gen_array *s[1] = {d->params[0]};
    return dist_log_cdf_c(d, z, lpdf_z, 1, s, student_t_log_cdf1, upper);
}

static const dist_family student_t_family = {
    .name = "student_t",
    .param_names = names,
    .sample = student_t_sample,
    .logpdf = student_t_logpdf,
    .support = student_t_support,
    .logpdf1_grad = student_t_logpdf1_grad,
    .log_cdf = student_t_log_cdf,
};

gen_dist *gen_student_t(const gen_array *df, const gen_array *loc, const gen_array *scale) {
    const gen_array *p[3] = {df, loc, scale};
    if (df && loc && scale && (dist_check_positive_finite("student_t", "df", df) != GEN_OK ||
                               dist_check_finite("student_t", "loc", loc) != GEN_OK ||
                               dist_check_positive_finite("student_t", "scale", scale) != GEN_OK))
        return NULL;
    return dist_new_scalar(&student_t_family, 3, p, -1);
}
