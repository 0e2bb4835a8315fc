/* posteriordb.h — eight posteriors of posteriordb (stan-dev/posteriordb) written in GenC,
 * each faithful to its Stan program, with a loader of their data.json (gen_data,
 * genc/data.h) and of the reference posterior summaries (reference.json, cJSON).
 * Header-only: include it in one file (the posteriordb test and the NUTS benchmark do).
 *
 * Porting rules: a Stan parameter is a choice whose distribution has the same support;
 * Stan's `x ~ d` on a parameter is the choice's distribution (normalizing constants
 * differ only by constants, e.g. a half-Cauchy for `real<lower=0> s; s ~ cauchy(0, c)`);
 * a parameter with no prior is gen_flat / gen_half_flat (Stan's implicit improper prior);
 * a bound that depends on another parameter takes its distribution's density back out
 * with gen_factor so that the prior stays flat; data enter as observed choices or, for
 * Stan's `target +=` terms and lpmfs, as gen_factor. Transformed parameters (theta of
 * eight schools, f of the GP, the ordered means) are recomputed from the draws by each
 * posterior's derive function. */
#ifndef GENC_EXAMPLES_POSTERIORDB_H
#define GENC_EXAMPLES_POSTERIORDB_H

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genc.h"

#define PDB_MAX_DATA 4
#define PDB_MAX_PARAMS 32

/* The recorded values of one draw, by parameter name and element. */
typedef struct pdb_draw {
    const double *row;
    const int *(*cols)(const void *, const char *);
    const void *ctx;
} pdb_draw;
static inline double pdb_get(const pdb_draw *d, const char *name, int i) { return d->row[d->cols(d->ctx, name)[i]]; }

typedef struct pdb_posterior {
    const char *name; /* the folder in posteriordb */
    gen_body body;
    int n_data;
    gen_array *data[PDB_MAX_DATA]; /* the model's arguments */
    gen_choicemap *obs;            /* observed choices */
    gen_choicemap *init;           /* a valid value of every parameter (flat priors cannot be simulated) */
    const char *const *params;     /* the choice names of the parameters (one part each) */
    int n_params;
    /* out[k] = the k-th reference parameter from a draw */
    void (*derive)(const struct pdb_posterior *p, const pdb_draw *d, double *out);
    int n_ref;
    char ref_names[PDB_MAX_PARAMS][32];
    double ref_mean[PDB_MAX_PARAMS], ref_sd[PDB_MAX_PARAMS];
    int64_t size_n; /* N or T, for the derive functions */
} pdb_posterior;

/* ---- JSON ---------------------------------------------------------------------------- */

static inline cJSON *pdb_read_json(const char *dir, const char *post, const char *file) {
    char path[2200];
    snprintf(path, sizeof path, "%s/%s/%s", dir, post, file);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    cJSON *j = NULL;
    if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
        buf[n] = 0;
        j = cJSON_Parse(buf);
    }
    free(buf);
    fclose(f);
    return j;
}

/* A numeric variable of the data (any shape, row-major) as doubles (malloc'ed); *n its
 * length. NULL if the data has no such numeric variable. */
static inline double *pdb_numbers(const gen_data *d, const char *key, int64_t *n) {
    gen_scope_begin();
    gen_array *a = NULL;
    double *v = NULL;
    if (gen_data_f64(d, key, &a) == GEN_OK) {
        *n = gen_array_size(a);
        v = malloc((size_t)(*n + 1) * sizeof *v);
        if (v && gen_array_copy_to(a, GEN_F64, v, (size_t)*n * sizeof *v) != GEN_OK) {
            free(v);
            v = NULL;
        }
    }
    gen_scope_end();
    return v;
}

/* A scalar variable of the data (0 if missing). */
static inline double pdb_real(const gen_data *d, const char *key) {
    double v = 0;
    return gen_data_real(d, key, &v) == GEN_OK ? v : 0;
}

static inline gen_array *pdb_vec(const double *v, int64_t n) { return gen_array_from(GEN_F64, 1, &n, v); }

