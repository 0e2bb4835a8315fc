/* nuts_sample.c — gen_nuts_sample: chains of NUTS with Stan's warm-up (nuts_warmup.c)
 * on threads, recording positions, constrained values and per-iteration statistics. */
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "nuts_int.h"
#include "../gfi/gfi_int.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One chain's job and its outputs (plain buffers, made into arrays by the caller). */
typedef struct nuts_job {
    const gen_trace *init;
    const gen_selection *sel;
    const gen_nuts_config *cfg;
    gen_key key;
    int64_t d, dims, nmetric;
    double *draws, *uc, *stats, *minv, step, seconds[2];
    gen_status status;
    char message[512];
} nuts_job;

/* The constrained values of the recorded choices at theta into out (dims doubles). */
static gen_status record(const gen_target *t, const gen_selection *rec, int64_t d, const double *theta,
                         int64_t dims, double *out) {
    gen_status s = gen_scope_begin();
    if (s != GEN_OK) return s;
    gen_array *th = gen_array_from(GEN_F64, 1, &d, theta);
    gen_trace *tr = NULL;
    s = th ? gen_target_trace(t, th, &tr) : infer_pending();
    gen_array *v = s == GEN_OK ? gen_choicemap_flatten(gen_trace_choices(tr), rec) : NULL;
    if (s == GEN_OK && !v) s = infer_pending();
    if (s == GEN_OK && gen_array_size(v) != dims)
        s = GEN_FAIL(GEN_ERR_SHAPE, "the recorded choices changed size (%lld, first %lld)",
                     (long long)gen_array_size(v), (long long)dims);
    if (s == GEN_OK) s = gen_array_copy_to(v, GEN_F64, out, (size_t)dims * sizeof(double));
    gen_scope_end();
    return s;
}

/* The starting point: the trace's, or uniform in (-r, r)^d until finite (100 tries). */
static gen_status initial_point(nuts *n, const gen_nuts_config *cfg, gen_key key, hmc_point *x) {
    int64_t d = n->d;
    gen_status s = gen_array_copy_to(gen_target_position(n->t), GEN_F64, x->theta, (size_t)d * sizeof(double));
    if (s == GEN_OK && !(cfg->init_radius > 0)) return hmc_eval_start(n->t, d, x->theta, &x->logp, x->grad);
    for (int attempt = 0; s == GEN_OK && attempt < 100; attempt++) {
        if ((s = gen_scope_begin()) != GEN_OK) break;
        gen_array *u = gen_random_uniform(gen_key_fold_in(key, (uint64_t)attempt), GEN_F64, 1, &d);
        if (!u) s = infer_pending();
        for (int64_t i = 0; s == GEN_OK && i < d; i++)
            x->theta[i] = cfg->init_radius * (2 * ((const double *)gen_array_data(u))[i] - 1);
        gen_scope_end();
        gen_divergence why = GEN_DIVERGENCE_NONE; /* a point the model rejects: try another */
        if (s == GEN_OK) s = hmc_eval_proposed(n->t, d, x->theta, &x->logp, x->grad, &why);
        if (s == GEN_OK && why == GEN_DIVERGENCE_NONE) return GEN_OK;
    }
    return s != GEN_OK ? s : GEN_FAIL(GEN_ERR_VALUE, "no initial point with a finite log density and gradient in 100 tries");
}

static void put_stats(double *row, const gen_nuts_stats *st) {
    row[GEN_NUTS_LP] = st->logp;
    row[GEN_NUTS_ACCEPT_STAT] = st->accept_stat;
    row[GEN_NUTS_STEP_SIZE] = st->step_size;
    row[GEN_NUTS_TREE_DEPTH] = st->tree_depth;
    row[GEN_NUTS_N_LEAPFROG] = st->n_leapfrog;
    row[GEN_NUTS_DIVERGENT] = st->divergent;
    row[GEN_NUTS_ENERGY] = st->energy;
    row[GEN_NUTS_DIVERGENCE] = st->divergence;
}

