/* nuts.c — one No-U-Turn transition as in Stan: trajectory doubling in a random
 * direction, multinomial sampling (uniform progressive within subtrees, biased between
 * the old tree and a new subtree), the generalized no-U-turn criterion with the checks
 * across merged subtrees, divergences; plus Stan's initial step size heuristic, the
 * single-step API and the kernel. */
#include <math.h>
#include <string.h>

#include "nuts_int.h"

#define MAX_DELTA_H 1000.0
#define LEVEL_VECS 11 /* per depth: a point (3) and 8 vectors */
#define TOP_VECS 28   /* 5 points (15) and 13 vectors */

gen_status nuts_init(nuts *n, const gen_target *t, int max_depth) {
    int64_t d = gen_target_dim(t);
    *n = (nuts){.t = t, .d = d, .eps = 1, .max_depth = max_depth};
    n->m = (hmc_metric){.kind = 0, .d = d};
    n->ws_n = (size_t)(d * (4 + TOP_VECS + LEVEL_VECS * (max_depth + 1)));
    if (!(n->ws = core_calloc(n->ws_n ? n->ws_n : 1, sizeof(double)))) return GEN_ERR_OOM;
    n->z = (hmc_point){n->ws, n->ws + d, n->ws + 2 * d, 0};
    n->v = n->ws + 3 * d;
    n->top = n->ws + 4 * d;
    n->levels = n->top + TOP_VECS * d;
    return GEN_OK;
}

void nuts_free(nuts *n) {
    if (n->ws) core_free(n->ws, (n->ws_n ? n->ws_n : 1) * sizeof(double));
    hmc_metric_free(&n->m);
    n->ws = NULL;
}

/* A uniform in (0, 1). */
static double uniform(nuts *n) {
    if (n->upos >= NUTS_UBUF) {
        int64_t k = NUTS_UBUF;
        n->upos = 0;
        gen_array *u = NULL;
        if (gen_scope_begin() == GEN_OK) {
            u = gen_random_uniform(gen_key_fold_in(n->key, n->block++), GEN_F64, 1, &k);
            if (u) memcpy(n->ubuf, gen_array_data(u), sizeof n->ubuf);
            gen_scope_end();
        }
        if (!u) { /* the transition goes on with 0.5s and fails at its end */
            if (!n->failed) n->failed = infer_pending();
            for (int i = 0; i < NUTS_UBUF; i++) n->ubuf[i] = 0.5;
        }
    }
    return n->ubuf[n->upos++];
}

static void point_copy(int64_t d, hmc_point *dst, const hmc_point *src) {
    memcpy(dst->theta, src->theta, (size_t)d * sizeof(double));
    memcpy(dst->p, src->p, (size_t)d * sizeof(double));
    memcpy(dst->grad, src->grad, (size_t)d * sizeof(double));
    dst->logp = src->logp;
}

static void vcopy(int64_t d, double *dst, const double *src) { memcpy(dst, src, (size_t)d * sizeof(double)); }
static void vzero(int64_t d, double *x) { memset(x, 0, (size_t)d * sizeof(double)); }
static void vsum(int64_t d, double *dst, const double *a, const double *b) {
    for (int64_t i = 0; i < d; i++) dst[i] = a[i] + b[i];
}

static double hamiltonian(nuts *n, const hmc_point *x) {
    double h = -x->logp + hmc_kinetic(&n->m, x->p, n->v);
    return isnan(h) ? INFINITY : h;
}

/* A subtree of 2^depth leapfrog steps from n->z in direction sign (Stan's build_tree):
 * *z_propose its multinomial draw, the momenta and sharp momenta (M^-1 p) at its two
 * ends, rho += its summed momentum, *lsw log-added its log weight; *valid false on a
 * divergence or a U-turn inside it. */
