/* genc/dist.h — the modeling library: distributions, their supports, and bijections.
 *
 * A distribution is an immutable, refcounted value: a family plus its parameters (arrays,
 * retained). Constructors check the parameters and return NULL with a clear error
 * ("normal: sigma must be > 0, got -1 at index [2]"): scales, rates, shapes and
 * concentrations must be finite as well as positive (normal(0, inf) is refused: its
 * density would be 0 everywhere). Such a refusal is GEN_ERR_VALUE; inference that meets
 * it at a point it proposes takes it for the model rejecting that point (genc/infer.h:
 * gen_divergence). Ownership follows array.h: a new
 * distribution belongs to the innermost open scope, or to the caller if none is open
 * (gen_dist_release). Arguments are borrowed.
 *
 * Shapes. Parameters broadcast to a batch shape; each draw has an event shape (empty for
 * scalar distributions, [n] for mvnormal or dirichlet, [n, n] for wishart). Sampling with
 * a sample shape S gives S + batch + event. logpdf(x) accepts any x whose shape ends in
 * the event shape and whose leading part broadcasts with the batch shape; it returns the
 * log density (log mass for discrete families) with the broadcast shape, -inf outside the
 * support, and is differentiable (gen_grad and friends) in x (continuous families) and in
 * every continuous parameter.
 *
 * Values are f64 (continuous families; f32 parameters give f32), i64 (counts and
 * indices), or bool (bernoulli). */
#ifndef GENC_DIST_H
#define GENC_DIST_H

#include "genc/array.h"
#include "genc/random.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gen_dist gen_dist;
typedef struct gen_bijection gen_bijection;

/* ---- supports --------------------------------------------------------------------- */

typedef enum gen_support_kind {
    GEN_SUPPORT_REAL,           /* (-inf, inf) */
    GEN_SUPPORT_POSITIVE,       /* (0, inf) */
    GEN_SUPPORT_GREATER_THAN,   /* (lo, inf) or [lo, inf) */
    GEN_SUPPORT_INTERVAL,       /* (lo, hi) or [lo, hi] */
    GEN_SUPPORT_INTEGER_RANGE,  /* integers lo..hi (hi may be +inf: NULL) */
    GEN_SUPPORT_BOOLEAN,        /* false, true */
    GEN_SUPPORT_SIMPLEX,        /* vectors of nonnegative entries summing to 1 */
    GEN_SUPPORT_POSITIVE_DEFINITE, /* symmetric positive-definite matrices */
    GEN_SUPPORT_CORR_CHOLESKY,  /* lower Cholesky factors of correlation matrices */
    GEN_SUPPORT_POINT,          /* a single value (delta) */
    GEN_SUPPORT_INTEGER_VECTOR, /* vectors of counts summing to n (multinomial) */
    /* Stan's constrained types (the block "Stan's constrained types" below) */
    GEN_SUPPORT_LESS_THAN,        /* (-inf, hi) or (-inf, hi] */
    GEN_SUPPORT_ORDERED,          /* strictly increasing vectors */
    GEN_SUPPORT_POSITIVE_ORDERED, /* strictly increasing vectors of positive entries */
    GEN_SUPPORT_UNIT_VECTOR,      /* vectors of Euclidean norm 1 */
    GEN_SUPPORT_CHOLESKY_COV,     /* M x N (M >= N) lower-trapezoidal matrices with a
                                     positive diagonal: Cholesky factors of covariances */
    GEN_SUPPORT_CUSTOM          /* declared by a user distribution; no bijection */
} gen_support_kind;

typedef struct gen_support {
    gen_support_kind kind;
    const gen_array *lo, *hi; /* borrowed bounds (batch-shaped), NULL when unbounded */
} gen_support;

const char *gen_support_name(gen_support_kind kind);

/* ---- distribution values ------------------------------------------------------------ */

gen_dist *gen_dist_retain(gen_dist *d);
void gen_dist_release(gen_dist *d);
/* Keeps d past the innermost scope (like gen_scope_return for arrays). */
gen_dist *gen_dist_scope_return(gen_dist *d);

