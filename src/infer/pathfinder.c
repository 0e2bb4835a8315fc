/* pathfinder.c — gen_pathfinder: single- and multi-path Pathfinder (Zhang et al. 2022,
 * as Stan's services/pathfinder): each path follows L-BFGS (pathfinder_lbfgs.c), forms
 * the normal approximation of every iterate (pathfinder_approx.c), keeps the one of the
 * best ELBO and draws from it; several paths are pooled and resampled by PSIS weights
 * (pathfinder_psis.c). Also the traces at draws, and NUTS starts from them. */
#include <math.h>
#include <string.h>

#include "pathfinder_int.h"

/* One path's outputs. */
typedef struct pf_path {
    double *theta, *lp, *lq; /* [N, d], [N], [N] */
    double *mu, *cov;        /* [d], [d, d] (cov only when asked) */
    double elbo;
    int64_t best_iter, iters;
    bool ok;                 /* found an approximation */
} pf_path;

/* The settings with the defaults filled in. */
typedef struct pf_settings {
    int m, max_iters, K, P;
    int64_t N, multi;
    double radius, init_alpha, tol_obj, tol_rel_obj, tol_grad, tol_rel_grad, tol_param;
    bool at_trace, cov;
} pf_settings;

static gen_status settings_of(const char *fn, const gen_pathfinder_config *c, pf_settings *s) {
    gen_pathfinder_config z = {0};
    if (!c) c = &z;
    if (c->history < 0 || c->history > 32)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: history must be in 1..32 (0: 5), got %d", fn, c->history);
    if (c->max_iters < 0) return GEN_FAIL(GEN_ERR_VALUE, "%s: max_iters must be >= 0 (0: 1000), got %d", fn, c->max_iters);
    if (c->elbo_draws < 0)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: elbo_draws must be >= 0 (0: 25), got %d", fn, c->elbo_draws);
    if (c->draws < 0 || c->draws > (1 << 26))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: draws must be in 0..2^26 (0: 1000), got %lld", fn, (long long)c->draws);
    if (c->paths < 0 || c->paths > 256) return GEN_FAIL(GEN_ERR_VALUE, "%s: paths must be in 0..256 (0: 4), got %d", fn, c->paths);
    if (c->multi_draws < 0 || c->multi_draws > (1 << 26))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: multi_draws must be in 0..2^26 (0: 1000), got %lld", fn,
                        (long long)c->multi_draws);
    const double *tol[] = {&c->init_radius, &c->init_alpha, &c->tol_obj, &c->tol_rel_obj, &c->tol_grad,
                           &c->tol_rel_grad, &c->tol_param};
    const char *names[] = {"init_radius", "init_alpha", "tol_obj", "tol_rel_obj", "tol_grad", "tol_rel_grad", "tol_param"};
    for (int i = 0; i < 7; i++)
        if (!(*tol[i] >= 0) || !isfinite(*tol[i]))
            return GEN_FAIL(GEN_ERR_VALUE, "%s: %s must be finite and >= 0 (0: the default), got %g", fn, names[i], *tol[i]);
    *s = (pf_settings){c->history ? c->history : 5, c->max_iters ? c->max_iters : 1000, c->elbo_draws ? c->elbo_draws : 25,
                       c->paths ? c->paths : 4, c->draws ? c->draws : 1000, c->multi_draws ? c->multi_draws : 1000,
                       c->init_radius > 0 ? c->init_radius : 2, c->init_alpha > 0 ? c->init_alpha : 1e-3,
                       c->tol_obj > 0 ? c->tol_obj : 1e-12, c->tol_rel_obj > 0 ? c->tol_rel_obj : 1e4,
                       c->tol_grad > 0 ? c->tol_grad : 1e-8, c->tol_rel_grad > 0 ? c->tol_rel_grad : 1e7,
                       c->tol_param > 0 ? c->tol_param : 1e-8, c->init_at_trace, c->covariance};
    return GEN_OK;
}

/* The start: the trace's point, or uniform in (-r, r)^d until the model takes it (100
 * tries); *found false when none. */
