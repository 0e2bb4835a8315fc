/* nuts_sample.c — gen_nuts_sample: chains of NUTS with Stan's warm-up (nuts_warmup.c)
 * on threads, recording positions, constrained values and per-iteration statistics;
 * progress and cancel (gen_progress), the rows done kept when a chain stops early, and
 * runs going on from an earlier result's state (nuts_state.c). */
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

/* One chain's job: its state (loaded or fresh, moved into the result's state at the
 * end) and its rows (plain buffers, NaN where not reached, made into arrays by the
 * caller). */
typedef struct nuts_job {
    const gen_selection *sel;
    const gen_nuts_config *cfg;
    infer_run *run;
    int c;
    gen_key key;
    int64_t d, dims, nmetric, W, N, kmax;
    int kind, engine;
    double int_time;
    double *draws, *uc, *stats; /* [N, dims], [N, d], [W + N, GEN_NUTS_NSTATS] */
    nuts_chain cs;
    bool stopped; /* by a cancel, before its last iteration */
    gen_status status;
    char message[512];
} nuts_job;

/* The constrained values of the recorded choices at theta into out (dims doubles), and
 * the trace there (a new reference) into *tr. */
static gen_status record(gen_target *t, const gen_selection *rec, int64_t d, const double *theta,
                         int64_t dims, double *out, gen_trace **tr_out) {
    bool done = false; /* compiled: the values without a trace (the last one is made at the end) */
    gen_status s = target_record_raw(t, rec, theta, dims, out, &done);
    if (s != GEN_OK || done) return s;
    s = gen_scope_begin();
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
    if (s == GEN_OK) *tr_out = gen_trace_retain(tr);
    gen_scope_end();
    return s;
}