const char *gen_dist_name(const gen_dist *d);
gen_dtype gen_dist_dtype(const gen_dist *d);
int gen_dist_batch_ndim(const gen_dist *d);
const int64_t *gen_dist_batch_shape(const gen_dist *d);
int gen_dist_event_ndim(const gen_dist *d);
const int64_t *gen_dist_event_shape(const gen_dist *d);
bool gen_dist_is_discrete(const gen_dist *d);
/* True when a parameter (or a component distribution) is batched (array.h: batched
 * mode): the batch shape then starts with the particle axis. */
bool gen_dist_is_batched(const gen_dist *d);
/* Parameters, in the order of the constructor (borrowed). */
int gen_dist_num_params(const gen_dist *d);
const gen_array *gen_dist_param(const gen_dist *d, int i);
const char *gen_dist_param_name(const gen_dist *d, int i);

/* Draws sample_shape + batch + event values (not differentiable). Improper priors (flat,
 * half_flat) cannot be sampled: GEN_ERR_UNSUPPORTED. */
gen_array *gen_dist_sample(const gen_dist *d, gen_key key, int ndim, const int64_t *sample_shape);
/* A reparameterized draw: the same distribution, differentiable in the parameters.
 * GEN_ERR_UNSUPPORTED for families without one (see gen_dist_has_rsample). */
gen_array *gen_dist_rsample(const gen_dist *d, gen_key key, int ndim, const int64_t *sample_shape);
bool gen_dist_has_rsample(const gen_dist *d);
/* Log density / log mass of x (see the top of this header). */
gen_array *gen_dist_logpdf(const gen_dist *d, const gen_array *x);
/* The support (bounds borrowed from d). */
gen_status gen_dist_support(const gen_dist *d, gen_support *out);
/* Finite supports: all values, shape [K] + event, K the size of the union of the batch
 * members' supports (members give -inf to values outside their own). GEN_ERR_UNSUPPORTED
 * for infinite or continuous supports. */
gen_array *gen_dist_enumerate(const gen_dist *d);
/* The bijection from unconstrained space onto the support (continuous families), e.g.
 * exp for positive, a scaled sigmoid for intervals, stick-breaking for the simplex.
 * New reference (scope rules as for distributions). GEN_ERR_UNSUPPORTED if none. */
gen_bijection *gen_dist_bijection(const gen_dist *d);

/* ---- cumulative distribution functions (continuous scalar families) -------------------
 * F(x) = P(X <= x) for x broadcasting with the batch shape, with array ops: differentiable
 * in x and in the parameters (student_t, gamma, inv_gamma, chi2 and beta compute the
 * regularized incomplete beta / gamma function in C: their derivative in x, loc and
 * scale is exact (the density), in the shape parameters (df, shape, a, b) a 5-point
 * central difference of relative step 1e-3, accurate to about 1e-10; forward mode
 * (gen_jvp) gets the same). x = -inf gives F = 0, +inf gives 1, NaN gives NaN. Families:
 * normal, lognormal, cauchy, half_cauchy, half_normal, logistic, laplace, exponential,
 * gumbel, weibull, pareto, uniform, student_t, gamma, inv_gamma, chi2, beta. Others (discrete, multivariate, constructors incl. gen_truncated):
 * GEN_ERR_UNSUPPORTED "gen_dist_cdf: von_mises has no CDF". New arrays (scope rules). */
gen_array *gen_dist_cdf(const gen_dist *d, const gen_array *x);
/* log F(x), exact in the lower tail (log_cdf(normal, -40) = -804.6). */
gen_array *gen_dist_log_cdf(const gen_dist *d, const gen_array *x);
/* log(1 - F(x)), exact in the upper tail. */
gen_array *gen_dist_log_ccdf(const gen_dist *d, const gen_array *x);
/* The quantile F^-1(p) for p in [0, 1] (NaN outside), where a closed form exists (the
 * families above but student_t, gamma, inv_gamma, chi2, beta: GEN_ERR_UNSUPPORTED
 * naming the family). Computed in C (p > 1/2 through 1 - p, so both tails are exact) and
 * differentiable in p and the parameters through the implicit derivative of F. */
gen_array *gen_dist_quantile(const gen_dist *d, const gen_array *p);

