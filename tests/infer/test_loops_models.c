/* test_loops_models.c — the scalar-loop time-series models of examples/loops/loops.h
 * (ARMA(1,1), GARCH(1,1), an HMM forward pass with K = 2 and 3): for each, the log density
 * at the init values (gen_assess) and at several points of the unconstrained space
 * (gen_target_logpdf and gen_target_logpdf_grad's value) equals a plain-C computation of
 * the same density written here (1e-10 relative), bijections' log-Jacobians included; the
 * gradient of gen_target_logpdf_grad matches central differences of that plain-C density,
 * and gen_target_logpdf's autodiff matches finite differences (fd.h). Each model runs with
 * compilation off (the eager path) and on (genc/compile.h: these models must capture
 * where a C compiler is present, the "Loops" deliverable), unless GENC_COMPILE
 * turned it off. Also: the synthetic data are what their generators promise, and an empty
 * series is refused with a clear error. */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "fd.h"
#include "../../examples/loops/loops.h"

#define LOG_SQRT_2PI 0.91893853320467274178
#define LOG_PI 1.14472988584940017414

/* ---- the densities in plain C --------------------------------------------------------- */

static double normal_lpdf(double x, double mu, double s) {
    double z = (x - mu) / s;
    return -0.5 * z * z - log(s) - LOG_SQRT_2PI;
}

static double log_sum_exp(const double *a, int64_t n) {
    double m = -INFINITY, s = 0;
    for (int64_t i = 0; i < n; i++) m = a[i] > m ? a[i] : m;
    for (int64_t i = 0; i < n; i++) s += exp(a[i] - m);
    return m + log(s);
}

/* Constrained parameters of any of the three models. */
typedef struct params {
    double mu, phi, theta, sigma;             /* arma11 */
    double alpha0, alpha1, beta1;             /* garch11 (and mu) */
    double mus[LOOPS_MAX_K], tr[LOOPS_MAX_K][LOOPS_MAX_K]; /* hmm */
} params;

static double arma11_lp(const double *y, int64_t T, const params *p) {
    double lp = normal_lpdf(p->mu, 0, 10) + normal_lpdf(p->phi, 0, 2) + normal_lpdf(p->theta, 0, 2);
    lp += log(2) - LOG_PI - log(2.5) - log1p((p->sigma / 2.5) * (p->sigma / 2.5)); /* half-Cauchy(2.5) */
    double err = y[0] - (p->mu + p->phi * p->mu);
    lp += normal_lpdf(err, 0, p->sigma);
    for (int64_t t = 1; t < T; t++) {
        err = y[t] - (p->mu + p->phi * y[t - 1] + p->theta * err);
        lp += normal_lpdf(err, 0, p->sigma);
    }
    return lp;
}

/* flat, half-flat, U(0, 1), U(0, 1 - alpha1) whose 1 / (1 - alpha1) the model takes back out */
static double garch11_lp(const double *y, int64_t T, double sigma1, const params *p) {
    double lp = 0, s = sigma1;
    for (int64_t t = 0; t < T; t++) {
        if (t > 0) s = sqrt(p->alpha0 + p->alpha1 * (y[t - 1] - p->mu) * (y[t - 1] - p->mu) + p->beta1 * s * s);
        lp += normal_lpdf(y[t], p->mu, s);
    }
    return lp;
}

/* Dirichlet(1) rows have density Gamma(K) each; mu's normal priors; the forward algorithm. */
static double hmm_lp(const double *y, int64_t T, int64_t K, const double *mu_prior, const params *p) {
    double lp = (double)K * lgamma((double)K), gamma[LOOPS_MAX_K], next[LOOPS_MAX_K], acc[LOOPS_MAX_K];
    for (int64_t k = 0; k < K; k++) {
        lp += normal_lpdf(p->mus[k], mu_prior[k], 1);
        gamma[k] = normal_lpdf(y[0], p->mus[k], 1);
    }
    for (int64_t t = 1; t < T; t++) {
        for (int64_t k = 0; k < K; k++) {
            for (int64_t j = 0; j < K; j++) acc[j] = gamma[j] + log(p->tr[j][k]) + normal_lpdf(y[t], p->mus[k], 1);
            next[k] = log_sum_exp(acc, K);
        }
        for (int64_t k = 0; k < K; k++) gamma[k] = next[k];
    }
    return lp + log_sum_exp(gamma, K);
}