static gen_status start_point(const gen_target *t, int64_t d, const pf_settings *set, gen_key key, double *x,
                              double *g, bool *found) {
    double lp = 0;
    *found = false;
    gen_status s = gen_array_copy_to(gen_target_position(t), GEN_F64, x, (size_t)d * sizeof(double));
    for (int attempt = 0; s == GEN_OK && attempt < (set->at_trace ? 1 : 100); attempt++) {
        if (!set->at_trace) {
            if ((s = gen_scope_begin()) != GEN_OK) break;
            gen_array *u = gen_random_uniform(gen_key_fold_in(key, (uint64_t)attempt), GEN_F64, 1, &d);
            if (!u) s = infer_pending();
            for (int64_t i = 0; s == GEN_OK && i < d; i++)
                x[i] = set->radius * (2 * ((const double *)gen_array_data(u))[i] - 1);
            gen_scope_end();
        }
        gen_divergence why = GEN_DIVERGENCE_NONE;
        if (s == GEN_OK) s = hmc_eval_proposed(t, d, x, &lp, g, &why);
        if (s == GEN_OK && why == GEN_DIVERGENCE_NONE) {
            *found = true;
            break;
        }
    }
    return s;
}

/* n draws from a into theta [n, d], lq, lp (the target's log density, -inf where the
 * model rejects the point); normals from key. */
static gen_status draw_from(const gen_target *t, const pf_approx *a, gen_key key, int64_t n, double *theta, double *lq,
                            double *lp, double *work, int64_t *evals) {
    int64_t d = a->d;
    double *u = work, *g = work + d, *scratch = work + 2 * d;
    gen_key keys[1];
    gen_status s = gen_key_split(key, 1, keys);
    for (int64_t j = 0; s == GEN_OK && j < n; j++) {
        if ((s = hmc_normals(gen_key_fold_in(keys[0], (uint64_t)j), d, u)) != GEN_OK) break;
        lq[j] = pf_approx_draw(a, u, theta + j * d, scratch);
        gen_divergence why = GEN_DIVERGENCE_NONE;
        s = hmc_eval_proposed(t, d, theta + j * d, &lp[j], g, &why);
        ++*evals;
    }
    return s;
}

