/* test_rejections.c — points the model rejects against errors that propagate, the same
 * in every kernel: a distribution parameter outside its domain (sigma <= 0), a cholesky
 * that fails (GEN_ERR_LINALG), a NaN log density and a NaN gradient are rejections in MH,
 * elliptical slice, HMC, MALA and NUTS (a divergence with its reason in the per-draw
 * statistics), and the posteriors stay right (within Monte Carlo error of quadrature);
 * a programming error (an address traced twice) is an error in all of them; a
 * non-finite gradient at the starting point is an error naming the address. */
#include <math.h>
#include <string.h>

#include "../testutil/check.h"

static gen_addr at(const char *p) {
    gen_addr a;
    gen_addr_parse(&a, p);
    return a;
}

static gen_selection *sel1(const char *p) {
    gen_addr a = at(p);
    return gen_select(1, &a);
}

/* A trace of body with choices name = v (pairs), key 1. */
static gen_trace *trace_at(const char *name, gen_body body, int n, const char *const *names, const double *v) {
    gen_choicemap *c = gen_choicemap_empty();
    for (int i = 0; i < n; i++) {
        gen_addr a = at(names[i]);
        c = gen_choicemap_set(c, &a, gen_scalar(v[i]));
    }
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(gen_dynamic(name, body), gen_key_new(1), NULL, c, &tr, NULL));
    return tr;
}

/* ---- the models ---- */

/* PARAMETER: s ~ N(1, 1); y ~ N(0, s) with y = 0.3: the normal refuses s <= 0. */
static gen_status refusing(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *s = gen_choose(ctx, "s", gen_normal(gen_scalar(1), gen_scalar(1)));
    *retval = gen_choose(ctx, "y", gen_normal(gen_scalar(0), s));
    return gen_ctx_status(ctx);
}
static double refusing_density(double s) { return s > 0 ? exp(-0.5 * (s - 1) * (s - 1)) * exp(-0.5 * 0.09 / (s * s)) / s : 0; }

/* LINALG: r ~ N(0, 1); y ~ MvNormal(0, [[1, r], [r, 1]]) by the cholesky factor, y =
 * (0.5, 0.3): the cholesky fails for |r| >= 1. */
static gen_status corr(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *r = gen_choose(ctx, "r", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_array *eye = gen_array_from(GEN_F64, 2, (int64_t[]){2, 2}, (double[]){1, 0, 0, 1});
    gen_array *off = gen_array_from(GEN_F64, 2, (int64_t[]){2, 2}, (double[]){0, 1, 1, 0});
    gen_array *l = gen_cholesky(gen_add(eye, gen_mul(r, off)));
    if (!l) return gen_error_status(); /* the model's own op failed */
    *retval = gen_choose(ctx, "y", gen_mvnormal_chol(gen_zeros(GEN_F64, 1, (int64_t[]){2}), l));
    return gen_ctx_status(ctx);
}
static double corr_density(double r) {
    if (!(r > -1 && r < 1)) return 0;
    double det = 1 - r * r, q = (0.25 + 0.09 - 2 * r * 0.15) / det;
    return exp(-0.5 * r * r) * exp(-0.5 * q) / sqrt(det);
}

/* DENSITY: x ~ N(0, 1); factor log(1 - x): NaN for x > 1. */
static gen_status nan_density(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *x = gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_factor(ctx, gen_log(gen_sub(gen_scalar(1), x)));
    *retval = x;
    return gen_ctx_status(ctx);
}
static double nan_density_density(double x) { return x < 1 ? exp(-0.5 * x * x) * (1 - x) : 0; }

/* GRADIENT: x ~ N(0, 1); factor where(x > 1, -1e6, 0 * sqrt(1 - x)): the log density is
 * finite everywhere (-1e6 beyond 1: no posterior mass) but its gradient is NaN beyond 1
 * (the where's other branch). The posterior is N(0, 1) truncated to x < 1. */
static gen_status nan_grad(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *x = gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_array *bad = gen_mul(gen_scalar(0), gen_sqrt(gen_sub(gen_scalar(1), x)));
    gen_factor(ctx, gen_where(gen_gt(x, gen_scalar(1)), gen_scalar(-1e6), bad));
    *retval = x;
    return gen_ctx_status(ctx);
}
static double nan_grad_density(double x) { return x < 1 ? exp(-0.5 * x * x) : 0; }

/* x ~ N(0, 1) */
static gen_status plain(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    *retval = gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

/* A programming error: x ~ N(0, 1), and above 1 the body traces x again. */
static gen_status twice(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *x = gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)));
    double v = 0;
    if (x && gen_item(x, &v) == GEN_OK && v > 1) gen_choose(ctx, "x", gen_normal(gen_scalar(0), gen_scalar(1)));
    *retval = x;
    return gen_ctx_status(ctx);
}