/* ---- continuous families (parameterizations follow Gen.jl) --------------------------- */

/* Normal(mu, sigma): density exp(-(x-mu)^2 / (2 sigma^2)) / (sigma sqrt(2 pi)); 0 < sigma < inf. */
gen_dist *gen_normal(const gen_array *mu, const gen_array *sigma);
/* Uniform(lo, hi) on [lo, hi], density 1/(hi - lo); lo < hi. */
gen_dist *gen_uniform(const gen_array *lo, const gen_array *hi);
/* Beta(a, b) on [0, 1], density x^(a-1) (1-x)^(b-1) / B(a, b); a, b > 0. */
gen_dist *gen_beta(const gen_array *a, const gen_array *b);
/* Gamma(shape k, scale theta) on (0, inf), density x^(k-1) e^(-x/theta) / (Gamma(k) theta^k). */
gen_dist *gen_gamma(const gen_array *shape, const gen_array *scale);
/* InverseGamma(shape a, scale b) on (0, inf), density b^a x^(-a-1) e^(-b/x) / Gamma(a). */
gen_dist *gen_inv_gamma(const gen_array *shape, const gen_array *scale);
/* Exponential(rate) on [0, inf), density rate e^(-rate x); rate > 0. */
gen_dist *gen_exponential(const gen_array *rate);
/* Laplace(loc, scale), density e^(-|x-loc|/scale) / (2 scale). */
gen_dist *gen_laplace(const gen_array *loc, const gen_array *scale);
/* Cauchy(loc, scale), density 1 / (pi scale (1 + ((x-loc)/scale)^2)). */
gen_dist *gen_cauchy(const gen_array *loc, const gen_array *scale);
/* Student's t with df > 0 degrees of freedom, location loc and scale > 0. */
gen_dist *gen_student_t(const gen_array *df, const gen_array *loc, const gen_array *scale);
/* LogNormal(mu, sigma): log x ~ Normal(mu, sigma); x > 0. */
gen_dist *gen_lognormal(const gen_array *mu, const gen_array *sigma);
/* TruncatedNormal(mu, sigma, lo, hi): Normal(mu, sigma) restricted to [lo, hi]; lo < hi
 * (either may be infinite). */
gen_dist *gen_truncated_normal(const gen_array *mu, const gen_array *sigma, const gen_array *lo,
                               const gen_array *hi);
/* HalfNormal(sigma): |Normal(0, sigma)| on [0, inf). */
gen_dist *gen_half_normal(const gen_array *sigma);
/* HalfCauchy(scale): |Cauchy(0, scale)| on [0, inf). */
gen_dist *gen_half_cauchy(const gen_array *scale);
/* Logistic(loc, scale), density e^(-z) / (scale (1 + e^(-z))^2), z = (x - loc)/scale. */
gen_dist *gen_logistic(const gen_array *loc, const gen_array *scale);
/* Weibull(shape k, scale lambda) on [0, inf), density (k/l)(x/l)^(k-1) e^(-(x/l)^k). */
gen_dist *gen_weibull(const gen_array *shape, const gen_array *scale);
/* Pareto(scale x_m, alpha) on [x_m, inf), density alpha x_m^alpha / x^(alpha+1). */
gen_dist *gen_pareto(const gen_array *scale, const gen_array *alpha);
/* ChiSquared(df) on (0, inf): Gamma(df/2, 2). */
gen_dist *gen_chi2(const gen_array *df);
/* Gumbel(loc, scale) (maximum), density e^(-(z + e^(-z))) / scale, z = (x - loc)/scale. */
gen_dist *gen_gumbel(const gen_array *loc, const gen_array *scale);
/* VonMises(mu, kappa) on [-pi, pi), density e^(kappa cos(x - mu)) / (2 pi I0(kappa));
 * kappa >= 0 (0: uniform on the circle). */
