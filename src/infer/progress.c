/* progress.c — the progress callback of long runs (gen_progress in genc/infer.h): its
 * calls serialized across a run's threads, the stop flag every chain of the run
 * watches, and the cancel message naming who stopped it. */
#include <stdio.h>

#include "infer_int.h"

void infer_run_init(infer_run *r, const char *call, const char *unit, const gen_progress *p, int n_chains) {
    r->call = call;
    r->unit = unit;
    r->progress = p ? *p : (gen_progress){0};
    r->n_chains = n_chains;
    atomic_init(&r->stop, 0);
    r->cancel_chain = -1;
    r->cancel_done = r->cancel_total = 0;
    pthread_mutex_init(&r->lock, NULL);
}

void infer_run_free(infer_run *r) { pthread_mutex_destroy(&r->lock); }

bool infer_run_report(infer_run *r, int chain, const char *phase, int64_t done, int64_t total) {
    if (!r->progress.fn || infer_run_stopped(r)) return !infer_run_stopped(r); /* no calls after a cancel */
    gen_progress_info info = {r->call, phase, chain, r->n_chains, done, total};
    pthread_mutex_lock(&r->lock);
    bool go = !atomic_load(&r->stop) && r->progress.fn(r->progress.ud, &info);
    if (!go && r->cancel_chain < 0) {
        r->cancel_chain = chain;
        r->cancel_done = done;
        r->cancel_total = total;
        atomic_store(&r->stop, 1);
    }
    go = go && !atomic_load(&r->stop);
    pthread_mutex_unlock(&r->lock);
    return go;
}

gen_status infer_run_cancelled(infer_run *r) {
    return GEN_FAIL(GEN_CANCELLED, "%s: cancelled by the progress callback (chain %d, after %lld of %lld %s)", r->call,
                    r->cancel_chain, (long long)r->cancel_done, (long long)r->cancel_total, r->unit);
}