static inline gen_addr pdb_addr(const char *name) { return (gen_addr){1, {gen_part_name(name)}}; }
static inline gen_choicemap *pdb_set(gen_choicemap *m, const char *name, gen_array *v) {
    gen_addr a = pdb_addr(name);
    return gen_choicemap_set(m, &a, v);
}
static inline gen_array *pdb_full(int64_t n, double v) { return gen_full(GEN_F64, 1, &n, v); }
static inline gen_array *pdb_sc(double v) { return gen_scalar(v); }

/* ---- the models -------------------------------------------------------------------- */

/* arK: alpha ~ N(0, 10); beta[K] ~ N(0, 10); sigma ~ half-Cauchy(2.5);
 * y[t] ~ N(alpha + sum_k beta[k] y[t - k], sigma), t > K. Args: the lag matrix [T-K, K]
 * (row t: y[t-1], ..., y[t-K]). */
static inline gen_status pdb_ark(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *X = args->v[0];
    int64_t K = gen_array_shape(X)[1];
    gen_array *alpha = gen_choose(ctx, "alpha", gen_normal(pdb_sc(0), pdb_sc(10)));
    gen_array *beta = gen_choose(ctx, "beta", gen_broadcasted_normal(pdb_full(K, 0), pdb_sc(10)));
    gen_array *sigma = gen_choose(ctx, "sigma", gen_half_cauchy(pdb_sc(2.5)));
    gen_array *mu = gen_add(alpha, gen_matmul(X, beta));
    *retval = gen_choose(ctx, "y", gen_broadcasted_normal(mu, sigma));
    return gen_ctx_status(ctx);
}

/* Linear regression with flat priors: beta[2] flat, sigma half-flat (earnings) or
 * half-Cauchy(2.5) (kidiq); y ~ N(beta[1] + beta[2] x, sigma). Args: x. */
static inline gen_status pdb_linreg(gen_ctx *ctx, const gen_args *args, gen_array **retval, bool cauchy) {
    gen_array *x = args->v[0];
    gen_array *beta = gen_choose(ctx, "beta", gen_flat(1, (int64_t[]){2}));
    gen_array *sigma = gen_choose(ctx, "sigma", cauchy ? gen_half_cauchy(pdb_sc(2.5)) : gen_half_flat(0, NULL));
    gen_array *b0 = gen_at(beta, 0), *b1 = gen_at(beta, 1);
    *retval = gen_choose(ctx, "y", gen_broadcasted_normal(gen_add(b0, gen_mul(b1, x)), sigma));
    return gen_ctx_status(ctx);
}
static inline gen_status pdb_earnings(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    return pdb_linreg(ctx, args, retval, false);
}
static inline gen_status pdb_kidiq(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    return pdb_linreg(ctx, args, retval, true);
}

/* eight schools, noncentered: theta_trans[J] ~ N(0, 1); mu ~ N(0, 5); tau ~ half-Cauchy(5);
 * y ~ N(theta_trans tau + mu, sigma). Args: sigma. */
static inline gen_status pdb_eight(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *sigma = args->v[0];
    int64_t J = gen_array_size(sigma);
    gen_array *tt = gen_choose(ctx, "theta_trans", gen_broadcasted_normal(pdb_full(J, 0), pdb_sc(1)));
    gen_array *mu = gen_choose(ctx, "mu", gen_normal(pdb_sc(0), pdb_sc(5)));
    gen_array *tau = gen_choose(ctx, "tau", gen_half_cauchy(pdb_sc(5)));
    *retval = gen_choose(ctx, "y", gen_broadcasted_normal(gen_add(gen_mul(tt, tau), mu), sigma));
    return gen_ctx_status(ctx);
}

