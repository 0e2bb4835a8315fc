/* enumerate.c — exact enumeration over a grid of choices: discrete supports, and
 * continuous choices by cells (a point per cell, weighted by its volume). Each grid
 * point is scored with assess; the normalized cell probabilities and the log marginal
 * likelihood come out. */
#include <math.h>

#include "kernels_int.h"

static const char *FN = "gen_enumerate";

/* The values of each axis as separate arrays, and the log volume of each cell. */
typedef struct axis_vals {
    int64_t k;
    gen_array **v;  /* k values (scope-owned) */
    double *logvol; /* k log volumes */
} axis_vals;

static gen_status axis_check(int i, const gen_grid_axis *ax, int64_t *k) {
    if (!ax->values) return infer_null(FN, "an axis's values");
    if (gen_array_ndim(ax->values) < 1 || gen_array_dim(ax->values, 0) < 1)
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: axis %d: values must have a leading axis of at least one value", FN, i);
    *k = gen_array_dim(ax->values, 0);
    const gen_array *vol = ax->volumes;
    if (vol && !(gen_array_ndim(vol) == 0 || (gen_array_ndim(vol) == 1 && gen_array_dim(vol, 0) == *k)))
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: axis %d: volumes must be 0-d or [%lld]", FN, i, (long long)*k);
    return GEN_OK;
}

static gen_status axis_load(int i, const gen_grid_axis *ax, axis_vals *a) {
    gen_status s = axis_check(i, ax, &a->k);
    if (s != GEN_OK) return s;
    a->v = core_calloc((size_t)a->k, sizeof *a->v);
    a->logvol = core_calloc((size_t)a->k, sizeof *a->logvol);
    if (!a->v || !a->logvol) return infer_pending();
    for (int64_t j = 0; j < a->k && s == GEN_OK; j++) {
        a->v[j] = gen_take(ax->values, gen_scalar_i64(j), 0);
        double vol = 1;
        if (ax->volumes && gen_array_ndim(ax->volumes) == 0) s = gen_item(ax->volumes, &vol);
        else if (ax->volumes) s = gen_item(gen_take(ax->volumes, gen_scalar_i64(j), 0), &vol);
        if (s == GEN_OK && !a->v[j]) s = infer_pending();
        if (s == GEN_OK && !(vol > 0 && isfinite(vol)))
            s = GEN_FAIL(GEN_ERR_VALUE, "%s: axis %d: cell volume %lld is %g, not a positive number", FN, i, (long long)j, vol);
        a->logvol[j] = log(vol);
    }
    return s;
}

static void axes_free(int n, axis_vals *a) {
    for (int i = 0; i < n; i++) {
        core_free(a[i].v, (size_t)a[i].k * sizeof *a[i].v);
        core_free(a[i].logvol, (size_t)a[i].k * sizeof *a[i].logvol);
    }
}

/* The log joint (plus log cell volume) of grid point p (flat, first axis slowest). */
static gen_status score_point(const gen_gf *model, const gen_args *args, const gen_choicemap *obs,
                              int n, const gen_grid_axis *ax, const axis_vals *a, int64_t p,
                              double *out) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_choicemap *c = (gen_choicemap *)obs;
    double lv = 0;
    int64_t p0 = p;
    for (int i = n - 1; i >= 0 && c; i--) {
        int64_t j = p % a[i].k;
        p /= a[i].k;
        lv += a[i].logvol[j];
        c = gen_choicemap_set(c, &ax[i].addr, a[i].v[j]);
    }
    gen_array *w = NULL;
    s = c ? gen_assess(model, args, c, &w, NULL) : infer_pending();
    if (s == GEN_OK) s = gen_item(w, out);
    if (s != GEN_OK) core_error_prefix("%s: grid point %lld", FN, (long long)p0);
    *out += lv;
    gen_scope_end();
    return s;
}