typedef struct model_case {
    const char *name;
    gen_body body;
    const char *param;
    int nobs;
    const char *obs[2];
    double obs_v[2], start;
    double (*density)(double); /* unnormalized posterior of param; NULL: an error is due */
    double lo, hi;             /* where it lives */
    gen_divergence reason;
} model_case;

static const model_case CASES[] = {
    {"refusing", refusing, "s", 1, {"y"}, {0.3}, 1.0, refusing_density, 0, 6, GEN_DIVERGENCE_PARAMETER},
    {"corr", NULL, "r", 0, {0}, {0}, 0.0, corr_density, -1, 1, GEN_DIVERGENCE_LINALG},
    {"nan_density", nan_density, "x", 0, {0}, {0}, 0.0, nan_density_density, -8, 1, GEN_DIVERGENCE_DENSITY},
    {"nan_grad", nan_grad, "x", 0, {0}, {0}, 0.0, nan_grad_density, -8, 1, GEN_DIVERGENCE_GRADIENT},
    {"twice", twice, "x", 0, {0}, {0}, 0.0, NULL, 0, 0, GEN_DIVERGENCE_NONE},
};

/* The corr model's observation is a vector: its trace is built here. */
static gen_trace *case_trace(const model_case *m, double start) {
    if (m->body) {
        const char *names[3] = {m->param, m->obs[0], m->obs[1]};
        double v[3] = {start, m->obs_v[0], m->obs_v[1]};
        return trace_at(m->name, m->body, 1 + m->nobs, names, v);
    }
    gen_addr r = at("r"), y = at("y");
    gen_choicemap *c = gen_choicemap_set(gen_choicemap_empty(), &r, gen_scalar(start));
    c = gen_choicemap_set(c, &y, gen_array_from(GEN_F64, 1, (int64_t[]){2}, (double[]){0.5, 0.3}));
    gen_trace *tr = NULL;
    CHECK_OK(gen_generate(gen_dynamic("corr", corr), gen_key_new(1), NULL, c, &tr, NULL));
    return tr;
}

/* Mean and variance of density on [lo, hi] by Simpson's rule. */
static void quad_moments(double (*f)(double), double lo, double hi, double *mean, double *var) {
    enum { N = 200000 };
    double h = (hi - lo) / N, z = 0, m1 = 0, m2 = 0;
    for (int i = 0; i <= N; i++) {
        double x = lo + h * i, w = (i == 0 || i == N) ? 1 : (i % 2 ? 4 : 2), p = w * f(x);
        z += p;
        m1 += p * x;
        m2 += p * x * x;
    }
    *mean = m1 / z;
    *var = m2 / z - *mean * *mean;
}

/* Draws ([chains, draws] or [chains, draws, 1]) against the case's posterior: mean and
 * sd within 5 MCSE, every draw inside (lo, hi). */
