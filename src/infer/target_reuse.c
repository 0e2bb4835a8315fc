/* target_reuse.c — a thread's last gradient target and the trace its step left, so that
 * the next step of a chain (gen_hmc, gen_mala) on that very trace, with the same
 * selection, takes the target as it is: the trace differs from the target's base only in
 * the selected choices, which the step knows as theta. A new target would assess the
 * model eagerly to find theta again (and round it through the bijections), which is most
 * of a compiled step's cost on a small model. A batched step (hmc_batched.c) keeps one
 * point per particle (rows). Held per thread; freed at thread exit,
 * with the compile caches (target_cache_clear), or when the next step takes another
 * trace. */
#include <pthread.h>
#include <string.h>

#include "infer_int.h"

typedef struct reuse {
    gen_target *t;
    gen_trace *tr; /* retained: its pointer cannot be another trace's while held */
    double *theta; /* rows * d + 1 doubles: one point per chain of a batched step */
    int64_t d, rows;
} reuse;

static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool key_ok;

static void reuse_free(void *p) {
    reuse *r = p;
    if (!r) return;
    gen_target_free(r->t);
    gen_trace_release(r->tr);
    core_free(r->theta, (size_t)(r->rows * r->d + 1) * sizeof *r->theta);
    core_free(r, sizeof *r);
}

static void make_key(void) { key_ok = pthread_key_create(&key, reuse_free) == 0; }

static reuse *take(void) {
    pthread_once(&once, make_key);
    if (!key_ok) return NULL;
    reuse *r = pthread_getspecific(key);
    if (r) pthread_setspecific(key, NULL);
    return r;
}

gen_target *target_reuse_take(const gen_trace *tr, const gen_selection *sel, double **theta) {
    return target_reuse_take_rows(tr, sel, 1, theta);
}

gen_target *target_reuse_take_rows(const gen_trace *tr, const gen_selection *sel, int64_t rows, double **theta) {
    reuse *r = take();
    *theta = NULL;
    if (!r) return NULL;
    if (r->tr != tr || target_selection(r->t) != sel || r->rows != rows) {
        reuse_free(r);
        return NULL;
    }
    gen_target *t = r->t;
    *theta = r->theta; /* the caller's: core_free it at rows * gen_target_dim(t) + 1 doubles */
    gen_trace_release(r->tr);
    core_free(r, sizeof *r);
    return t;
}

void target_reuse_put(gen_target *t, const gen_trace *tr, const double *theta) {
    target_reuse_put_rows(t, tr, 1, theta);
}

void target_reuse_put_rows(gen_target *t, const gen_trace *tr, int64_t rows, const double *theta) {
    reuse *old = take(), *r = key_ok ? core_calloc(1, sizeof *r) : NULL;
    reuse_free(old);
    int64_t d = gen_target_dim(t);
    if (r) r->theta = core_alloc((size_t)(rows * d + 1) * sizeof *r->theta);
    if (!r || !r->theta || pthread_setspecific(key, r) != 0) {
        if (r) core_free(r->theta, (size_t)(rows * d + 1) * sizeof *r->theta);
        core_free(r, sizeof *r);
        gen_target_free(t);
        gen_error_clear();
        return;
    }
    memcpy(r->theta, theta, (size_t)(rows * d) * sizeof *theta);
    r->t = t;
    r->tr = gen_trace_retain((gen_trace *)tr);
    r->d = d;
    r->rows = rows;
}

void target_reuse_clear(void) { reuse_free(take()); }
