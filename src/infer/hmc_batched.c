/* hmc_batched.c — HMC and MALA on a batched trace: every particle is a chain. One target
 * is built from particle 0 (gen_target is scalar), every particle's point stacked into
 * theta [n, d], and the chains integrated together with one evaluation of all of them per
 * leapfrog step (gen_target_logpdf_grad_chains: one kernel on a GPU when the target is
 * compiled); each chain accepts on its own, and one batched update writes the accepted
 * points back. One target serves every particle only when they differ in the selected
 * choices alone: the others must be shared, which check_particles makes sure of. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hmc_batched_int.h"
#include "kernels_int.h"

static size_t block_doubles(int64_t n, int64_t d) { return (size_t)(5 * n * d + d + 3 * n + n); }

/* The block's bytes: the doubles, then why (n), then dead and acc (2 n bools). */
static size_t block_bytes(int64_t n, int64_t d) {
    return block_doubles(n, d) * sizeof(double) + (size_t)n * sizeof(gen_divergence) + (size_t)(2 * n) * sizeof(bool);
}

static gen_status chains_alloc(batch_chains *c) {
    int64_t n = c->n, d = c->d;
    size_t nd = block_doubles(n, d);
    if (!(c->block = core_alloc(block_bytes(n, d)))) return GEN_ERR_OOM;
    double *b = c->block;
    c->theta0 = b, c->theta = b + n * d, c->p = b + 2 * n * d, c->grad = b + 3 * n * d, c->grad0 = b + 4 * n * d;
    c->tmp = b + 5 * n * d, c->lp = c->tmp + d, c->lp0 = c->lp + n, c->alpha = c->lp0 + n;
    c->why = (gen_divergence *)(b + nd);
    c->dead = (bool *)(c->why + n), c->acc = c->dead + n;
    memset(c->why, 0, (size_t)n * sizeof *c->why);
    memset(c->dead, 0, (size_t)(2 * n) * sizeof(bool));
    return GEN_OK;
}

void batch_chains_free(batch_chains *c) {
    if (c->block) core_free(c->block, block_bytes(c->n, c->d));
    gen_target_free(c->t);
}

static gen_status unsupported(const gen_addr *a, const char *why) {
    char buf[GEN_ADDR_FORMAT_MAX];
    gen_addr_format(a, buf, sizeof buf);
    return GEN_FAIL(GEN_ERR_UNSUPPORTED, "%s: %s", buf, why);
}

/* Whether the n particles of the batched value v hold the same bits. */
static gen_status rows_equal(const gen_array *v, int64_t n, bool *equal) {
    size_t bytes = (size_t)gen_array_size(v) * gen_dtype_size(gen_array_dtype(v));
    unsigned char *h = core_alloc(bytes ? bytes : 1);
    if (!h) return GEN_ERR_OOM;
    gen_status s = gen_array_copy_to(v, gen_array_dtype(v), h, bytes);
    size_t row = bytes / (size_t)n;
    *equal = true;
    for (int64_t i = 1; s == GEN_OK && *equal && i < n; i++) *equal = !memcmp(h, h + (size_t)i * row, row);
    core_free(h, bytes ? bytes : 1);
    return s;
}

/* One target serves every particle: no batched argument, no masked value, and every
 * unselected batched value the same for all particles (errors name the address). */