/* One path into out (out->ok false, *why set, when it is dropped). */
static gen_status run_path(const gen_target *t, int64_t d, const pf_settings *set, gen_key key, pf_path *out,
                           int64_t *evals, const char **why) {
    gen_key k[3];
    gen_status s = gen_key_split(key, 3, k);
    int m = set->m, K = set->K;
    pf_lbfgs o = {.t = t, .d = d, .m = m, .init_alpha = set->init_alpha, .tol_obj = set->tol_obj,
                  .tol_rel_obj = set->tol_rel_obj, .tol_grad = set->tol_grad, .tol_rel_grad = set->tol_rel_grad,
                  .tol_param = set->tol_param, .max_iters = set->max_iters};
    size_t nbuf = (size_t)(d * (4 + 2 * (int64_t)m + 2 * (int64_t)K) + 2 * K + 4 * m + 8);
    double *buf = s == GEN_OK ? core_calloc(nbuf, sizeof(double)) : NULL;
    if (s == GEN_OK && !buf) s = GEN_ERR_OOM;
    pf_approx best = {0}, cur = {0};
    if (s != GEN_OK) return s;
    double *x0 = buf, *alpha = x0 + d, *S = alpha + d, *Y = S + m * d, *kth = Y + m * d, *tmp = kth + K * d;
    double *klp = tmp + K * d, *klq = klp + K, *work = klq + K; /* work: 2 d + 4 m */
    double *bth = NULL, *blp = NULL, *blq = NULL;
    bool found = false;
    s = start_point(t, d, set, k[0], x0, alpha, &found);
    if (s == GEN_OK && !found) *why = "no initial point with a finite log density and gradient in 100 tries";
    if (s == GEN_OK && found) s = pf_lbfgs_init(&o, x0);
    for (int64_t i = 0; i < d; i++) alpha[i] = 1;
    int nh = 0;
    out->elbo = -INFINITY;
    size_t nb = (size_t)(K * d + 2 * K + 1);
    bth = found && s == GEN_OK ? core_alloc(nb * sizeof(double)) : NULL;
    if (found && s == GEN_OK && !bth) s = GEN_ERR_OOM;
    if (bth) blp = bth + K * d, blq = blp + K;
    for (int code = PF_STEP_OK; found && s == GEN_OK && code == PF_STEP_OK;) {
        if ((s = pf_lbfgs_step(&o, &code)) != GEN_OK || code == PF_STEP_FAILED) break;
        out->iters = o.iter;
        const double *sv = o.x, *yv = o.g; /* the pair (x - xp, g - gp) */
        double *sn = work, *yn = work + d, sy = 0, yy = 0;
        for (int64_t i = 0; i < d; i++) sn[i] = sv[i] - o.xp[i], yn[i] = yv[i] - o.gp[i];
        for (int64_t i = 0; i < d; i++) sy += sn[i] * yn[i], yy += yn[i] * yn[i];
        if (!(sy > 0 && yy / sy <= 1e12)) continue; /* Stan's check_curve: not a usable pair */
        double yay = 0, sas = 0;
        for (int64_t i = 0; i < d; i++) yay += yn[i] * alpha[i] * yn[i], sas += sn[i] * sn[i] / alpha[i];
        for (int64_t i = 0; i < d; i++) /* the diagonal's update (Gilbert and Lemarechal, eq 4.9) */
            alpha[i] = sy / (yay / alpha[i] + yn[i] * yn[i] - yay / sas * (sn[i] / alpha[i]) * (sn[i] / alpha[i]));
        if (nh == m) { /* oldest first */
            memmove(S, S + d, (size_t)((m - 1) * d) * sizeof(double));
            memmove(Y, Y + d, (size_t)((m - 1) * d) * sizeof(double));
            nh--;
        }
        memcpy(S + nh * d, sn, (size_t)d * sizeof(double));
        memcpy(Y + nh * d, yn, (size_t)d * sizeof(double));
        nh++;
        s = pf_approx_make(&cur, d, nh, S, Y, alpha, o.x, o.g);
        if (s == GEN_ERR_LINALG) { /* no approximation at this iterate */
            gen_error_clear();
            s = GEN_OK;
            continue;
        }
        if (s == GEN_OK) s = draw_from(t, &cur, gen_key_fold_in(k[1], (uint64_t)o.iter), K, kth, klq, klp, work, evals);
        double elbo = 0;
        for (int j = 0; j < K; j++) elbo += klp[j] - klq[j];
        elbo /= K;
        if (s == GEN_OK && elbo > out->elbo) {
            out->elbo = elbo;
            out->best_iter = o.iter;
            pf_approx_free(&best);
            best = cur;
            cur = (pf_approx){0};
            memcpy(bth, kth, (size_t)(K * d) * sizeof(double));
            memcpy(blp, klp, (size_t)K * sizeof(double));
            memcpy(blq, klq, (size_t)K * sizeof(double));
        }
        pf_approx_free(&cur);
    }
    *evals += o.n_evals;
    if (s == GEN_OK && found && !best.mu) *why = "no approximation with a finite ELBO along the L-BFGS path";
    if (s == GEN_OK && best.mu) { /* the draws: the best ELBO's, then new ones */
        int64_t N = set->N, reuse = N < K ? N : K;
        out->theta = core_alloc((size_t)(N * d + 2 * N + d + (set->cov ? d * d : 0) + 1) * sizeof(double));
        if (!out->theta) s = GEN_ERR_OOM;
        if (s == GEN_OK) {
            out->lp = out->theta + N * d, out->lq = out->lp + N, out->mu = out->lq + N;
            out->cov = set->cov ? out->mu + d : NULL;
            memcpy(out->theta, bth, (size_t)(reuse * d) * sizeof(double));
            memcpy(out->lp, blp, (size_t)reuse * sizeof(double));
            memcpy(out->lq, blq, (size_t)reuse * sizeof(double));
            memcpy(out->mu, best.mu, (size_t)d * sizeof(double));
            if (out->cov) pf_approx_cov(&best, out->cov);
            s = draw_from(t, &best, k[2], N - reuse, out->theta + reuse * d, out->lq + reuse, out->lp + reuse, work,
                          evals);
            out->ok = s == GEN_OK;
        }
    }
    pf_approx_free(&best);
    pf_approx_free(&cur);
    if (bth) core_free(bth, nb * sizeof(double));
    pf_lbfgs_free(&o);
    core_free(buf, nbuf * sizeof(double));
    return s;
}

static void path_free(pf_path *p, int64_t N, int64_t d, bool cov) {
    if (p->theta) core_free(p->theta, (size_t)(N * d + 2 * N + d + (cov ? d * d : 0) + 1) * sizeof(double));
    p->theta = NULL;
}