static void check_posterior(const char *what, const model_case *m, const gen_array *draws) {
    double mean = 0, var = 0;
    quad_moments(m->density, m->lo, m->hi, &mean, &var);
    gen_summary s;
    CHECK_OK(gen_summarize_array(draws, NULL, 0, &s, 1));
    if (!(fabs(s.mean - mean) < 5 * s.mcse_mean))
        check_fail(__FILE__, __LINE__, "%s %s: mean %g, want %g (mcse %g)", m->name, what, s.mean, mean, s.mcse_mean);
    if (!(fabs(s.sd - sqrt(var)) < 5 * s.mcse_sd))
        check_fail(__FILE__, __LINE__, "%s %s: sd %g, want %g (mcse %g)", m->name, what, s.sd, sqrt(var), s.mcse_sd);
    const double *x = gen_array_data(draws);
    int64_t outside = 0;
    for (int64_t i = 0; i < gen_array_size(draws); i++) outside += !(x[i] > m->lo && x[i] < m->hi);
    if (outside) check_fail(__FILE__, __LINE__, "%s %s: %lld draws outside", m->name, what, (long long)outside);
}

/* NUTS with Stan's warm-up: the posterior, and every divergence recorded with the
 * case's reason (and none without one). */
static void nuts_case(const model_case *m) {
    gen_trace *tr = case_trace(m, m->start);
    gen_trace *init[4] = {tr, tr, tr, tr};
    gen_nuts_config cfg = {.warmup = 500, .draws = 2000, .metric = GEN_METRIC_DIAG};
    gen_nuts_result r;
    gen_status st = gen_nuts_sample(gen_key_new(7), 4, init, sel1(m->param), &cfg, 0, &r);
    if (!m->density) {
        CHECK(st == GEN_ERR_VALUE && strstr(gen_error_message(), "x: address already traced"));
        gen_error_clear();
        return;
    }
    CHECK_OK(st);
    if (st != GEN_OK) return;
    check_posterior("nuts", m, r.draws);
    const double *s = gen_array_data(r.stats);
    int64_t rows = gen_array_size(r.stats) / GEN_NUTS_NSTATS, div = 0, bad = 0;
    for (int64_t i = 0; i < rows; i++) {
        const double *row = s + i * GEN_NUTS_NSTATS;
        div += row[GEN_NUTS_DIVERGENT] != 0;
        /* a divergence of the case's kind, or an energy error; none without a divergence */
        gen_divergence why = (gen_divergence)row[GEN_NUTS_DIVERGENCE];
        bad += row[GEN_NUTS_DIVERGENT] ? !(why == m->reason || why == GEN_DIVERGENCE_ENERGY) : why != GEN_DIVERGENCE_NONE;
    }
    int64_t of_kind = 0;
    for (int64_t i = 0; i < rows; i++) of_kind += s[i * GEN_NUTS_NSTATS + GEN_NUTS_DIVERGENCE] == (double)m->reason;
    if (bad || of_kind == 0)
        check_fail(__FILE__, __LINE__, "%s: %lld divergences, %lld of reason %d, %lld inconsistent rows", m->name,
                   (long long)div, (long long)of_kind, (int)m->reason, (long long)bad);
}

/* MH (resimulating the parameter from its prior) and elliptical slice: rejections, and
 * the posterior; an error for the programming error. */
static void mh_case(const model_case *m) {
    gen_trace *tr = case_trace(m, m->start);
    gen_mh_select_kernel k = {sel1(m->param)};
    gen_chain_config cfg = {.burn_in = 500, .draws = 40000, .thin = 1, .sel = sel1(m->param)};
    gen_array *s = NULL;
    gen_status st = gen_run_chain(gen_kernel_mh_select(&k), gen_key_new(8), tr, &cfg, &s, NULL, NULL);
    if (!m->density) {
        CHECK(st == GEN_ERR_VALUE && strstr(gen_error_message(), "x: address already traced"));
        gen_error_clear();
    } else {
        CHECK_OK(st);
        if (s) check_posterior("mh", m, gen_reshape(s, 3, (int64_t[]){1, 40000, 1}));
    }
    if (!m->body || m->density == refusing_density) return; /* ESS needs a normal prior on the parameter */
    gen_elliptical_kernel ek = {at(m->param), gen_scalar(0), gen_scalar(1)};
    cfg.draws = 20000;
    st = gen_run_chain(gen_kernel_elliptical_slice(&ek), gen_key_new(9), tr, &cfg, &s, NULL, NULL);
    if (!m->density) {
        CHECK(st == GEN_ERR_VALUE && strstr(gen_error_message(), "x: address already traced"));
        gen_error_clear();
    } else {
        CHECK_OK(st);
        if (s) check_posterior("elliptical slice", m, gen_reshape(s, 3, (int64_t[]){1, 20000, 1}));
    }
}

