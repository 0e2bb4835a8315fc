/* nuts_adapt_grad.c — nutpie's warm-up of the metric (nuts-rs's adapt strategy): the
 * metric from the gradient at the start, then estimators of draws and gradients in
 * overlapping windows (a foreground the metric comes from, a background that replaces
 * it), the diagonal sqrt(var(draws) / var(grads)) or the low-rank estimate
 * (nuts_lowrank.c); the schedule is documented at gen_nuts_config. */
#include <math.h>
#include <string.h>

#include "nuts_int.h"

#define GADAPT_MIN 1e-20
#define GADAPT_MAX 1e20

static double clamp(double v) { return v < GADAPT_MIN ? GADAPT_MIN : v > GADAPT_MAX ? GADAPT_MAX : v; }

void nuts_gadapt_free(nuts_gadapt *a) {
    if (a->buf) core_free(a->buf, a->nbuf * sizeof(double));
    a->buf = NULL;
    a->nbuf = 0;
}

gen_status nuts_gadapt_copy(nuts_gadapt *dst, const nuts_gadapt *src) {
    *dst = *src;
    dst->buf = NULL;
    if (!src->buf) return GEN_OK;
    if (!(dst->buf = core_alloc(src->nbuf * sizeof(double)))) return GEN_ERR_OOM;
    memcpy(dst->buf, src->buf, src->nbuf * sizeof(double));
    return GEN_OK;
}

/* Welford's step of one estimator [mean_x, m2_x, mean_g, m2_g] with its n-th draw. */
static void welford(double *e, int64_t d, int64_t n, const double *x, const double *g) {
    for (int64_t i = 0; i < d; i++) {
        double dx = x[i] - e[i], dg = g[i] - e[2 * d + i];
        e[i] += dx / (double)n;
        e[d + i] += dx * (x[i] - e[i]);
        e[2 * d + i] += dg / (double)n;
        e[3 * d + i] += dg * (g[i] - e[2 * d + i]);
    }
}

static void add_draw(nuts_gadapt *a, const double *x, const double *g) {
    int64_t d = a->d;
    if (a->kind == 1) {
        welford(a->buf, d, ++a->n_fg, x, g);
        welford(a->buf + 4 * d, d, ++a->n_bg, x, g);
        return;
    }
    if (a->hi >= a->cap) return; /* cannot happen: one row per warm-up draw and the start */
    memcpy(a->buf + a->hi * d, x, (size_t)d * sizeof(double));
    memcpy(a->buf + (a->cap + a->hi) * d, g, (size_t)d * sizeof(double));
    a->hi++;
}

static int64_t fg_count(const nuts_gadapt *a) { return a->kind == 1 ? a->n_fg : a->hi - a->lo; }
static int64_t bg_count(const nuts_gadapt *a) { return a->kind == 1 ? a->n_bg : a->hi - a->split; }

/* The background becomes the foreground; a new background starts empty. */
static void switch_windows(nuts_gadapt *a) {
    int64_t d = a->d;
    if (a->kind == 1) {
        memcpy(a->buf, a->buf + 4 * d, (size_t)(4 * d) * sizeof(double));
        memset(a->buf + 4 * d, 0, (size_t)(4 * d) * sizeof(double));
        a->n_fg = a->n_bg;
        a->n_bg = 0;
        return;
    }
    a->lo = a->split;
    a->split = a->hi;
}

/* The metric from the foreground into minv; false when it has fewer than 3 draws or
 * (low rank) the estimate fails. */
void nuts_gadapt_diag(int64_t d, const double *m2x, const double *m2g, double *minv) {
    for (int64_t i = 0; i < d; i++) { /* the (n - 1) divisors cancel */
        double v = sqrt(m2x[i] / m2g[i]);
        if (isfinite(v) && v != 0) minv[i] = clamp(v);
    }
}

static bool estimate(nuts_gadapt *a, double *minv) {
    int64_t d = a->d;
    if (fg_count(a) < 3) return false;
    if (a->kind == 3)
        return nuts_lowrank_estimate(d, a->kmax, a->hi - a->lo, a->buf + a->lo * d, a->buf + (a->cap + a->lo) * d,
                                     minv);
    nuts_gadapt_diag(d, a->buf + d, a->buf + 3 * d, minv);
    return true;
}

gen_status nuts_gadapt_init(nuts_gadapt *a, int kind, int64_t d, int64_t kmax, int64_t W, int64_t window,
                            int64_t early_window, int64_t update_every, const double *theta, const double *grad,
                            bool seeded, double *minv) {
    *a = (nuts_gadapt){.kind = kind, .d = d, .kmax = kmax, .early_end = (int64_t)(0.3 * (double)W),
                       .step_start = W - (int64_t)(0.15 * (double)W), .window = window,
                       .early_window = early_window, .update_every = update_every, .last_update = 0,
                       .initial = true, .cap = W + 1};
    a->nbuf = kind == 1 ? (size_t)(8 * d) : (size_t)(2 * a->cap * d);
    if (!(a->buf = core_calloc(a->nbuf + 1, sizeof(double)))) return GEN_ERR_OOM;
    a->nbuf++;
    add_draw(a, theta, grad);
    if (kind == 3) /* no directions yet */
        memset(minv + d, 0, (size_t)(hmc_lowrank_size(d, kmax) - d) * sizeof(double));
    for (int64_t i = 0; i < d && !seeded; i++) {
        double v = 1 / clamp(fabs(grad[i]));
        minv[i] = isfinite(v) ? v : 1;
    }
    return GEN_OK;
}

bool nuts_gadapt_learn(nuts_gadapt *a, int64_t i, const double *theta, const double *grad, bool good, double *minv,
                       bool *first) {
    *first = false;
    if (i >= a->step_start) return false;
    bool early = i < a->early_end;
    if (!early && i == a->early_end && bg_count(a) > a->window) a->window = bg_count(a); /* never shrink */
    int64_t freq = early ? a->early_window : a->window;
    if (good) add_draw(a, theta, grad);
    int64_t next = early ? a->early_window : (int64_t)fmax((double)(a->window + 1), round(1.5 * (double)a->window));
    bool late = next + i > a->step_start;
    bool force = false;
    if (bg_count(a) >= freq && !late) {
        switch_windows(a);
        force = true;
        if (!early) a->window = next;
    }
    bool changed = (force || i - a->last_update >= a->update_every) && estimate(a, minv);
    if (changed) {
        a->last_update = i;
        *first = a->initial;
        a->initial = false;
    }
    return changed;
}