static gen_status check_particles(const gen_trace *tr, const gen_selection *sel) {
    int64_t n = gen_trace_batch_size(tr);
    const gen_args *args = gen_trace_args(tr);
    for (int i = 0; args && i < args->n; i++)
        if (gen_array_is_batched(args->v[i]))
            return GEN_FAIL(GEN_ERR_UNSUPPORTED, "argument %d of the batched trace is batched (one value per "
                            "particle): batched gradient kernels need arguments shared by every particle", i);
    const gen_choicemap *m = gen_trace_choices(tr);
    if (!m) return infer_pending();
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, m);
    while (gen_choicemap_iter_next(&it)) {
        bool selected = gen_selection_contains(sel, &it.addr);
        if (it.mask)
            return unsupported(&it.addr, selected ? "the choice is masked (present for some particles only): "
                                                        "batched gradient kernels need every particle to have the selected choices"
                                                      : "the choice is masked (present for some particles only): "
                                                        "batched gradient kernels need the particles to share every unselected choice");
        if (selected || !gen_array_is_batched(it.value)) continue;
        bool equal = false;
        gen_status s = rows_equal(it.value, n, &equal);
        if (s != GEN_OK) return s;
        if (!equal)
            return unsupported(&it.addr, "the particles differ in this choice, which the selection leaves out: "
                               "batched gradient kernels evaluate every particle with one target, so every "
                               "unselected choice must be shared (select it too, or move it with MH)");
    }
    return GEN_OK;
}

/* The selected float values' elements per particle (in the scalar trace tr0). */
static int64_t selected_elements(const gen_trace *tr0, const gen_selection *sel) {
    int64_t dims = 0;
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, gen_trace_choices(tr0));
    while (gen_choicemap_iter_next(&it))
        if (gen_selection_contains(sel, &it.addr)) dims += gen_array_size(it.value);
    return dims;
}

/* The n particles' values of v as host doubles, *row each (*h: n * *row doubles, the
 * caller core_frees it): a batched v's rows, or a shared (unbatched) v repeated. */
static gen_status particle_rows(const gen_array *v, int64_t n, double **h, int64_t *row) {
    bool batched = gen_array_is_batched(v);
    *row = batched ? gen_array_size(v) / n : gen_array_size(v);
    size_t bytes = (size_t)(*row) * sizeof **h;
    if (!(*h = core_alloc((size_t)n * bytes + 1))) return GEN_ERR_OOM;
    gen_status s = gen_array_copy_to(v, GEN_F64, *h, batched ? (size_t)n * bytes : bytes);
    for (int64_t i = 1; s == GEN_OK && !batched && i < n; i++) memcpy(*h + i * *row, *h, bytes);
    if (s != GEN_OK) {
        core_free(*h, (size_t)n * bytes + 1);
        *h = NULL;
    }
    return s;
}

/* Every particle's selected values, flattened in deep order, into rows of pts (n rows of
 * c->dims doubles): the points themselves when the target maps them by the identity. */
static gen_status values_as_points(const batch_chains *c, const gen_trace *tr, const gen_selection *sel, double *pts) {
    int64_t n = c->n, off = 0;
    gen_status s = GEN_OK;
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, gen_trace_choices(tr));
    while (s == GEN_OK && gen_choicemap_iter_next(&it)) {
        if (!gen_selection_contains(sel, &it.addr)) continue;
        int64_t row = 0;
        double *h = NULL;
        s = particle_rows(it.value, n, &h, &row);
        for (int64_t i = 0; s == GEN_OK && i < n; i++)
            memcpy(pts + i * c->dims + off, h + i * row, (size_t)row * sizeof *h);
        if (h) core_free(h, (size_t)(n * row) * sizeof *h + 1);
        off += row;
    }
    return s;
}

/* The target (from particle 0) and every particle's point into c->theta0: kept from the
 * last batched step on this very trace (target_reuse.c), else found. */