/* garch(1,1): mu flat; alpha0 half-flat; alpha1 flat on (0, 1); beta1 flat on
 * (0, 1 - alpha1) (uniform's density 1 / (1 - alpha1) is taken back out);
 * sigma[1] = sigma1, sigma[t]^2 = alpha0 + alpha1 (y[t-1] - mu)^2 + beta1 sigma[t-1]^2;
 * y ~ N(mu, sigma). The recursion is linear in s = sigma^2: with c[1] = sigma1^2 and
 * c[t] = alpha0 + alpha1 (y[t-1] - mu)^2, s[t] = sum_{j <= t} beta1^(t - j) c[j], computed
 * in log space as exp(t log beta1 + cumlogsumexp_j(log c[j] - j log beta1)): O(T), stable.
 * Args: y[1..T-1] (the lagged values), the indices 0..T-1, sigma1^2 as a [1] vector. */
static inline gen_status pdb_garch(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *ylag = args->v[0], *idx = args->v[1], *s1 = args->v[2];
    gen_array *mu = gen_choose(ctx, "mu", gen_flat(0, NULL));
    gen_array *alpha0 = gen_choose(ctx, "alpha0", gen_half_flat(0, NULL));
    gen_array *alpha1 = gen_choose(ctx, "alpha1", gen_uniform(pdb_sc(0), pdb_sc(1)));
    gen_array *rest = gen_sub(pdb_sc(1), alpha1);
    gen_array *beta1 = gen_choose(ctx, "beta1", gen_uniform(pdb_sc(0), rest));
    gen_factor(ctx, gen_log(rest)); /* flat on (0, 1 - alpha1), as in Stan */
    gen_array *e = gen_sub(ylag, mu);
    gen_array *c = gen_concatenate(2, (gen_array *const[]){s1, gen_add(alpha0, gen_mul(alpha1, gen_square(e)))}, 0);
    gen_array *tlb = gen_mul(idx, gen_log(beta1));
    gen_array *logs = gen_add(tlb, gen_cumlogsumexp(gen_sub(gen_log(c), tlb), 0));
    gen_array *sigma = gen_exp(gen_mul(pdb_sc(0.5), logs));
    *retval = gen_choose(ctx, "y", gen_broadcasted_normal(mu, sigma));
    return gen_ctx_status(ctx);
}

/* GP Poisson regression: rho ~ Gamma(25, rate 4); alpha ~ half-N(2); f_tilde[N] ~ N(0, 1);
 * f = chol(alpha^2 exp(-d^2 / (2 rho^2)) + 1e-10 I) f_tilde; k ~ poisson_log(f).
 * Args: the squared distances d^2 [N, N], k (f64). */
static inline gen_status pdb_gp(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *d2 = args->v[0], *k = args->v[1];
    int64_t N = gen_array_size(k);
    gen_array *rho = gen_choose(ctx, "rho", gen_gamma(pdb_sc(25), pdb_sc(0.25)));
    gen_array *alpha = gen_choose(ctx, "alpha", gen_half_normal(pdb_sc(2)));
    gen_array *ft = gen_choose(ctx, "f_tilde", gen_broadcasted_normal(pdb_full(N, 0), pdb_sc(1)));
    gen_array *cov = gen_mul(gen_square(alpha), gen_exp(gen_div(gen_neg(d2), gen_mul(pdb_sc(2), gen_square(rho)))));
    cov = gen_add(cov, gen_mul(pdb_sc(1e-10), gen_eye(N, GEN_F64)));
    gen_array *f = gen_matmul(gen_cholesky(cov), ft);
    /* poisson_log_lpmf(k | f) = sum k f - exp(f) - lgamma(k + 1) */
    gen_factor(ctx, gen_sum(gen_sub(gen_sub(gen_mul(k, f), gen_exp(f)), gen_lgamma(gen_add(k, pdb_sc(1)))), 0, NULL, false));
    *retval = f;
    return gen_ctx_status(ctx);
}

/* Two-component Gaussian mixture: mu ordered[2] ~ N(0, 2) (mu1 flat, the gap half-flat:
 * mu2 = mu1 + gap, whose exp bijection is Stan's ordered transform, Jacobian included);
 * sigma[2] ~ half-N(2); theta ~ Beta(5, 5);
 * target += sum_n log_mix(theta, N(y_n | mu1, sigma1), N(y_n | mu2, sigma2)). Args: y. */
