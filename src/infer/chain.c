/* chain.c — running MCMC chains: burn-in, thinning, recording selected values, several
 * chains in parallel on threads; progress and cancel (gen_progress), and the draws so
 * far kept when a chain stops early. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "infer_int.h"
#include "../gfi/gfi_int.h"

static gen_status check_config(const char *fn, const gen_chain_config *cfg) {
    if (!cfg) return GEN_FAIL(GEN_ERR_MISUSE, "%s: the configuration is NULL", fn);
    if (cfg->burn_in < 0 || cfg->draws < 0 || cfg->thin < 1)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: need burn_in >= 0, draws >= 0 and thin >= 1 (got %lld, %lld, %lld)",
                        fn, (long long)cfg->burn_in, (long long)cfg->draws, (long long)cfg->thin);
    if (cfg->draws > (INT64_MAX - cfg->burn_in) / cfg->thin)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: burn_in + draws * thin overflows (%lld + %lld * %lld)", fn,
                        (long long)cfg->burn_in, (long long)cfg->draws, (long long)cfg->thin);
    return GEN_OK;
}

/* One chain's record: its draws (draws * dims doubles) and how far it got. */
typedef struct chain_rec {
    int64_t dims;
    double *buf;
    size_t bytes;
    int64_t steps, recorded, accepted; /* steps done, draws recorded, steps accepted */
    gen_trace *cur;                    /* the state after the last step done (a reference) */
    bool stopped;                      /* a cancel stopped it before its last step */
} chain_rec;

/* The size of init's record and its buffer. */
static gen_status rec_init(const char *fn, chain_rec *r, const gen_trace *init, const gen_chain_config *cfg) {
    *r = (chain_rec){0};
    gen_status s = cfg->sel ? gfi_check_selection(fn, init, cfg->sel) : GEN_OK; /* a typo records nothing */
    if (s != GEN_OK) return s;
    r->dims = gen_choicemap_flat_size(gen_trace_choices(init), cfg->sel ? cfg->sel : gen_select_all());
    if (r->dims < 0) return infer_pending();
    if (r->dims > 0 && cfg->draws > (int64_t)(SIZE_MAX / sizeof(double)) / r->dims)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %lld draws of %lld values do not fit in memory", fn,
                        (long long)cfg->draws, (long long)r->dims);
    r->bytes = (size_t)(cfg->draws * r->dims) * sizeof(double);
    if (r->bytes && !(r->buf = core_alloc(r->bytes))) return GEN_ERR_OOM;
    return GEN_OK;
}

static void rec_free(chain_rec *r) {
    if (r->buf) core_free(r->buf, r->bytes);
    gen_trace_release(r->cur);
    r->buf = NULL;
    r->cur = NULL;
}

/* Runs chain c of run from init; the record holds what it did, also on failure (the
 * status, with the message prefixed "step s"). */
static gen_status run_one(gen_kernel k, gen_key key, const gen_trace *init, const gen_chain_config *cfg,
                          infer_run *run, int c, chain_rec *r) {
    int64_t steps = cfg->burn_in + cfg->draws * cfg->thin, dims = r->dims;
    r->cur = gen_trace_retain((gen_trace *)init);
    gen_status s = GEN_OK;
    if (!infer_run_report(run, c, cfg->burn_in > 0 ? "burn_in" : "sampling", 0, steps)) {
        r->stopped = steps > 0;
        return GEN_OK;
    }
    for (int64_t t = 0; t < steps; t++) {
        if (infer_run_stopped(run)) {
            r->stopped = true;
            break;
        }
        if ((s = gen_scope_begin()) != GEN_OK) break; /* one step's garbage */
        gen_trace *next = NULL;
        bool acc = false;
        s = gen_kernel_apply(k, gen_key_fold_in(key, (uint64_t)t), r->cur, &next, &acc);
        int64_t after = t + 1 - cfg->burn_in;
        if (s == GEN_OK && after > 0 && after % cfg->thin == 0 && dims > 0) {
            gen_array *v = gen_choicemap_flatten(gen_trace_choices(next), cfg->sel ? cfg->sel : gen_select_all());
            if (!v) s = infer_pending();
            else if (gen_array_size(v) != dims)
                s = GEN_FAIL(GEN_ERR_SHAPE, "records %lld values, the first trace %lld (the selected choices changed)",
                             (long long)gen_array_size(v), (long long)dims);
            else
                s = gen_array_copy_to(v, GEN_F64, r->buf + (after / cfg->thin - 1) * dims, (size_t)dims * sizeof(double));
        }
        if (s == GEN_OK) {
            gen_trace_retain(next);
            gen_trace_release(r->cur);
            r->cur = next;
            r->steps = t + 1;
            r->accepted += acc;
            if (after > 0 && after % cfg->thin == 0) r->recorded++;
        } else {
            core_error_prefix("step %lld", (long long)t);
        }
        gen_scope_end();
        if (s != GEN_OK) break;
        if (!infer_run_report(run, c, after > 0 ? "sampling" : "burn_in", t + 1, steps)) {
            r->stopped = t + 1 < steps;
            break;
        }
    }
    return s;
}