gen_dist *gen_von_mises(const gen_array *mu, const gen_array *kappa);
/* WrappedCauchy(mu, gamma) on [-pi, pi), density sinh(g) / (2 pi (cosh(g) - cos(x - mu))). */
gen_dist *gen_wrapped_cauchy(const gen_array *mu, const gen_array *gamma);
/* BetaUniform(theta, a, b): with probability theta Beta(a, b), else Uniform(0, 1) (Gen.jl). */
gen_dist *gen_beta_uniform(const gen_array *theta, const gen_array *a, const gen_array *b);
/* PiecewiseUniform(bounds [K+1] increasing, probs [K] summing to 1): bin k is chosen with
 * probability probs[k], then a uniform value in [bounds[k], bounds[k+1]). */
gen_dist *gen_piecewise_uniform(const gen_array *bounds, const gen_array *probs);
/* BroadcastedNormal(mu, sigma): one array-valued choice whose elements are independent
 * Normal(mu, sigma); the event shape is the broadcast shape of mu and sigma. */
gen_dist *gen_broadcasted_normal(const gen_array *mu, const gen_array *sigma);
/* Delta(v): all mass on v (event shape = v's shape); logpdf is 0 at v, -inf elsewhere. */
gen_dist *gen_delta(const gen_array *v);
/* Improper flat priors: density 1 on the reals / on (0, inf), of the given event shape.
 * They can be constrained or initialized but not simulated. */
gen_dist *gen_flat(int ndim, const int64_t *event_shape);
gen_dist *gen_half_flat(int ndim, const int64_t *event_shape);

/* ---- multivariate continuous -------------------------------------------------------- */

/* MvNormal(mean [..., n], cov [..., n, n]); cov symmetric positive definite. */
gen_dist *gen_mvnormal(const gen_array *mean, const gen_array *cov);
/* MvNormal(mean, L L^T) from the lower Cholesky factor L (positive diagonal). */
gen_dist *gen_mvnormal_chol(const gen_array *mean, const gen_array *chol);
/* Dirichlet(alpha [..., K]) on the simplex; alpha > 0. */
gen_dist *gen_dirichlet(const gen_array *alpha);
/* Wishart(df, scale [..., n, n]) on n x n positive-definite matrices; df > n - 1. */
gen_dist *gen_wishart(const gen_array *df, const gen_array *scale);
/* InverseWishart(df, scale [..., n, n]); df > n - 1. */
gen_dist *gen_inv_wishart(const gen_array *df, const gen_array *scale);
/* LKJ distribution over Cholesky factors of dim x dim correlation matrices, eta > 0. */
gen_dist *gen_lkj_cholesky(int64_t dim, const gen_array *eta);

/* ---- discrete families ---------------------------------------------------------------- */

/* Bernoulli(p): true with probability p (bool values). */
gen_dist *gen_bernoulli(const gen_array *p);
/* Bernoulli with log-odds logit. */
gen_dist *gen_bernoulli_logit(const gen_array *logit);
/* Categorical(probs [..., K]) on 0..K-1 (i64); probs >= 0 summing to 1 (tolerance 1e-8 K,
 * 1e-6 K for f32). */
gen_dist *gen_categorical(const gen_array *probs);
/* Categorical from unnormalized log-probabilities logits [..., K]. */
gen_dist *gen_categorical_logits(const gen_array *logits);
/* Poisson(rate) on 0, 1, 2, ...; rate >= 0. */
gen_dist *gen_poisson(const gen_array *rate);
/* Geometric(p): failures before the first success, 0, 1, ...; 0 < p <= 1. */
gen_dist *gen_geometric(const gen_array *p);
/* NegativeBinomial(r, p) (real r > 0): failures before the r-th success,
 * pmf Gamma(k+r) / (k! Gamma(r)) p^r (1-p)^k; 0 < p <= 1. */
gen_dist *gen_neg_binomial(const gen_array *r, const gen_array *p);
/* Binomial(n, p) on 0..n; n a nonnegative integer (i64 or integral float). */
gen_dist *gen_binomial(const gen_array *n, const gen_array *p);
/* Multinomial(n, p [..., K]): counts [..., K] summing to n. */
gen_dist *gen_multinomial(const gen_array *n, const gen_array *p);
/* UniformDiscrete(lo, hi): each integer lo..hi (both included) with equal mass. */
gen_dist *gen_uniform_discrete(const gen_array *lo, const gen_array *hi);

