/* cdf_special.c — the regularized incomplete beta and gamma functions in log space, for
 * the CDFs of student_t, beta, gamma, inv_gamma and chi2 (dist_int.h). The side that
 * converges fast is computed directly, its log prefactor (a log x + b log y - log B(a, b),
 * a log x - x - lgamma(a)) kept in log space so that neither tail underflows; the other
 * side is log1mexp of it, which is exact because the direct side is then <= about 1/2. */
#include <math.h>

#include "../dist_int.h"
#include "../../array/special.h"

#define TINY 1e-300
#define EPS 1e-16
#define MAXIT 100000 /* the fractions need O(sqrt(max(a, b))) terms near their switch */

/* The continued fraction of I_x(a, b) (x < (a+1)/(a+b+2)), modified Lentz. */
static double betacf(double a, double b, double x) {
    double qab = a + b, qap = a + 1, qam = a - 1, c = 1, d = 1 - qab * x / qap;
    if (fabs(d) < TINY) d = TINY;
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= MAXIT; m++) {
        double m2 = 2.0 * m, aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1 + aa * d;
        c = 1 + aa / c;
        if (fabs(d) < TINY) d = TINY;
        if (fabs(c) < TINY) c = TINY;
        d = 1 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1 + aa * d;
        c = 1 + aa / c;
        if (fabs(d) < TINY) d = TINY;
        if (fabs(c) < TINY) c = TINY;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < EPS) break;
    }
    return h;
}

void dist_log_betainc(double a, double b, double x, double y, double *lo, double *up) {
    if (isnan(a) || isnan(b) || isnan(x) || isnan(y)) {
        *lo = *up = NAN;
        return;
    }
    if (x <= 0) {
        *lo = -INFINITY;
        *up = 0;
        return;
    }
    if (y <= 0) {
        *lo = 0;
        *up = -INFINITY;
        return;
    }
    double front = a * log(x) + b * log(y) - (sf_lgamma(a) + sf_lgamma(b) - sf_lgamma(a + b));
    if (x < (a + 1) / (a + b + 2)) {
        *lo = front + log(betacf(a, b, x) / a);
        *up = dist_log1mexp1(*lo);
    } else {
        *up = front + log(betacf(b, a, y) / b);
        *lo = dist_log1mexp1(*up);
    }
}

/* P(a, x) by its series (x < a + 1): x^a e^-x / Gamma(a) sum_n x^n / (a (a+1) ... (a+n)). */
static double gamma_series_log(double a, double x) {
    double ap = a, del = 1 / a, sum = del;
    for (int n = 0; n < MAXIT; n++) {
        ap += 1;
        del *= x / ap;
        sum += del;
        if (fabs(del) < fabs(sum) * EPS) break;
    }
    return a * log(x) - x - sf_lgamma(a) + log(sum);
}

/* Q(a, x) by its continued fraction (x >= a + 1), modified Lentz. */
static double gamma_cf_log(double a, double x) {
    double b = x + 1 - a, c = 1 / TINY, d = 1 / b, h = d;
    for (int i = 1; i <= MAXIT; i++) {
        double an = -i * (i - a);
        b += 2;
        d = an * d + b;
        c = b + an / c;
        if (fabs(d) < TINY) d = TINY;
        if (fabs(c) < TINY) c = TINY;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < EPS) break;
    }
    return a * log(x) - x - sf_lgamma(a) + log(h);
}

void dist_log_gammainc(double a, double x, double *lo, double *up) {
    if (isnan(a) || isnan(x)) {
        *lo = *up = NAN;
    } else if (x <= 0) {
        *lo = -INFINITY;
        *up = 0;
    } else if (x == INFINITY) {
        *lo = 0;
        *up = -INFINITY;
    } else if (x < a + 1) {
        *lo = gamma_series_log(a, x);
        *up = dist_log1mexp1(*lo);
    } else {
        *up = gamma_cf_log(a, x);
        *lo = dist_log1mexp1(*up);
    }
}