/* The starting point: the trace's, or uniform in (-r, r)^d until finite (100 tries). */
static gen_status initial_point(nuts *n, const nuts_settings *set, gen_key key, hmc_point *x) {
    int64_t d = n->d;
    gen_status s = gen_array_copy_to(gen_target_position(n->t), GEN_F64, x->theta, (size_t)d * sizeof(double));
    if (s == GEN_OK && !(set->init_radius > 0)) return hmc_eval_start(n->t, d, x->theta, &x->logp, x->grad);
    for (int attempt = 0; s == GEN_OK && attempt < 100; attempt++) {
        if ((s = gen_scope_begin()) != GEN_OK) break;
        gen_array *u = gen_random_uniform(gen_key_fold_in(key, (uint64_t)attempt), GEN_F64, 1, &d);
        if (!u) s = infer_pending();
        for (int64_t i = 0; s == GEN_OK && i < d; i++)
            x->theta[i] = set->init_radius * (2 * ((const double *)gen_array_data(u))[i] - 1);
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

static void copy_point(int64_t d, hmc_point *dst, const hmc_point *src) {
    memcpy(dst->theta, src->theta, (size_t)d * sizeof(double));
    memcpy(dst->grad, src->grad, (size_t)d * sizeof(double));
    dst->logp = src->logp;
}

static void fill_nan(double *x, int64_t n) {
    for (int64_t i = 0; i < n; i++) x[i] = NAN;
}

/* n's metric of the job's kind from minv (NULL: the identity). */
static gen_status set_metric(nuts *n, const nuts_job *job, const double *minv) {
    if (job->kind == 3) return hmc_metric_set_lowrank(&n->m, job->d, job->kmax, minv);
    return hmc_metric_set(&n->m, job->kind, job->d, job->kind ? minv : NULL);
}

/* The start of a new chain: the initial point, the warm-up's state and the first step
 * size search. */
static gen_status chain_start(nuts_job *job, nuts *n, hmc_point *x, const gen_key *keys, bool adapt_step,
                              bool adapt_metric) {
    const gen_nuts_config *cfg = job->cfg;
    nuts_chain *cs = &job->cs;
    nuts_settings set;
    nuts_settings_of(cfg, &set);
    gen_status s = initial_point(n, &set, keys[0], x);
    if (s != GEN_OK) return s;
    cs->ss = (nuts_stepsize){0, 0, 0, set.target_accept, 0.05, 10, 0.75, 0};
    nuts_windows_init(&cs->win, job->W, set.init_buffer, set.term_buffer, set.base_window);
    nuts_var_free(&cs->var);
    nuts_gadapt_free(&cs->ga);
    if (adapt_metric && set.adapt != GEN_ADAPT_STAN) { /* nutpie's: the metric from the gradient here */
        s = nuts_gadapt_init(&cs->ga, job->kind, job->d, job->kmax, job->W, set.adapt_window, set.adapt_early_window,
                             set.adapt_update, x->theta, x->grad, set.seeded, cs->minv);
        if (s == GEN_OK) s = set_metric(n, job, cs->minv);
        if (s != GEN_OK) return s;
    } else if (adapt_metric && (s = nuts_var_init(&cs->var, n->m.kind, job->d)) != GEN_OK) {
        return s;
    }
    if (adapt_step) {
        s = nuts_init_stepsize(n, x, keys[1]);
        cs->ss.mu = log(10 * n->eps);
        nuts_stepsize_restart(&cs->ss);
    }
    if (s == GEN_OK) cs->started = true;
    return s;
}

/* Warm-up and sampling of one chain on target t from its state, until its last
 * iteration, a cancel or an error; x ends at the last completed iteration (y: scratch).
 * *stale tells whether cs->trace is not at x. */
static gen_status run_chain(nuts_job *job, gen_target *t, nuts *n, hmc_point *x, hmc_point *y, bool *stale) {
    const gen_nuts_config *cfg = job->cfg;
    nuts_chain *cs = &job->cs;
    int64_t d = job->d, W = job->W, total = W + job->N;
    bool adapt_step = !cfg->fixed_step && W > 0, adapt_metric = !cfg->inv_metric && cfg->metric != GEN_METRIC_UNIT && W > 0;
    bool nutpie = cfg->adapt != GEN_ADAPT_STAN;
    gen_key keys[4];
    gen_status s = gen_key_split(job->key, 4, keys); /* init, step search, transitions, re-searches */
    if (s != GEN_OK) return s;
    if (!infer_run_report(job->run, job->c, cs->it < W ? "warmup" : "sampling", cs->it, total)) {
        job->stopped = cs->it < total;
        return GEN_OK;
    }
    if (!cs->started) {
        *stale = true;
        if ((s = chain_start(job, n, x, keys, adapt_step, adapt_metric)) != GEN_OK) return s;
    }
    const gen_selection *rec = cfg->record ? cfg->record : job->sel;
    if (cs->it < W && job->N > 0 && job->dims > 0) { /* the recorded values' compiled map is made in warm-up, not
                                                        in the first draw's time (a failure shows again there) */
        double *scratch = core_alloc((size_t)job->dims * sizeof *scratch);
        bool done = false;
        if (scratch && target_record_raw(t, rec, x->theta, job->dims, scratch, &done) != GEN_OK) gen_error_clear();
        core_free(scratch, (size_t)job->dims * sizeof *scratch);
    }
    double t0 = now();
    int phase = cs->it < W ? 0 : 1;
    for (int64_t it = cs->it; it < total; it++) {
        if (infer_run_stopped(job->run)) {
            job->stopped = true;
            break;
        }
        gen_nuts_stats st;
        copy_point(d, y, x); /* x stays the last completed iteration's state until this one is */
        bool moved = false;
        gen_key kit = gen_key_fold_in(keys[2], (uint64_t)it);
        s = job->engine == GEN_ENGINE_HMC_STATIC ? hmc_static_transition(n, y, kit, job->int_time, &st)
                                                 : nuts_transition(n, y, kit, &st);
        gen_trace *tr = NULL;
        if (s == GEN_OK && it >= W) {
            double *row = job->draws + (it - W) * job->dims;
            s = record(t, rec, d, y->theta, job->dims, row, &tr);
            if (s == GEN_OK) memcpy(job->uc + (it - W) * d, y->theta, (size_t)d * sizeof(double));
            else fill_nan(row, job->dims);
        }
        if (s != GEN_OK) {
            core_error_prefix("iteration %lld", (long long)it);
            break;
        }
        put_stats(job->stats + it * GEN_NUTS_NSTATS, &st);
        moved = memcmp(x->theta, y->theta, (size_t)d * sizeof(double)) != 0;
        hmc_point tmp = *x; /* commit */
        *x = *y;
        *y = tmp;
        cs->it = it + 1;
        if (tr) {
            gen_trace_release(cs->trace);
            cs->trace = tr;
        }
        *stale = tr == NULL;
        if (it < W) {
            if (adapt_step) nuts_stepsize_learn(&cs->ss, &n->eps, st.accept_stat);
            bool first = false;
            if (adapt_metric && nutpie &&
                nuts_gadapt_learn(&cs->ga, it, x->theta, x->grad, moved && !st.divergent, cs->minv, &first)) {
                /* nutpie's: the metric changes often; the step size is searched again only at
                   the first change, dual averaging goes on */
                s = set_metric(n, job, cs->minv);
                if (s == GEN_OK && first && adapt_step) {
                    s = nuts_init_stepsize(n, x, gen_key_fold_in(keys[3], cs->searches++));
                    cs->ss.mu = log(10 * n->eps);
                    nuts_stepsize_restart(&cs->ss);
                }
                if (s != GEN_OK) {
                    cs->broken = true;
                    core_error_prefix("iteration %lld (the metric's update)", (long long)it);
                    break;
                }
            } else if (adapt_metric && !nutpie && nuts_var_learn(&cs->var, &cs->win, x->theta, cs->minv)) {
                /* a new metric: search the step size again and restart dual averaging */
                s = hmc_metric_set(&n->m, n->m.kind, d, cs->minv);
                if (s == GEN_OK && adapt_step) s = nuts_init_stepsize(n, x, gen_key_fold_in(keys[3], cs->searches++));
                cs->ss.mu = log(10 * n->eps);
                nuts_stepsize_restart(&cs->ss);
                if (s != GEN_OK) {
                    cs->broken = true;
                    core_error_prefix("iteration %lld (the metric window's update)", (long long)it);
                    break;
                }
            }
            if (it == W - 1) {
                if (adapt_step) n->eps = exp(cs->ss.x_bar);
                cs->seconds[0] += now() - t0;
                t0 = now();
                phase = 1;
            }
        }
        if (!infer_run_report(job->run, job->c, it < W ? "warmup" : "sampling", it + 1, total)) {
            job->stopped = it + 1 < total;
            break;
        }
    }
    cs->seconds[phase] += now() - t0;
    return s;
}

static void job_run(nuts_job *job) {
    const gen_nuts_config *cfg = job->cfg;
    nuts_chain *cs = &job->cs;
    int64_t d = job->d;
    gen_target *t = gen_target_new(cs->trace, job->sel);
    if (!t) {
        job->status = infer_pending();
        return;
    }
    nuts n;
    gen_status s = nuts_init(&n, t, cfg->max_depth > 0 ? cfg->max_depth : 10);
    if (s == GEN_OK && gen_target_dim(t) != d)
        s = GEN_FAIL(GEN_ERR_SHAPE, "the selection has %lld unconstrained coordinates in this chain's trace, %lld in "
                     "chain 0's", (long long)gen_target_dim(t), (long long)d);
    if (s == GEN_OK && !cs->started && cfg->inv_metric) {
        s = hmc_metric_init(&n.m, cfg->inv_metric, d);
        if (s == GEN_OK) memcpy(cs->minv, n.m.minv, (size_t)job->nmetric * sizeof(double));
    } else if (s == GEN_OK) {
        s = set_metric(&n, job, cs->minv);
    }
    n.eps = cs->started ? cs->eps : cfg->step > 0 ? cfg->step : 1;
    double *buf = s == GEN_OK ? core_alloc((size_t)(6 * d + 1) * sizeof(double)) : NULL;
    if (s == GEN_OK && !buf) s = GEN_ERR_OOM;
    if (s == GEN_OK) {
        hmc_point x = {buf, buf + d, buf + 2 * d, cs->logp}, y = {buf + 3 * d, buf + 4 * d, buf + 5 * d, 0};
        memcpy(x.theta, cs->theta, (size_t)d * sizeof(double));
        memcpy(x.grad, cs->grad, (size_t)d * sizeof(double));
        bool stale = false;
        s = run_chain(job, t, &n, &x, &y, &stale);
        if (cs->started) { /* the state at the last completed iteration */
            memcpy(cs->theta, x.theta, (size_t)d * sizeof(double));
            memcpy(cs->grad, x.grad, (size_t)d * sizeof(double));
            cs->logp = x.logp;
            cs->eps = n.eps;
        }
        if (cs->started && stale) { /* the trace at x (warm-up iterations make none) */
            gen_status st = gen_scope_begin();
            gen_array *th = st == GEN_OK ? gen_array_from(GEN_F64, 1, &d, x.theta) : NULL;
            gen_trace *tr = NULL;
            if (st == GEN_OK) st = th ? gen_target_trace(t, th, &tr) : infer_pending();
            if (st == GEN_OK) {
                gen_trace_release(cs->trace);
                cs->trace = gen_trace_retain(tr);
            }
            if (th || st != GEN_OK) gen_scope_end();
            if (s == GEN_OK && st != GEN_OK) s = st;
        }
    }
    if (buf) core_free(buf, (size_t)(6 * d + 1) * sizeof(double));
    nuts_free(&n);
    gen_target_free(t);
    job->status = s;
}

typedef struct nuts_pool {
    nuts_job *jobs;
    int n, next;
    pthread_mutex_t lock;
} nuts_pool;

static void job_run_keep(nuts_job *job) {
    gen_error_clear();
    job_run(job);
    if (job->status != GEN_OK) snprintf(job->message, sizeof job->message, "%s", gen_error_message());
}

static void *worker(void *arg) {
    nuts_pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        int j = p->next++;
        pthread_mutex_unlock(&p->lock);
        if (j >= p->n) return NULL;
        job_run_keep(&p->jobs[j]);
    }
}

static gen_status check_config(const char *fn, int n_chains, gen_trace *const *init, const gen_selection *sel,
                               const gen_nuts_config *cfg, gen_nuts_result *out) {
    if (!out) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out is NULL", fn);
    if (!cfg) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the configuration is NULL", fn);
    if (!sel) return infer_null(fn, "the selection");
    if (n_chains >= 1 && !init && !cfg->resume) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the list of initial traces is NULL", fn);
    if (n_chains < 1 || n_chains > 256 || (!init && !cfg->resume))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: need 1 to 256 chains and their initial traces (got %d)", fn, n_chains);
    for (int c = 0; !cfg->resume && c < n_chains; c++)
        if (!init[c]) return infer_null(fn, "an initial trace");
    if (cfg->warmup < 0 || cfg->draws < 1 || cfg->warmup > INT64_MAX - cfg->draws)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: need warmup >= 0 and draws >= 1 (got %lld, %lld)", fn,
                        (long long)cfg->warmup, (long long)cfg->draws);
    if (cfg->metric != GEN_METRIC_DIAG && cfg->metric != GEN_METRIC_UNIT && cfg->metric != GEN_METRIC_DENSE)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: unknown metric kind %d", fn, (int)cfg->metric);
    if (cfg->engine != GEN_ENGINE_NUTS && cfg->engine != GEN_ENGINE_HMC_STATIC)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: unknown engine %d", fn, (int)cfg->engine);
    if (cfg->int_time < 0 || !isfinite(cfg->int_time))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: int_time must be finite and >= 0 (0: 2 pi), got %g", fn, cfg->int_time);
    if (cfg->step < 0 || !isfinite(cfg->step) || (cfg->fixed_step && !(cfg->step > 0)))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: the step size must be finite and > 0 (got %g)", fn, cfg->step);
    if (cfg->target_accept < 0 || cfg->target_accept >= 1)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: target_accept must be in (0, 1) (got %g)", fn, cfg->target_accept);
    if (cfg->max_depth < 0 || cfg->max_depth > GEN_NUTS_MAX_DEPTH)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: max_depth must be in 1..%d (0: 10), got %d", fn, GEN_NUTS_MAX_DEPTH,
                        cfg->max_depth);
    if (cfg->init_buffer < 0 || cfg->term_buffer < 0 || cfg->base_window < 0 || cfg->init_radius < 0 ||
        !isfinite(cfg->init_radius))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: need non-negative buffers, window and a finite init_radius >= 0", fn);
    if (cfg->adapt != GEN_ADAPT_DEFAULT && cfg->adapt != GEN_ADAPT_STAN && cfg->adapt != GEN_ADAPT_GRADIENT &&
        cfg->adapt != GEN_ADAPT_LOW_RANK)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: unknown metric adaptation %d", fn, (int)cfg->adapt);
    if (cfg->init_inv_metric && (cfg->inv_metric || cfg->metric == GEN_METRIC_UNIT))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: init_inv_metric seeds the metric's adaptation: needs metric "
                        "GEN_METRIC_DIAG or GEN_METRIC_DENSE and no (fixed) inv_metric", fn);
    if ((cfg->adapt == GEN_ADAPT_GRADIENT || cfg->adapt == GEN_ADAPT_LOW_RANK) &&
        (cfg->metric != GEN_METRIC_DIAG || cfg->inv_metric))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: adapt GEN_ADAPT_%s adapts the diagonal metric: needs metric GEN_METRIC_DIAG "
                        "and no inv_metric", fn, cfg->adapt == GEN_ADAPT_GRADIENT ? "GRADIENT" : "LOW_RANK");
    if (cfg->adapt_window < 0 || cfg->adapt_early_window < 0 || cfg->adapt_update < 0 || cfg->max_rank < 0)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: adapt_window, adapt_early_window, adapt_update and max_rank must be >= 0 "
                        "(0: the default), got %lld, %lld, %lld, %d", fn, (long long)cfg->adapt_window,
                        (long long)cfg->adapt_early_window, (long long)cfg->adapt_update, cfg->max_rank);
    return GEN_OK;
}