static inline gen_status pdb_mix(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *y = args->v[0];
    gen_array *mu1 = gen_choose(ctx, "mu1", gen_flat(0, NULL));
    gen_array *gap = gen_choose(ctx, "gap", gen_half_flat(0, NULL));
    gen_array *mu2 = gen_add(mu1, gap);
    gen_dist *prior = gen_normal(pdb_sc(0), pdb_sc(2));
    gen_factor(ctx, gen_add(gen_dist_logpdf(prior, mu1), gen_dist_logpdf(prior, mu2)));
    gen_array *sigma = gen_choose(ctx, "sigma", gen_half_normal(pdb_full(2, 2)));
    gen_array *theta = gen_choose(ctx, "theta", gen_beta(pdb_sc(5), pdb_sc(5)));
    gen_array *s1 = gen_at(sigma, 0), *s2 = gen_at(sigma, 1);
    gen_array *l1 = gen_add(gen_log(theta), gen_dist_logpdf(gen_broadcasted_normal(mu1, s1), y));
    gen_array *l2 = gen_add(gen_log1p(gen_neg(theta)), gen_dist_logpdf(gen_broadcasted_normal(mu2, s2), y));
    gen_factor(ctx, gen_sum(gen_logaddexp(l1, l2), 0, NULL, false));
    *retval = mu2;
    return gen_ctx_status(ctx);
}

/* Bayesian linear regression: beta[D] ~ N(0, 10); sigma ~ half-N(10); y ~ N(X beta, sigma).
 * Args: X [N, D]. */
static inline gen_status pdb_blr(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *X = args->v[0];
    int64_t D = gen_array_shape(X)[1];
    gen_array *beta = gen_choose(ctx, "beta", gen_broadcasted_normal(pdb_full(D, 0), pdb_sc(10)));
    gen_array *sigma = gen_choose(ctx, "sigma", gen_half_normal(pdb_sc(10)));
    *retval = gen_choose(ctx, "y", gen_broadcasted_normal(gen_matmul(X, beta), sigma));
    return gen_ctx_status(ctx);
}

/* ---- transformed parameters -------------------------------------------------------- */

static inline void pdb_derive_plain(const pdb_posterior *p, const pdb_draw *d, double *out) {
    /* reference names are name or name[i] (1-based) of recorded choices */
    for (int k = 0; k < p->n_ref; k++) {
        char name[32];
        int i = 1;
        snprintf(name, sizeof name, "%s", p->ref_names[k]);
        char *br = strchr(name, '[');
        if (br) {
            i = atoi(br + 1);
            *br = 0;
        }
        out[k] = pdb_get(d, name, i - 1);
    }
}

static inline void pdb_derive_eight(const pdb_posterior *p, const pdb_draw *d, double *out) {
    for (int k = 0; k < p->n_ref; k++) {
        const char *n = p->ref_names[k];
        if (!strncmp(n, "theta[", 6)) {
            int j = atoi(n + 6) - 1;
            out[k] = pdb_get(d, "theta_trans", j) * pdb_get(d, "tau", 0) + pdb_get(d, "mu", 0);
        } else {
            out[k] = pdb_get(d, n, 0);
        }
    }
}

static inline void pdb_derive_mix(const pdb_posterior *p, const pdb_draw *d, double *out) {
    double mu1 = pdb_get(d, "mu1", 0), mu2 = mu1 + pdb_get(d, "gap", 0);
    double v[5] = {mu1, mu2, pdb_get(d, "sigma", 0), pdb_get(d, "sigma", 1), pdb_get(d, "theta", 0)};
    for (int k = 0; k < p->n_ref && k < 5; k++) out[k] = v[k]; /* mu[1], mu[2], sigma[1], sigma[2], theta */
}