/* One step of each kernel from the same trace, again and again: the same outcome in
 * all (GEN_OK for a rejection, the same error for the programming error). */
static void agreement_case(const model_case *m) {
    gen_trace *tr = case_trace(m, 0.9 * (m->start ? m->start : 1));
    gen_selection *sel = sel1(m->param);
    for (uint64_t i = 0; i < 30 && tr; i++) {
        gen_trace *out = NULL;
        gen_status st[5];
        st[0] = gen_mh_select(tr, gen_key_new(i), sel, &out, NULL);
        st[1] = gen_hmc(tr, gen_key_new(i), sel, 1.5, 4, NULL, &out, NULL);
        st[2] = gen_mala(tr, gen_key_new(i), sel, 1.5, &out, NULL);
        st[3] = gen_nuts(tr, gen_key_new(i), sel, 1.5, NULL, 4, &out, NULL);
        gen_mh_select_kernel k = {sel};
        gen_kernel both[2] = {gen_kernel_mh_select(&k), gen_kernel_nuts(&(gen_nuts_kernel){sel, 1.5, NULL, 4})};
        st[4] = gen_kernel_apply(gen_kernel_cycle(&(gen_kernel_list){2, both, NULL}), gen_key_new(i), tr, &out, NULL);
        for (int j = 0; j < 5; j++) {
            if (m->density) {
                if (st[j] != GEN_OK)
                    check_fail(__FILE__, __LINE__, "%s: kernel %d step %llu: %s: %s", m->name, j, (unsigned long long)i,
                               gen_status_name(st[j]), gen_error_message());
            } else if (st[j] != GEN_OK) {
                CHECK(st[j] == GEN_ERR_VALUE);
            }
        }
        if (!m->density) { /* every kernel gets there in 30 big steps: the same error */
            int errors = 0;
            for (int j = 0; j < 5; j++) errors += st[j] != GEN_OK;
            if (i == 29) CHECK(errors > 0);
        }
        gen_error_clear();
    }
    if (!m->density) { /* and each kernel alone meets it */
        gen_mh_select_kernel k = {sel};
        gen_hmc_kernel hk = {sel, 1.5, 4, NULL};
        gen_mala_kernel mk = {sel, 1.5};
        gen_nuts_kernel nk = {sel, 1.5, NULL, 4};
        gen_kernel ks[4] = {gen_kernel_mh_select(&k), gen_kernel_hmc(&hk), gen_kernel_mala(&mk), gen_kernel_nuts(&nk)};
        gen_chain_config cfg = {.burn_in = 0, .draws = 200, .thin = 1};
        for (int j = 0; j < 4; j++) {
            gen_status st = gen_run_chain(ks[j], gen_key_new(3), tr, &cfg, NULL, NULL, NULL);
            if (!(st == GEN_ERR_VALUE && strstr(gen_error_message(), "x: address already traced")))
                check_fail(__FILE__, __LINE__, "kernel %d: %s: %s", j, gen_status_name(st), gen_error_message());
            gen_error_clear();
        }
    }
}

static void test_nuts(void) {
    for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) nuts_case(&CASES[i]);
}

static void test_mh(void) {
    for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) mh_case(&CASES[i]);
}

static void test_agreement(void) {
    for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) agreement_case(&CASES[i]);
}