static gen_status build_tree(nuts *n, int depth, hmc_point *z_propose, double *p_sharp_beg,
                             double *p_sharp_end, double *rho, double *p_beg, double *p_end, int sign,
                             double *lsw, bool *valid) {
    int64_t d = n->d;
    if (depth == 0) {
        gen_divergence why = GEN_DIVERGENCE_NONE;
        gen_status s = hmc_leapfrog(n->t, &n->m, sign * n->eps, &n->z, n->v, &why);
        if (s != GEN_OK) return s;
        n->n_leapfrog++;
        double h = why == GEN_DIVERGENCE_NONE ? hamiltonian(n, &n->z) : INFINITY;
        if (h - n->H0 > MAX_DELTA_H) {
            n->divergent = true;
            n->why = why != GEN_DIVERGENCE_NONE ? why : GEN_DIVERGENCE_ENERGY;
        }
        *lsw = nuts_log_add(*lsw, n->H0 - h);
        n->sum_metro += n->H0 - h > 0 ? 1 : exp(n->H0 - h);
        point_copy(d, z_propose, &n->z);
        hmc_apply_minv(&n->m, n->z.p, p_sharp_beg);
        vcopy(d, p_sharp_end, p_sharp_beg);
        for (int64_t i = 0; i < d; i++) rho[i] += n->z.p[i];
        vcopy(d, p_beg, n->z.p);
        vcopy(d, p_end, n->z.p);
        *valid = !n->divergent;
        return GEN_OK;
    }
    double *w = n->levels + (size_t)(depth * LEVEL_VECS * d);
    hmc_point z_final = {w, w + d, w + 2 * d, 0};
    double *p_init_end = w + 3 * d, *p_sharp_init_end = w + 4 * d, *rho_init = w + 5 * d;
    double *p_final_beg = w + 6 * d, *p_sharp_final_beg = w + 7 * d, *rho_final = w + 8 * d;
    double *rho_ext = w + 9 * d;
    double lsw_init = -INFINITY, lsw_final = -INFINITY;
    vzero(d, rho_init);
    gen_status s = build_tree(n, depth - 1, z_propose, p_sharp_beg, p_sharp_init_end, rho_init, p_beg,
                              p_init_end, sign, &lsw_init, valid);
    if (s != GEN_OK || !*valid) return s;
    vzero(d, rho_final);
    s = build_tree(n, depth - 1, &z_final, p_sharp_final_beg, p_sharp_end, rho_final, p_final_beg, p_end,
                   sign, &lsw_final, valid);
    if (s != GEN_OK || !*valid) return s;
    /* uniform progressive sampling between the two halves */
    double lsw_sub = nuts_log_add(lsw_init, lsw_final);
    *lsw = nuts_log_add(*lsw, lsw_sub);
    if (lsw_final > lsw_sub || uniform(n) < exp(lsw_final - lsw_sub)) point_copy(d, z_propose, &z_final);
    /* across the two halves: each half extended by the first point of the other */
    vsum(d, rho_ext, rho_init, p_final_beg);
    bool persist = nuts_criterion(d, p_sharp_beg, p_sharp_final_beg, rho_ext);
    vsum(d, rho_ext, rho_final, p_init_end);
    persist = nuts_criterion(d, p_sharp_init_end, p_sharp_end, rho_ext) && persist;
    double *rho_sub = rho_init; /* rho_init + rho_final, in place */
    for (int64_t i = 0; i < d; i++) rho_sub[i] += rho_final[i];
    for (int64_t i = 0; i < d; i++) rho[i] += rho_sub[i];
    persist = nuts_criterion(d, p_sharp_beg, p_sharp_end, rho_sub) && persist;
    *valid = persist;
    return GEN_OK;
}