static gen_status grid_size(int n, const axis_vals *a, int64_t *total) {
    *total = 1;
    for (int i = 0; i < n; i++) {
        if (a[i].k > (INT64_C(1) << 32) / *total)
            return GEN_FAIL(GEN_ERR_VALUE, "%s: the grid has more than 2^32 points", FN);
        *total *= a[i].k;
    }
    return GEN_OK;
}

static gen_status normalize(const double *lw, int64_t total, gen_array **log_probs, double *log_ml) {
    double m = -INFINITY, acc = 0;
    for (int64_t p = 0; p < total; p++) m = lw[p] > m ? lw[p] : m;
    if (m == -INFINITY) return GEN_FAIL(GEN_ERR_VALUE, "%s: every grid point has probability zero", FN);
    if (!isfinite(m)) return GEN_FAIL(GEN_ERR_VALUE, "%s: a grid point has log density %g", FN, m);
    for (int64_t p = 0; p < total; p++) acc += exp(lw[p] - m);
    double lml = m + log(acc);
    if (log_ml) *log_ml = lml;
    if (!log_probs) return GEN_OK;
    double *lp = core_alloc((size_t)total * sizeof *lp);
    if (!lp) return infer_pending();
    for (int64_t p = 0; p < total; p++) lp[p] = lw[p] - lml;
    *log_probs = gen_array_from_f64(1, &total, lp);
    core_free(lp, (size_t)total * sizeof *lp);
    return *log_probs ? GEN_OK : infer_pending();
}

gen_status gen_enumerate_with(const gen_gf *model, const gen_args *args, const gen_choicemap *obs,
                              int n_axes, const gen_grid_axis *axes, const gen_progress *progress,
                              gen_array **log_probs, double *log_ml) {
    if (log_probs) *log_probs = NULL;
    if (!model) return infer_null(FN, "the model");
    if (n_axes >= 1 && !axes) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the list of axes is NULL", FN);
    if (n_axes < 1 || !axes) return GEN_FAIL(GEN_ERR_VALUE, "%s: needs at least one axis (got %d)", FN, n_axes);
    if (n_axes > 64) return GEN_FAIL(GEN_ERR_VALUE, "%s: at most 64 axes (got %d)", FN, n_axes);
    if (!obs) obs = gen_choicemap_empty();
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    axis_vals a[64] = {{0}};
    for (int i = 0; i < n_axes && s == GEN_OK; i++) s = axis_load(i, &axes[i], &a[i]);
    int64_t total = 0;
    if (s == GEN_OK) s = grid_size(n_axes, a, &total);
    double *lw = s == GEN_OK ? core_alloc((size_t)total * sizeof *lw) : NULL;
    if (s == GEN_OK && !lw) s = infer_pending();
    infer_run run;
    infer_run_init(&run, FN, "grid points", progress, 1);
    bool stopped = s == GEN_OK && !infer_run_report(&run, 0, "grid", 0, total);
    for (int64_t p = 0; p < total && s == GEN_OK && !stopped; p++) {
        s = score_point(model, args, obs, n_axes, axes, a, p, &lw[p]);
        stopped = s == GEN_OK && !infer_run_report(&run, 0, "grid", p + 1, total) && p + 1 < total;
    }
    if (stopped) s = infer_run_cancelled(&run); /* the probabilities need every point: nothing */
    infer_run_free(&run);
    if (s == GEN_OK) s = normalize(lw, total, log_probs, log_ml);
    if (s == GEN_OK && log_probs && !(*log_probs = gen_scope_return(*log_probs))) s = infer_pending();
    if (s != GEN_OK && log_probs) *log_probs = NULL;
    if (lw) core_free(lw, (size_t)total * sizeof *lw);
    axes_free(n_axes, a);
    gen_scope_end();
    return s;
}

gen_status gen_enumerate(const gen_gf *model, const gen_args *args, const gen_choicemap *obs,
                         int n_axes, const gen_grid_axis *axes, gen_array **log_probs,
                         double *log_ml) {
    return gen_enumerate_with(model, args, obs, n_axes, axes, NULL, log_probs, log_ml);
}