/* cfg->init_inv_metric, if given, is an inverse metric of the kind warm-up adapts (1
 * diagonal, 2 dense) in d dimensions. */
static gen_status check_seed(const char *fn, const gen_array *seed, int kind, int64_t d) {
    if (!seed) return GEN_OK;
    int nd = gen_array_ndim(seed);
    const int64_t *sh = gen_array_shape(seed);
    if (gen_array_dtype(seed) != GEN_F64 || nd != kind || sh[0] != d || (nd == 2 && sh[1] != d))
        return kind == 2 ? GEN_FAIL(GEN_ERR_SHAPE, "%s: init_inv_metric must be f64 [%lld, %lld] (the dense metric)", fn,
                                    (long long)d, (long long)d)
                         : GEN_FAIL(GEN_ERR_SHAPE, "%s: init_inv_metric must be f64 [%lld] (the diagonal metric)", fn,
                                    (long long)d);
    hmc_metric m = {0};
    gen_status s = hmc_metric_set(&m, kind, d, gen_array_data(seed)); /* positive (definite), symmetric */
    hmc_metric_free(&m);
    if (s != GEN_OK) core_error_prefix("%s: init_inv_metric", fn);
    return s;
}

/* rows * cols doubles fit in memory (per chain, and for n chains). */
static bool fits(int64_t n, int64_t rows, int64_t cols) {
    int64_t cap = (int64_t)(SIZE_MAX / sizeof(double) / 2);
    return cols == 0 || rows == 0 || (rows <= cap / cols && n <= cap / (rows * cols));
}

