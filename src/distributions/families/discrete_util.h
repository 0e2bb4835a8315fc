/* discrete_util.h — helpers shared by the discrete families (bernoulli, categorical,
 * geometric, uniform_discrete, poisson, binomial, neg_binomial, multinomial): integer
 * value tests, NaN-free logs for masses, and support bounds held by the distribution. */
#ifndef GENC_SRC_DIST_DISCRETE_UTIL_H
#define GENC_SRC_DIST_DISCRETE_UTIL_H

#include "../dist_int.h"

/* The float type of a discrete family's log mass: f32 when every float parameter is
 * f32, else f64. */
gen_dtype disc_ftype(const gen_dist *d);
/* x holds an integer value (always for bool/i64; finite and integral for floats). */
gen_array *disc_is_int(const gen_array *x);
/* x as float type t, with no gradient (values of discrete families are not
 * differentiable). */
gen_array *disc_value(const gen_array *x, gen_dtype t);
/* log p (-inf at p = 0) and log1p(-p) (-inf at p = 1) whose gradients are never NaN
 * (zero at the singular point). */
gen_array *disc_log(const gen_array *p);
gen_array *disc_log1m(const gen_array *p);
/* k * logp with 0 * log 0 = 0 (k a safe float value, logp from disc_log/disc_log1m). */
gen_array *disc_xlogy(const gen_array *k, const gen_array *logp);
/* log n! = lgamma(n + 1). */
gen_array *disc_lfact(const gen_array *n);

/* ---- single-pass kernels (discrete_kernels.c) ---- */
/* No autodiff transform runs: the logpdf kernels below may replace the public-op
 * formulas (their values are the same; only the formulas carry gradients). */
bool disc_plain(void);
/* table[..., x] (table [batch..., K], float) broadcast between x and the batch, -inf
 * where x is not an integer in [0, K); name is the family for shape errors. */
gen_array *disc_gather_last(const char *name, const gen_array *x, const gen_array *table);
/* i64 draws of the full shape (ndim, shape) = sample + batch from the categorical rows
 * of a [batch..., K] (probabilities, or logits when logits is set): inverse CDF of one
 * uniform per value, so value i depends only on (key, i). */
gen_array *disc_categorical_sample(const gen_array *a, bool logits, gen_key key, int ndim,
                                   const int64_t *shape);
/* The Poisson log mass k log rate - rate - log k! as float type t, broadcast between x
 * and rate, -inf where x is not a non-negative integer. */
gen_array *disc_poisson_logpmf(const gen_array *x, const gen_array *rate, gen_dtype t);

/* A new discrete distribution with integer-range bounds lo and hi (either may be NULL:
 * unbounded), kept as batch-shaped i64 arrays that gen_dist_support lends out. The batch
 * shape is given (batch_ndim < 0: the broadcast of the parameters' shapes; NULL
 * parameters are an error naming the family). */
gen_dist *disc_new(const dist_family *f, gen_dtype dtype, int n_params,
                   const gen_array *const *params, int batch_ndim, const int64_t *batch,
                   int event_ndim, const int64_t *event, const gen_array *lo,
                   const gen_array *hi);
/* Enumerations larger than this many elements fail with GEN_ERR_UNSUPPORTED. */
#define DISC_ENUM_MAX 10000000
/* lo, lo + 1, ..., hi (i64) for the union of the batch's integer ranges [min lo, max hi]
 * (lo, hi batch-shaped i64); fails naming family when there are more than
 * DISC_ENUM_MAX values. */
gen_array *disc_enumerate_range(const char *family, const gen_array *lo, const gen_array *hi);

/* Closes a scope opened by a constructor for its temporaries, keeping d for the caller. */
static inline gen_dist *disc_scope_return(gen_dist *d) {
    d = gen_dist_scope_return(d);
    gen_scope_end();
    return d;
}
/* The bounds of a distribution made by disc_new. */
const gen_array *disc_lo(const gen_dist *d);
const gen_array *disc_hi(const gen_dist *d);
/* Frees the bounds (the families' free_extra). */
void disc_free_bounds(gen_dist *d);
/* support: INTEGER_RANGE with the stored bounds. */
gen_status disc_support_range(const gen_dist *d, gen_support *out);

/* Checks that every element is an integer (any dtype). */
gen_status disc_check_integer(const char *family, const char *name, const gen_array *a);
/* Checks 0 < a <= 1. */
gen_status disc_check_prob_pos(const char *family, const char *name, const gen_array *a);
/* Checks the last axis of a is not empty. */
gen_status disc_check_categories(const char *family, const char *name, const gen_array *a);

#endif
