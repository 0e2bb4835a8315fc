/* loops.h — three time-series models written as Stan writes them: a loop over t = 1..T of
 * scalar operations (y[t] is gen_take of a data vector, the recursion is gen_add / gen_mul /
 * ... on 0-d arrays), not vectorized. They are the "Loops" models of issue 13 (compiled
 * inference): each step is a handful of tiny ops, which is where an eager engine loses most
 * to Stan. Header-only: include it in one file (tests/infer/test_loops_models.c and
 * bench/bench_loops.c do). The matching Stan programs are bench/stan/loops/<name>.stan.
 *
 *   arma11   ARMA(1,1) (Stan's user guide, posteriordb's arma11): mu ~ N(0, 10),
 *            phi ~ N(0, 2), theta ~ N(0, 2), sigma ~ half-Cauchy(2.5);
 *            nu[1] = mu + phi mu, nu[t] = mu + phi y[t-1] + theta err[t-1],
 *            err[t] = y[t] - nu[t]; target += normal_lpdf(err | 0, sigma).
 *            Args: y [T].
 *   garch11  GARCH(1,1) (posteriordb's garch11, bench/stan/garch-garch11.stan): mu flat,
 *            alpha0 half-flat, alpha1 flat on (0, 1), beta1 flat on (0, 1 - alpha1);
 *            sigma[1] = sigma1, sigma[t] = sqrt(alpha0 + alpha1 (y[t-1] - mu)^2
 *            + beta1 sigma[t-1]^2); y ~ N(mu, sigma) (an observed choice).
 *            Args: y [T], sigma1 (0-d).
 *   hmm      An HMM with K Gaussian states, marginalized by the forward algorithm
 *            (posteriordb's hmm_example for K = 2): theta[k] ~ Dirichlet(1) (the rows of
 *            the transition matrix; Stan's implicit uniform prior on a simplex), mu ordered
 *            with mu[k] ~ N(mu_prior[k], 1) (as in posteriordb: mu1 flat, the gaps
 *            half-flat, so mu = mu1 + cumsum(gaps) is Stan's ordered transform, and the
 *            normal priors enter as a factor); gamma[1, k] = normal_lpdf(y[1] | mu[k], 1),
 *            gamma[t, k] = log_sum_exp_j(gamma[t-1, j] + log theta[j, k]
 *            + normal_lpdf(y[t] | mu[k], 1)); target += log_sum_exp(gamma[T]).
 *            Args: y [T], mu_prior [K].
 *
 * Data are synthetic: each model has a generator with a fixed seed (a splitmix64 stream and
 * Box-Muller normals, independent of GenC's random layer) and loops_write_json writes them
 * with Stan's names, so that Stan runs on the very same numbers. */
#ifndef GENC_EXAMPLES_LOOPS_H
#define GENC_EXAMPLES_LOOPS_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genc.h"

#define LOOPS_MAX_DATA 2
#define LOOPS_MAX_K 4

typedef enum loops_kind { LOOPS_ARMA11, LOOPS_GARCH11, LOOPS_HMM, LOOPS_NKINDS } loops_kind;

static const char *const loops_names[LOOPS_NKINDS] = {"arma11", "garch11", "hmm"};

typedef struct loops_model {
    loops_kind kind;
    const char *name;
    int64_t T, K;                  /* time steps; states (hmm only, else 0) */
    gen_body body;
    int n_data;
    gen_array *data[LOOPS_MAX_DATA]; /* the model's arguments */
    gen_choicemap *obs;            /* observed choices (garch11's y; empty otherwise) */
    gen_choicemap *init;           /* a valid value of every parameter, merged with obs */
    const char *const *params;     /* the parameters' choice names (one part each) */
    int n_params;
} loops_model;

/* ---- synthetic data ------------------------------------------------------------------- */

typedef struct loops_rng {
    uint64_t s;
} loops_rng;