static void jobs_free(nuts_job *jobs, int n) {
    for (int c = 0; c < n; c++) {
        nuts_job *j = &jobs[c];
        if (j->draws) core_free(j->draws, (size_t)(j->N * j->dims + 1) * sizeof(double));
        if (j->uc) core_free(j->uc, (size_t)(j->N * j->d + 1) * sizeof(double));
        if (j->stats) core_free(j->stats, (size_t)((j->W + j->N) * GEN_NUTS_NSTATS + 1) * sizeof(double));
        nuts_chain_free(&j->cs, j->d, j->nmetric);
    }
    core_free(jobs, (size_t)n * sizeof *jobs);
}

/* Copies rows [0, rows) of chain c of src ([chains, R, cols]) into dst. */
static void copy_rows(double *dst, const gen_array *src, int c, int64_t rows, int64_t cols) {
    const int64_t *sh = gen_array_shape(src);
    if (rows > 0 && cols > 0)
        memcpy(dst, (const double *)gen_array_data(src) + c * sh[1] * cols, (size_t)(rows * cols) * sizeof(double));
}

/* Job c's buffers, NaN, and its state: a copy of the resumed one (with its rows) or new,
 * at init. */
static gen_status job_setup(nuts_job *j, const gen_nuts_result *prev, gen_trace *init) {
    j->draws = core_alloc((size_t)(j->N * j->dims + 1) * sizeof(double));
    j->uc = core_alloc((size_t)(j->N * j->d + 1) * sizeof(double));
    j->stats = core_alloc((size_t)((j->W + j->N) * GEN_NUTS_NSTATS + 1) * sizeof(double));
    if (!j->draws || !j->uc || !j->stats) return GEN_ERR_OOM;
    fill_nan(j->draws, j->N * j->dims);
    fill_nan(j->uc, j->N * j->d);
    fill_nan(j->stats, (j->W + j->N) * GEN_NUTS_NSTATS);
    if (prev) {
        const nuts_chain *from = &prev->state->chains[j->c];
        gen_status s = nuts_chain_copy(&j->cs, from, j->d, j->nmetric);
        if (s != GEN_OK) return s;
        int64_t done = from->it > j->W ? from->it - j->W : 0;
        copy_rows(j->draws, prev->draws, j->c, done, j->dims);
        copy_rows(j->uc, prev->unconstrained, j->c, done, j->d);
        copy_rows(j->stats, prev->stats, j->c, from->it, GEN_NUTS_NSTATS);
        return GEN_OK;
    }
    gen_status s = nuts_chain_alloc(&j->cs, j->d, j->nmetric);
    if (s != GEN_OK) return s;
    for (int64_t i = 0; i < j->nmetric; i++) /* ones, the identity when dense (low rank: ones, rank 0) */
        j->cs.minv[i] = j->kind == 3 ? (i < j->d ? 1.0 : 0.0) : j->kind != 2 || i % (j->d + 1) == 0 ? 1.0 : 0.0;
    const gen_array *seed = j->cfg->init_inv_metric; /* checked: [d] (also low rank's diagonal) or [d, d] */
    if (seed) memcpy(j->cs.minv, gen_array_data(seed), (size_t)gen_array_size(seed) * sizeof(double));
    j->cs.trace = gen_trace_retain(init);
    return GEN_OK;
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

/* The per-chain numbers: step size, metric, seconds, draws and iterations done. */
static gen_array *per_chain(nuts_job *jobs, int n, int what) {
    int64_t m = what == 1 ? (jobs[0].kind == 3 ? jobs[0].d * jobs[0].d : jobs[0].nmetric) : what == 2 ? 2 : 1;
    size_t bytes = (size_t)(n * m + 1) * sizeof(double);
    double *v = core_alloc(bytes);
    int64_t *k = core_alloc((size_t)(n + 1) * sizeof(int64_t));
    gen_array *a = NULL;
    if (v && k) {
        for (int c = 0; c < n; c++) {
            const nuts_chain *cs = &jobs[c].cs;
            int64_t W = jobs[c].W;
            if (what == 0) v[c] = cs->eps;
            if (what == 1 && jobs[c].kind == 3) hmc_lowrank_dense(jobs[c].d, jobs[c].kmax, cs->minv, v + c * m);
            else if (what == 1) memcpy(v + c * m, cs->minv, (size_t)m * sizeof(double));
            if (what == 2) memcpy(v + 2 * c, cs->seconds, 2 * sizeof(double));
            k[c] = what == 3 ? (cs->it > W ? cs->it - W : 0) : cs->it;
        }
        int64_t d = jobs[0].d;
        if (what == 0) a = gen_array_from(GEN_F64, 1, (int64_t[]){n}, v);
        if (what == 1) a = gen_array_from(GEN_F64, jobs[0].kind >= 2 ? 3 : 2, (int64_t[]){n, d, d}, v);
        if (what == 2) a = gen_array_from(GEN_F64, 2, (int64_t[]){n, 2}, v);
        if (what >= 3) a = gen_array_from(GEN_I64, 1, (int64_t[]){n}, k);
    }
    if (v) core_free(v, bytes);
    if (k) core_free(k, (size_t)(n + 1) * sizeof(int64_t));
    return a;
}

/* The result arrays in the current scope (NULL on failure). */
static gen_status make_arrays(nuts_job *jobs, int n, gen_nuts_result *r) {
    int64_t W = jobs[0].W, N = jobs[0].N, d = jobs[0].d, dims = jobs[0].dims;
    r->draws = gather(jobs, n, offsetof(nuts_job, draws), N * dims, 2, (int64_t[]){N, dims});
    r->unconstrained = gather(jobs, n, offsetof(nuts_job, uc), N * d, 2, (int64_t[]){N, d});
    r->stats = gather(jobs, n, offsetof(nuts_job, stats), (W + N) * GEN_NUTS_NSTATS, 2,
                      (int64_t[]){W + N, GEN_NUTS_NSTATS});
    r->step_size = per_chain(jobs, n, 0);
    r->inv_metric = per_chain(jobs, n, 1);
    r->seconds = per_chain(jobs, n, 2);
    r->draws_done = per_chain(jobs, n, 3);
    r->iterations_done = per_chain(jobs, n, 4);
    bool ok = r->draws && r->unconstrained && r->stats && r->step_size && r->inv_metric && r->seconds &&
              r->draws_done && r->iterations_done;
    return ok ? GEN_OK : infer_pending();
}

/* Hands the arrays of r to the caller's scope (gen_scope_return). */
static gen_status publish(gen_nuts_result *out, const gen_nuts_result *r) {
    gen_array *const *src[] = {&r->draws, &r->unconstrained, &r->stats, &r->step_size, &r->inv_metric, &r->seconds,
                               &r->draws_done, &r->iterations_done};
    gen_array **dst[] = {&out->draws, &out->unconstrained, &out->stats, &out->step_size, &out->inv_metric, &out->seconds,
                         &out->draws_done, &out->iterations_done};
    for (size_t i = 0; i < sizeof src / sizeof *src; i++)
        if (!(*dst[i] = gen_scope_return(*src[i]))) return infer_pending();
    return GEN_OK;
}

static void state_release(void *st) { gen_nuts_state_release(st); }

/* The results of the jobs (also of a run stopped early) into out; on failure out is
 * zeroed and the status returned. */
static gen_status results(nuts_job *jobs, int n, const nuts_settings *set, gen_nuts_result *out) {
    bool caller_owned = gen_scope_depth() == 0; /* no scope: the caller owns what we make */
    nuts_chain *chains = core_calloc((size_t)n, sizeof *chains);
    if (!chains) return GEN_ERR_OOM;
    gen_status s = gen_scope_begin();
    gen_nuts_result r = {0};
    if (s == GEN_OK) {
        s = make_arrays(jobs, n, &r);
        if (s == GEN_OK) s = publish(out, &r);
        gen_scope_end();
    }
    if (s == GEN_OK) {
        for (int c = 0; c < n; c++) { /* moved into the state */
            chains[c] = jobs[c].cs;
            jobs[c].cs = (nuts_chain){0};
        }
        out->state = nuts_state_new(n, jobs[0].d, jobs[0].dims, jobs[0].nmetric, jobs[0].N, set, chains);
        chains = NULL;
        if (!out->state) s = infer_pending();
        gen_status so = out->state ? core_scope_own(out->state, state_release) : GEN_OK;
        if (so == GEN_ERR_OOM) {
            gen_nuts_state_release(out->state);
            out->state = NULL;
            s = GEN_ERR_OOM;
        }
        if (out->state) out->traces = (gen_trace *const *)out->state->traces;
    }
    if (chains) core_free(chains, (size_t)n * sizeof *chains);
    if (s != GEN_OK) {
        if (caller_owned) {
            gen_array **all[] = {&out->draws, &out->unconstrained, &out->stats, &out->step_size, &out->inv_metric,
                                 &out->seconds, &out->draws_done, &out->iterations_done};
            for (size_t i = 0; i < sizeof all / sizeof *all; i++) gen_array_release(*all[i]);
        }
        *out = (gen_nuts_result){0};
    }
    return s;
}

gen_status gen_nuts_sample(gen_key key, int n_chains, gen_trace *const *init,
                           const gen_selection *sel, const gen_nuts_config *cfg, int n_threads,
                           gen_nuts_result *out) {
    const char *fn = "gen_nuts_sample";
    if (out && cfg && out == cfg->resume) return GEN_FAIL(GEN_ERR_MISUSE, "%s: out must not be cfg->resume", fn);
    if (out) *out = (gen_nuts_result){0};
    gen_status s = check_config(fn, n_chains, init, sel, cfg, out);
    if (s != GEN_OK) return s;
    gen_nuts_config resolved = nuts_config_resolved(cfg); /* the run's, every default explicit */
    cfg = &resolved;
    const gen_nuts_result *prev = cfg->resume;
    if (prev && !prev->state)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: the result to resume has no state (a failed call's?)", fn);
    gen_trace *first = prev ? prev->state->traces[0] : init[0];
    const gen_selection *rec = cfg->record ? cfg->record : sel;
    if (cfg->record && (s = gfi_check_selection(fn, first, cfg->record)) != GEN_OK) return s; /* a typo records nothing */
    int64_t dims = gen_choicemap_flat_size(gen_trace_choices(first), rec);
    gen_target *t0 = gen_target_new(first, sel);
    int64_t d = gen_target_dim(t0);
    gen_target_free(t0);
    if (dims < 0 || d < 0) {
        core_error_prefix("%s", fn);
        return infer_pending();
    }
    if (prev && (s = nuts_state_check(fn, prev, cfg, n_chains, d, dims)) != GEN_OK) return s;
    int64_t W = cfg->warmup, N = cfg->draws;
    if (!fits(n_chains, N, dims > d ? dims : d) || !fits(n_chains, W + N, GEN_NUTS_NSTATS) || !fits(1, d, d))
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %d chains of %lld iterations of %lld values do not fit in memory", fn,
                        n_chains, (long long)(W + N), (long long)(dims > d ? dims : d));
    nuts_settings set;
    nuts_settings_of(cfg, &set);
    if (!prev && (s = check_seed(fn, cfg->init_inv_metric, set.metric == 2 ? 2 : 1, d)) != GEN_OK) return s;
    int64_t kmax = set.max_rank < d ? set.max_rank : d;
    int64_t nmetric = set.metric == 2 ? d * d : set.metric == 3 ? hmc_lowrank_size(d, kmax) : d;
    nuts_job *jobs = core_calloc((size_t)n_chains, sizeof *jobs);
    if (!jobs) return GEN_ERR_OOM;
    infer_run run;
    infer_run_init(&run, fn, "iterations", &cfg->progress, n_chains);
    for (int c = 0; c < n_chains && s == GEN_OK; c++) {
        nuts_job *j = &jobs[c];
        *j = (nuts_job){.sel = sel, .cfg = cfg, .run = &run, .c = c, .key = gen_key_fold_in(key, (uint64_t)c),
                        .d = d, .dims = dims, .nmetric = nmetric, .W = W, .N = N, .kmax = kmax, .kind = set.metric,
                        .engine = set.engine, .int_time = set.int_time};
        s = job_setup(j, prev, prev ? NULL : init[c]);
    }
    if (s == GEN_OK) {
        int nt = n_threads <= 0 || n_threads > n_chains ? n_chains : n_threads;
        nuts_pool pool = {jobs, n_chains, 0, PTHREAD_MUTEX_INITIALIZER};
        pthread_t th[64];
        int started = 0;
        if (nt > 64) nt = 64;
        if (nt > 1)
            for (; started < nt; started++)
                if (pthread_create(&th[started], NULL, worker, &pool) != 0) break;
        if (started == 0) worker(&pool); /* one thread, or none could start: run here */
        for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
        bool stopped = false;
        for (int c = 0; c < n_chains; c++) {
            if (s == GEN_OK && jobs[c].status != GEN_OK)
                s = GEN_FAIL(jobs[c].status, "%s: chain %d: %s", fn, c, jobs[c].message);
            stopped = stopped || jobs[c].stopped;
        }
        if (s == GEN_OK && stopped) s = infer_run_cancelled(&run);
        /* the results, also of a run stopped early; their own failure replaces s */
        char msg[512];
        snprintf(msg, sizeof msg, "%s", gen_error_message());
        gen_status sr = results(jobs, n_chains, &set, out);
        if (sr != GEN_OK) s = sr;
        else if (s != GEN_OK) GEN_FAIL(s, "%s", msg); /* the stop's message, not a later one */
    }
    infer_run_free(&run);
    jobs_free(jobs, n_chains);
    return s;
}
