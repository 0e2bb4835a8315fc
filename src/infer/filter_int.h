/* filter_int.h — what the exact filters (kalman*.c, hmm.c) share: reading checked inputs
 * into host doubles, making host result arrays, a bag of scratch blocks freed at once,
 * log-sum-exp, and small dense matrix kernels (row-major doubles). Prefix filter_. */
#ifndef GENC_SRC_FILTER_INT_H
#define GENC_SRC_FILTER_INT_H

#include "genc/filter.h"
#include "infer_int.h"

/* Scratch blocks of one call, all freed by filter_bag_free. */
#define FILTER_BAG_MAX 48
typedef struct filter_bag {
    void *p[FILTER_BAG_MAX];
    size_t n[FILTER_BAG_MAX];
    int k;
} filter_bag;
/* n doubles (zeroed) owned by bag; NULL (GEN_ERR_OOM recorded) on failure. */
double *filter_alloc(filter_bag *bag, int64_t n);
void filter_bag_free(filter_bag *bag);

/* Reads a (f64 or f32, ndim axes) into doubles owned by bag. dims[i] >= 0 is the extent
 * axis i must have, -1 any (then set to a's). Errors name fn and what: NULL (misuse),
 * dtype, shape ("fn: what must be [T, 2] (ctx), got [5,3]", shape_hint giving the
 * "[T, 2] (ctx)" part; NULL: the dims), NaN entries (and +inf when !allow_pos_inf, -inf
 * when !allow_neg_inf), naming the index. */
gen_status filter_read(filter_bag *bag, const char *fn, const char *what, const gen_array *a, int ndim,
                       int64_t *dims, const char *shape_hint, bool allow_neg_inf, bool allow_pos_inf,
                       double **out);
/* A new host array of (ndim, shape) from data (dtype GEN_F64 or GEN_I64), or NULL. */
gen_array *filter_result(gen_dtype dtype, int ndim, const int64_t *shape, const void *data);
/* The results wanted (want[i] not NULL) as new host arrays of (ndim[i], shape) from
 * data[i], written to *want[i] only when all were made (GEN_OK). */
#define FILTER_RESULTS_MAX 4
gen_status filter_results(int k, gen_array **const *want, gen_dtype dtype, const int *ndim, const int64_t *shape,
                          const void *const *data);
/* n uniforms in (0, 1) (or standard normals) from key, drawn on the host into out. */
gen_status filter_draws(gen_key key, bool normal, int64_t n, double *out);

/* log(sum_i exp(x[i * stride])), i < n: -inf when every term is -inf. */
double filter_logsumexp(const double *x, int64_t n, int64_t stride);

/* Dense kernels on row-major matrices. c = a b with a [r, k], b [k, s]; ta / tb use the
 * transpose of a ([k, r] stored) / of b ([s, k] stored). c must not alias a or b. */
void filter_matmul(const double *a, bool ta, const double *b, bool tb, int64_t r, int64_t k, int64_t s,
                   double *c);
/* The same for a positive semi-definite a: a pivot at most tol (relative to the largest
 * diagonal entry) makes a zero column; false when a pivot is below -tol (indefinite). */
bool filter_cholesky_psd(double *a, int64_t d, double tol);
/* Solves (L L') X = B in place for B [d, s] given the lower factor L [d, d]. */
void filter_chol_solve(const double *l, int64_t d, double *b, int64_t s);
/* a = (a + a') / 2 for [d, d] a. */
void filter_symmetrize(double *a, int64_t d);
/* Whether [d, d] a is symmetric to a relative tol. */
bool filter_is_symmetric(const double *a, int64_t d, double tol);


/* ---- the Kalman filter (kalman.c), used by the backward passes (kalman_smooth.c) ---- */

/* A linear-Gaussian model and its observations read into host doubles (row-major). */
typedef struct kalman_in {
    int64_t n, m, T;
    double *m0, *P0, *A, *b, *Q, *C, *d, *R, *y; /* b and d zero when not given */
} kalman_in;
/* Reads and checks model and ys (the errors of genc/filter.h, naming fn). */
gen_status kalman_read(filter_bag *bag, const char *fn, const gen_lgssm *model, const gen_array *ys, kalman_in *in);
/* The forward pass: filtered mf [T, n], Pf [T, n, n], predicted mp [T, n], Pp [T, n, n]
 * (all required, owned by the caller) and the log marginal likelihood. */
gen_status kalman_forward(filter_bag *bag, const char *fn, const kalman_in *in, double *mf, double *Pf, double *mp,
                          double *Pp, double *log_ml);
#endif