gen_status batch_chains_init(batch_chains *c, const gen_trace *tr, const gen_selection *sel) {
    c->n = gen_trace_batch_size(tr);
    double *kept = NULL;
    gen_status s = GEN_OK;
    c->t = target_reuse_take_rows(tr, sel, c->n, &kept);
    if (!c->t) {
        if ((s = check_particles(tr, sel)) != GEN_OK) return s;
        if ((s = gen_scope_begin()) != GEN_OK) return s;
        const gen_choicemap *m = gen_trace_choices(tr);
        gen_choicemap *c0 = m ? gen_choicemap_particle(m, 0) : NULL;
        gen_trace *tr0 = NULL;
        s = c0 ? gen_generate(gen_trace_gf(tr), gen_key_new(0), gen_trace_args(tr), c0, &tr0, NULL) : infer_pending();
        if (s == GEN_OK && !(c->t = gen_target_new(tr0, sel))) s = infer_pending();
        if (s == GEN_OK) c->dims = selected_elements(tr0, sel);
        gen_scope_end();
        if (s != GEN_OK) return s;
    } else {
        c->dims = selected_elements(gen_target_base(c->t), sel);
    }
    c->d = gen_target_dim(c->t);
    if ((s = chains_alloc(c)) != GEN_OK) {
        if (kept) core_free(kept, (size_t)(c->n * gen_target_dim(c->t) + 1) * sizeof *kept);
        return s;
    }
    if (kept) {
        memcpy(c->theta0, kept, (size_t)(c->n * c->d) * sizeof *kept);
        core_free(kept, (size_t)(c->n * c->d + 1) * sizeof *kept);
    } else if (target_identity(c->t) && c->dims == c->d) { /* real supports: the points are the values */
        s = values_as_points(c, tr, sel, c->theta0);
    } else {
        const gen_choicemap *m = gen_trace_choices(tr);
        for (int64_t i = 0; s == GEN_OK && i < c->n; i++) {
            if ((s = gen_scope_begin()) != GEN_OK) break;
            gen_choicemap *ci = gen_choicemap_particle(m, i);
            s = ci ? target_point_of(c->t, ci, c->theta0 + i * c->d) : infer_pending();
            if (s != GEN_OK) core_error_prefix("particle %lld", (long long)i);
            gen_scope_end();
        }
    }
    /* the device of the evaluation: where the trace's first selected value lives */
    c->dev = GEN_DEVICE_CPU;
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, gen_trace_choices(tr));
    while (gen_choicemap_iter_next(&it))
        if (gen_selection_contains(sel, &it.addr)) {
            c->dev = gen_array_device(it.value);
            break;
        }
    return s;
}

/* Chain i's point is one the model rejects (or outside the support): what the
 * all-chains evaluation returned for it, judged as hmc_eval_proposed judges. */
static bool rejected_point(double lp, const double *g, int64_t d) {
    if (!isfinite(lp)) return true;
    for (int64_t k = 0; k < d; k++)
        if (!isfinite(g[k])) return true;
    return false;
}

/* Log density and gradient of every live chain at theta into lp and grad. start: the
 * chains' own points, where a rejected point is an error naming the particle; else a
 * rejected point kills its chain (dead, lp -inf). All chains are evaluated at once; when
 * the model rejects the batch as a whole, chain by chain, so that only the chains whose
 * points it rejects die. Dead chains are evaluated at their starting points (theta0),
 * which the model accepts. */
gen_status batch_chains_eval(batch_chains *c, double *theta, double *lp, double *grad, bool start) {
    int64_t n = c->n, d = c->d;
    for (int64_t i = 0; i < n; i++)
        if (c->dead[i]) memcpy(theta + i * d, c->theta0 + i * d, (size_t)d * sizeof *theta);
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    int64_t shape[2] = {n, d};
    gen_array *th = gen_array_to_device(gen_array_from(GEN_F64, 2, shape, theta), c->dev), *l = NULL, *g = NULL;
    s = th ? gen_target_logpdf_grad_chains(c->t, th, &l, &g) : infer_pending();
    if (s == GEN_OK) s = gen_array_copy_to(l, GEN_F64, lp, (size_t)n * sizeof *lp);
    if (s == GEN_OK) s = gen_array_copy_to(g, GEN_F64, grad, (size_t)(n * d) * sizeof *grad);
    bool one_by_one = s != GEN_OK && infer_rejection(s, NULL, 0) != GEN_DIVERGENCE_NONE;
    if (one_by_one) s = GEN_OK;
    gen_scope_end();
    for (int64_t i = 0; s == GEN_OK && i < n; i++) {
        if (c->dead[i] || (!one_by_one && !rejected_point(lp[i], grad + i * d, d))) continue;
        gen_divergence why = GEN_DIVERGENCE_NONE;
        s = start ? hmc_eval_start(c->t, d, theta + i * d, lp + i, grad + i * d)
                  : hmc_eval_proposed(c->t, d, theta + i * d, lp + i, grad + i * d, &why);
        if (s == GEN_OK && start && rejected_point(lp[i], grad + i * d, d)) /* cannot be: the chains call judged it */
            s = GEN_FAIL(GEN_ERR_VALUE, "the log density at the trace is %g", lp[i]);
        if (s != GEN_OK) core_error_prefix("particle %lld", (long long)i);
        if (why != GEN_DIVERGENCE_NONE) c->dead[i] = true, c->why[i] = why, lp[i] = -INFINITY;
    }
    return s;
}