/* f = chol(K) f_tilde in doubles. */
static inline void pdb_derive_gp(const pdb_posterior *p, const pdb_draw *d, double *out) {
    int64_t N = p->size_n;
    double rho = pdb_get(d, "rho", 0), alpha = pdb_get(d, "alpha", 0), L[32 * 32] = {0};
    const double *d2 = gen_array_data(p->data[0]);
    for (int64_t i = 0; i < N; i++)
        for (int64_t j = 0; j <= i; j++) {
            double s = alpha * alpha * exp(-d2[i * N + j] / (2 * rho * rho)) + (i == j ? 1e-10 : 0);
            for (int64_t m = 0; m < j; m++) s -= L[i * N + m] * L[j * N + m];
            L[i * N + j] = i == j ? sqrt(s) : s / L[j * N + j];
        }
    out[0] = rho;
    out[1] = alpha;
    for (int64_t i = 0; i < N && 2 + i < p->n_ref; i++) {
        double f = 0;
        for (int64_t j = 0; j <= i; j++) f += L[i * N + j] * pdb_get(d, "f_tilde", (int)j);
        out[2 + i] = f;
    }
}

/* ---- loading ------------------------------------------------------------------------ */

static const char *const pdb_names[8] = {
    "arK-arK", "earnings-logearn_height", "eight_schools-eight_schools_noncentered", "garch-garch11",
    "gp_pois_regr-gp_pois_regr", "kidiq-kidscore_momiq", "low_dim_gauss_mix-low_dim_gauss_mix", "sblri-blr"};

/* The posteriordb folder: $GENC_POSTERIORDB, else shared/posteriordb beside or above the
 * source tree (src_file: a file two levels below the repository root), else /work/shared. */
static inline const char *pdb_find_dir(const char *src_file, char *buf, size_t n) {
    const char *env = getenv("GENC_POSTERIORDB");
    if (env) return env;
    char root[900];
    snprintf(root, sizeof root, "%s", src_file);
    for (int up = 0; up < 3; up++) {
        char *s = strrchr(root, '/');
        if (s) *s = 0;
    }
    const char *tries[3] = {"%s/../shared/posteriordb", "%s/shared/posteriordb", "/work/shared/posteriordb%.0s"};
    for (int i = 0; i < 3; i++) {
        snprintf(buf, n, tries[i], root);
        char probe[1100];
        snprintf(probe, sizeof probe, "%s/README.md", buf);
        FILE *f = fopen(probe, "r");
        if (f) {
            fclose(f);
            return buf;
        }
    }
    return NULL;
}

static inline bool pdb_load_reference(pdb_posterior *p, const char *dir) {
    cJSON *r = pdb_read_json(dir, p->name, "reference.json");
    if (!r) return false;
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(r, "params"), *e;
    p->n_ref = 0;
    cJSON_ArrayForEach(e, params) {
        if (p->n_ref >= PDB_MAX_PARAMS) break;
        snprintf(p->ref_names[p->n_ref], 32, "%s", e->string);
        p->ref_mean[p->n_ref] = cJSON_GetObjectItemCaseSensitive(e, "mean")->valuedouble;
        p->ref_sd[p->n_ref] = cJSON_GetObjectItemCaseSensitive(e, "sd")->valuedouble;
        p->n_ref++;
    }
    cJSON_Delete(r);
    return p->n_ref > 0;
}

/* Loads posterior `which` (0..7) from dir; arrays and maps are in the current scope.
 * false if a file is missing or malformed. */
