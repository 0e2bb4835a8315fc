/* hmc_int.h — what the gradient-based samplers share (HMC, MALA, NUTS and its warm-up):
 * the log density and gradient as plain doubles, the Euclidean metric (identity,
 * diagonal or dense inverse metric), momenta and one leapfrog step. */
#ifndef GENC_SRC_INFER_HMC_INT_H
#define GENC_SRC_INFER_HMC_INT_H

#include "infer_int.h"

/* logp and grad (d doubles) at theta (d doubles): every failure is returned
 * (gen_target_logpdf_grad: the gradient is finite where the log density is). */
gen_status hmc_eval(const gen_target *t, int64_t d, const double *theta, double *logp, double *grad);
/* The starting point of a method (the trace's, or a user's): hmc_eval, and a log density
 * of -inf is an error too ("the log density at the trace is -inf"). */
gen_status hmc_eval_start(const gen_target *t, int64_t d, const double *theta, double *logp, double *grad);
/* A point a method proposes: a point the model rejects (reject.c), or one of log density
 * -inf, is GEN_OK with *why its reason (never ENERGY) and *logp -inf; *why is
 * GEN_DIVERGENCE_NONE at a good point. Other failures are returned. */
gen_status hmc_eval_proposed(const gen_target *t, int64_t d, const double *theta, double *logp, double *grad,
                             gen_divergence *why);
/* d standard normal doubles from key. */
gen_status hmc_normals(gen_key key, int64_t d, double *z);

/* The metric by its inverse M^-1: kind 0 identity, 1 diagonal ([d]), 2 dense ([d, d],
 * row-major, with chol its lower Cholesky factor: momenta are L^-T z), 3 low rank
 * (nutpie's): M^-1 = diag(sqrt s) (I + U (Lambda - I) U^T) diag(sqrt s) with k <= kmax
 * orthonormal columns u_j, packed in minv (hmc_lowrank_size doubles) as [s (d), k,
 * lambda (kmax), u_0 .. u_{kmax-1} (d each)]; work is kmax doubles of scratch. minv is
 * owned. */
typedef struct hmc_metric {
    int kind;
    int64_t d, kmax;
    double *minv, *chol, *work;
} hmc_metric;

/* The doubles of a packed low-rank inverse metric. */
int64_t hmc_lowrank_size(int64_t d, int64_t kmax);
/* The low-rank metric from its packed doubles (copied; NULL: the identity, k = 0). */
gen_status hmc_metric_set_lowrank(hmc_metric *m, int64_t d, int64_t kmax, const double *packed);
/* The dense [d, d] matrix a packed low-rank inverse metric equals. */
void hmc_lowrank_dense(int64_t d, int64_t kmax, const double *packed, double *out);

/* From an f64 [d] or [d, d] array (NULL: identity); checks shape and positivity. */
gen_status hmc_metric_init(hmc_metric *m, const gen_array *inv_metric, int64_t d);
/* From kind and d (or d * d) doubles, copied (NULL: ones / the identity). */
gen_status hmc_metric_set(hmc_metric *m, int kind, int64_t d, const double *minv);
void hmc_metric_free(hmc_metric *m);
/* v = M^-1 p */
void hmc_apply_minv(const hmc_metric *m, const double *p, double *v);
/* p^T M^-1 p / 2, with tmp (d doubles) scratch. */
double hmc_kinetic(const hmc_metric *m, const double *p, double *tmp);
/* p ~ N(0, M) from d standard normals z. */
void hmc_draw_momentum(const hmc_metric *m, const double *z, double *p);

/* A phase-space point. */
typedef struct hmc_point {
    double *theta, *p, *grad;
    double logp;
} hmc_point;

/* One leapfrog step of size eps (negative: backwards) in place; v is d doubles of
 * scratch that ends as M^-1 p at the new point. A point the model rejects is left for the
 * caller to see in *why (hmc_eval_proposed: logp -inf; the momentum's second half step
 * is then skipped). */
gen_status hmc_leapfrog(const gen_target *t, const hmc_metric *m, double eps, hmc_point *x, double *v,
                        gen_divergence *why);

/* MALA's proposal density log N(to; from + (eps^2/2) grad(from), eps^2 I), up to the
 * constant (it cancels in the acceptance ratio). */
double hmc_mala_logq(int64_t d, double eps, const double *to, const double *from, const double *grad);

#endif