gen_status batch_chains_eval_rows(batch_chains *c, int64_t m, const double *theta, double *lp, double *grad,
                                  gen_divergence *why) {
    int64_t d = c->d;
    memset(why, 0, (size_t)m * sizeof *why);
    if (m == 0) return GEN_OK;
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    int64_t shape[2] = {m, d};
    gen_array *th = gen_array_to_device(gen_array_from(GEN_F64, 2, shape, theta), c->dev), *l = NULL, *g = NULL;
    s = th ? gen_target_logpdf_grad_chains(c->t, th, &l, &g) : infer_pending();
    if (s == GEN_OK) s = gen_array_copy_to(l, GEN_F64, lp, (size_t)m * sizeof *lp);
    if (s == GEN_OK) s = gen_array_copy_to(g, GEN_F64, grad, (size_t)(m * d) * sizeof *grad);
    /* the model rejects one of them: each alone, so that only the rejected ones are */
    bool one_by_one = s != GEN_OK && infer_rejection(s, NULL, 0) != GEN_DIVERGENCE_NONE;
    if (one_by_one) s = GEN_OK;
    gen_scope_end();
    for (int64_t j = 0; s == GEN_OK && j < m; j++) {
        if (!one_by_one && !rejected_point(lp[j], grad + j * d, d)) continue;
        s = hmc_eval_proposed(c->t, d, theta + j * d, lp + j, grad + j * d, why + j);
    }
    return s;
}

/* Writes the accepted chains' points (c->theta) into tr: one batched update whose
 * constraints hold, at each selected choice, the accepted particles' new values and the
 * others' old ones (so a rejected particle keeps its values and score exactly). */
