/* pf_int.h — what the particle filter's files share (prefix pf_): the filter's state and
 * the all-or-nothing move of every particle that init, step and rejuvenate are made of. */
#ifndef GENC_SRC_INFER_PF_INT_H
#define GENC_SRC_INFER_PF_INT_H

#include "genc/smc.h"
#include "infer_int.h"

struct gen_pf {
    int64_t n;           /* particles */
    gen_trace **traces;  /* [n], one reference each (a trace may fill several slots);
                          * NULL for a batched filter */
    gen_trace *batch;    /* a batched filter's one batched trace of n particles (one
                          * reference), NULL for a filter of n traces */
    double *lw;          /* [n] unnormalized log weights */
    gen_array *lw_dev;   /* a batched filter whose trace is on a device: the log weights
                          * there, [n] (one reference), which steps and resampling keep
                          * there; lw is then a copy refreshed when read (pf_host_weights) */
    bool lw_stale;       /* lw is older than lw_dev */
    double *ess;         /* [n_ess] ESS after init and after each step */
    int64_t n_ess, cap_ess;
    int64_t steps;       /* steps done */
};

/* One particle's move: from tr (NULL at init) to a new trace *out (a reference in the
 * current scope, or tr retained) with its log weight grown by *dlw. */
typedef gen_status (*pf_move_fn)(void *ud, int64_t i, gen_key key, const gen_trace *tr, gen_trace **out,
                                 double *dlw);

/* Moves every particle i with f (key fold_in(key, i), each in a scope of its own) and,
 * when all succeeded and no new weight is NaN, replaces the traces and weights at once;
 * otherwise the filter is unchanged and the error is prefixed "fn: particle i". */
gen_status pf_move_all(gen_pf *pf, const char *fn, gen_key key, pf_move_fn f, void *ud);

/* A new filter (*pf) of n particles, each made by f from no trace (tr NULL), with
 * pf_move_all's all-or-nothing rule; GEN_ERR_VALUE "fn: the particle count must be >= 1,
 * got 0". *pf is left as it was on error. */
gen_status pf_init_with(const char *fn, gen_key key, int64_t n, pf_move_fn f, void *ud, gen_pf **pf);

/* The weights as a new [n] f64 array in the current scope, on the device they are kept
 * on (NULL on error, recorded). */
gen_array *pf_weights_array(const gen_pf *pf);

/* Makes pf->lw current (a copy of the device weights, when stale): call before reading it. */
gen_status pf_host_weights(const gen_pf *pf);

/* The effective sample size of the weights now (on their device). */
gen_status pf_ess_now(const gen_pf *pf, double *ess);

/* Sets every weight to lw (after resampling: the log mean of the weights before). */
gen_status pf_set_weights(gen_pf *pf, double lw);

/* Room for one more entry of the ESS history. */
gen_status pf_reserve_ess(gen_pf *pf);

/* The batched filter (pf_batched.c): a step (*ess: the ESS after it), a resampling to
 * ancestors idx [n] (the weights are the caller's: pf_set_weights), and a rejuvenation
 * of pf->batch, each replacing the batched trace (and the weights) at once or, on
 * error, leaving the filter unchanged. */
gen_status pf_batched_step(gen_pf *pf, gen_key key, const gen_args *args, const gen_diff *argdiffs,
                           const gen_choicemap *obs, const gen_gf *proposal, const gen_args *proposal_args,
                           double *ess);
gen_status pf_batched_resample(gen_pf *pf, const gen_array *idx);
/* *out (current scope): the batched trace of m particles whose particle j is pf's
 * particle idx[j] (an i64 [m] array, moved to the trace's device). */
gen_status pf_batched_gather(const gen_pf *pf, const gen_array *idx, gen_trace **out);
gen_status pf_batched_rejuvenate(gen_pf *pf, gen_key key, gen_kernel k, int64_t *n_accepted);

#endif