static inline bool pdb_load(int which, const char *dir, pdb_posterior *p) {
    memset(p, 0, sizeof *p);
    p->name = pdb_names[which];
    char path[2200];
    snprintf(path, sizeof path, "%s/%s/data.json", dir, p->name);
    gen_data *j = NULL;
    if (gen_data_load(path, &j) != GEN_OK || !pdb_load_reference(p, dir)) {
        gen_data_free(j);
        return false;
    }
    int64_t n = 0, m = 0;
    double *y = NULL, *x = NULL;
    gen_choicemap *init = gen_choicemap_empty(), *obs = gen_choicemap_empty();
    p->derive = pdb_derive_plain;
    static const char *const ark_p[] = {"alpha", "beta", "sigma"}, *const lin_p[] = {"beta", "sigma"},
                             *const eight_p[] = {"theta_trans", "mu", "tau"},
                             *const garch_p[] = {"mu", "alpha0", "alpha1", "beta1"},
                             *const gp_p[] = {"rho", "alpha", "f_tilde"},
                             *const mix_p[] = {"mu1", "gap", "sigma", "theta"};
    switch (which) {
    case 0: { /* arK */
        y = pdb_numbers(j, "y", &n);
        int64_t K = (int64_t)pdb_real(j, "K"), T = n;
        double *X = malloc((size_t)((T - K) * K) * sizeof *X);
        for (int64_t t = K; t < T; t++)
            for (int64_t k = 0; k < K; k++) X[(t - K) * K + k] = y[t - k - 1];
        p->data[0] = gen_array_from(GEN_F64, 2, (int64_t[]){T - K, K}, X);
        p->n_data = 1;
        free(X);
        obs = pdb_set(obs, "y", pdb_vec(y + K, T - K));
        init = pdb_set(pdb_set(pdb_set(init, "alpha", pdb_sc(0)), "beta", pdb_full(K, 0)), "sigma", pdb_sc(1));
        p->body = pdb_ark;
        p->params = ark_p;
        p->n_params = 3;
        break;
    }
    case 1:   /* earnings */
    case 5: { /* kidiq */
        bool earn = which == 1;
        y = pdb_numbers(j, earn ? "earn" : "kid_score", &n);
        x = pdb_numbers(j, earn ? "height" : "mom_iq", &m);
        if (earn)
            for (int64_t i = 0; i < n; i++) y[i] = log(y[i]);
        p->data[0] = pdb_vec(x, m);
        p->n_data = 1;
        obs = pdb_set(obs, "y", pdb_vec(y, n));
        init = pdb_set(pdb_set(init, "beta", pdb_full(2, 0)), "sigma", pdb_sc(1));
        p->body = earn ? pdb_earnings : pdb_kidiq;
        p->params = lin_p;
        p->n_params = 2;
        break;
    }
    case 2: { /* eight schools */
        y = pdb_numbers(j, "y", &n);
        x = pdb_numbers(j, "sigma", &m);
        p->data[0] = pdb_vec(x, m);
        p->n_data = 1;
        obs = pdb_set(obs, "y", pdb_vec(y, n));
        init = pdb_set(pdb_set(pdb_set(init, "theta_trans", pdb_full(n, 0)), "mu", pdb_sc(0)), "tau", pdb_sc(1));
        p->body = pdb_eight;
        p->params = eight_p;
        p->n_params = 3;
        p->derive = pdb_derive_eight;
        break;
    }
    case 3: { /* garch */
        y = pdb_numbers(j, "y", &n);
        double s1 = pdb_real(j, "sigma1");
        p->data[0] = pdb_vec(y, n - 1);
        p->data[1] = gen_arange(0, (double)n, 1, GEN_F64);
        p->data[2] = pdb_vec((double[]){s1 * s1}, 1);
        p->n_data = 3;
        obs = pdb_set(obs, "y", pdb_vec(y, n));
        init = pdb_set(pdb_set(pdb_set(pdb_set(init, "mu", pdb_sc(0)), "alpha0", pdb_sc(1)), "alpha1", pdb_sc(0.3)),
                       "beta1", pdb_sc(0.3));
        p->body = pdb_garch;
        p->params = garch_p;
        p->n_params = 4;
        break;
    }
    case 4: { /* gp */
        x = pdb_numbers(j, "x", &n);
        y = pdb_numbers(j, "k", &m);
        double *d2 = malloc((size_t)(n * n) * sizeof *d2);
        for (int64_t a = 0; a < n; a++)
            for (int64_t b = 0; b < n; b++) d2[a * n + b] = (x[a] - x[b]) * (x[a] - x[b]);
        p->data[0] = gen_array_from(GEN_F64, 2, (int64_t[]){n, n}, d2);
        p->data[1] = pdb_vec(y, m);
        p->n_data = 2;
        free(d2);
        init = pdb_set(pdb_set(pdb_set(init, "rho", pdb_sc(6)), "alpha", pdb_sc(1)), "f_tilde", pdb_full(n, 0));
        p->body = pdb_gp;
        p->params = gp_p;
        p->n_params = 3;
        p->derive = pdb_derive_gp;
        p->size_n = n;
        break;
    }
    case 6: { /* gaussian mixture */
        y = pdb_numbers(j, "y", &n);
        p->data[0] = pdb_vec(y, n);
        p->n_data = 1;
        init = pdb_set(pdb_set(pdb_set(pdb_set(init, "mu1", pdb_sc(-1)), "gap", pdb_sc(2)), "sigma", pdb_full(2, 1)),
                       "theta", pdb_sc(0.5));
        p->body = pdb_mix;
        p->params = mix_p;
        p->n_params = 4;
        p->derive = pdb_derive_mix;
        break;
    }
    case 7: { /* blr */
        y = pdb_numbers(j, "y", &n);
        x = pdb_numbers(j, "X", &m);
        int64_t D = (int64_t)pdb_real(j, "D");
        p->data[0] = gen_array_from(GEN_F64, 2, (int64_t[]){n, D}, x);
        p->n_data = 1;
        obs = pdb_set(obs, "y", pdb_vec(y, n));
        init = pdb_set(pdb_set(init, "beta", pdb_full(D, 0)), "sigma", pdb_sc(1));
        p->body = pdb_blr;
        p->params = lin_p;
        p->n_params = 2;
        break;
    }
    default:
        break;
    }
    free(y);
    free(x);
    gen_data_free(j);
    p->obs = obs;
    p->init = gen_choicemap_merge(init, obs);
    return p->body != NULL && p->init != NULL;
}