gen_status nuts_transition(nuts *n, hmc_point *x, gen_key key, gen_nuts_stats *st) {
    int64_t d = n->d;
    double *T = n->top;
    hmc_point z_fwd = {T, T + d, T + 2 * d, 0}, z_bck = {T + 3 * d, T + 4 * d, T + 5 * d, 0};
    hmc_point z_sample = {T + 6 * d, T + 7 * d, T + 8 * d, 0}, z_propose = {T + 9 * d, T + 10 * d, T + 11 * d, 0};
    double *p_fwd_fwd = T + 15 * d, *ps_fwd_fwd = T + 16 * d, *p_fwd_bck = T + 17 * d, *ps_fwd_bck = T + 18 * d;
    double *p_bck_fwd = T + 19 * d, *ps_bck_fwd = T + 20 * d, *p_bck_bck = T + 21 * d, *ps_bck_bck = T + 22 * d;
    double *rho = T + 23 * d, *rho_fwd = T + 24 * d, *rho_bck = T + 25 * d, *rho_ext = T + 26 * d;
    n->key = gen_key_fold_in(key, 1);
    n->block = 0;
    n->upos = NUTS_UBUF;
    n->failed = GEN_OK;
    gen_status s = hmc_normals(gen_key_fold_in(key, 0), d, n->v);
    if (s != GEN_OK) return s;
    hmc_draw_momentum(&n->m, n->v, x->p);
    point_copy(d, &z_fwd, x);
    point_copy(d, &z_bck, x);
    point_copy(d, &z_sample, x);
    point_copy(d, &z_propose, x);
    vcopy(d, p_fwd_fwd, x->p);
    hmc_apply_minv(&n->m, x->p, ps_fwd_fwd);
    vcopy(d, p_fwd_bck, x->p);
    vcopy(d, ps_fwd_bck, ps_fwd_fwd);
    vcopy(d, p_bck_fwd, x->p);
    vcopy(d, ps_bck_fwd, ps_fwd_fwd);
    vcopy(d, p_bck_bck, x->p);
    vcopy(d, ps_bck_bck, ps_fwd_fwd);
    vcopy(d, rho, x->p);
    double lsw = 0;
    n->H0 = hamiltonian(n, x);
    n->n_leapfrog = 0;
    n->sum_metro = 0;
    n->divergent = false;
    n->why = GEN_DIVERGENCE_NONE;
    int depth = 0;
    while (depth < n->max_depth) {
        vzero(d, rho_fwd);
        vzero(d, rho_bck);
        double lsw_sub = -INFINITY;
        bool valid = false;
        if (uniform(n) > 0.5) { /* forwards: the old tree becomes the backward part */
            vcopy(d, rho_bck, rho);
            vcopy(d, p_bck_fwd, p_fwd_fwd);
            vcopy(d, ps_bck_fwd, ps_fwd_fwd);
            point_copy(d, &n->z, &z_fwd);
            s = build_tree(n, depth, &z_propose, ps_fwd_bck, ps_fwd_fwd, rho_fwd, p_fwd_bck, p_fwd_fwd, 1,
                           &lsw_sub, &valid);
            point_copy(d, &z_fwd, &n->z);
        } else {
            vcopy(d, rho_fwd, rho);
            vcopy(d, p_fwd_bck, p_bck_bck);
            vcopy(d, ps_fwd_bck, ps_bck_bck);
            point_copy(d, &n->z, &z_bck);
            s = build_tree(n, depth, &z_propose, ps_bck_fwd, ps_bck_bck, rho_bck, p_bck_fwd, p_bck_bck, -1,
                           &lsw_sub, &valid);
            point_copy(d, &z_bck, &n->z);
        }
        if (s != GEN_OK) return s;
        if (!valid) break;
        depth++;
        /* biased progressive sampling: favour the new subtree */
        if (lsw_sub > lsw || uniform(n) < exp(lsw_sub - lsw)) point_copy(d, &z_sample, &z_propose);
        lsw = nuts_log_add(lsw, lsw_sub);
        vsum(d, rho, rho_bck, rho_fwd);
        bool persist = nuts_criterion(d, ps_bck_bck, ps_fwd_fwd, rho);
        vsum(d, rho_ext, rho_bck, p_fwd_bck);
        persist = persist && nuts_criterion(d, ps_bck_bck, ps_fwd_bck, rho_ext);
        vsum(d, rho_ext, rho_fwd, p_bck_fwd);
        persist = persist && nuts_criterion(d, ps_bck_fwd, ps_fwd_fwd, rho_ext);
        if (!persist) break;
    }
    if (n->failed) return n->failed;
    point_copy(d, x, &z_sample);
    if (st) {
        *st = (gen_nuts_stats){.logp = x->logp,
                               .accept_stat = n->n_leapfrog ? n->sum_metro / (double)n->n_leapfrog : 0,
                               .step_size = n->eps,
                               .tree_depth = depth,
                               .n_leapfrog = (int)n->n_leapfrog,
                               .divergent = n->divergent,
                               .energy = hamiltonian(n, x),
                               .divergence = n->why};
    }
    return GEN_OK;
}

/* The acceptance log probability H0 - H1 of one leapfrog step of size n->eps from x
 * with a fresh momentum (x is left unchanged). */
static gen_status one_step(nuts *n, const hmc_point *x, gen_key key, double *delta_h) {
    gen_status s = hmc_normals(key, n->d, n->v);
    if (s != GEN_OK) return s;
    point_copy(n->d, &n->z, x);
    hmc_draw_momentum(&n->m, n->v, n->z.p);
    double h0 = hamiltonian(n, &n->z);
    gen_divergence why = GEN_DIVERGENCE_NONE;
    s = hmc_leapfrog(n->t, &n->m, n->eps, &n->z, n->v, &why);
    double h = why == GEN_DIVERGENCE_NONE ? hamiltonian(n, &n->z) : INFINITY;
    n->why = why;
    *delta_h = h0 - h;
    return s;
}

