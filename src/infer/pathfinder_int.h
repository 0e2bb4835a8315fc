/* pathfinder_int.h — what Pathfinder's files share (prefix pf_): the L-BFGS iterate
 * (pathfinder_lbfgs.c), the normal approximation of one iterate (pathfinder_approx.c)
 * and Pareto-smoothed importance weights (pathfinder_psis.c). */
#ifndef GENC_SRC_INFER_PATHFINDER_INT_H
#define GENC_SRC_INFER_PATHFINDER_INT_H

#include "hmc_int.h"

/* L-BFGS minimizing f = -log p of a target, as Stan's BFGSLineSearch with LBFGSUpdate:
 * a line search for the strong Wolfe conditions (c1 1e-4, c2 0.9), the first one from
 * the step init_alpha along -g, later ones from 1 along the two-loop direction; a failed
 * search forgets the history and tries again along -g. Points the model rejects count as
 * f = +inf. */
typedef struct pf_lbfgs {
    const gen_target *t;
    int64_t d;
    int m;                    /* history size */
    double init_alpha, tol_obj, tol_rel_obj, tol_grad, tol_rel_grad, tol_param;
    int64_t max_iters;
    double *x, *g, f;         /* the current iterate, g = -grad log p */
    double *xp, *gp, fp;      /* the previous one */
    double *p;                /* the next search direction */
    double *S, *Y;            /* [m, d] each, ring of the last pairs; */
    int n_hist, head;         /* head: the slot of the oldest */
    double *xt, *gt;          /* a line search's trial point */
    int64_t iter, n_evals;
} pf_lbfgs;

/* What one step did. */
enum {
    PF_STEP_OK = 0,           /* a new iterate, go on */
    PF_STEP_CONVERGED = 1,    /* a new iterate, and a convergence test (or max_iters) holds */
    PF_STEP_FAILED = -1       /* the line search found no acceptable point: no new iterate */
};

/* Allocates o (fields d, m, tolerances set by the caller) and evaluates the start x0. */
gen_status pf_lbfgs_init(pf_lbfgs *o, const double *x0);
void pf_lbfgs_free(pf_lbfgs *o);
/* One iteration; *code one of PF_STEP_*. Model errors other than rejections return. */
gen_status pf_lbfgs_step(pf_lbfgs *o, int *code);

/* The normal approximation N(mu, H) of one iterate, H = A^1/2 (I + W M W^T) A^1/2 with
 * A = diag(alpha): dense (2k >= d) as the Cholesky factor of H, else through the thin QR
 * of W (d x 2k) as Stan's sparse form. */
typedef struct pf_approx {
    int64_t d, k;             /* k: the pairs used */
    bool dense;
    double *mu, *alpha;       /* [d] */
    double *L;                /* dense: lower factor of H [d, d]; sparse: of
                                 I + R M R^T [r, r] */
    double *Q;                /* sparse: [d, r] */
    int64_t r;                /* sparse: min(d, 2k) */
    double logdet;            /* log det of the factor: log det H / 2 */
} pf_approx;

/* The approximation at x (gradient of -log p g) from the k pairs S, Y ([k, d], oldest
 * first) and the diagonal alpha. GEN_ERR_LINALG when H is not positive definite. */
gen_status pf_approx_make(pf_approx *a, int64_t d, int64_t k, const double *S, const double *Y,
                          const double *alpha, const double *x, const double *g);
void pf_approx_free(pf_approx *a);
/* A draw theta = mu + factor u from d standard normals u, and its log q. */
double pf_approx_draw(const pf_approx *a, const double *u, double *theta, double *scratch);
/* H itself into cov ([d, d]). */
void pf_approx_cov(const pf_approx *a, double *cov);

/* Pareto-smoothed importance weights (Stan's psis_weights): the log weights lw (n, not
 * NaN; -inf allowed) are shifted by their maximum, the largest min(0.2 n, 3 sqrt n)
 * replaced by the quantiles of a generalized Pareto fitted to them (Zhang and Stephens'
 * estimate, with Vehtari et al.'s weak prior on k), and capped at 0; returns k (NaN when
 * the tail is too short or flat to fit). */
double pf_psis(double *lw, int64_t n);

#endif