static inline gen_selection *pdb_selection(const pdb_posterior *p) {
    gen_addr a[8];
    for (int i = 0; i < p->n_params; i++) a[i] = pdb_addr(p->params[i]);
    return gen_select(p->n_params, a);
}

/* The initial trace (the init values), its function and arguments. */
static inline gen_trace *pdb_trace(const pdb_posterior *p, gen_gf **gf, gen_args *args) {
    *gf = gen_dynamic(p->name, p->body);
    *args = (gen_args){p->n_data, p->data, NULL};
    gen_trace *tr = NULL;
    if (gen_generate(*gf, gen_key_new(0), args, p->init, &tr, NULL) != GEN_OK) return NULL;
    return tr;
}

/* Column lookup: for each recorded parameter, its columns in a flattened draw. */
typedef struct pdb_cols {
    const pdb_posterior *p;
    int cols[8][64];
} pdb_cols;

static inline const int *pdb_cols_of(const void *ctx, const char *name) {
    const pdb_cols *c = ctx;
    for (int i = 0; i < c->p->n_params; i++)
        if (!strcmp(c->p->params[i], name)) return c->cols[i];
    return c->cols[0];
}

static inline bool pdb_cols_init(pdb_cols *c, const pdb_posterior *p, const gen_trace *tr, const gen_selection *sel) {
    c->p = p;
    const gen_choicemap *m = gen_trace_choices(tr);
    int64_t dims = gen_choicemap_flat_size(m, sel);
    gen_choicemap *marks = gen_choicemap_unflatten(m, sel, gen_arange(0, (double)dims, 1, GEN_F64));
    if (!marks) return false;
    for (int i = 0; i < p->n_params; i++) {
        gen_addr a = pdb_addr(p->params[i]);
        const gen_array *v = gen_choicemap_find(marks, &a);
        if (!v || gen_array_size(v) > 64) return false;
        const double *x = gen_array_data(v);
        for (int64_t k = 0; k < gen_array_size(v); k++) c->cols[i][k] = (int)x[k];
    }
    return true;
}

#endif