/* An f64 (or i64) array from plain values in the current scope; NULL on failure. */
static gen_array *arr(gen_dtype dt, int ndim, const int64_t *shape, const void *v) {
    return gen_array_from(dt, ndim, shape, v);
}

/* The result arrays from the paths (rows: the pooled draws' indices idx, n of them). */
static gen_status make_result(gen_target *t, const pf_settings *set, int64_t d, int64_t dims, pf_path *paths,
                              const int64_t *idx, const int *row_path, const int64_t *row_draw, int64_t n,
                              gen_pathfinder_result *r) {
    int P = set->P;
    size_t nv = (size_t)(n * (d + dims + 2) + P * (2 + d) + d + 1);
    double *v = core_alloc(nv * sizeof(double));
    int64_t *iv = core_alloc((size_t)(2 * P + 1) * sizeof(int64_t));
    gen_status s = v && iv ? GEN_OK : GEN_ERR_OOM;
    double *th = v, *x = th + n * d, *lp = x + n * dims, *lq = lp + n, *el = lq + n, *mu = el + P, *var = mu + P * d;
    for (int64_t j = 0; s == GEN_OK && j < n; j++) {
        const pf_path *p = &paths[row_path[idx[j]]];
        int64_t k = row_draw[idx[j]];
        memcpy(th + j * d, p->theta + k * d, (size_t)d * sizeof(double));
        lp[j] = p->lp[k], lq[j] = p->lq[k];
        s = target_values_at(t, th + j * d, dims, x + j * dims);
    }
    for (int c = 0; s == GEN_OK && c < P; c++) {
        el[c] = paths[c].ok ? paths[c].elbo : -INFINITY;
        iv[c] = paths[c].best_iter, iv[P + c] = paths[c].iters;
        for (int64_t i = 0; i < d; i++) mu[c * d + i] = paths[c].ok ? paths[c].mu[i] : NAN;
    }
    for (int64_t i = 0; s == GEN_OK && i < d; i++) {
        double m = 0, q = 0;
        for (int64_t j = 0; j < n; j++) m += th[j * d + i];
        m /= (double)n;
        for (int64_t j = 0; j < n; j++) q += (th[j * d + i] - m) * (th[j * d + i] - m);
        var[i] = n > 1 ? q / (double)(n - 1) : NAN;
    }
    if (s == GEN_OK) {
        r->draws = arr(GEN_F64, 2, (int64_t[]){n, dims}, x);
        r->unconstrained = arr(GEN_F64, 2, (int64_t[]){n, d}, th);
        r->logp = arr(GEN_F64, 1, &n, lp);
        r->logq = arr(GEN_F64, 1, &n, lq);
        r->elbo = arr(GEN_F64, 1, (int64_t[]){P}, el);
        r->best_iter = arr(GEN_I64, 1, (int64_t[]){P}, iv);
        r->iters = arr(GEN_I64, 1, (int64_t[]){P}, iv + P);
        r->mean = arr(GEN_F64, 2, (int64_t[]){P, d}, mu);
        r->inv_metric = arr(GEN_F64, 1, &d, var);
        size_t ncv = set->cov ? (size_t)(P * d * d + 1) : 0;
        double *cv = set->cov ? core_alloc(ncv * sizeof(double)) : NULL;
        for (int c = 0; cv && c < P; c++)
            for (int64_t i = 0; i < d * d; i++) cv[c * d * d + i] = paths[c].ok ? paths[c].cov[i] : NAN;
        if (cv) r->cov = arr(GEN_F64, 3, (int64_t[]){P, d, d}, cv);
        if (cv) core_free(cv, ncv * sizeof(double));
        if (!r->draws || !r->unconstrained || !r->logp || !r->logq || !r->elbo || !r->best_iter || !r->iters ||
            !r->mean || !r->inv_metric || (set->cov && !r->cov))
            s = infer_pending();
    }
    if (v) core_free(v, nv * sizeof(double));
    if (iv) core_free(iv, (size_t)(2 * P + 1) * sizeof(int64_t));
    return s;
}