static double model_lp(const loops_model *m, const params *p) {
    const double *y = gen_array_data(m->data[0]);
    switch (m->kind) {
    case LOOPS_ARMA11: return arma11_lp(y, m->T, p);
    case LOOPS_GARCH11: return garch11_lp(y, m->T, *(const double *)gen_array_data(m->data[1]), p);
    default: return hmm_lp(y, m->T, m->K, gen_array_data(m->data[1]), p);
    }
}

/* ---- the unconstrained space in plain C ------------------------------------------------- */

static double sigmoid(double u) { return 1 / (1 + exp(-u)); }

/* The columns of each parameter in the target's theta. */
typedef struct cols {
    int of[4][LOOPS_MAX_K * LOOPS_MAX_K];
} cols;

/* Unconstrained coordinates per parameter: a simplex row of K has K - 1. */
static int64_t unconstrained_size(const loops_model *m, int i) {
    if (m->kind != LOOPS_HMM) return 1;
    return i == 0 ? 1 : i == 1 ? m->K - 1 : m->K * (m->K - 1);
}

/* theta lays the selected choices out in the order of the trace's flattening (read from
 * marks 0, 1, ... unflattened into the choices), each by its bijection's unconstrained
 * shape, row-major. */
static bool find_cols(const loops_model *m, const gen_trace *tr, const gen_selection *sel, cols *c) {
    const gen_choicemap *ch = gen_trace_choices(tr);
    int64_t d = gen_choicemap_flat_size(ch, sel);
    gen_choicemap *marks = gen_choicemap_unflatten(ch, sel, gen_arange(0, (double)d, 1, GEN_F64));
    if (!marks) return false;
    double first[4];
    for (int i = 0; i < m->n_params; i++) {
        gen_addr a = loops_addr(m->params[i]);
        const gen_array *v = gen_choicemap_find(marks, &a);
        if (!v) return false;
        first[i] = *(const double *)gen_array_data(v);
    }
    for (int i = 0; i < m->n_params; i++) {
        int64_t off = 0;
        for (int j = 0; j < m->n_params; j++)
            if (first[j] < first[i]) off += unconstrained_size(m, j);
        for (int64_t k = 0; k < unconstrained_size(m, i); k++) c->of[i][k] = (int)(off + k);
    }
    return true;
}

/* Stan's stick-breaking of u[0..K-2] onto x[0..K-1] (z_k = sigmoid(u_k - log(K-1-k))); returns
 * its log |det J| = sum_k log z_k + sum_{j <= k} log(1 - z_j). */
static double stick_breaking(const double *u, int64_t K, double *x) {
    double rest = 1, ld = 0, cum = 0;
    for (int64_t k = 0; k + 1 < K; k++) {
        double z = sigmoid(u[k] - log((double)(K - 1 - k)));
        x[k] = rest * z;
        rest -= x[k];
        cum += log1p(-z);
        ld += log(z) + cum;
    }
    x[K - 1] = rest;
    return ld;
}