/* Warm-up and sampling of one chain on target t. */
static gen_status run_chain(nuts_job *job, const gen_target *t, nuts *n, hmc_point *x) {
    const gen_nuts_config *cfg = job->cfg;
    int64_t d = job->d, W = cfg->warmup, N = cfg->draws;
    gen_key keys[4];
    gen_status s = gen_key_split(job->key, 4, keys); /* init, step search, transitions, re-searches */
    if (s == GEN_OK) s = initial_point(n, cfg, keys[0], x);
    if (s != GEN_OK) return s;
    bool adapt_step = !cfg->fixed_step && W > 0, adapt_metric = !cfg->inv_metric && cfg->metric != GEN_METRIC_UNIT && W > 0;
    nuts_stepsize ss = {0, 0, 0, cfg->target_accept > 0 ? cfg->target_accept : 0.8, 0.05, 10, 0.75, 0};
    nuts_windows win;
    nuts_windows_init(&win, W, cfg->init_buffer > 0 ? cfg->init_buffer : 75, cfg->term_buffer > 0 ? cfg->term_buffer : 50,
                      cfg->base_window > 0 ? cfg->base_window : 25);
    nuts_var var = {0};
    if (adapt_metric && (s = nuts_var_init(&var, n->m.kind, d)) != GEN_OK) return s;
    if (adapt_step) {
        s = nuts_init_stepsize(n, x, keys[1]);
        ss.mu = log(10 * n->eps);
        nuts_stepsize_restart(&ss);
    }
    const gen_selection *rec = cfg->record ? cfg->record : job->sel;
    double t0 = now();
    uint64_t searches = 0;
    for (int64_t it = 0; s == GEN_OK && it < W + N; it++) {
        gen_nuts_stats st;
        s = nuts_transition(n, x, gen_key_fold_in(keys[2], (uint64_t)it), &st);
        if (s != GEN_OK) break;
        put_stats(job->stats + it * GEN_NUTS_NSTATS, &st);
        if (it < W) {
            if (adapt_step) nuts_stepsize_learn(&ss, &n->eps, st.accept_stat);
            if (adapt_metric && nuts_var_learn(&var, &win, x->theta, job->minv)) {
                /* a new metric: search the step size again and restart dual averaging */
                s = hmc_metric_set(&n->m, n->m.kind, d, job->minv);
                if (s == GEN_OK && adapt_step) s = nuts_init_stepsize(n, x, gen_key_fold_in(keys[3], searches++));
                ss.mu = log(10 * n->eps);
                nuts_stepsize_restart(&ss);
            }
            if (it == W - 1) {
                if (adapt_step) n->eps = exp(ss.x_bar);
                job->seconds[0] = now() - t0;
                t0 = now();
            }
        } else {
            int64_t k = it - W;
            memcpy(job->uc + k * d, x->theta, (size_t)d * sizeof(double));
            s = record(t, rec, d, x->theta, job->dims, job->draws + k * job->dims);
        }
    }
    job->seconds[1] = now() - t0;
    job->step = n->eps;
    nuts_var_free(&var);
    return s;
}

static void job_run(nuts_job *job) {
    const gen_nuts_config *cfg = job->cfg;
    gen_target *t = gen_target_new(job->init, job->sel);
    if (!t) {
        job->status = infer_pending();
        return;
    }
    nuts n;
    int64_t d = gen_target_dim(t);
    gen_status s = nuts_init(&n, t, cfg->max_depth > 0 ? cfg->max_depth : 10);
    if (s == GEN_OK && cfg->inv_metric) s = hmc_metric_init(&n.m, cfg->inv_metric, d);
    else if (s == GEN_OK) s = hmc_metric_set(&n.m, (int)cfg->metric, d, NULL);
    n.eps = cfg->step > 0 ? cfg->step : 1;
    double *buf = s == GEN_OK ? core_alloc((size_t)(3 * d + 1) * sizeof(double)) : NULL;
    if (s == GEN_OK && !buf) s = GEN_ERR_OOM;
    if (s == GEN_OK) {
        hmc_point x = {buf, buf + d, buf + 2 * d, 0};
        s = run_chain(job, t, &n, &x);
    }
    if (s == GEN_OK) { /* the final metric, ones for the identity */
        for (int64_t i = 0; i < job->nmetric; i++)
            job->minv[i] = n.m.kind == 0 ? 1.0 : n.m.minv[i];
    }
    if (buf) core_free(buf, (size_t)(3 * d + 1) * sizeof(double));
    nuts_free(&n);
    gen_target_free(t);
    job->status = s;
}

typedef struct nuts_pool {
    nuts_job *jobs;
    int n, next;
    pthread_mutex_t lock;
} nuts_pool;