/* ---- constructors ------------------------------------------------------------------- */

/* The distribution of f(X) for X ~ base and a bijection f (Gen.jl's @dist of a
 * transform): logpdf(y) = base.logpdf(f^-1(y)) - log|det J_f(f^-1(y))|. */
gen_dist *gen_transformed(const gen_dist *base, const gen_bijection *f);
/* Mixture with weights [..., K] over a batched family whose last batch axis indexes the
 * K components, e.g. gen_mixture(w, gen_normal(means[K], sds[K])). logpdf by logsumexp. */
gen_dist *gen_mixture(const gen_array *weights, const gen_dist *components);
/* Mixture of n distributions of equal event shape and dtype, weights [n]. */
gen_dist *gen_mixture_of(int n, gen_dist *const *components, const gen_array *weights);
/* d restricted to [lo, hi] (Stan's T[lo, hi]): logpdf(x) = d.logpdf(x) - log(F(hi) -
 * F(lo)) inside, -inf outside; lo or hi NULL leaves that side unbounded (e.g. a half-t:
 * gen_truncated(gen_student_t(df, 0, s), zero, NULL)). d is a continuous family with a
 * CDF (see gen_dist_cdf) and scalar events; lo and hi broadcast with its batch shape
 * (per-element bounds) and may be infinite; lo < hi. The normalizer is computed in log
 * space from the lower tail, or from the upper one (log_ccdf) when F(lo) > 1/2, and is
 * differentiable in d's parameters and the bounds. Support: greater_than(lo),
 * less_than(hi) or interval(lo, hi), intersected with d's own. Draws: inverse CDF in log
 * space where d has a quantile, else rejection from d (at most 100 rounds, then
 * GEN_ERR_VALUE naming the element); not reparameterized. Errors: GEN_ERR_UNSUPPORTED
 * for a discrete, multivariate or CDF-less d, GEN_ERR_VALUE for lo >= hi or NaN bounds,
 * GEN_ERR_MISUSE for a NULL d. An interval of probability 0 under d gives logpdf -inf. */
gen_dist *gen_truncated(const gen_dist *d, const gen_array *lo, const gen_array *hi);
/* n independent draws of d with shape (ndim, shape) as one choice: the event shape becomes
 * shape + d's event shape (a value is laid out as d's batch + shape + d's event); logpdf
 * sums. */
gen_dist *gen_iid(const gen_dist *d, int ndim, const int64_t *shape);
/* Treats the last nbatch batch axes of d as event axes (numpyro's to_event). */
gen_dist *gen_independent(const gen_dist *d, int nbatch);
/* Product of n distributions with equal event shape: the value stacks their draws along
 * a new first event axis of size n; logpdf sums. dtypes are promoted. */
gen_dist *gen_product(int n, gen_dist *const *components);

/* A user-defined distribution. sample and logpdf receive the parameters given to
 * gen_dist_custom; logpdf should be written with array ops (then it is differentiable);
 * support and enumerate are optional (NULL). */
typedef struct gen_dist_callbacks {
    const char *name;
    gen_dtype dtype;
    int event_ndim;
    int64_t event_shape[GEN_MAX_DIMS];
    gen_support_kind support; /* GEN_SUPPORT_CUSTOM when unknown */
    gen_array *(*sample)(void *payload, gen_key key, int ndim, const int64_t *shape,
                         int n_params, gen_array *const *params);
    gen_array *(*logpdf)(void *payload, const gen_array *x, int n_params,
                         gen_array *const *params);
    gen_array *(*enumerate)(void *payload, int n_params, gen_array *const *params);
    void (*free_payload)(void *payload); /* called when the distribution dies; may be NULL */
} gen_dist_callbacks;
/* The batch shape is the broadcast of the parameters' shapes (at most 4 parameters). cb is
 * copied. The payload belongs to the distribution once it is created (free_payload runs
 * when it dies); if gen_dist_custom fails the caller still owns it. Custom distributions
 * have no reparameterized sampler. */
gen_dist *gen_dist_custom(const gen_dist_callbacks *cb, void *payload, int n_params,
                          gen_array *const *params);

