/* advi_int.h — what the ADVI files share (prefix advi_): the Gaussian family q
 * (advi_family.c), the Monte Carlo estimates of the ELBO and its gradient
 * (advi_estimate.c) and the results (advi_results.c); the run is advi.c. */
#ifndef GENC_SRC_LEARN_ADVI_INT_H
#define GENC_SRC_LEARN_ADVI_INT_H

#include "learn_int.h"
#include "genc/vi.h"
#include "../infer/infer_int.h"

/* q: mu [d] and its scale parameters, omega [d] (mean-field) or L [d * d] row-major
 * (full-rank: the upper triangle stays 0). */
typedef struct advi_q {
    gen_advi_family family;
    int64_t d, nscale;
    double *mu, *scale;
} advi_q;

/* zeta = mu + S eps for n rows of d doubles. */
void advi_q_transform(const advi_q *q, int64_t n, const double *eps, double *zeta);
/* H[q]. */
double advi_q_entropy(const advi_q *q);
/* The ELBO gradient from n rows of eps and the log density's gradients g at mu + S eps
 * (the rows to use: ok[i], m of them >= 1), the entropy's gradient added. */
void advi_q_grad(const advi_q *q, int64_t n, const double *eps, const double *g, const bool *ok, int64_t m,
                 double *gmu, double *gscale);

/* A run's evaluation state: the target and scratch rows for up to cap draws. */
typedef struct advi_eval {
    gen_target *t;
    int64_t d, cap;
    double *eps, *zeta, *lp, *grad;
    bool *ok;
    bool failed;   /* the last estimate failed for dropped draws (not another error) */
    char why[256]; /* the last rejection's message */
} advi_eval;
gen_status advi_eval_init(advi_eval *e, gen_target *t, int64_t cap);
void advi_eval_free(advi_eval *e);
/* The ELBO gradient from n draws (key; redraws fold in the round) into gmu, gscale.
 * GEN_ERR_VALUE with e->failed set when n draws were dropped (the message says how many
 * of how many); other errors are the model's (e->failed false). */
gen_status advi_estimate_grad(advi_eval *e, const advi_q *q, gen_key key, int64_t n, double *gmu, double *gscale);
/* The ELBO from n draws; GEN_ERR_VALUE when n draws were dropped. */
gen_status advi_estimate_elbo(advi_eval *e, const advi_q *q, gen_key key, int64_t n, double *elbo);

/* The results at q (advi_results.c): mean, scale, the ELBO history (k entries), the
 * draws from q (key) as unconstrained and constrained rows and as a batched trace. */
gen_status advi_results(advi_eval *e, const advi_q *q, gen_key key, int64_t n_draws, const gen_selection *sel,
                        const double *elbo, const int64_t *elbo_iter, int64_t k, gen_advi_result *out);

#endif