static void *worker(void *arg) {
    nuts_pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        int j = p->next++;
        pthread_mutex_unlock(&p->lock);
        if (j >= p->n) return NULL;
        nuts_job *job = &p->jobs[j];
        gen_error_clear();
        job_run(job);
        if (job->status != GEN_OK) snprintf(job->message, sizeof job->message, "%s", gen_error_message());
    }
}

static gen_status check_config(const char *fn, int n_chains, gen_trace *const *init, const gen_selection *sel,
                               const gen_nuts_config *cfg, gen_nuts_result *out) {
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out is NULL", fn);
    if (!cfg) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the configuration is NULL", fn);
    if (!sel) return infer_null(fn, "the selection");
    if (n_chains < 1 || n_chains > 256 || !init)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: need 1 to 256 chains and their initial traces (got %d)", fn, n_chains);
    for (int c = 0; c < n_chains; c++)
        if (!init[c]) return infer_null(fn, "an initial trace");
    if (cfg->warmup < 0 || cfg->draws < 1)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: need warmup >= 0 and draws >= 1 (got %lld, %lld)", fn,
                        (long long)cfg->warmup, (long long)cfg->draws);
    if (cfg->metric < GEN_METRIC_UNIT || cfg->metric > GEN_METRIC_DENSE)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: unknown metric kind %d", fn, (int)cfg->metric);
    if (cfg->step < 0 || !isfinite(cfg->step) || (cfg->fixed_step && !(cfg->step > 0)))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: the step size must be finite and > 0 (got %g)", fn, cfg->step);
    if (cfg->target_accept < 0 || cfg->target_accept >= 1)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: target_accept must be in (0, 1) (got %g)", fn, cfg->target_accept);
    if (cfg->max_depth > 30 || cfg->init_buffer < 0 || cfg->term_buffer < 0 || cfg->base_window < 0 || cfg->init_radius < 0)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: need max_depth <= 30 and non-negative buffers, window and init_radius", fn);
    return GEN_OK;
}

static void jobs_free(nuts_job *jobs, int n) {
    for (int c = 0; c < n; c++) {
        nuts_job *j = &jobs[c];
        if (j->draws) core_free(j->draws, (size_t)(j->cfg->draws * j->dims + 1) * sizeof(double));
        if (j->uc) core_free(j->uc, (size_t)(j->cfg->draws * j->d + 1) * sizeof(double));
        if (j->stats) core_free(j->stats, (size_t)((j->cfg->warmup + j->cfg->draws) * GEN_NUTS_NSTATS) * sizeof(double));
        if (j->minv) core_free(j->minv, (size_t)(j->nmetric + 1) * sizeof(double));
    }
    core_free(jobs, (size_t)n * sizeof *jobs);
}

/* Stacks the chains' buffers (field at offset off, each of per doubles) into an array
 * [chains, shape...]. */
static gen_array *gather(nuts_job *jobs, int n, size_t off, int64_t per, int ndim, const int64_t *shape) {
    int64_t sh[4] = {n, 0, 0, 0};
    memcpy(sh + 1, shape, (size_t)ndim * sizeof *shape);
    size_t bytes = (size_t)(n * per + 1) * sizeof(double);
    double *dst = core_alloc(bytes);
    if (!dst) return NULL;
    for (int c = 0; c < n; c++) {
        const double *src = *(double *const *)((const char *)&jobs[c] + off);
        if (per) memcpy(dst + c * per, src, (size_t)per * sizeof(double));
    }
    gen_array *a = gen_array_from(GEN_F64, ndim + 1, sh, dst);
    core_free(dst, bytes);
    return a;
}