/* ---- bijections ------------------------------------------------------------------------
 * A bijection maps unconstrained values u (event shape in_shape) onto constrained values
 * x (event shape out_shape), batched over leading axes. All three functions are written
 * with array ops, so they are differentiable. */

gen_bijection *gen_bijection_retain(gen_bijection *b);
void gen_bijection_release(gen_bijection *b);
gen_bijection *gen_bijection_scope_return(gen_bijection *b);
const char *gen_bijection_name(const gen_bijection *b);
gen_array *gen_bijection_forward(const gen_bijection *b, const gen_array *u);
gen_array *gen_bijection_inverse(const gen_bijection *b, const gen_array *x);
/* log |det d forward / du| at u, summed over the event axes. */
gen_array *gen_bijection_log_det_jacobian(const gen_bijection *b, const gen_array *u);
/* The event shape of u for constrained event shape (ndim, shape) (e.g. K-1 for a simplex
 * of K); writes ndim and dims to out. */
gen_status gen_bijection_unconstrained_shape(const gen_bijection *b, int ndim,
                                             const int64_t *shape, int *out_ndim,
                                             int64_t *out_shape);

gen_bijection *gen_bijection_identity(void);
gen_bijection *gen_bijection_exp(void);                            /* R -> (0, inf) */
gen_bijection *gen_bijection_affine(const gen_array *loc, const gen_array *scale); /* loc + scale u */
gen_bijection *gen_bijection_lower_bound(const gen_array *lo);     /* lo + exp(u) */
gen_bijection *gen_bijection_interval(const gen_array *lo, const gen_array *hi); /* lo + (hi-lo) sigmoid(u) */
gen_bijection *gen_bijection_stick_breaking(void);                 /* R^(K-1) -> K-simplex */
gen_bijection *gen_bijection_corr_cholesky(void);                  /* R^(n(n-1)/2) -> corr. Cholesky */
gen_bijection *gen_bijection_positive_definite(void);              /* R^(n(n+1)/2) -> PD */
/* Composition: first g, then f (x = f(g(u))). */
gen_bijection *gen_bijection_compose(const gen_bijection *f, const gen_bijection *g);

/* A user bijection from callbacks on elementwise (event_ndim 0) or event-shaped values;
 * log_det_jacobian returns the log |det J| summed over event axes. */
typedef struct gen_bijection_callbacks {
    const char *name;
    int event_ndim;
    gen_support_kind codomain; /* the support of the outputs (GEN_SUPPORT_CUSTOM if unknown) */
    gen_array *(*forward)(void *payload, const gen_array *u);
    gen_array *(*inverse)(void *payload, const gen_array *x);
    gen_array *(*log_det_jacobian)(void *payload, const gen_array *u);
    void (*free_payload)(void *payload);
} gen_bijection_callbacks;
gen_bijection *gen_bijection_custom(const gen_bijection_callbacks *cb, void *payload);

/* ---- Stan's constrained types ---------------------------------------------------------
 * Stan's parameter declarations as supports, bijections (Stan Reference Manual,
 * "Constraint transforms") and distributions:
 *   real<upper=U>            GEN_SUPPORT_LESS_THAN         gen_bijection_upper_bound
 *   vector<lower=L, upper=U> GEN_SUPPORT_INTERVAL          gen_bijection_interval (L, U
 *                                                          may be per-element arrays)
 *   ordered[K]               GEN_SUPPORT_ORDERED           gen_bijection_ordered
 *   positive_ordered[K]      GEN_SUPPORT_POSITIVE_ORDERED  gen_bijection_positive_ordered
 *   unit_vector[K]           GEN_SUPPORT_UNIT_VECTOR       gen_bijection_unit_vector
 *   cholesky_factor_cov[M,N] GEN_SUPPORT_CHOLESKY_COV      gen_bijection_cholesky_cov
 * A declaration with no prior is gen_flat_on; `ordered[K] c; c ~ normal(0, 5);` is
 * gen_ordered(gen_normal(0, 5), K). */

/* hi - exp(u): R -> (-inf, hi), elementwise; log |det J| = u. hi may hold one bound per
 * element (it broadcasts against u). */
