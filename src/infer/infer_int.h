/* infer_int.h — what the inference files share (prefix infer_). */
#ifndef GENC_SRC_INFER_INT_H
#define GENC_SRC_INFER_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "../core/core.h"
#include "genc/autodiff.h"
#include "genc/choice.h"
#include "genc/gfi.h"
#include "genc/infer.h"
#include "genc/random.h"

/* The pending error, or GEN_ERR_OOM. */
static inline gen_status infer_pending(void) {
    return core_error_pending() ? core_error_pending() : GEN_ERR_OOM;
}
/* The pending error for a NULL argument, or GEN_ERR_MISUSE "fn: what is NULL". */
static inline gen_status infer_null(const char *fn, const char *what) {
    return core_error_pending() ? core_error_pending() : GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is NULL", fn, what);
}
/* Whether the failure s of a model run at a proposed point is the model rejecting that
 * point (reject.c): the reason, with the error cleared (its message first copied to msg,
 * n bytes, when msg is not NULL); GEN_DIVERGENCE_NONE for an error that must propagate
 * (the error kept). */
gen_divergence infer_rejection(gen_status s, char *msg, size_t n);
/* A phrase for a reason, for messages ("a non-finite gradient"). */
const char *infer_divergence_name(gen_divergence why);
/* What a kernel made from a NULL payload (gen_kernel_<kernel>(NULL)) does when applied:
 * GEN_ERR_MISUSE "gen_kernel_apply: the <kernel> kernel's payload is NULL", or naming
 * the payload's field (what) when what is not NULL. */
gen_status infer_kernel_null(const char *kernel, const char *what);
/* The log density of t at theta (t's dimension of doubles) and its gradient into grad,
 * checked finite as gen_target_logpdf_grad checks it: through compiled code when t has
 * it (accel.h), else the eager evaluation. */
gen_status target_value_grad_raw(const gen_target *t, const double *theta, double *logp, double *grad);
/* The same without judging finiteness (gen_target_logpdf_grad_chains' values). */
gen_status target_value_grad_unchecked(const gen_target *t, const double *theta, double *logp, double *grad);
/* The process-wide cache of compiled target functions (target_cache.c): a retained
 * function for key (n bytes) or NULL; put stores fn under key with references to gf and
 * keep[0..n_keep) (what the key names by identity); clear empties it. */
typedef struct accel_fn accel_fn;
accel_fn *target_cache_find(const char *key, size_t n);
void target_cache_put(const char *key, size_t n, accel_fn *fn, const gen_gf *gf, gen_array *const *keep,
                      int64_t n_keep);
void target_cache_clear(void);
/* t's compiled function (NULL: none) and the offsets of its inputs in theta. */
const accel_fn *target_accel(const gen_target *t, const int64_t **off);
/* The selection t moves (borrowed). */
const gen_selection *target_selection(const gen_target *t);
/* Whether every selected choice of t's trace maps by the identity (real support): the
 * unconstrained point is then the values themselves. */
bool target_identity(const gen_target *t);
/* target_reuse.c: the target a step left for tr and sel (taken: the caller frees or
 * puts it back) with its theta there (*theta, gen_target_dim(t) + 1 doubles, the caller
 * core_frees it), or NULL; put: t (taken) and the trace its step left, at theta. */
gen_target *target_reuse_take(const gen_trace *tr, const gen_selection *sel, double **theta);
void target_reuse_put(gen_target *t, const gen_trace *tr, const double *theta);
/* The same for a batched step: rows points of d doubles (rows * d + 1 doubles to
 * core_free); a kept target with another row count is not taken. */
gen_target *target_reuse_take_rows(const gen_trace *tr, const gen_selection *sel, int64_t rows, double **theta);
void target_reuse_put_rows(gen_target *t, const gen_trace *tr, int64_t rows, const double *theta);
void target_reuse_clear(void);
/* The constrained values of rec's choices at theta (flattened, dims doubles) into out
 * through compiled code, *done true; *done false (GEN_OK) when t has none for rec (the
 * caller then builds the trace). The compiled function is made on first use for rec. */