gen_status gen_run_chain(gen_kernel k, gen_key key, const gen_trace *init,
                         const gen_chain_config *cfg, gen_array **samples, gen_trace **final,
                         double *accept_rate) {
    const char *fn = "gen_run_chain";
    if (samples) *samples = NULL;
    if (final) *final = NULL;
    gen_status s = check_config(fn, cfg);
    if (s == GEN_OK && !init) s = infer_null(fn, "the initial trace");
    if (s != GEN_OK) return s;
    chain_rec r;
    if ((s = rec_init(fn, &r, init, cfg)) != GEN_OK) {
        rec_free(&r);
        return s;
    }
    infer_run run;
    infer_run_init(&run, fn, "steps", &cfg->progress, 1);
    s = run_one(k, key, init, cfg, &run, 0, &r);
    if (s != GEN_OK) core_error_prefix("%s", fn);
    else if (r.stopped) s = infer_run_cancelled(&run);
    infer_run_free(&run);
    /* the results so far (all of them when complete); their own failure replaces s */
    gen_status so = GEN_OK;
    if (accept_rate) *accept_rate = r.steps ? (double)r.accepted / (double)r.steps : 0;
    if (samples && !(*samples = gen_array_from(GEN_F64, 2, (int64_t[]){r.recorded, r.dims}, r.buf)))
        so = infer_pending();
    if (so == GEN_OK && final) { /* hands our reference to the caller's scope */
        *final = gfi_trace_publish(r.cur);
        r.cur = NULL;
        if (!*final) so = infer_pending();
    }
    rec_free(&r);
    if (so != GEN_OK) {
        if (samples && *samples) gen_array_release(*samples);
        if (samples) *samples = NULL;
        if (final) *final = NULL; /* left to the scope */
        return so;
    }
    return s;
}

/* ---- parallel chains ---- */

typedef struct chain_job {
    gen_kernel k;
    const gen_trace *init;
    gen_key key;
    const gen_chain_config *cfg;
    infer_run *run;
    int c;
    chain_rec rec;
    gen_status status;
    char message[512];
} chain_job;

typedef struct chain_pool {
    chain_job *jobs;
    int n;
    int next; /* the next job to take, under lock */
    pthread_mutex_t lock;
} chain_pool;

static void job_run(chain_job *job) {
    gen_error_clear();
    job->status = run_one(job->k, job->key, job->init, job->cfg, job->run, job->c, &job->rec);
    if (job->status != GEN_OK) snprintf(job->message, sizeof job->message, "%s", gen_error_message());
}

static void *worker(void *arg) {
    chain_pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        int j = p->next++;
        pthread_mutex_unlock(&p->lock);
        if (j >= p->n) return NULL;
        job_run(&p->jobs[j]);
    }
}

