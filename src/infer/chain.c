/* chain.c — running MCMC chains: burn-in, thinning, recording selected values, and
 * several chains in parallel on threads. */
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
    return GEN_OK;
}

/* The recorded values of tr: its selected choices, flattened. */
static gen_array *record(const gen_trace *tr, const gen_chain_config *cfg) {
    return gen_choicemap_flatten(gen_trace_choices(tr), cfg->sel ? cfg->sel : gen_select_all());
}

gen_status gen_run_chain(gen_kernel k, gen_key key, const gen_trace *init,
                         const gen_chain_config *cfg, gen_array **samples, gen_trace **final,
                         double *accept_rate) {
    const char *fn = "gen_run_chain";
    if (samples) *samples = NULL;
    if (final) *final = NULL;
    gen_status s = check_config(fn, cfg);
    if (s == GEN_OK && !init) s = infer_null(fn, "the initial trace");
    if (s == GEN_OK && cfg->sel) s = gfi_check_selection(fn, init, cfg->sel); /* a typo records nothing */
    if (s != GEN_OK) return s;
    int64_t dims = gen_choicemap_flat_size(gen_trace_choices(init), cfg->sel ? cfg->sel : gen_select_all());
    if (dims < 0) return infer_pending();
    size_t bytes = (size_t)(cfg->draws * dims) * sizeof(double);
    double *buf = bytes ? core_alloc(bytes) : NULL;
    if (bytes && !buf) return GEN_ERR_OOM;
    gen_trace *cur = gen_trace_retain((gen_trace *)init);
    int64_t steps = cfg->burn_in + cfg->draws * cfg->thin, accepted = 0;
    for (int64_t t = 0; t < steps && s == GEN_OK; t++) {
        if ((s = gen_scope_begin()) != GEN_OK) break; /* one step's garbage */
        gen_trace *next = NULL;
        bool acc = false;
        s = gen_kernel_apply(k, gen_key_fold_in(key, (uint64_t)t), cur, &next, &acc);
        accepted += acc;
        int64_t after = t + 1 - cfg->burn_in;
        if (s == GEN_OK && after > 0 && after % cfg->thin == 0 && dims > 0) {
            gen_array *v = record(next, cfg);
            if (!v) s = infer_pending();
            else if (gen_array_size(v) != dims)
                s = GEN_FAIL(GEN_ERR_SHAPE, "%s: step %lld records %lld values, the first trace %lld (the selected choices changed)",
                             fn, (long long)t, (long long)gen_array_size(v), (long long)dims);
            else
                s = gen_array_copy_to(v, GEN_F64, buf + (after / cfg->thin - 1) * dims, (size_t)dims * sizeof(double));
        }
        if (s == GEN_OK) {
            gen_trace_retain(next);
            gen_trace_release(cur);
            cur = next;
        } else {
            core_error_prefix("%s: step %lld", fn, (long long)t);
        }
        gen_scope_end();
    }
    if (s == GEN_OK && accept_rate) *accept_rate = steps ? (double)accepted / (double)steps : 0;
    if (s == GEN_OK && final) { /* hands our reference to the caller's scope */
        *final = gfi_trace_publish(cur);
        cur = NULL;
        if (!*final) s = infer_pending();
    }
    gen_trace_release(cur);
    if (s == GEN_OK && samples && !(*samples = gen_array_from(GEN_F64, 2, (int64_t[]){cfg->draws, dims}, buf)))
        s = infer_pending();
    if (buf) core_free(buf, bytes);
    if (s != GEN_OK && final) *final = NULL; /* left to the scope */
    return s;
}

/* ---- parallel chains ---- */

typedef struct chain_job {
    gen_kernel k;
    const gen_trace *init;
    gen_key key;
    const gen_chain_config *cfg;
    gen_array *samples; /* caller-owned (no scope on the worker) */
    double accept;
    gen_status status;
    char message[512];
} chain_job;

typedef struct chain_pool {
    chain_job *jobs;
    int n;
    int next; /* the next job to take, under lock */
    pthread_mutex_t lock;
} chain_pool;

static void *worker(void *arg) {
    chain_pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        int j = p->next++;
        pthread_mutex_unlock(&p->lock);
        if (j >= p->n) return NULL;
        chain_job *job = &p->jobs[j];
        gen_error_clear();
        job->status = gen_run_chain(job->k, job->key, job->init, job->cfg, &job->samples, NULL, &job->accept);
        if (job->status != GEN_OK) snprintf(job->message, sizeof job->message, "%s", gen_error_message());
    }
}

gen_status gen_run_chains(gen_kernel k, gen_key key, int n_chains, gen_trace *const *init,
                          const gen_chain_config *cfg, int n_threads, gen_array **samples,
                          double *accept_rates) {
    const char *fn = "gen_run_chains";
    if (samples) *samples = NULL;
    gen_status s = check_config(fn, cfg);
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
    for (int c = 0; c < n_chains; c++)
        jobs[c] = (chain_job){k, init[c], gen_key_fold_in(key, (uint64_t)c), cfg, NULL, 0, GEN_OK, ""};
    chain_pool pool = {jobs, n_chains, 0, PTHREAD_MUTEX_INITIALIZER};
    int started = 0;
    for (; started < nt; started++)
        if (pthread_create(&th[started], NULL, worker, &pool) != 0) break;
    if (started == 0) worker(&pool); /* no thread could start: run here */
    for (int t = 0; t < started; t++) pthread_join(th[t], NULL);
    for (int c = 0; c < n_chains && s == GEN_OK; c++)
        if (jobs[c].status != GEN_OK)
            s = GEN_FAIL(jobs[c].status, "%s: chain %d: %s", fn, c, jobs[c].message);
    if (s == GEN_OK && samples) {
        gen_array **parts = core_alloc((size_t)n_chains * sizeof *parts);
        if (!parts) s = GEN_ERR_OOM;
        for (int c = 0; parts && c < n_chains; c++) parts[c] = jobs[c].samples;
        if (parts && !(*samples = gen_stack(n_chains, parts, 0))) s = infer_pending();
        if (parts) core_free(parts, (size_t)n_chains * sizeof *parts);
    }
    for (int c = 0; c < n_chains; c++) {
        if (accept_rates) accept_rates[c] = jobs[c].accept;
        gen_array_release(jobs[c].samples);
    }
    core_free(jobs, (size_t)n_chains * sizeof *jobs);
    core_free(th, (size_t)nt * sizeof *th);
    return s;
}