gen_status gen_nuts_sample(gen_key key, int n_chains, gen_trace *const *init,
                           const gen_selection *sel, const gen_nuts_config *cfg, int n_threads,
                           gen_nuts_result *out) {
    const char *fn = "gen_nuts_sample";
    if (out) *out = (gen_nuts_result){0};
    gen_status s = check_config(fn, n_chains, init, sel, cfg, out);
    if (s != GEN_OK) return s;
    const gen_selection *rec = cfg->record ? cfg->record : sel;
    if (cfg->record && (s = gfi_check_selection(fn, init[0], cfg->record)) != GEN_OK) return s; /* a typo records nothing */
    int64_t dims = gen_choicemap_flat_size(gen_trace_choices(init[0]), rec);
    gen_target *t0 = gen_target_new(init[0], sel);
    int64_t d = gen_target_dim(t0);
    gen_target_free(t0);
    if (dims < 0 || d < 0) {
        core_error_prefix("%s", fn);
        return infer_pending();
    }
    int kind = cfg->inv_metric ? gen_array_ndim(cfg->inv_metric) : (int)cfg->metric;
    int64_t nmetric = kind == 2 ? d * d : d;
    nuts_job *jobs = core_calloc((size_t)n_chains, sizeof *jobs);
    if (!jobs) return GEN_ERR_OOM;
    int64_t iters = cfg->warmup + cfg->draws;
    for (int c = 0; c < n_chains; c++) {
        nuts_job *j = &jobs[c];
        *j = (nuts_job){.init = init[c], .sel = sel, .cfg = cfg, .key = gen_key_fold_in(key, (uint64_t)c),
                        .d = d, .dims = dims, .nmetric = nmetric};
        j->draws = core_calloc((size_t)(cfg->draws * dims + 1), sizeof(double));
        j->uc = core_calloc((size_t)(cfg->draws * d + 1), sizeof(double));
        j->stats = core_calloc((size_t)(iters * GEN_NUTS_NSTATS), sizeof(double));
        j->minv = core_calloc((size_t)(nmetric + 1), sizeof(double));
        if (!j->draws || !j->uc || !j->stats || !j->minv) s = GEN_ERR_OOM;
    }
    if (s != GEN_OK) {
        jobs_free(jobs, n_chains);
        return s;
    }
    int nt = n_threads <= 0 || n_threads > n_chains ? n_chains : n_threads;
    nuts_pool pool = {jobs, n_chains, 0, PTHREAD_MUTEX_INITIALIZER};
    pthread_t th[64];
    int started = 0;
    if (nt > 64) nt = 64;
    if (nt > 1)
        for (; started < nt; started++)
            if (pthread_create(&th[started], NULL, worker, &pool) != 0) break;
    if (started == 0) { /* one thread, or none could start: run here */
        for (int c = 0; c < n_chains && s == GEN_OK; c++) {
            job_run(&jobs[c]);
            if ((s = jobs[c].status) != GEN_OK) core_error_prefix("%s: chain %d", fn, c);
        }
    }
    for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
    for (int c = 0; started && c < n_chains && s == GEN_OK; c++)
        if (jobs[c].status != GEN_OK) s = GEN_FAIL(jobs[c].status, "%s: chain %d: %s", fn, c, jobs[c].message);
    if (s == GEN_OK && (s = gen_scope_begin()) == GEN_OK) {
        gen_nuts_result r = {0};
        r.draws = gather(jobs, n_chains, offsetof(nuts_job, draws), cfg->draws * dims, 2, (int64_t[]){cfg->draws, dims});
        r.unconstrained = gather(jobs, n_chains, offsetof(nuts_job, uc), cfg->draws * d, 2, (int64_t[]){cfg->draws, d});
        r.stats = gather(jobs, n_chains, offsetof(nuts_job, stats), iters * GEN_NUTS_NSTATS, 2,
                         (int64_t[]){iters, GEN_NUTS_NSTATS});
        r.inv_metric = gather(jobs, n_chains, offsetof(nuts_job, minv), nmetric, kind == 2 ? 2 : 1, (int64_t[]){d, d});
        double steps[64 * 4], secs[64 * 8];
        for (int c = 0; c < n_chains && c < 64 * 4; c++) {
            steps[c] = jobs[c].step;
            secs[2 * c] = jobs[c].seconds[0];
            secs[2 * c + 1] = jobs[c].seconds[1];
        }
        r.step_size = gen_array_from(GEN_F64, 1, (int64_t[]){n_chains}, steps);
        r.seconds = gen_array_from(GEN_F64, 2, (int64_t[]){n_chains, 2}, secs);
        if (r.draws && r.unconstrained && r.stats && r.inv_metric && r.step_size && r.seconds) {
            out->draws = gen_scope_return(r.draws);
            out->unconstrained = gen_scope_return(r.unconstrained);
            out->stats = gen_scope_return(r.stats);
            out->inv_metric = gen_scope_return(r.inv_metric);
            out->step_size = gen_scope_return(r.step_size);
            out->seconds = gen_scope_return(r.seconds);
            if (!out->draws || !out->unconstrained || !out->stats || !out->inv_metric || !out->step_size || !out->seconds) {
                s = infer_pending();
            }
        } else {
            s = infer_pending();
        }
        gen_scope_end();
        if (s != GEN_OK) *out = (gen_nuts_result){0};
    }
    jobs_free(jobs, n_chains);
    return s;
}