/* The constrained parameters at theta (columns c) and the log-Jacobian of the map. */
static double from_unconstrained(const loops_model *m, const double *th, const cols *c, params *p) {
    memset(p, 0, sizeof *p);
    double ld = 0;
    switch (m->kind) {
    case LOOPS_ARMA11:
        p->mu = th[c->of[0][0]];
        p->phi = th[c->of[1][0]];
        p->theta = th[c->of[2][0]];
        p->sigma = exp(th[c->of[3][0]]);
        ld = th[c->of[3][0]];
        break;
    case LOOPS_GARCH11: {
        double u1 = th[c->of[2][0]], u2 = th[c->of[3][0]];
        p->mu = th[c->of[0][0]];
        p->alpha0 = exp(th[c->of[1][0]]);
        p->alpha1 = sigmoid(u1);
        p->beta1 = (1 - p->alpha1) * sigmoid(u2);
        ld = th[c->of[1][0]] + log(sigmoid(u1) * sigmoid(-u1)) + log((1 - p->alpha1) * sigmoid(u2) * sigmoid(-u2));
        break;
    }
    default: {
        int64_t K = m->K;
        p->mus[0] = th[c->of[0][0]];
        for (int64_t k = 1; k < K; k++) {
            double g = th[c->of[1][k - 1]];
            p->mus[k] = p->mus[k - 1] + exp(g);
            ld += g;
        }
        for (int64_t j = 0; j < K; j++) {
            double u[LOOPS_MAX_K];
            for (int64_t k = 0; k + 1 < K; k++) u[k] = th[c->of[2][j * (K - 1) + k]];
            ld += stick_breaking(u, K, p->tr[j]);
        }
        break;
    }
    }
    return ld;
}

/* The plain-C log density at unconstrained theta. */
static double ref_at(const loops_model *m, const cols *c, const double *th) {
    params p;
    double ld = from_unconstrained(m, th, c, &p);
    return model_lp(m, &p) + ld;
}

/* ---- the checks ------------------------------------------------------------------------ */

static gen_status logpdf_closure(void *t, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    out[0] = gen_target_logpdf(t, in[0]);
    return out[0] ? GEN_OK : gen_error_status();
}

static bool compile_available;

static void check_model_in(loops_kind kind, int64_t T, int64_t K, uint64_t seed, bool compiled) {
    loops_model m;
    CHECK(loops_load(kind, T, K, seed, &m));
    gen_gf *gf = NULL;
    gen_args args;
    gen_trace *tr = loops_trace(&m, &gf, &args);
    CHECK(tr != NULL);
    if (!tr) return;
    /* the density at the init values, constrained */
    gen_selection *sel = loops_selection(&m);
    gen_set_compile(compiled);
    gen_target *t = gen_target_new(tr, sel);
    cols c;
    CHECK(t && find_cols(&m, tr, sel, &c));
    if (!t) return;
    printf("%s T %lld K %lld: %s\n", m.name, (long long)T, (long long)K, gen_target_compile_note(t));
    CHECK(gen_target_compiled(t) == compiled);
    params p;
    const double *pos = gen_array_data(gen_target_position(t));
    from_unconstrained(&m, pos, &c, &p);
    gen_array *w = NULL;
    CHECK_OK(gen_assess(gf, &args, gen_trace_choices(tr), &w, NULL));
    CHECK_CLOSE(check_item(w), model_lp(&m, &p), 1e-10);
    CHECK_CLOSE(check_item(gen_trace_score(tr)), model_lp(&m, &p), 1e-10);
    /* points of the unconstrained space around the init point */
    int64_t d = gen_target_dim(t);
    CHECK(d == (kind == LOOPS_HMM ? 1 + (K - 1) + K * (K - 1) : 4));
    for (int k = 0; k < 3; k++) {
        gen_array *off = fd_uniform(seed * 10 + (uint64_t)k, -0.8, 0.8, 1, &d);
        gen_array *theta = k ? gen_add(gen_target_position(t), off) : gen_copy(gen_target_position(t));
        double want = ref_at(&m, &c, gen_array_data(theta)), lp = NAN;
        CHECK_CLOSE(check_item(gen_target_logpdf(t, theta)), want, 1e-10);
        gen_array *g = NULL;
        CHECK_OK(gen_target_logpdf_grad(t, theta, &lp, &g));
        CHECK_CLOSE(lp, want, 1e-10);
        CHECK_SHAPE(g, d);
        if (g) { /* against central differences of the plain-C density */
            double th[LOOPS_MAX_K * LOOPS_MAX_K + LOOPS_MAX_K], fd[LOOPS_MAX_K * LOOPS_MAX_K + LOOPS_MAX_K];
            memcpy(th, gen_array_data(theta), (size_t)d * sizeof *th);
            for (int64_t i = 0; i < d; i++) {
                double x = th[i], h = FD_EPS * fmax(1, fabs(x));
                th[i] = x + h;
                double up = ref_at(&m, &c, th);
                th[i] = x - h;
                fd[i] = (up - ref_at(&m, &c, th)) / (2 * h);
                th[i] = x;
            }
            CHECK_ARRAY(g, fd, d, 1e-6, 1e-5);
        }
        FD_CHECK(m.name, ((gen_closure){logpdf_closure, t}), 1, &theta, 1, 1e-6, 1e-6);
    }
    gen_target_free(t);
}