/* gen_nuts's statistics carry the reason of a single transition's divergence. */
static void test_single_transition(void) {
    gen_trace *tr = case_trace(&CASES[0], 0.2), *out = NULL;
    gen_nuts_stats st;
    int seen = 0;
    for (uint64_t i = 0; i < 40; i++) {
        CHECK_OK(gen_nuts(tr, gen_key_new(i), sel1("s"), 3.0, NULL, 5, &out, &st));
        if (st.divergent) CHECK(st.divergence == GEN_DIVERGENCE_PARAMETER || st.divergence == GEN_DIVERGENCE_ENERGY);
        else CHECK(st.divergence == GEN_DIVERGENCE_NONE);
        seen += st.divergence == GEN_DIVERGENCE_PARAMETER;
    }
    CHECK(seen > 0);
    /* a small step: nothing diverges; an absurd one on a plain normal: the energy error */
    CHECK_OK(gen_nuts(case_trace(&CASES[3], 0), gen_key_new(1), sel1("x"), 1e-3, NULL, 3, &out, &st));
    CHECK(!st.divergent && st.divergence == GEN_DIVERGENCE_NONE);
    gen_trace *p = trace_at("plain", plain, 1, (const char *[]){"x"}, (double[]){0.1});
    CHECK_OK(gen_nuts(p, gen_key_new(1), sel1("x"), 100, NULL, 3, &out, &st));
    CHECK(st.divergent && st.divergence == GEN_DIVERGENCE_ENERGY && out == p);
}

/* A starting point whose gradient is not finite is an error naming the address, in every
 * gradient-based method; so is one the model rejects, and one of density -inf. */
static void test_bad_start(void) {
    gen_trace *tr = case_trace(&CASES[3], 1.5), *out = NULL; /* nan_grad, beyond 1 */
    gen_selection *sel = sel1("x");
    const char *want = "x: the gradient of the log density is NaN";
    CHECK_ERROR(gen_nuts(tr, gen_key_new(1), sel, 0.5, NULL, 5, &out, NULL), want);
    CHECK_ERROR(gen_hmc(tr, gen_key_new(1), sel, 0.5, 5, NULL, &out, NULL), want);
    CHECK_ERROR(gen_mala(tr, gen_key_new(1), sel, 0.5, &out, NULL), want);
    CHECK_ERROR(gen_posterior_mode(tr, sel, 100, 1e-8, &out, NULL), want);
    gen_nuts_config cfg = {.warmup = 50, .draws = 50, .init_at_trace = true};
    gen_nuts_result r;
    CHECK(gen_nuts_sample(gen_key_new(1), 1, &tr, sel, &cfg, 1, &r) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, want);
    /* the target itself reports it */
    gen_target *t = gen_target_new(tr, sel);
    double lp = 0;
    gen_array *g = NULL;
    CHECK_ERROR(gen_target_logpdf_grad(t, gen_target_position(t), &lp, &g), want);
    CHECK(!g);
    CHECK_ERROR(gen_target_logpdf_grad(t, gen_cast(gen_target_position(t), GEN_F32), &lp, &g), want); /* f32 theta */
    CHECK(!g);
    CHECK_OK(gen_target_logpdf_grad(t, gen_array_from(GEN_F32, 1, (int64_t[]){1}, (float[]){0.5f}), &lp, &g));
    CHECK(g && gen_array_dtype(g) == GEN_F32);
    gen_target_free(t);
    /* a random start retries until the gradient is finite: fine */
    cfg.init_at_trace = false;
    CHECK_OK(gen_nuts_sample(gen_key_new(1), 1, &tr, sel, &cfg, 1, &r));
    /* a start of density -inf: an error */
    gen_trace *far = case_trace(&CASES[2], 1.0); /* log(1 - 1) = -inf */
    CHECK_ERROR(gen_nuts(far, gen_key_new(1), sel, 0.5, NULL, 5, &out, NULL), "the log density at the trace is -inf");
    CHECK_ERROR(gen_hmc(far, gen_key_new(1), sel, 0.5, 5, NULL, &out, NULL), "the log density at the trace is -inf");
}

int main(int argc, char **argv) {
    check_only = argc > 1 ? argv[1] : NULL; /* one test by name (valgrind runs a few) */
    RUN_ONLY(test_single_transition);
    RUN_ONLY(test_bad_start);
    RUN_ONLY(test_agreement);
    RUN_ONLY(test_mh);
    RUN_ONLY(test_nuts);
    return check_finish();
}