/* [n_chains, draws, dims] from the jobs' records, NaN where a chain recorded nothing. */
static gen_array *gather(chain_job *jobs, int n, const gen_chain_config *cfg) {
    int64_t dims = jobs[0].rec.dims, per = cfg->draws * dims;
    size_t bytes = ((size_t)n * (size_t)per + 1) * sizeof(double);
    double *all = core_alloc(bytes);
    if (!all) return NULL;
    for (int c = 0; c < n; c++) {
        double *dst = all + c * per;
        int64_t got = jobs[c].rec.recorded * dims;
        if (got) memcpy(dst, jobs[c].rec.buf, (size_t)got * sizeof(double));
        for (int64_t i = got; i < per; i++) dst[i] = NAN;
    }
    gen_array *a = gen_array_from(GEN_F64, 3, (int64_t[]){n, cfg->draws, dims}, all);
    core_free(all, bytes);
    return a;
}

gen_status gen_run_chains(gen_kernel k, gen_key key, int n_chains, gen_trace *const *init,
                          const gen_chain_config *cfg, int n_threads, gen_array **samples,
                          double *accept_rates, int64_t *draws_done) {
    const char *fn = "gen_run_chains";
    if (samples) *samples = NULL;
    gen_status s = check_config(fn, cfg);
    if (s == GEN_OK && n_chains >= 1 && !init) s = GEN_FAIL(GEN_ERR_MISUSE, "%s: the list of initial traces is NULL", fn);
    if (s == GEN_OK && (n_chains < 1 || !init)) s = GEN_FAIL(GEN_ERR_VALUE, "%s: need n_chains >= 1 initial traces", fn);
    for (int c = 0; s == GEN_OK && c < n_chains; c++)
        if (!init[c]) s = infer_null(fn, "an initial trace");
    if (s != GEN_OK) return s;
    int nt = n_threads <= 0 || n_threads > n_chains ? n_chains : n_threads;
    chain_job *jobs = core_calloc((size_t)n_chains, sizeof *jobs);
    pthread_t *th = core_calloc((size_t)nt, sizeof *th);
    if (!jobs || !th) {
        if (jobs) core_free(jobs, (size_t)n_chains * sizeof *jobs);
        if (th) core_free(th, (size_t)nt * sizeof *th);
        return GEN_ERR_OOM;
    }
    infer_run run;
    infer_run_init(&run, fn, "steps", &cfg->progress, n_chains);
    for (int c = 0; c < n_chains && s == GEN_OK; c++) {
        jobs[c] = (chain_job){k, init[c], gen_key_fold_in(key, (uint64_t)c), cfg, &run, c, {0}, GEN_OK, ""};
        s = rec_init(fn, &jobs[c].rec, init[c], cfg);
        if (s == GEN_OK && jobs[c].rec.dims != jobs[0].rec.dims)
            s = GEN_FAIL(GEN_ERR_SHAPE, "%s: chain %d records %lld values, chain 0 %lld", fn, c,
                         (long long)jobs[c].rec.dims, (long long)jobs[0].rec.dims);
    }
    if (s == GEN_OK) {
        chain_pool pool = {jobs, n_chains, 0, PTHREAD_MUTEX_INITIALIZER};
        int started = 0;
        for (; started < nt; started++)
            if (pthread_create(&th[started], NULL, worker, &pool) != 0) break;
        if (started == 0) worker(&pool); /* no thread could start: run here */
        for (int t = 0; t < started; t++) pthread_join(th[t], NULL);
        bool stopped = false;
        for (int c = 0; c < n_chains; c++) {
            if (s == GEN_OK && jobs[c].status != GEN_OK)
                s = GEN_FAIL(jobs[c].status, "%s: chain %d: %s", fn, c, jobs[c].message);
            stopped = stopped || jobs[c].rec.stopped;
        }
        if (s == GEN_OK && stopped) s = infer_run_cancelled(&run);
        /* the results so far (all of them when complete); their own failure replaces s */
        if (samples && !(*samples = gather(jobs, n_chains, cfg))) s = infer_pending();
        for (int c = 0; c < n_chains; c++) {
            if (accept_rates) accept_rates[c] = jobs[c].rec.steps ? (double)jobs[c].rec.accepted / (double)jobs[c].rec.steps : 0;
            if (draws_done) draws_done[c] = jobs[c].rec.recorded;
        }
    }
    for (int c = 0; c < n_chains; c++) rec_free(&jobs[c].rec);
    infer_run_free(&run);
    core_free(jobs, (size_t)n_chains * sizeof *jobs);
    core_free(th, (size_t)nt * sizeof *th);
    return s;
}