static void check_model(loops_kind kind, int64_t T, int64_t K, uint64_t seed) {
    check_model_in(kind, T, K, seed, false);
    if (compile_available) check_model_in(kind, T, K, seed, true);
    gen_set_compile(compile_available);
}

/* Series of a few dozen steps: the compiled code is straight-line over the steps today, so
 * its first compilation (cold cache) grows with T. */
static void test_arma11(void) {
    check_model(LOOPS_ARMA11, 50, 0, 1);
    check_model(LOOPS_ARMA11, 12, 0, 7);
}
static void test_garch11(void) {
    check_model(LOOPS_GARCH11, 50, 0, 2);
    check_model(LOOPS_GARCH11, 12, 0, 8);
}
static void test_hmm(void) {
    check_model(LOOPS_HMM, 40, 2, 3);
    check_model(LOOPS_HMM, 16, 3, 9);
}

/* The generators: the same seed gives the same data, another seed other data; the
 * observed series have the sizes asked for and the HMM's values sit near its state means. */
static void test_data(void) {
    double a[50], b[50], c[50];
    loops_data_arma11(5, 50, a);
    loops_data_arma11(5, 50, b);
    loops_data_arma11(6, 50, c);
    CHECK(memcmp(a, b, sizeof a) == 0);
    CHECK(memcmp(a, c, sizeof a) != 0);
    double y[400];
    loops_data_hmm(4, 400, 3, y);
    int near = 0;
    for (int t = 0; t < 400; t++)
        for (int k = 0; k < 3; k++) near += fabs(y[t] - loops_hmm_mu_prior(k)) < 3.5;
    CHECK(near == 400); /* |N(0, 1)| < 3.5 has probability 0.9995 per value; fixed seed */
    loops_model m;
    CHECK(loops_load(LOOPS_GARCH11, 64, 0, 1, &m) && gen_array_size(m.data[0]) == 64);
    CHECK(!loops_load(LOOPS_HMM, 64, 1, 1, &m));
    CHECK_ERROR(GEN_ERR_VALUE, "loops_load: bad model");
    /* an empty series is refused by each model, naming it */
    gen_array *none = gen_zeros(GEN_F64, 1, (int64_t[]){0}), *args_v[2] = {none, gen_scalar(1)};
    gen_body bodies[3] = {loops_arma11, loops_garch11, loops_hmm};
    for (int k = 0; k < 3; k++) {
        gen_trace *tr = NULL;
        CHECK(gen_simulate(gen_dynamic(loops_names[k], bodies[k]), gen_key_new(1), &(gen_args){2, args_v, NULL}, &tr) ==
              GEN_ERR_SHAPE);
        char want[160];
        snprintf(want, sizeof want, "%s: y must be a vector of at least 1 value, got 1 dimensions and 0 values",
                 loops_names[k]);
        CHECK_ERROR(GEN_ERR_SHAPE, want);
    }
}

int main(void) {
    compile_available = gen_compile_enabled(); /* GENC_COMPILE=0 turns the compiled runs off */
    RUN(test_arma11);
    RUN(test_garch11);
    RUN(test_hmm);
    RUN(test_data);
    return check_finish();
}
