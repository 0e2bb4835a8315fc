/* nuts_warmup.c — Stan's warm-up: dual-averaging step-size adaptation (Hoffman and
 * Gelman 2014, Nesterov 2009), the schedule of metric-adaptation windows, and the
 * regularized windowed (co)variance estimate of the inverse metric. */
#include <math.h>
#include <string.h>

#include "nuts_int.h"

void nuts_stepsize_restart(nuts_stepsize *a) {
    a->counter = 0;
    a->s_bar = 0;
    a->x_bar = 0;
}

void nuts_stepsize_learn(nuts_stepsize *a, double *eps, double accept_stat) {
    a->counter++;
    double stat = accept_stat > 1 ? 1 : accept_stat;
    double c = (double)a->counter;
    double eta = 1.0 / (c + a->t0);
    a->s_bar = (1 - eta) * a->s_bar + eta * (a->delta - stat);
    double x = a->mu - a->s_bar * sqrt(c) / a->gamma;
    double x_eta = pow(c, -a->kappa);
    a->x_bar = (1 - x_eta) * a->x_bar + x_eta * x;
    *eps = exp(x);
}

static void windows_restart(nuts_windows *w) {
    w->counter = 0;
    w->window_size = w->base_window;
    w->next_window = w->init_buffer + w->window_size - 1;
}

void nuts_windows_init(nuts_windows *w, int64_t num_warmup, int64_t init_buffer, int64_t term_buffer,
                       int64_t base_window) {
    *w = (nuts_windows){num_warmup, init_buffer, term_buffer, base_window, 0, 0, 0, false};
    if (num_warmup < 20) {
        w->off = true;
    } else if (init_buffer + base_window + term_buffer > num_warmup) {
        /* too short for the buffers asked: 15% / 75% / 10% */
        w->init_buffer = (int64_t)(0.15 * (double)num_warmup);
        w->term_buffer = (int64_t)(0.1 * (double)num_warmup);
        w->base_window = num_warmup - (w->init_buffer + w->term_buffer);
    }
    windows_restart(w);
}

static bool in_window(const nuts_windows *w) {
    return !w->off && w->counter >= w->init_buffer && w->counter < w->num_warmup - w->term_buffer &&
           w->counter != w->num_warmup;
}

static bool window_ends(const nuts_windows *w) {
    return !w->off && w->counter == w->next_window && w->counter != w->num_warmup;
}

/* The next window doubles; one that would leave less than twice its size before the
 * terminal buffer is stretched to the buffer. */
static void next_window(nuts_windows *w) {
    int64_t last = w->num_warmup - w->term_buffer - 1;
    if (w->next_window == last) return;
    w->window_size *= 2;
    w->next_window = w->counter + w->window_size;
    if (w->next_window != last && w->next_window + 2 * w->window_size >= w->num_warmup - w->term_buffer)
        w->next_window = last;
}

gen_status nuts_var_init(nuts_var *v, int kind, int64_t d) {
    size_t m = (size_t)(kind == 2 ? d * d : d);
    *v = (nuts_var){kind, d, 0, core_calloc((size_t)d + 1, sizeof(double)), core_calloc(m + 1, sizeof(double)),
                    core_calloc((size_t)d + 1, sizeof(double))};
    if (!v->mean || !v->m2 || !v->delta) {
        nuts_var_free(v);
        return GEN_ERR_OOM;
    }
    return GEN_OK;
}

void nuts_var_free(nuts_var *v) {
    size_t m = (size_t)(v->kind == 2 ? v->d * v->d : v->d);
    if (v->mean) core_free(v->mean, ((size_t)v->d + 1) * sizeof(double));
    if (v->m2) core_free(v->m2, (m + 1) * sizeof(double));
    if (v->delta) core_free(v->delta, ((size_t)v->d + 1) * sizeof(double));
    v->mean = v->m2 = v->delta = NULL;
}

static void var_add(nuts_var *v, const double *x) {
    int64_t d = v->d;
    v->n++;
    for (int64_t i = 0; i < d; i++) {
        v->delta[i] = x[i] - v->mean[i];
        v->mean[i] += v->delta[i] / (double)v->n;
    }
    if (v->kind == 1) {
        for (int64_t i = 0; i < d; i++) v->m2[i] += v->delta[i] * (x[i] - v->mean[i]);
    } else {
        for (int64_t i = 0; i < d; i++)
            for (int64_t j = 0; j < d; j++) v->m2[i * d + j] += v->delta[i] * (x[j] - v->mean[j]);
    }
}

static void var_restart(nuts_var *v) {
    v->n = 0;
    memset(v->mean, 0, (size_t)v->d * sizeof(double));
    memset(v->m2, 0, (size_t)(v->kind == 2 ? v->d * v->d : v->d) * sizeof(double));
}

/* minv = (n / (n + 5)) S + 1e-3 (5 / (n + 5)) I with S the sample (co)variance (divisor
 * n - 1); then the estimator restarts. */
static void var_finish(nuts_var *v, double *minv) {
    int64_t d = v->d;
    double n = (double)v->n, a = n / (n + 5.0), b = 1e-3 * (5.0 / (n + 5.0));
    if (v->kind == 1) {
        for (int64_t i = 0; i < d; i++) minv[i] = a * v->m2[i] / (n - 1) + b;
    } else {
        for (int64_t i = 0; i < d; i++)
            for (int64_t j = 0; j < d; j++) {
                /* symmetrize: Welford's cross products agree only up to rounding */
                double c = 0.5 * (v->m2[i * d + j] + v->m2[j * d + i]) / (n - 1);
                minv[i * d + j] = a * c + (i == j ? b : 0);
            }
    }
    var_restart(v);
}

bool nuts_var_learn(nuts_var *v, nuts_windows *w, const double *theta, double *minv) {
    return nuts_var_learn_rows(v, w, 1, theta, minv);
}

/* Rows of theta (and, with vg, their gradients g) into the window's estimators; at its
 * end the estimate into minv: the regularized variance, or with vg nutpie's diagonal. */
static bool learn_rows(nuts_var *v, nuts_var *vg, nuts_windows *w, int64_t rows, const double *theta,
                       const double *g, double *minv) {
    for (int64_t r = 0; r < rows && in_window(w); r++) {
        var_add(v, theta + r * v->d);
        if (vg) var_add(vg, g + r * v->d);
    }
    bool ends = window_ends(w);
    if (ends) {
        next_window(w);
        if (vg) {
            nuts_gadapt_diag(v->d, v->m2, vg->m2, minv);
            var_restart(v);
            var_restart(vg);
        } else {
            var_finish(v, minv);
        }
    }
    w->counter++;
    return ends;
}

bool nuts_var_learn_rows(nuts_var *v, nuts_windows *w, int64_t rows, const double *theta, double *minv) {
    return learn_rows(v, NULL, w, rows, theta, NULL, minv);
}

bool nuts_var_learn_rows_grad(nuts_var *v, nuts_var *vg, nuts_windows *w, int64_t rows, const double *theta,
                              const double *g, double *minv) {
    return learn_rows(v, vg, w, rows, theta, g, minv);
}