gen_status batch_chains_write_back(batch_chains *c, const gen_trace *tr, const gen_selection *sel, gen_trace **out) {
    int64_t n = c->n, dims = c->dims;
    double *x = core_alloc((size_t)(n * dims) * sizeof *x);
    if (!x) return GEN_ERR_OOM;
    gen_status s = GEN_OK;
    for (int64_t i = 0; s == GEN_OK && i < n; i++) /* identity: the values are the point */
        if (c->acc[i] && target_identity(c->t) && dims == c->d) memcpy(x + i * dims, c->theta + i * c->d, (size_t)dims * sizeof *x);
        else if (c->acc[i]) s = target_values_at(c->t, c->theta + i * c->d, dims, x + i * dims);
    if (s == GEN_OK) s = gen_scope_begin();
    else {
        core_free(x, (size_t)(n * dims) * sizeof *x);
        return s;
    }
    gen_choicemap_builder *b = gen_choicemap_builder_new();
    if (!b) s = infer_pending();
    gen_choicemap_iter it;
    gen_choicemap_iter_init(&it, gen_trace_choices(tr));
    int64_t off = 0;
    while (s == GEN_OK && gen_choicemap_iter_next(&it)) {
        if (!gen_selection_contains(sel, &it.addr)) continue;
        const gen_array *v = it.value;
        int64_t row = 0, shape[GEN_MAX_DIMS + 1];
        double *h = NULL;
        s = particle_rows(v, n, &h, &row);
        for (int64_t i = 0; s == GEN_OK && i < n; i++)
            if (c->acc[i]) memcpy(h + i * row, x + i * dims + off, (size_t)row * sizeof *h);
        /* [n] + the per-particle shape (a shared value's own shape) */
        int nd = gen_array_ndim(v) + (gen_array_is_batched(v) ? 0 : 1);
        shape[0] = n;
        memcpy(shape + 1, gen_array_shape(v) + (gen_array_is_batched(v) ? 1 : 0), (size_t)(nd - 1) * sizeof *shape);
        gen_array *nv = s == GEN_OK ? gen_array_from(GEN_F64, nd, shape, h) : NULL;
        if (nv && gen_array_dtype(v) != GEN_F64) nv = gen_cast(nv, gen_array_dtype(v));
        if (nv) nv = gen_batched(gen_array_to_device(nv, gen_array_device(v)));
        if (s == GEN_OK) s = nv ? gen_choicemap_builder_set(b, &it.addr, nv) : infer_pending();
        if (h) core_free(h, (size_t)(n * row) * sizeof *h + 1);
        off += row;
    }
    gen_choicemap *cons = s == GEN_OK ? gen_choicemap_builder_finish(b) : NULL;
    if (s == GEN_OK && !cons) s = infer_pending();
    gen_diff nc[16];
    gen_trace *nt = NULL;
    /* the selected choices' values only: nothing is sampled, so the key does not matter */
    if (s == GEN_OK) s = gen_update(tr, gen_key_new(0), gen_trace_args(tr), infer_same_args(tr, nc), cons, &nt, NULL,
                                    NULL, NULL);
    if (s == GEN_OK && !(*out = gen_trace_scope_return(nt))) s = infer_pending();
    if (b) gen_choicemap_builder_free(b);
    gen_scope_end();
    core_free(x, (size_t)(n * dims) * sizeof *x);
    return s;
}

gen_status batch_chains_record(const batch_chains *c, int64_t j, int64_t draws, double *unc, double *values) {
    int64_t n = c->n, d = c->d, dims = c->dims;
    gen_status s = GEN_OK;
    for (int64_t i = 0; s == GEN_OK && i < n; i++) {
        const double *th = c->theta0 + i * d;
        memcpy(unc + (i * draws + j) * d, th, (size_t)d * sizeof *th);
        double *x = values + (i * draws + j) * dims;
        if (target_identity(c->t) && dims == d) memcpy(x, th, (size_t)d * sizeof *th);
        else s = target_values_at(c->t, th, dims, x);
    }
    return s;
}

gen_status batch_chains_finish(batch_chains *c, const gen_trace *tr, const gen_selection *sel, gen_trace **out) {
    memcpy(c->theta, c->theta0, (size_t)(c->n * c->d) * sizeof *c->theta);
    memset(c->acc, 1, (size_t)c->n * sizeof *c->acc);
    gen_status s = batch_chains_write_back(c, tr, sel, out);
    if (s != GEN_OK) return s;
    target_reuse_put_rows(c->t, *out, c->n, c->theta);
    c->t = NULL;
    return GEN_OK;
}

bool batch_chains_report(infer_run *run, int64_t done, int64_t warmup, int64_t total) {
    bool warm = done < warmup || (done == warmup && done > 0); /* the phase of the iteration just done */
    return infer_run_report(run, 0, warm ? "warmup" : "sampling", done, total) || done >= total;
}

/* Accepts each chain on c->alpha (key: the uniforms), publishes the new trace (tr itself
 * when none accepted) and keeps the target for the next step on it. */
