/* special.h — scalar special functions behind the unary ops (prefix sf_). Our own
 * implementations: pure functions of their argument, thread-safe (no global state such
 * as lgamma's signgam), accurate to a few ulp unless noted. They are static inline and
 * GENC_HD (core_hd.h), so the CPU kernels and the CUDA kernels (the .cu files of
 * backend/cuda) compute them from this one source: the arithmetic is the same (nvcc
 * runs with --fmad=false), while the libm functions they call (exp, log1p, erfc, ...)
 * are the host's on the CPU and CUDA's on the GPU, which differ by a few ulp. Series
 * coefficients were computed with mpmath at 50 digits.
 *
 *   sf_sigmoid(x)      1 / (1 + exp(-x)) without overflow
 *   sf_softplus(x)     log(1 + exp(x)), exact for large |x|
 *   sf_log_sigmoid(x)  -softplus(-x)
 *   sf_round_even(x)   nearest integer, ties to even (any rounding mode)
 *   sf_erfinv(y)       inverse of erf on [-1, 1]
 *   sf_lgamma(x)       log |Gamma(x)|
 *   sf_digamma(x)      Gamma'(x) / Gamma(x)
 *   sf_trigamma(x)     derivative of digamma
 *   sf_log_ndtr(x)     log of the standard normal CDF, both tails accurate
 *
 * Conventions at singular points (chosen to match SciPy):
 *   sf_lgamma:   +inf at 0, -1, -2, ... and at +-inf; log|Gamma(x)| elsewhere.
 *   sf_digamma:  -inf at +0, +inf at -0 (the one-sided limits), nan at the negative
 *                integers and at -inf (the two sides disagree), +inf at +inf.
 *   sf_trigamma: +inf at 0, -1, -2, ... (both sides go to +inf), nan at -inf, 0 at +inf.
 *   sf_erfinv:   +-inf at +-1, nan outside [-1, 1].
 * nan propagates through every function. Near the zeros of lgamma and digamma on the
 * negative axis only absolute accuracy (~1e-16 times the terms) is achieved.
 *
 * Plain data and math only (no array-layer headers), so CUDA C++ can include it. The
 * helpers of the sf_ functions carry the prefix too (sf_lgamma_pos, ...). */
#ifndef GENC_SRC_SPECIAL_H
#define GENC_SRC_SPECIAL_H

#include <math.h>
#include <stdbool.h>

#include "../core/core_hd.h"

#define SF_PI 3.14159265358979323846
#define SF_2_SQRTPI 1.12837916709551257390  /* 2 / sqrt(pi) */
#define SF_SQRT1_2 0.70710678118654752440   /* 1 / sqrt(2) = SQRT1_2 + SQRT1_2_LO */
#define SF_SQRT1_2_LO -4.83364665672645673e-17
#define SF_LOG_SQRT_2PI 0.91893853320467274178 /* log(sqrt(2 pi)) */
#define SF_COUNT(a) ((int)(sizeof(a) / sizeof *(a)))

/* ---- logistic family and rounding ---- */

static inline GENC_HD double sf_sigmoid(double x) {
    if (x >= 0) return 1.0 / (1.0 + exp(-x));
    double e = exp(x); /* x < 0 or nan: exp cannot overflow */
    return e / (1.0 + e);
}