/* Hands r's arrays to the caller's scope. */
static gen_status publish(gen_pathfinder_result *out, const gen_pathfinder_result *r) {
    gen_array *const *src[] = {&r->draws, &r->unconstrained, &r->logp, &r->logq, &r->elbo, &r->best_iter,
                               &r->iters, &r->mean, &r->cov, &r->inv_metric};
    gen_array **dst[] = {&out->draws, &out->unconstrained, &out->logp, &out->logq, &out->elbo, &out->best_iter,
                         &out->iters, &out->mean, &out->cov, &out->inv_metric};
    for (size_t i = 0; i < sizeof src / sizeof *src; i++)
        if (*src[i] && !(*dst[i] = gen_scope_return(*src[i]))) return infer_pending();
    out->pareto_k = r->pareto_k;
    out->n_evals = r->n_evals;
    return GEN_OK;
}

static void result_release(gen_pathfinder_result *out) {
    gen_array **all[] = {&out->draws, &out->unconstrained, &out->logp, &out->logq, &out->elbo, &out->best_iter,
                         &out->iters, &out->mean, &out->cov, &out->inv_metric};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) gen_array_release(*all[i]);
}

gen_status gen_pathfinder(gen_key key, const gen_trace *tr, const gen_selection *sel,
                          const gen_pathfinder_config *cfg, gen_pathfinder_result *out) {
    const char *fn = "gen_pathfinder";
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out is NULL", fn);
    *out = (gen_pathfinder_result){0};
    if (!tr || !sel) return infer_null(fn, tr ? "the selection" : "the trace");
    pf_settings set = {0};
    gen_status s = settings_of(fn, cfg, &set);
    if (s != GEN_OK) return s;
    gen_target *t = gen_target_new(tr, sel);
    if (!t) {
        core_error_prefix("%s", fn);
        return infer_pending();
    }
    int64_t d = gen_target_dim(t), dims = gen_choicemap_flat_size(gen_trace_choices(tr), sel), evals = 0;
    if (dims < 0) {
        gen_target_free(t);
        core_error_prefix("%s", fn);
        return infer_pending();
    }
    int P = set.P;
    int64_t N = set.N, pool = (int64_t)P * N;
    pf_path *paths = core_calloc((size_t)P, sizeof *paths);
    int64_t *row_draw = core_alloc((size_t)(2 * pool + set.multi + 1) * sizeof(int64_t));
    int *row_path = core_alloc((size_t)(pool + 1) * sizeof(int));
    double *lw = core_alloc((size_t)(pool + 1) * sizeof(double));
    if (!paths || !row_draw || !row_path || !lw) s = GEN_ERR_OOM;
    const char *why = NULL;
    int why_path = -1, n_ok = 0;
    for (int p = 0; s == GEN_OK && p < P; p++) {
        const char *w = NULL;
        s = run_path(t, d, &set, gen_key_fold_in(key, (uint64_t)p), &paths[p], &evals, &w);
        if (s != GEN_OK) core_error_prefix("%s: path %d", fn, p);
        if (w && !why) why = w, why_path = p;
        n_ok += paths[p].ok;
    }
    if (s == GEN_OK && n_ok == 0) s = GEN_FAIL(GEN_ERR_VALUE, "%s: path %d: %s", fn, why_path, why);
    int64_t n = 0, *idx = row_draw + pool;
    double khat = NAN;
    if (s == GEN_OK) { /* the pooled draws, then (several paths) PSIS resampling */
        for (int p = 0; p < P; p++)
            for (int64_t j = 0; paths[p].ok && j < N; j++, n++) {
                row_path[n] = p, row_draw[n] = j;
                lw[n] = paths[p].lp[j] - paths[p].lq[j];
                if (isnan(lw[n])) lw[n] = -INFINITY;
            }
        if (P == 1) {
            for (int64_t j = 0; j < n; j++) idx[j] = j;
        } else {
            khat = pf_psis(lw, n);
            if ((s = gen_scope_begin()) == GEN_OK) {
                gen_array *w = gen_array_from(GEN_F64, 1, &n, lw);
                s = w ? gen_resample(gen_key_fold_in(key, (uint64_t)P), w, GEN_RESAMPLE_MULTINOMIAL, set.multi, idx)
                      : infer_pending();
                gen_scope_end();
            }
            n = set.multi;
        }
    }
    if (s == GEN_OK) {
        bool caller_owned = gen_scope_depth() == 0;
        gen_pathfinder_result r = {.pareto_k = khat, .n_evals = evals};
        if ((s = gen_scope_begin()) == GEN_OK) {
            s = make_result(t, &set, d, dims, paths, idx, row_path, row_draw, n, &r);
            if (s == GEN_OK) s = publish(out, &r);
            gen_scope_end();
        }
        if (s != GEN_OK && caller_owned) result_release(out);
        if (s != GEN_OK) *out = (gen_pathfinder_result){0};
    }
    for (int p = 0; paths && p < P; p++) path_free(&paths[p], N, d, set.cov);
    if (paths) core_free(paths, (size_t)P * sizeof *paths);
    if (row_draw) core_free(row_draw, (size_t)(2 * pool + set.multi + 1) * sizeof(int64_t));
    if (row_path) core_free(row_path, (size_t)(pool + 1) * sizeof(int));
    if (lw) core_free(lw, (size_t)(pool + 1) * sizeof(double));
    gen_target_free(t);
    return s;
}