gen_status nuts_init_stepsize(nuts *n, const hmc_point *x, gen_key key) {
    if (n->eps == 0 || n->eps > 1e7 || isnan(n->eps)) return GEN_OK;
    double dh = 0;
    gen_status s = one_step(n, x, gen_key_fold_in(key, 0), &dh);
    int direction = dh > log(0.8) ? 1 : -1;
    for (uint64_t i = 1; s == GEN_OK; i++) {
        if ((s = one_step(n, x, gen_key_fold_in(key, i), &dh)) != GEN_OK) break;
        if (direction == 1 && !(dh > log(0.8))) break;
        if (direction == -1 && !(dh < log(0.8))) break;
        n->eps = direction == 1 ? 2 * n->eps : 0.5 * n->eps;
        if (n->eps > 1e7)
            return GEN_FAIL(GEN_ERR_VALUE, "the step size search passed 1e7: the log density hardly changes "
                            "along any momentum (a flat direction: the posterior may be improper)");
        if (n->eps == 0)
            return GEN_FAIL(GEN_ERR_VALUE, "no acceptably small step size: even the smallest step from the starting "
                            "point is rejected (%s; the gradient may disagree with the log density)",
                            infer_divergence_name(n->why != GEN_DIVERGENCE_NONE ? n->why : GEN_DIVERGENCE_ENERGY));
    }
    return s;
}

gen_status gen_nuts(const gen_trace *tr, gen_key key, const gen_selection *sel, double step,
                    const gen_array *inv_metric, int max_depth, gen_trace **out,
                    gen_nuts_stats *stats) {
    const char *fn = "gen_nuts";
    if (out) *out = NULL;
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out is NULL", fn);
    if (!(step > 0) || !isfinite(step)) return GEN_FAIL(GEN_ERR_VALUE, "%s: need a finite step > 0 (got %g)", fn, step);
    if (max_depth < 0 || max_depth > GEN_NUTS_MAX_DEPTH)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: max_depth must be in 1..%d (0: 10), got %d", fn, GEN_NUTS_MAX_DEPTH, max_depth);
    if (max_depth == 0) max_depth = 10;
    if (!tr || !sel) return infer_null(fn, tr ? "the selection" : "the trace");
    gen_target *t = gen_target_new(tr, sel);
    if (!t) return infer_pending();
    nuts n;
    gen_status s = nuts_init(&n, t, max_depth);
    if (s == GEN_OK) s = hmc_metric_init(&n.m, inv_metric, n.d);
    int64_t d = n.d;
    double *buf = s == GEN_OK ? core_alloc((size_t)(3 * d + 1) * sizeof(double)) : NULL;
    if (s == GEN_OK && !buf) s = GEN_ERR_OOM;
    if (s == GEN_OK) {
        hmc_point x = {buf, buf + d, buf + 2 * d, 0};
        n.eps = step;
        s = gen_array_copy_to(gen_target_position(t), GEN_F64, x.theta, (size_t)d * sizeof(double));
        if (s == GEN_OK) s = hmc_eval_start(t, d, x.theta, &x.logp, x.grad);
        gen_nuts_stats st;
        if (s == GEN_OK) s = nuts_transition(&n, &x, key, &st);
        if (s == GEN_OK && stats) *stats = st;
        bool moved = s == GEN_OK && memcmp(x.theta, gen_array_data(gen_target_position(t)), (size_t)d * sizeof(double)) != 0;
        if (s == GEN_OK && (s = gen_scope_begin()) == GEN_OK) { /* *out goes to the caller's scope */
            gen_trace *nt = (gen_trace *)tr;
            if (moved) {
                gen_array *th = gen_array_from(GEN_F64, 1, &d, x.theta);
                s = th ? gen_target_trace(t, th, &nt) : infer_pending();
            }
            if (s == GEN_OK && !(*out = gen_trace_scope_return(nt))) s = infer_pending();
            gen_scope_end();
        }
    }
    if (buf) core_free(buf, (size_t)(3 * d + 1) * sizeof(double));
    nuts_free(&n);
    gen_target_free(t);
    if (s != GEN_OK) {
        if (out) *out = NULL;
        core_error_prefix("%s", fn);
    }
    return s;
}

static gen_status nuts_fn(void *p, gen_key key, const gen_trace *tr, gen_trace **out, bool *acc) {
    if (CORE_UNLIKELY(!p)) return infer_kernel_null("nuts", NULL);
    const gen_nuts_kernel *k = p;
    gen_status s = gen_nuts(tr, key, k->sel, k->step, k->inv_metric, k->max_depth, out, NULL);
    *acc = s == GEN_OK && *out != tr;
    return s;
}

gen_kernel gen_kernel_nuts(gen_nuts_kernel *k) { return (gen_kernel){.fn = nuts_fn, .payload = k}; }