static inline GENC_HD double sf_softplus(double x) {
    /* x + log(1 + exp(-x)) for x > 0 keeps exp from overflowing */
    return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

static inline GENC_HD double sf_log_sigmoid(double x) { return -sf_softplus(-x); }

static inline GENC_HD double sf_round_even(double x) {
    double r = round(x); /* ties away from zero */
    if (fabs(r - x) == 0.5) r = 2.0 * round(0.5 * x);
    return r;
}

/* ---- erfinv ---- */

/* Giles' single-precision approximation ("Approximating the erfinv function", GPU
 * Computing Gems, 2011): relative error ~1e-7 where erf is in float range, a starting
 * point for the Halley steps below. a in [0, 1). Beyond float range (w > 16) it is
 * replaced by the asymptotic erfc(x) ~ exp(-x^2) / (x sqrt(pi)), solved by two
 * fixed-point steps (relative error ~1e-3). */
static inline GENC_HD double sf_erfinv_guess(double a) {
    double w = -log((1.0 - a) * (1.0 + a)), p;
    if (w > 16.0) {
        double x = sqrt(w);
        for (int i = 0; i < 2; i++) x = sqrt(w + log(2.0) - log(x * 1.7724538509055160273));
        return x;
    }
    if (w < 5.0) {
        w -= 2.5;
        p = 2.81022636e-08;
        p = 3.43273939e-07 + p * w;
        p = -3.5233877e-06 + p * w;
        p = -4.39150654e-06 + p * w;
        p = 0.00021858087 + p * w;
        p = -0.00125372503 + p * w;
        p = -0.00417768164 + p * w;
        p = 0.246640727 + p * w;
        p = 1.50140941 + p * w;
    } else {
        w = sqrt(w) - 3.0;
        p = -0.000200214257;
        p = 0.000100950558 + p * w;
        p = 0.00134934322 + p * w;
        p = -0.00367342844 + p * w;
        p = 0.00573950773 + p * w;
        p = -0.0076224613 + p * w;
        p = 0.00943887047 + p * w;
        p = 1.00167406 + p * w;
        p = 2.83297682 + p * w;
    }
    return p * a;
}

/* Halley steps on erf(x) = a, or on erfc(x) = 1 - a for a > 0.5 (1 - a is then exact,
 * and erfc keeps relative accuracy where erf(x) rounds to 1). Both have f'' = -2x f',
 * so the Halley step is r / (1 + x r) with r = f / f'. */
static inline GENC_HD double sf_erfinv(double y) {
    if (isnan(y) || y < -1.0 || y > 1.0) return NAN;
    if (fabs(y) == 1.0) return copysign(INFINITY, y);
    if (y == 0.0) return y;
    double a = fabs(y), q = 1.0 - a, x = sf_erfinv_guess(a);
    bool tail = a > 0.5;
    for (int i = 0; i < 4; i++) {
        double f = tail ? erfc(x) - q : erf(x) - a;
        double fp = (tail ? -SF_2_SQRTPI : SF_2_SQRTPI) * exp(-x * x);
        double r = f / fp, dx = r / (1.0 + x * r);
        x -= dx;
        if (fabs(dx) <= 1e-17 * x) break;
    }
    return copysign(x, y);
}

/* ---- gamma family ---- */

/* |sin(pi x)| and cot(pi x) (both of period 1 in x) evaluated at pi r with
 * r = x - round(x) in [-0.5, 0.5], exact for |x| < 2^52: values near the integers keep
 * relative accuracy, which sin(pi * x) would lose. */
static inline GENC_HD double sf_abs_sinpi(double x) { return fabs(sin(SF_PI * (x - round(x)))); }
static inline GENC_HD double sf_cotpi(double x) { return 1.0 / tan(SF_PI * (x - round(x))); }

/* lgamma(2 + z) = (1 - gamma) z + sum_k (-1)^k (zeta(k) - 1) / k z^k for |z| <= 0.5:
 * the terms fall like 4^-k / k. */
static inline GENC_HD double sf_lgamma2(double z) {
    static const double lgamma2_coef[] = {
        4.22784335098467134e-01,  3.22467033424113203e-01,  -6.73523010531981020e-02,
        2.05808084277845464e-02,  -7.38555102867398568e-03, 2.89051033074152336e-03,
        -1.19275391170326102e-03, 5.09669524743042450e-04,  -2.23154758453579386e-04,
        9.94575127818085310e-05,  -4.49262367381331420e-05, 2.05072127756706911e-05,
        -9.43948827526839672e-06, 4.37486678990748817e-06,  -2.03921575380136619e-06,
        9.55141213040741935e-07,  -4.49246919876456619e-07, 2.12071848055546646e-07,
        -1.00432248239680991e-07, 4.76981016936398040e-08,  -2.27110946089431635e-08,
        1.08386592148969546e-08,  -5.18347504197004664e-09, 2.48367454380247848e-09,
        -1.19214014058609115e-09, 5.73136724167886225e-10,  -2.75952288512423336e-10,
        1.33047643742444888e-10,
    };
    double s = 0.0;
    for (int k = SF_COUNT(lgamma2_coef) - 1; k >= 0; k--) s = s * z + lgamma2_coef[k];
    return s * z;
}

/* Stirling's series with 8 terms; the error is below 2e-18 for x >= 10. Written as
 * (x - 0.5)(log x - 1) so it does not overflow before the result does. */
static inline GENC_HD double sf_lgamma_stirling(double x) {
    double r = 1.0 / x, z = r * r;
    double s = r * (1.0 / 12 - z * (1.0 / 360 - z * (1.0 / 1260 - z * (1.0 / 1680 - z * (1.0 / 1188
               - z * (691.0 / 360360 - z * (1.0 / 156 - z * (3617.0 / 122400))))))));
    return (x - 0.5) * (log(x) - 1.0) - 0.5 + SF_LOG_SQRT_2PI + s;
}

/* x > 0. The series around 2 covers [0.5, 2.5) (x - 1 and x - 2 are exact there, so the
 * zeros at 1 and 2 keep relative accuracy); smaller x steps up, larger x steps down or
 * uses Stirling. */
static inline GENC_HD double sf_lgamma_pos(double x) {
    if (x >= 10.0) return sf_lgamma_stirling(x);
    if (x < 0.5) return sf_lgamma2(x) - log1p(x) - log(x);
    if (x < 1.5) return sf_lgamma2(x - 1.0) - log1p(x - 1.0);
    double prod = 1.0;
    while (x >= 2.5) prod *= --x; /* x - 1 is exact: its ulp is no coarser than x's */
    return sf_lgamma2(x - 2.0) + log(prod);
}

static inline GENC_HD double sf_lgamma(double x) {
    if (isnan(x)) return x;
    if (isinf(x)) return INFINITY;
    if (x > 0) return sf_lgamma_pos(x);
    if (x == floor(x)) return INFINITY; /* poles, and every x <= -2^52 */
    /* reflection: Gamma(x) Gamma(1 - x) = pi / sin(pi x) */
    return log(SF_PI / sf_abs_sinpi(x)) - sf_lgamma_pos(1.0 - x);
}

/* digamma's positive zero x0 = x0_hi + x0_lo (sf_digamma_pos has its Taylor
 * coefficients there, psi^(k)(x0) / k!, k = 1..25: near x0 the series keeps relative
 * accuracy). */
#define SF_PSI_X0_HI 1.46163214496836225e+00
#define SF_PSI_X0_LO 9.54999542996569743e-17

/* x > 0: Taylor series near the zero, else recurrence up to x >= 10 and the
 * asymptotic series (error below 5e-17 there). */
static inline GENC_HD double sf_digamma_pos(double x) {
    if (isinf(x)) return x;
    if (fabs(x - SF_PSI_X0_HI) < 0.25) {
        static const double psi_x0_coef[] = {
            9.67672245447621204e-01,  -4.42763168983592081e-01, 2.58499760955651026e-01,
            -1.63942705442406522e-01, 1.07824050691262371e-01,  -7.21995612564547140e-02,
            4.88042881641431101e-02,  -3.31611264748473619e-02, 2.25976482322181038e-02,
            -1.54247659049489595e-02, 1.05387916166121750e-02,  -7.20453438635686866e-03,
            4.92678139572985327e-03,  -3.36980165543932821e-03, 2.30512632673492797e-03,
            -1.57693677143019720e-03, 1.07882520191629667e-03,  -7.38070938996005150e-04,
            5.04953265834601987e-04,  -3.45468025106307692e-04, 2.36356015640270530e-04,
            -1.61706220919748030e-04, 1.10633727687474103e-04,  -7.56917958219506607e-05,
            5.17857579522208093e-05,
        };
        double d = (x - SF_PSI_X0_HI) - SF_PSI_X0_LO, s = 0.0;
        for (int k = SF_COUNT(psi_x0_coef) - 1; k >= 0; k--) s = s * d + psi_x0_coef[k];
        return s * d;
    }
    double acc = 0.0;
    for (; x < 10.0; x += 1.0) acc -= 1.0 / x;
    double z = 1.0 / (x * x);
    double s = z * (1.0 / 12 - z * (1.0 / 120 - z * (1.0 / 252 - z * (1.0 / 240 - z * (1.0 / 132
               - z * (691.0 / 32760 - z * (1.0 / 12 - z * (3617.0 / 8160))))))));
    return acc + (log(x) - 0.5 / x - s);
}

static inline GENC_HD double sf_digamma(double x) {
    if (isnan(x)) return x;
    if (x > 0) return sf_digamma_pos(x);
    if (x == 0) return copysign(INFINITY, -x);
    if (x == floor(x)) return NAN; /* negative integers and -inf */
    /* reflection: psi(1 - x) - psi(x) = pi cot(pi x) */
    return sf_digamma_pos(1.0 - x) - SF_PI * sf_cotpi(x);
}

/* x > 0: recurrence up to x >= 12, then the asymptotic series
 * 1/x + 1/(2x^2) + sum B_2k / x^(2k+1) (error below 3e-18 relative there). */
static inline GENC_HD double sf_trigamma_pos(double x) {
    if (isinf(x)) return 0.0;
    double acc = 0.0;
    for (; x < 12.0; x += 1.0) acc += 1.0 / (x * x);
    double r = 1.0 / x, z = r * r;
    double s = 1.0 / 6 - z * (1.0 / 30 - z * (1.0 / 42 - z * (1.0 / 30 - z * (5.0 / 66
               - z * (691.0 / 2730 - z * (7.0 / 6 - z * (3617.0 / 510)))))));
    return acc + (r + 0.5 * z + r * z * s);
}

static inline GENC_HD double sf_trigamma(double x) {
    if (isnan(x)) return x;
    if (x > 0) return sf_trigamma_pos(x);
    if (x == -INFINITY) return NAN;
    if (x == floor(x)) return INFINITY;
    /* reflection: psi1(1 - x) + psi1(x) = pi^2 / sin^2(pi x); no cancellation, as
     * the first term is >= pi^2 and psi1(1 - x) <= pi^2 / 6 */
    double s = sf_abs_sinpi(x);
    return SF_PI * SF_PI / (s * s) - sf_trigamma_pos(1.0 - x);
}

/* ---- log_ndtr ---- */

/* Q(x) = erfc(x / sqrt 2) / 2, the upper tail. The rounding of t = x / sqrt 2 would
 * cost x^2 * 1e-16 relative accuracy (erfc'/erfc ~ -2t); its residual d (from fma and
 * the low part of 1/sqrt 2) corrects it to first order: erfc(t + d) ~ erfc(t)(1 - 2td). */
static inline GENC_HD double sf_ndtr_upper(double x) {
    double t = x * SF_SQRT1_2;
    double q = 0.5 * erfc(t);
    if (q == 0.0) return q; /* also keeps t * d (inf * 0 at x = inf) out */
    double d = fma(x, SF_SQRT1_2, -t) + x * SF_SQRT1_2_LO;
    return q * (1.0 - 2.0 * t * d);
}

/* log Phi(x). Upper half: log1p(-Q(x)) (so log_ndtr(10) = -7.6e-24, not 0). Lower
 * half: log Q(-x) while erfc does not underflow; below -20 the asymptotic series
 * Phi(x) = phi(x) / |x| (1 - 1/x^2 + 3/x^4 - 15/x^6 + ...), whose 20 terms are accurate
 * to 1e-28 there. */
static inline GENC_HD double sf_log_ndtr(double x) {
    if (isnan(x)) return x;
    if (x > 0) return log1p(-sf_ndtr_upper(x));
    if (x > -20) return log(sf_ndtr_upper(-x));
    if (isinf(x)) return x;
    double z = 1.0 / (x * x), term = 1.0, s = 0.0;
    for (int k = 1; k <= 20; k++) {
        term *= -(2 * k - 1) * z;
        s += term;
    }
    return -0.5 * x * x - log(-x) - SF_LOG_SQRT_2PI + log1p(s);
}

#endif
