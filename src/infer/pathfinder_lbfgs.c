/* pathfinder_lbfgs.c — the L-BFGS iterate Pathfinder follows (pathfinder_int.h): Stan's
 * BFGSLineSearch with the L-BFGS update, its convergence tests, a strong-Wolfe line
 * search (Nocedal and Wright, Algorithms 3.5 and 3.6) that treats points the model
 * rejects as f = +inf. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "pathfinder_int.h"

static double dot(int64_t d, const double *a, const double *b) {
    double s = 0;
    for (int64_t i = 0; i < d; i++) s += a[i] * b[i];
    return s;
}

/* f and g (of -log p) at x; *ok false at a point the model rejects. */
static gen_status eval(pf_lbfgs *o, const double *x, double *f, double *g, bool *ok) {
    double lp = 0;
    gen_divergence why = GEN_DIVERGENCE_NONE;
    o->n_evals++;
    gen_status s = hmc_eval_proposed(o->t, o->d, x, &lp, g, &why);
    *ok = s == GEN_OK && why == GEN_DIVERGENCE_NONE;
    *f = *ok ? -lp : INFINITY;
    if (*ok)
        for (int64_t i = 0; i < o->d; i++) g[i] = -g[i];
    return s;
}

gen_status pf_lbfgs_init(pf_lbfgs *o, const double *x0) {
    int64_t d = o->d;
    size_t n = (size_t)(7 * d + 2 * (int64_t)o->m * d + 1);
    double *buf = core_calloc(n, sizeof(double));
    if (!buf) return GEN_ERR_OOM;
    o->x = buf, o->g = buf + d, o->xp = buf + 2 * d, o->gp = buf + 3 * d, o->p = buf + 4 * d;
    o->xt = buf + 5 * d, o->gt = buf + 6 * d, o->S = buf + 7 * d, o->Y = o->S + o->m * d;
    o->n_hist = o->head = 0;
    o->iter = o->n_evals = 0;
    memcpy(o->x, x0, (size_t)d * sizeof(double));
    bool ok = false;
    gen_status s = eval(o, o->x, &o->f, o->g, &ok);
    if (s == GEN_OK && !ok) s = GEN_FAIL(GEN_ERR_VALUE, "the model rejects the starting point");
    for (int64_t i = 0; i < d; i++) o->p[i] = -o->g[i];
    return s;
}

void pf_lbfgs_free(pf_lbfgs *o) {
    if (o->x) core_free(o->x, (size_t)(7 * o->d + 2 * (int64_t)o->m * o->d + 1) * sizeof(double));
    o->x = NULL;
}

/* p = -H g by the two-loop recursion over the history (H0 = gamma I, gamma of the
 * newest pair); -g with none. */
static void direction(pf_lbfgs *o) {
    int64_t d = o->d;
    double a[64];
    for (int64_t i = 0; i < d; i++) o->p[i] = -o->g[i];
    for (int j = o->n_hist - 1; j >= 0; j--) { /* newest to oldest */
        const double *s = o->S + ((o->head + j) % o->m) * d, *y = o->Y + ((o->head + j) % o->m) * d;
        a[j] = dot(d, s, o->p) / dot(d, y, s);
        for (int64_t i = 0; i < d; i++) o->p[i] -= a[j] * y[i];
    }
    if (o->n_hist > 0) {
        const double *s = o->S + ((o->head + o->n_hist - 1) % o->m) * d;
        const double *y = o->Y + ((o->head + o->n_hist - 1) % o->m) * d;
        double gamma = dot(d, s, y) / dot(d, y, y);
        for (int64_t i = 0; i < d; i++) o->p[i] *= gamma;
    }
    for (int j = 0; j < o->n_hist; j++) {
        const double *s = o->S + ((o->head + j) % o->m) * d, *y = o->Y + ((o->head + j) % o->m) * d;
        double b = dot(d, y, o->p) / dot(d, y, s);
        for (int64_t i = 0; i < d; i++) o->p[i] += (a[j] - b) * s[i];
    }
}

/* A minimizer of the cubic through (a, fa, da) and (b, fb, db) inside [lo + 0.1 w,
 * hi - 0.1 w] of the bracket, or its midpoint when the cubic gives none. */
static double cubic(double a, double fa, double da, double b, double fb, double db) {
    double lo = a < b ? a : b, hi = a < b ? b : a, w = hi - lo, mid = 0.5 * (a + b);
    if (!isfinite(fb) || !isfinite(db)) return mid;
    double d1 = da + db - 3 * (fa - fb) / (a - b), r = d1 * d1 - da * db;
    if (r < 0) return mid;
    double d2 = copysign(sqrt(r), b - a);
    double x = b - (b - a) * (db + d2 - d1) / (db - da + 2 * d2);
    if (!isfinite(x)) return mid;
    if (x < lo + 0.1 * w) x = lo + 0.1 * w;
    if (x > hi - 0.1 * w) x = hi - 0.1 * w;
    return x;
}

/* The strong-Wolfe line search from x along p, first trial a0: on success the point in
 * xt, gt, *ft and *found true; *found false when none in 40 evaluations (or the bracket
 * collapsed). */