static gen_status finish(batch_chains *c, const gen_trace *tr, const gen_selection *sel, gen_key key, gen_trace **out,
                         bool *any, gen_array **acc) {
    bool some = false;
    gen_status s = infer_batch_decide(key, c->n, c->alpha, c->acc, &some);
    if (s != GEN_OK || (s = gen_scope_begin()) != GEN_OK) return s;
    gen_trace *nt = (gen_trace *)tr;
    if (some) s = batch_chains_write_back(c, tr, sel, &nt);
    if (s == GEN_OK && !(*out = gen_trace_scope_return(nt))) s = infer_pending();
    gen_scope_end();
    if (s == GEN_OK) s = infer_batch_publish(c->n, c->acc, any, acc);
    if (s != GEN_OK) return s;
    for (int64_t i = 0; i < c->n; i++) /* the points of *out */
        if (!c->acc[i]) memcpy(c->theta + i * c->d, c->theta0 + i * c->d, (size_t)c->d * sizeof *c->theta);
    target_reuse_put_rows(c->t, *out, c->n, c->theta);
    c->t = NULL;
    return GEN_OK;
}

gen_status infer_hmc_batched(const gen_trace *tr, gen_key key, const gen_selection *sel, double step, int n_leapfrog,
                             const gen_array *inv_metric, gen_trace **out, bool *any, gen_array **acc) {
    batch_chains c = {0};
    hmc_metric m = {0};
    gen_key k[2];
    if (!(step > 0)) return GEN_FAIL(GEN_ERR_VALUE, "gen_hmc: need step > 0 (got %g)", step);
    if (n_leapfrog < 1 || n_leapfrog > GEN_MAX_LEAPFROG)
        return GEN_FAIL(GEN_ERR_VALUE, "gen_hmc: n_leapfrog must be in 1..%d, got %d", GEN_MAX_LEAPFROG, n_leapfrog);
    if (!sel) return infer_null("gen_hmc", "the selection");
    gen_status s = batch_chains_init(&c, tr, sel);
    int64_t n = c.n, d = c.d;
    if (s == GEN_OK) s = hmc_metric_init(&m, inv_metric, d);
    if (s == GEN_OK) s = gen_key_split(key, 2, k);
    if (s == GEN_OK) s = batch_chains_eval(&c, c.theta0, c.lp0, c.grad0, true);
    if (s == GEN_OK) s = hmc_normals(k[0], n * d, c.p); /* z, made momenta in place below */
    if (s == GEN_OK) {
        memcpy(c.theta, c.theta0, (size_t)(n * d) * sizeof *c.theta);
        memcpy(c.grad, c.grad0, (size_t)(n * d) * sizeof *c.grad);
        for (int64_t i = 0; i < n; i++) {
            memcpy(c.tmp, c.p + i * d, (size_t)d * sizeof *c.tmp);
            hmc_draw_momentum(&m, c.tmp, c.p + i * d);
            c.alpha[i] = -c.lp0[i] + hmc_kinetic(&m, c.p + i * d, c.tmp); /* H0 */
        }
    }
    /* the leapfrog steps of hmc_leapfrog, every chain at once: a chain whose point the
     * model rejects stops there (dead) and is rejected */
    for (int l = 0; s == GEN_OK && l < n_leapfrog; l++) {
        for (int64_t i = 0; i < n; i++) {
            if (c.dead[i]) continue;
            double *p = c.p + i * d, *g = c.grad + i * d, *th = c.theta + i * d;
            for (int64_t k2 = 0; k2 < d; k2++) p[k2] += 0.5 * step * g[k2];
            hmc_apply_minv(&m, p, c.tmp);
            for (int64_t k2 = 0; k2 < d; k2++) th[k2] += step * c.tmp[k2];
        }
        s = batch_chains_eval(&c, c.theta, c.lp, c.grad, false);
        for (int64_t i = 0; s == GEN_OK && i < n; i++) {
            if (c.dead[i]) continue;
            double *p = c.p + i * d, *g = c.grad + i * d;
            for (int64_t k2 = 0; k2 < d; k2++) p[k2] += 0.5 * step * g[k2];
        }
    }
    for (int64_t i = 0; s == GEN_OK && i < n; i++)
        c.alpha[i] = c.dead[i] || !isfinite(c.lp[i]) ? -INFINITY
                                                      : c.alpha[i] - (-c.lp[i] + hmc_kinetic(&m, c.p + i * d, c.tmp));
    if (s == GEN_OK) s = finish(&c, tr, sel, k[1], out, any, acc);
    hmc_metric_free(&m);
    batch_chains_free(&c);
    if (s != GEN_OK) core_error_prefix("gen_hmc");
    return s;
}