gen_status target_record_raw(gen_target *t, const gen_selection *rec, const double *theta, int64_t dims, double *out,
                             bool *done);
/* The point of choices (a scalar run's choice map of t's function, with t's structure)
 * in t's unconstrained space: d doubles into theta (the inverse bijections, as
 * gen_target_new finds its own point). GEN_ERR_VALUE when the selected choices do not
 * have t's dimension. */
gen_status target_point_of(const gen_target *t, const gen_choicemap *choices, double *theta);
/* The selected choices' constrained values at theta (d doubles), flattened in deep order
 * into x (dims doubles: their element count, which differs from d where a bijection
 * changes the dimension, e.g. a simplex's): compiled when t is, else by a forward
 * assess. GEN_ERR_VALUE when they do not have dims elements. */
gen_status target_values_at(gen_target *t, const double *theta, int64_t dims, double *x);
/* A long run's progress reporting (progress.c): the callback, called one at a time
 * across the run's threads, and the stop flag that a cancel from any chain sets and
 * every chain reads before each unit of work. */
typedef struct infer_run {
    const char *call, *unit; /* e.g. "gen_nuts_sample", "iterations" (for the message) */
    gen_progress progress;
    int n_chains;
    atomic_int stop;
    int cancel_chain;        /* who cancelled (-1: nobody), under lock */
    int64_t cancel_done, cancel_total;
    pthread_mutex_t lock;
} infer_run;

/* p may be NULL (no callback). */
void infer_run_init(infer_run *r, const char *call, const char *unit, const gen_progress *p, int n_chains);
void infer_run_free(infer_run *r);
/* Whether the run is to stop (a cancel from any chain). */
static inline bool infer_run_stopped(infer_run *r) {
    return atomic_load_explicit(&r->stop, memory_order_relaxed) != 0;
}
/* Tells the callback that chain has done `done` of `total` units (phase: the unit's);
 * false when the run is to stop (this call cancelled it, or an earlier one did). */
bool infer_run_report(infer_run *r, int chain, const char *phase, int64_t done, int64_t total);
/* Records GEN_CANCELLED with a message naming the chain that cancelled and where. */
gen_status infer_run_cancelled(infer_run *r);

/* One importance-sampling particle (importance.c; the particle filter's too): generate
 * model(args) given obs, or, with a proposal, generate given obs merged with the choices
 * q it proposes (its args: pargs); *lw = generate's weight (minus q's score). */
gen_status infer_is_particle(const gen_gf *model, const gen_args *args, const gen_choicemap *obs,
                             const gen_gf *proposal, const gen_args *pargs, gen_key key, gen_trace **tr,
                             gen_array **lw);

/* log U for U uniform in (0, 1) from key: the MH acceptance test is log U < alpha. */
double infer_log_uniform(gen_key key);

/* Of n log weights (not NaN): the log mean of their exponentials (+-inf where the max
 * is), and the effective sample size (0 when every weight is -inf) (weights.c). */
double infer_log_mean_exp_of(const double *w, int64_t n);
double infer_ess_of(const double *w, int64_t n);

/* n_out ancestors drawn from log weights lw (gen_resample's) as a new i64 [n_out] array
 * on lw's device, in the current scope: weights on a device are resampled there (but
 * residual), so a batched filter's gather never reads them. NULL on error (recorded,
 * gen_resample's errors). */
gen_array *infer_resample_index(gen_key key, const gen_array *lw, gen_resampling method, int64_t n_out);

/* In-place lower Cholesky factor of the row-major [d, d] a (upper part zeroed); false
 * when a is not positive definite (filter_dense.c: HMC's dense metric, the Kalman filter). */
bool infer_cholesky(double *a, int64_t d);

#endif