gen_bijection *gen_bijection_upper_bound(const gen_array *hi);
/* R^K -> strictly increasing vectors: x_1 = u_1, x_k = x_(k-1) + exp(u_k); log |det J| =
 * sum_(k>=2) u_k. Acts on the last axis (K >= 1). */
gen_bijection *gen_bijection_ordered(void);
/* R^K -> increasing positive vectors: x_1 = exp(u_1), x_k = x_(k-1) + exp(u_k); log |det
 * J| = sum_k u_k. */
gen_bijection *gen_bijection_positive_ordered(void);
/* R^K -> the unit sphere of R^K (K >= 2): x = u / |u|, inverse(x) = x, and "log |det J|"
 * = -|u|^2 / 2. Not a bijection in the strict sense (it is many-to-one, and the sphere
 * has dimension K - 1): this is Stan's choice, which gives the radius |u| a chi
 * distribution with K degrees of freedom, independent of the direction, so that it
 * marginalizes out and the direction keeps the density the model gives x. */
gen_bijection *gen_bijection_unit_vector(void);
/* R^(N(N+1)/2 + (M-N)N) -> M x N Cholesky factors of covariances (M >= N >= 1; Stan's
 * cholesky_factor_cov): u fills the lower trapezoid row by row (Stan's order: row i holds
 * min(i+1, N) entries), with exp applied to the diagonal entries; log |det J| = the sum
 * of the diagonal's u. The matrix shape is the bijection's: GEN_ERR_VALUE unless
 * m >= n >= 1; values of another shape are GEN_ERR_SHAPE. */
gen_bijection *gen_bijection_cholesky_cov(int64_t m, int64_t n);

/* The order statistics of K iid draws of d (a continuous distribution with scalar
 * events, batch shape B): batch B, event [K]; a value is the K draws sorted ascending;
 * logpdf(x) = log K! + sum_k log p(x_k) for strictly increasing x, -inf otherwise.
 * The support is ORDERED when d's is the real line and POSITIVE_ORDERED when it is
 * (0, inf); other supports are GEN_ERR_UNSUPPORTED ("ordered: the support of gamma'...").
 * Stan's density for `ordered[K] c; c ~ normal(0, 5);` is this one less log K!.
 * K >= 1; d is retained. Not reparameterized (the sort). */
gen_dist *gen_ordered(const gen_dist *d, int64_t K);
/* The uniform distribution on the unit sphere of R^K (K >= 2): event [K], density
 * Gamma(K/2) / (2 pi^(K/2)) (w.r.t. the sphere's surface measure) at |x| = 1 (within
 * 1e-8), -inf elsewhere. Draws are normalized standard normals. */
gen_dist *gen_unit_vector(int64_t K);
/* The improper flat density over a support (log density 0 on it, -inf off it) with the
 * given event shape: Stan's parameter declaration with no prior. Kinds and bounds:
 * REAL, POSITIVE (no bounds); GREATER_THAN (lo), LESS_THAN (hi) (finite bounds);
 * INTERVAL (lo < hi, either may be infinite); ORDERED, POSITIVE_ORDERED, SIMPLEX (event
 * [K], K >= 1); UNIT_VECTOR (event [K], K >= 2); CORR_CHOLESKY, POSITIVE_DEFINITE (event
 * [n, n]); CHOLESKY_COV (event [M, N], M >= N >= 1). Bounds broadcast to the event shape
 * (per-element bounds: vector<lower=L, upper=U>[N] is INTERVAL with L and U of shape
 * [N]); NULL where the kind has none. Errors: a missing bound or one given to a kind
 * without one (GEN_ERR_MISUSE), bounds that do not broadcast to the event shape or a
 * shape the kind cannot have (GEN_ERR_SHAPE), invalid bounds (GEN_ERR_VALUE), other
 * kinds (GEN_ERR_UNSUPPORTED). It cannot be simulated (GEN_ERR_UNSUPPORTED, like
 * gen_flat); its bijection is the support's. Bounds are retained. */
gen_dist *gen_flat_on(gen_support_kind kind, const gen_array *lo, const gen_array *hi, int ndim,
                      const int64_t *event_shape);

#ifdef __cplusplus
}
#endif
#endif