gen_status infer_mala_batched(const gen_trace *tr, gen_key key, const gen_selection *sel, double step,
                              gen_trace **out, bool *any, gen_array **acc) {
    batch_chains c = {0};
    gen_key k[2];
    if (!(step > 0)) return GEN_FAIL(GEN_ERR_VALUE, "gen_mala: need step > 0 (got %g)", step);
    if (!sel) return infer_null("gen_mala", "the selection");
    gen_status s = batch_chains_init(&c, tr, sel);
    int64_t n = c.n, d = c.d;
    if (s == GEN_OK) s = gen_key_split(key, 2, k);
    if (s == GEN_OK) s = batch_chains_eval(&c, c.theta0, c.lp0, c.grad0, true);
    if (s == GEN_OK) s = hmc_normals(k[0], n * d, c.p); /* z */
    if (s == GEN_OK) {
        for (int64_t j = 0; j < n * d; j++) c.theta[j] = c.theta0[j] + 0.5 * step * step * c.grad0[j] + step * c.p[j];
        s = batch_chains_eval(&c, c.theta, c.lp, c.grad, false);
    }
    for (int64_t i = 0; s == GEN_OK && i < n; i++) {
        const double *th = c.theta0 + i * d, *th2 = c.theta + i * d;
        c.alpha[i] = c.dead[i] || !isfinite(c.lp[i])
                         ? -INFINITY
                         : c.lp[i] - c.lp0[i] + hmc_mala_logq(d, step, th, th2, c.grad + i * d) -
                               hmc_mala_logq(d, step, th2, th, c.grad0 + i * d);
    }
    if (s == GEN_OK) s = finish(&c, tr, sel, k[1], out, any, acc);
    batch_chains_free(&c);
    if (s != GEN_OK) core_error_prefix("gen_mala");
    return s;
}

gen_status batch_sampler_check(const char *fn, const gen_trace *tr, int64_t warmup, int64_t draws,
                               gen_metric_kind metric, const gen_array *inv_metric, double step, bool fixed_step) {
    if (gen_trace_batch_size(tr) < 1)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: the trace is not batched (its particles are the chains: make it with "
                        "gen_simulate_batched or gen_generate_batched)", fn);
    if (warmup < 0 || draws < 1 || warmup > INT64_MAX / 4 - draws)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: need warmup >= 0 and draws >= 1 (got %lld, %lld)", fn, (long long)warmup,
                        (long long)draws);
    if (metric != GEN_METRIC_DIAG && metric != GEN_METRIC_UNIT)
        return GEN_FAIL(metric == GEN_METRIC_DENSE ? GEN_ERR_UNSUPPORTED : GEN_ERR_VALUE,
                        "%s: metric must be GEN_METRIC_DIAG or GEN_METRIC_UNIT (got %d)", fn, (int)metric);
    if (inv_metric && gen_array_ndim(inv_metric) != 1)
        return GEN_FAIL(GEN_ERR_SHAPE, "%s: the inverse metric must be f64 [d] (a diagonal)", fn);
    if (step < 0 || !isfinite(step) || (fixed_step && !(step > 0)))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: step must be finite and > 0 (0: 1), got %g", fn, step);
    return GEN_OK;
}