gen_status gen_pathfinder_trace(const gen_trace *tr, const gen_selection *sel,
                                const gen_pathfinder_result *r, int64_t i, gen_trace **out) {
    const char *fn = "gen_pathfinder_trace";
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out is NULL", fn);
    *out = NULL;
    if (!tr || !sel || !r) return infer_null(fn, !tr ? "the trace" : !sel ? "the selection" : "the result");
    if (!r->unconstrained) return GEN_FAIL(GEN_ERR_VALUE, "%s: the result has no draws (a failed call's?)", fn);
    const int64_t *sh = gen_array_shape(r->unconstrained);
    if (i < 0 || i >= sh[0])
        return GEN_FAIL(GEN_ERR_VALUE, "%s: draw %lld is outside the result's %lld draws", fn, (long long)i,
                        (long long)sh[0]);
    gen_target *t = gen_target_new(tr, sel);
    if (!t) {
        core_error_prefix("%s", fn);
        return infer_pending();
    }
    int64_t d = gen_target_dim(t);
    gen_status s = d == sh[1] ? gen_scope_begin()
                              : GEN_FAIL(GEN_ERR_VALUE, "%s: the selection has %lld unconstrained coordinates, the "
                                         "result %lld", fn, (long long)d, (long long)sh[1]);
    if (s == GEN_OK) {
        gen_array *th = gen_array_from(GEN_F64, 1, &d, (const double *)gen_array_data(r->unconstrained) + i * d);
        gen_trace *nt = NULL;
        s = th ? gen_target_trace(t, th, &nt) : infer_pending();
        if (s == GEN_OK && !(*out = gen_trace_scope_return(nt))) s = infer_pending();
        gen_scope_end();
    }
    gen_target_free(t);
    if (s != GEN_OK) core_error_prefix("%s", fn);
    return s;
}

gen_status gen_pathfinder_inits(gen_key key, const gen_trace *tr, const gen_selection *sel,
                                const gen_pathfinder_config *cfg, int n, gen_trace **out,
                                gen_array **inv_metric) {
    const char *fn = "gen_pathfinder_inits";
    if (inv_metric) *inv_metric = NULL;
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out is NULL", fn);
    for (int c = 0; c < n; c++) out[c] = NULL;
    if (!tr || !sel) return infer_null(fn, tr ? "the selection" : "the trace");
    if (n < 1) return GEN_FAIL(GEN_ERR_VALUE, "%s: need n >= 1 traces, got %d", fn, n);
    bool caller_owned = gen_scope_depth() == 0; /* no scope: the caller owns what we return */
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_pathfinder_result r;
    s = gen_pathfinder(key, tr, sel, cfg, &r);
    if (s == GEN_OK && gen_array_shape(r.unconstrained)[0] < n)
        s = GEN_FAIL(GEN_ERR_VALUE, "%s: %d traces asked, Pathfinder made %lld draws", fn, n,
                     (long long)gen_array_shape(r.unconstrained)[0]);
    for (int c = 0; s == GEN_OK && c < n; c++) {
        gen_trace *t = NULL;
        s = gen_pathfinder_trace(tr, sel, &r, c, &t);
        if (s == GEN_OK && !(out[c] = gen_trace_scope_return(t))) s = infer_pending();
    }
    if (s == GEN_OK && inv_metric && !(*inv_metric = gen_scope_return(r.inv_metric))) s = infer_pending();
    gen_scope_end();
    if (s != GEN_OK) {
        for (int c = 0; c < n; c++) {
            if (caller_owned) gen_trace_release(out[c]);
            out[c] = NULL;
        }
        if (inv_metric && caller_owned) gen_array_release(*inv_metric);
        if (inv_metric) *inv_metric = NULL;
    }
    return s;
}