/* splitmix64 -> a uniform in (0, 1). */
static inline double loops_uniform(loops_rng *r) {
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

static inline double loops_normal(loops_rng *r) {
    double u = loops_uniform(r), v = loops_uniform(r);
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

/* y[0..T) from ARMA(1,1) with mu 1, phi 0.6, theta 0.3, sigma 0.5 (err[0] = 0 before t = 1). */
static inline void loops_data_arma11(uint64_t seed, int64_t T, double *y) {
    loops_rng r = {seed};
    double mu = 1, phi = 0.6, theta = 0.3, sigma = 0.5, prev_y = mu, prev_e = 0;
    for (int64_t t = 0; t < T; t++) {
        double e = sigma * loops_normal(&r);
        y[t] = mu + phi * prev_y + theta * prev_e + e;
        prev_y = y[t];
        prev_e = e;
    }
}

/* y[0..T) from GARCH(1,1) with mu 0.2, alpha0 0.2, alpha1 0.3, beta1 0.4; *sigma1 = 1. */
static inline void loops_data_garch11(uint64_t seed, int64_t T, double *y, double *sigma1) {
    loops_rng r = {seed};
    double mu = 0.2, a0 = 0.2, a1 = 0.3, b1 = 0.4, s = 1;
    *sigma1 = s;
    for (int64_t t = 0; t < T; t++) {
        if (t > 0) s = sqrt(a0 + a1 * (y[t - 1] - mu) * (y[t - 1] - mu) + b1 * s * s);
        y[t] = mu + s * loops_normal(&r);
    }
}

/* The prior means of the hmm's K state means: 3, 10, 17, ... (posteriordb's 3 and 10 for K = 2). */
static inline double loops_hmm_mu_prior(int64_t k) { return 3.0 + 7.0 * (double)k; }

/* y[0..T) from a K-state HMM: stay with probability 0.8, else move to one of the others
 * uniformly; y[t] ~ N(mu_prior[z[t]], 1); z[0] uniform. */
static inline void loops_data_hmm(uint64_t seed, int64_t T, int64_t K, double *y) {
    loops_rng r = {seed};
    int64_t z = (int64_t)(loops_uniform(&r) * (double)K);
    for (int64_t t = 0; t < T; t++) {
        if (t > 0 && loops_uniform(&r) >= 0.8) z = (z + 1 + (int64_t)(loops_uniform(&r) * (double)(K - 1))) % K;
        y[t] = loops_hmm_mu_prior(z) + loops_normal(&r);
    }
}

/* ---- the models ------------------------------------------------------------------------ */

/* Stan's v[i] (0-based here): a 0-d array. */
static inline gen_array *loops_at(const gen_array *v, int64_t i) { return gen_take(v, gen_scalar_i64(i), 0); }

/* GEN_OK, or GEN_ERR_SHAPE when the series y is not a vector of T >= 1 values (the DSL
 * prefixes the model's name). */
static inline gen_status loops_check_series(const gen_array *y) {
    if (!y) return gen_error_status();
    if (gen_array_ndim(y) != 1 || gen_array_size(y) < 1)
        return gen_error_set(GEN_ERR_SHAPE, "y must be a vector of at least 1 value, got %d dimensions and %lld values",
                             gen_array_ndim(y), (long long)gen_array_size(y));
    return GEN_OK;
}

/* Stacks n 0-d arrays into a vector [n]; NULL (the error pending) if any is NULL or the
 * buffer cannot be had. */
static inline gen_array *loops_stack(int64_t n, gen_array *const *items) {
    for (int64_t i = 0; i < n; i++)
        if (!items[i]) return NULL;
    return gen_stack((int)n, items, 0);
}

static inline gen_status loops_arma11(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *y = args->v[0];
    if (loops_check_series(y) != GEN_OK) return gen_error_status();
    int64_t T = gen_array_size(y);
    gen_array *mu = gen_choose(ctx, "mu", gen_normal(gen_scalar(0), gen_scalar(10)));
    gen_array *phi = gen_choose(ctx, "phi", gen_normal(gen_scalar(0), gen_scalar(2)));
    gen_array *theta = gen_choose(ctx, "theta", gen_normal(gen_scalar(0), gen_scalar(2)));
    gen_array *sigma = gen_choose(ctx, "sigma", gen_half_cauchy(gen_scalar(2.5)));
    if (gen_ctx_status(ctx) != GEN_OK) return gen_ctx_status(ctx);
    gen_array **err = malloc((size_t)T * sizeof *err);
    if (!err) return gen_error_set(GEN_ERR_OOM, "arma11: no memory for %lld errors", (long long)T);
    gen_array *nu = gen_add(mu, gen_mul(phi, mu)); /* err[0] == 0 */
    err[0] = gen_sub(loops_at(y, 0), nu);
    for (int64_t t = 1; t < T; t++) {
        nu = gen_add(gen_add(mu, gen_mul(phi, loops_at(y, t - 1))), gen_mul(theta, err[t - 1]));
        err[t] = gen_sub(loops_at(y, t), nu);
    }
    gen_array *e = loops_stack(T, err);
    free(err);
    gen_factor(ctx, gen_sum(gen_dist_logpdf(gen_normal(gen_scalar(0), sigma), e), 0, NULL, false));
    *retval = e;
    return gen_ctx_status(ctx);
}

static inline gen_status loops_garch11(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *y = args->v[0], *sigma1 = args->v[1];
    if (loops_check_series(y) != GEN_OK) return gen_error_status();
    int64_t T = gen_array_size(y);
    gen_array *mu = gen_choose(ctx, "mu", gen_flat(0, NULL));
    gen_array *alpha0 = gen_choose(ctx, "alpha0", gen_half_flat(0, NULL));
    gen_array *alpha1 = gen_choose(ctx, "alpha1", gen_uniform(gen_scalar(0), gen_scalar(1)));
    gen_array *rest = gen_sub(gen_scalar(1), alpha1);
    gen_array *beta1 = gen_choose(ctx, "beta1", gen_uniform(gen_scalar(0), rest));
    gen_factor(ctx, gen_log(rest)); /* flat on (0, 1 - alpha1), as in Stan */
    if (gen_ctx_status(ctx) != GEN_OK) return gen_ctx_status(ctx);
    gen_array **sigma = malloc((size_t)T * sizeof *sigma);
    if (!sigma) return gen_error_set(GEN_ERR_OOM, "garch11: no memory for %lld scales", (long long)T);
    sigma[0] = sigma1;
    for (int64_t t = 1; t < T; t++)
        sigma[t] = gen_sqrt(gen_add(gen_add(alpha0, gen_mul(alpha1, gen_square(gen_sub(loops_at(y, t - 1), mu)))),
                                    gen_mul(beta1, gen_square(sigma[t - 1]))));
    gen_array *s = loops_stack(T, sigma);
    free(sigma);
    *retval = gen_choose(ctx, "y", gen_broadcasted_normal(mu, s));
    return gen_ctx_status(ctx);
}

static inline gen_status loops_hmm(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *y = args->v[0], *mu_prior = args->v[1];
    if (loops_check_series(y) != GEN_OK) return gen_error_status();
    int64_t T = gen_array_size(y), K = gen_array_size(mu_prior);
    if (K < 2 || K > LOOPS_MAX_K)
        return gen_error_set(GEN_ERR_VALUE, "hmm: mu_prior must have 2..%d states, got %lld", LOOPS_MAX_K, (long long)K);
    gen_array *mu1 = gen_choose(ctx, "mu1", gen_flat(1, (int64_t[]){1}));
    gen_array *gap = gen_choose(ctx, "gap", gen_half_flat(1, (int64_t[]){K - 1}));
    gen_array *mu = gen_concatenate(2, (gen_array *const[]){mu1, gen_add(mu1, gen_cumsum(gap, 0))}, 0);
    gen_factor(ctx, gen_sum(gen_dist_logpdf(gen_normal(mu_prior, gen_scalar(1)), mu), 0, NULL, false));
    gen_array *theta = gen_choose(ctx, "theta", gen_dirichlet(gen_ones(GEN_F64, 2, (int64_t[]){K, K})));
    if (gen_ctx_status(ctx) != GEN_OK) return gen_ctx_status(ctx);
    gen_array *log_theta = gen_log(theta);
    gen_array *log_theta_to[LOOPS_MAX_K], *gamma_t[LOOPS_MAX_K]; /* log theta[., k]; gamma[t, k] */
    gen_dist *emit[LOOPS_MAX_K];                                  /* normal(mu[k], 1) */
    for (int64_t k = 0; k < K; k++) {
        log_theta_to[k] = gen_take(log_theta, gen_scalar_i64(k), 1);
        emit[k] = gen_normal(loops_at(mu, k), gen_scalar(1));
        gamma_t[k] = gen_dist_logpdf(emit[k], loops_at(y, 0));
    }
    gen_array *gamma = loops_stack(K, gamma_t);
    for (int64_t t = 1; t < T; t++) {
        gen_array *yt = loops_at(y, t);
        for (int64_t k = 0; k < K; k++) {
            gen_array *acc = gen_add(gen_add(gamma, log_theta_to[k]), gen_dist_logpdf(emit[k], yt));
            gamma_t[k] = gen_logsumexp(acc, 0, NULL, false);
        }
        gamma = loops_stack(K, gamma_t);
    }
    gen_factor(ctx, gen_logsumexp(gamma, 0, NULL, false));
    *retval = mu;
    return gen_ctx_status(ctx);
}

/* ---- loading ------------------------------------------------------------------------ */

static inline gen_addr loops_addr(const char *name) { return (gen_addr){1, {gen_part_name(name)}}; }
static inline gen_choicemap *loops_set(gen_choicemap *m, const char *name, gen_array *v) {
    gen_addr a = loops_addr(name);
    return gen_choicemap_set(m, &a, v);
}

/* Builds model kind on its synthetic data (T steps, K states for the hmm; seed fixes the
 * data); arrays and maps are in the current scope. false (the error recorded) on bad sizes
 * or no memory. */
static inline bool loops_load(loops_kind kind, int64_t T, int64_t K, uint64_t seed, loops_model *m) {
    memset(m, 0, sizeof *m);
    if (kind < 0 || kind >= LOOPS_NKINDS || T < 2 || (kind == LOOPS_HMM && (K < 2 || K > LOOPS_MAX_K))) {
        gen_error_set(GEN_ERR_VALUE, "loops_load: bad model %d, T %lld or K %lld", (int)kind, (long long)T, (long long)K);
        return false;
    }
    static const char *const arma_p[] = {"mu", "phi", "theta", "sigma"},
                             *const garch_p[] = {"mu", "alpha0", "alpha1", "beta1"},
                             *const hmm_p[] = {"mu1", "gap", "theta"};
    double *y = malloc((size_t)T * sizeof *y);
    if (!y) {
        gen_error_set(GEN_ERR_OOM, "loops_load: no memory for %lld values", (long long)T);
        return false;
    }
    m->kind = kind;
    m->name = loops_names[kind];
    m->T = T;
    gen_choicemap *init = gen_choicemap_empty(), *obs = gen_choicemap_empty();
    switch (kind) {
    case LOOPS_ARMA11:
        loops_data_arma11(seed, T, y);
        m->data[0] = gen_array_from_f64(1, &T, y);
        m->n_data = 1;
        init = loops_set(loops_set(loops_set(loops_set(init, "mu", gen_scalar(0)), "phi", gen_scalar(0)), "theta",
                                   gen_scalar(0)),
                         "sigma", gen_scalar(1));
        m->body = loops_arma11;
        m->params = arma_p;
        m->n_params = 4;
        break;
    case LOOPS_GARCH11: {
        double s1 = 0;
        loops_data_garch11(seed, T, y, &s1);
        m->data[0] = gen_array_from_f64(1, &T, y);
        m->data[1] = gen_scalar(s1);
        m->n_data = 2;
        obs = loops_set(obs, "y", gen_array_from_f64(1, &T, y));
        init = loops_set(loops_set(loops_set(loops_set(init, "mu", gen_scalar(0)), "alpha0", gen_scalar(1)), "alpha1",
                                   gen_scalar(0.3)),
                         "beta1", gen_scalar(0.3));
        m->body = loops_garch11;
        m->params = garch_p;
        m->n_params = 4;
        break;
    }
    case LOOPS_HMM: {
        double mp[LOOPS_MAX_K], gaps[LOOPS_MAX_K];
        for (int64_t k = 0; k < K; k++) mp[k] = loops_hmm_mu_prior(k);
        for (int64_t k = 0; k + 1 < K; k++) gaps[k] = mp[k + 1] - mp[k];
        loops_data_hmm(seed, T, K, y);
        m->K = K;
        m->data[0] = gen_array_from_f64(1, &T, y);
        m->data[1] = gen_array_from_f64(1, &K, mp);
        m->n_data = 2;
        init = loops_set(loops_set(loops_set(init, "mu1", gen_array_from_f64(1, (int64_t[]){1}, mp)), "gap",
                                   gen_array_from_f64(1, (int64_t[]){K - 1}, gaps)),
                         "theta", gen_full(GEN_F64, 2, (int64_t[]){K, K}, 1.0 / (double)K));
        m->body = loops_hmm;
        m->params = hmm_p;
        m->n_params = 3;
        break;
    }
    default:
        break;
    }
    free(y);
    m->obs = obs;
    m->init = gen_choicemap_merge(init, obs);
    return m->init != NULL && m->data[0] != NULL;
}

static inline gen_selection *loops_selection(const loops_model *m) {
    gen_addr a[4];
    for (int i = 0; i < m->n_params; i++) a[i] = loops_addr(m->params[i]);
    return gen_select(m->n_params, a);
}

/* The trace at the init values, with its function and arguments (in the current scope). */
static inline gen_trace *loops_trace(const loops_model *m, gen_gf **gf, gen_args *args) {
    *gf = gen_dynamic(m->name, m->body);
    *args = (gen_args){m->n_data, m->data, NULL};
    gen_trace *tr = NULL;
    if (gen_generate(*gf, gen_key_new(0), args, m->init, &tr, NULL) != GEN_OK) return NULL;
    return tr;
}

/* ---- Stan's side ------------------------------------------------------------------------ */

static inline void loops_write_vec(FILE *f, const char *name, const gen_array *v) {
    const double *x = gen_array_data(v);
    fprintf(f, "\"%s\": [", name);
    for (int64_t i = 0; i < gen_array_size(v); i++) fprintf(f, "%s%.17g", i ? ", " : "", x[i]);
    fprintf(f, "]");
}

/* The data in Stan's names (bench/stan/loops/<name>.stan) as one JSON object. */
static inline void loops_write_json(FILE *f, const loops_model *m) {
    fprintf(f, "{");
    if (m->kind == LOOPS_HMM) fprintf(f, "\"N\": %lld, \"K\": %lld, ", (long long)m->T, (long long)m->K);
    else fprintf(f, "\"T\": %lld, ", (long long)m->T);
    loops_write_vec(f, "y", m->data[0]);
    if (m->kind == LOOPS_GARCH11) fprintf(f, ", \"sigma1\": %.17g", *(const double *)gen_array_data(m->data[1]));
    if (m->kind == LOOPS_HMM) {
        fprintf(f, ", ");
        loops_write_vec(f, "mu_prior", m->data[1]);
    }
    fprintf(f, "}\n");
}

/* The init values in Stan's parameters (the hmm's mu = mu1 + cumsum(gap), theta as rows). */
static inline void loops_write_init_json(FILE *f, const loops_model *m) {
    const gen_choicemap *c = m->init;
#define LOOPS_GET(name) ((const double *)gen_array_data(gen_choicemap_find(c, &(gen_addr){1, {gen_part_name(name)}})))
    fprintf(f, "{");
    if (m->kind == LOOPS_HMM) {
        const double *mu1 = LOOPS_GET("mu1"), *gap = LOOPS_GET("gap"), *th = LOOPS_GET("theta");
        double mu = mu1[0];
        fprintf(f, "\"mu\": [%.17g", mu);
        for (int64_t k = 0; k + 1 < m->K; k++) fprintf(f, ", %.17g", mu += gap[k]);
        fprintf(f, "], \"theta\": [");
        for (int64_t j = 0; j < m->K; j++) {
            fprintf(f, "%s[", j ? ", " : "");
            for (int64_t k = 0; k < m->K; k++) fprintf(f, "%s%.17g", k ? ", " : "", th[j * m->K + k]);
            fprintf(f, "]");
        }
        fprintf(f, "]");
    } else {
        for (int i = 0; i < m->n_params; i++) fprintf(f, "%s\"%s\": %.17g", i ? ", " : "", m->params[i], *LOOPS_GET(m->params[i]));
    }
    fprintf(f, "}\n");
#undef LOOPS_GET
}

#endif