static gen_status line_search(pf_lbfgs *o, double a0, double *ft, bool *found) {
    const double c1 = 1e-4, c2 = 0.9;
    int64_t d = o->d;
    double f0 = o->f, d0 = dot(d, o->g, o->p);
    *found = false;
    if (!(d0 < 0)) return GEN_OK; /* not a descent direction */
    double a = a0, ap = 0, fprev = f0, dprev = d0, lo = 0, hi = 0, flo = 0, dlo = 0, fhi = 0, dhi = 0;
    bool zoom = false;
    for (int it = 0; it < 40; it++) {
        if (zoom) {
            if (fabs(hi - lo) < 1e-12 * (fabs(lo) > 1 ? fabs(lo) : 1)) return GEN_OK;
            a = cubic(lo, flo, dlo, hi, fhi, dhi);
        }
        for (int64_t i = 0; i < d; i++) o->xt[i] = o->x[i] + a * o->p[i];
        bool ok = false;
        double f = 0;
        gen_status s = eval(o, o->xt, &f, o->gt, &ok);
        if (s != GEN_OK) return s;
        double da = ok ? dot(d, o->gt, o->p) : NAN;
        bool sufficient = ok && f <= f0 + c1 * a * d0;
        if (sufficient && fabs(da) <= -c2 * d0 && (!zoom || f < flo) && (zoom || it == 0 || f < fprev)) {
            *ft = f;
            *found = true;
            return GEN_OK;
        }
        if (!zoom) {
            if (!sufficient || (it > 0 && f >= fprev)) {
                zoom = true, lo = ap, flo = fprev, dlo = dprev, hi = a, fhi = f, dhi = da;
            } else if (da >= 0) {
                zoom = true, lo = a, flo = f, dlo = da, hi = ap, fhi = fprev, dhi = dprev;
            } else {
                ap = a, fprev = f, dprev = da;
                a *= 4; /* extrapolate */
            }
            continue;
        }
        if (!sufficient || f >= flo) {
            hi = a, fhi = f, dhi = da;
            continue;
        }
        if (da * (hi - lo) >= 0) hi = lo, fhi = flo, dhi = dlo;
        lo = a, flo = f, dlo = da;
    }
    return GEN_OK;
}

gen_status pf_lbfgs_step(pf_lbfgs *o, int *code) {
    int64_t d = o->d;
    o->iter++;
    bool reset = o->iter == 1, found = false;
    double ft = 0;
    gen_status s = GEN_OK;
    for (;;) {
        if (reset) {
            o->n_hist = o->head = 0;
            for (int64_t i = 0; i < d; i++) o->p[i] = -o->g[i];
        }
        s = line_search(o, o->iter == 1 || reset ? o->init_alpha : 1.0, &ft, &found);
        if (s != GEN_OK) return s;
        if (found || reset) break;
        reset = true; /* Stan: "LS failed, Hessian reset" */
    }
    if (!found) {
        *code = PF_STEP_FAILED;
        return GEN_OK;
    }
    /* accept: the previous iterate kept, the pair stored when its curvature is positive */
    memcpy(o->xp, o->x, (size_t)d * sizeof(double));
    memcpy(o->gp, o->g, (size_t)d * sizeof(double));
    o->fp = o->f;
    memcpy(o->x, o->xt, (size_t)d * sizeof(double));
    memcpy(o->g, o->gt, (size_t)d * sizeof(double));
    o->f = ft;
    double *sv = o->xt, *yv = o->gt, ss = 0;
    for (int64_t i = 0; i < d; i++) sv[i] = o->x[i] - o->xp[i], yv[i] = o->g[i] - o->gp[i], ss += sv[i] * sv[i];
    if (dot(d, sv, yv) > 0) {
        int slot = (o->head + o->n_hist) % o->m; /* the next free slot, or the oldest's */
        if (o->n_hist < o->m) o->n_hist++;
        else o->head = (o->head + 1) % o->m;
        memcpy(o->S + slot * d, sv, (size_t)d * sizeof(double));
        memcpy(o->Y + slot * d, yv, (size_t)d * sizeof(double));
    }
    direction(o);
    /* Stan's convergence tests, in its order */
    double gn = sqrt(dot(d, o->g, o->g)), fs = fabs(o->fp) > fabs(o->f) ? fabs(o->fp) : fabs(o->f);
    double rel_f = fabs(o->fp - o->f) / (fs > 1 ? fs : 1);
    double rel_g = -dot(d, o->p, o->g) / (fabs(o->f) > 1 ? fabs(o->f) : 1);
    bool conv = fabs(o->fp - o->f) < o->tol_obj || gn < o->tol_grad || sqrt(ss) < o->tol_param ||
                o->iter >= o->max_iters || rel_f < o->tol_rel_obj * DBL_EPSILON ||
                rel_g < o->tol_rel_grad * DBL_EPSILON;
    *code = conv ? PF_STEP_CONVERGED : PF_STEP_OK;
    return GEN_OK;
}
