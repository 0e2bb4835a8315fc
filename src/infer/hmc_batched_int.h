/* hmc_batched_int.h — n chains of a batched trace as host doubles (hmc_batched.c), shared
 * by the batched HMC and MALA kernels, the ChEES sampler (chees.c) and batched NUTS
 * (nuts_batched.c): the target from
 * particle 0, every particle's point, all chains' log densities and gradients in one
 * evaluation, and one batched update that writes chosen chains' points back. */
#ifndef GENC_SRC_INFER_HMC_BATCHED_INT_H
#define GENC_SRC_INFER_HMC_BATCHED_INT_H

#include "hmc_int.h"

/* The state of n chains of dimension d (host doubles, row c for chain c). */
typedef struct batch_chains {
    int64_t n, d, dims; /* dims: the selected choices' elements per particle (constrained) */
    gen_target *t;
    gen_device dev;     /* where theta goes for the evaluation: the trace's values' device */
    double *block;      /* every buffer below, in one allocation */
    double *theta0, *theta, *p, *grad, *grad0, *tmp, *lp, *lp0, *alpha;
    gen_divergence *why; /* why a dead chain died */
    bool *dead, *acc;
} batch_chains;

/* The target (from particle 0: the particles must share every unselected choice, else
 * GEN_ERR_UNSUPPORTED naming it) and every particle's point into c->theta0 (the buffers
 * allocated, c->dead and c->acc false). On error the caller still calls batch_chains_free. */
gen_status batch_chains_init(batch_chains *c, const gen_trace *tr, const gen_selection *sel);
void batch_chains_free(batch_chains *c);
/* Log density and gradient of every chain at theta ([n, d]) into lp and grad, all chains
 * in one evaluation. start: theta are the chains' own points, where a rejected one is an
 * error naming the particle; else a rejected point kills its chain (c->dead, c->why its reason, lp -inf).
 * Dead chains are evaluated at their rows of c->theta0 (and theta's rows set to them). */
gen_status batch_chains_eval(batch_chains *c, double *theta, double *lp, double *grad, bool start);
/* Log density and gradient at m points (theta [m, d], any chains' proposals: the rows of
 * the chains still moving) into lp and grad, in one evaluation of those m alone (m may be
 * 0); why[j] the reason the model rejects point j (lp -inf), GEN_DIVERGENCE_NONE where it
 * does not, as hmc_eval_proposed judges. c->dead is neither read nor set. */
gen_status batch_chains_eval_rows(batch_chains *c, int64_t m, const double *theta, double *lp, double *grad,
                                  gen_divergence *why);
/* *out: tr with the chains whose c->acc is set at their points c->theta (one batched
 * update; the others keep their values and scores exactly), in the current scope. */
gen_status batch_chains_write_back(batch_chains *c, const gen_trace *tr, const gen_selection *sel, gen_trace **out);
/* Draw j of every chain at c->theta0: the positions into unc ([n, draws, d]) and the
 * selected values into draws ([n, draws, c->dims]). */
gen_status batch_chains_record(const batch_chains *c, int64_t j, int64_t draws, double *unc, double *values);
/* The end of a many-chain run: *out the trace at the chains' final points c->theta0
 * (every chain written back), whose target (taken from c) the next batched step on it
 * takes up (target_reuse.c). */
gen_status batch_chains_finish(batch_chains *c, const gen_trace *tr, const gen_selection *sel, gen_trace **out);
/* A many-chain run's progress after `done` of its `total` iterations (the first `warmup`
 * of them warm-up), reported as chain 0 of 1 (the chains advance together): false when
 * the callback cancels before the last iteration (a false after it changes nothing). */
bool batch_chains_report(infer_run *run, int64_t done, int64_t warmup, int64_t total);

/* The checks of their settings the many-chain samplers (chees.c, nuts_batched.c) share,
 * errors prefixed with fn: the trace (not NULL) batched (its particles are the chains), warmup >= 0 and draws >= 1, a diagonal or unit metric (dense: unsupported), a
 * fixed inverse metric 1-d, a finite step (> 0 when fixed). */
gen_status batch_sampler_check(const char *fn, const gen_trace *tr, int64_t warmup, int64_t draws,
                               gen_metric_kind metric, const gen_array *inv_metric, double step, bool fixed_step);

#endif
