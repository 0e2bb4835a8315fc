/* test_batched.c — batched execution of dynamic functions (gfi.h): the same model code
 * runs for N particles; particle by particle, the batched scores and weights equal the
 * scalar assess of that particle's choices (exactly: the streams differ, the densities
 * do not), draws have the right distributions (KS, moments), calls and splices run
 * batched, shared and per-particle constraints, batched update / regenerate / project,
 * and the errors. */
#include <math.h>

#include "../testutil/check.h"
#include "../testutil/gfi_models.h"
#include "../testutil/stats.h"

#define N 64
#define N_POINTS 50
static const double HALF_LOG_2PI = 0.91893853320467274178;

static double log_normal(double x, double mu, double sigma) {
    double z = (x - mu) / sigma;
    return -0.5 * z * z - log(sigma) - HALF_LOG_2PI;
}

static double elem(const gen_array *a, int64_t i) { return ((const double *)gen_array_data(a))[i]; }

static gen_addr addr(const char *path) {
    gen_addr a;
    gen_addr_parse(&a, path);
    return a;
}

static gen_choicemap *with(const gen_choicemap *m, const char *path, const gen_array *v) {
    gen_addr a = addr(path);
    return gen_choicemap_set(m, &a, v);
}

/* Every particle's batched score equals the scalar assess of its choices. */
static void check_particles(const gen_gf *f, const gen_args *args, const gen_trace *tr) {
    int64_t n = gen_trace_batch_size(tr);
    const gen_array *score = gen_trace_score(tr);
    CHECK_SHAPE(score, n);
    for (int64_t i = 0; i < n; i++) {
        gen_choicemap *ci = gen_choicemap_particle(gen_trace_choices(tr), i);
        gen_array *w = NULL;
        CHECK_OK(gen_assess(f, args, ci, &w, NULL));
        if (w) CHECK_CLOSE(check_item(w), elem(score, i), 1e-13);
    }
}

/* The polynomial regression of GenJAX's benchmark, written once for both modes. */
static gen_status polynomial(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_dist *prior = gen_normal(gen_scalar(0), gen_scalar(1));
    gen_array *a = gen_choose(ctx, "a", prior), *b = gen_choose(ctx, "b", prior);
    gen_array *c = gen_choose(ctx, "c", prior);
    gen_array *x = args->v[0];
    gen_array *mu = gen_add(a, gen_mul(x, gen_add(b, gen_mul(c, x))));
    *retval = gen_choose(ctx, "y", gen_broadcasted_normal(mu, gen_scalar(0.05)));
    return gen_ctx_status(ctx);
}

static void test_polynomial(void) {
    gen_gf *f = gen_dynamic("polynomial", polynomial);
    gen_array *x = gen_linspace(0, 1, N_POINTS);
    gen_args args = {1, &x, NULL};
    double y[N_POINTS];
    for (int j = 0; j < N_POINTS; j++) {
        double xj = j / (N_POINTS - 1.0);
        y[j] = 0.5 - 1.25 * xj + 2 * xj * xj + 0.05 * sin(7.0 * j);
    }
    gen_array *ya = gen_array_from(GEN_F64, 1, (int64_t[]){N_POINTS}, y);
    gen_choicemap *obs = with(gen_choicemap_empty(), "y", ya);
    gen_trace *tr = NULL;
    gen_array *w = NULL;
    CHECK_OK(gen_generate_batched(f, gen_key_new(5), N, &args, obs, &tr, &w));
    if (!tr) return;
    CHECK(gen_trace_batch_size(tr) == N);
    CHECK_SHAPE(w, N);
    gen_addr aa = addr("a"), ay = addr("y");
    const gen_array *av = gen_trace_value(tr, &aa);
    CHECK_SHAPE(av, N);
    CHECK(gen_array_is_batched(av));
    CHECK(gen_trace_value(tr, &ay) == ya); /* shared data stored once */
    CHECK(gen_trace_retval(tr) == ya); /* the model returns its (shared) y */
    /* weight = likelihood of the data, by hand per particle */
    for (int i = 0; i < N; i++) {
        gen_addr ab = addr("b"), ac = addr("c");
        double a = elem(av, i), b = elem(gen_trace_value(tr, &ab), i), c = elem(gen_trace_value(tr, &ac), i);
        double want = 0;
        for (int j = 0; j < N_POINTS; j++) {
            double xj = elem(x, j);
            want += log_normal(y[j], a + b * xj + c * xj * xj, 0.05);
        }
        CHECK_CLOSE(elem(w, i), want, 1e-12);
    }
    check_particles(f, &args, tr);
    /* the scalar path runs the very same code */
    gen_trace *st = NULL;
    CHECK_OK(gen_generate(f, gen_key_new(5), &args, obs, &st, NULL));
    CHECK(st && gen_trace_batch_size(st) == 0 && gen_array_ndim(gen_trace_score(st)) == 0);
    /* project: all = score, none = 0 per particle */
    gen_array *pa = NULL, *pn = NULL;
    CHECK_OK(gen_project(tr, gen_select_all(), &pa));
    CHECK_OK(gen_project(tr, gen_select_none(), &pn));
    CHECK_SHAPE(pn, N);
    for (int i = 0; pa && pn && i < N; i++) {
        CHECK_CLOSE(elem(pa, i), elem(gen_trace_score(tr), i), 1e-13);
        CHECK(elem(pn, i) == 0);
    }
}

static void test_call_splice_factor(void) {
    gen_body bodies[] = {with_call, with_splice, with_factor};
    for (int m = 0; m < 3; m++) {
        gen_gf *f = gen_dynamic("model", bodies[m]);
        gen_trace *tr = NULL;
        CHECK_OK(gen_simulate_batched(f, gen_key_new(11 + m), N, NULL, &tr));
        if (!tr) continue;
        check_particles(f, NULL, tr);
        CHECK_SHAPE(gen_trace_retval(tr), N);
    }
    /* the callee's choices are batched under the call's address */
    gen_gf *f = gen_dynamic("with_call", with_call);
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate_batched(f, gen_key_new(3), N, NULL, &tr));
    gen_addr z = addr("sub/z");
    if (tr) CHECK_SHAPE(gen_trace_value(tr, &z), N);
}

/* a ~ N(0, 1); b ~ N(a, 1); k ~ Poisson(3); t ~ Exponential(2) */
static gen_status chain(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *a = gen_choose(ctx, "a", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_choose(ctx, "b", gen_normal(a, gen_scalar(1)));
    gen_choose(ctx, "k", gen_poisson(gen_scalar(3)));
    *retval = gen_choose(ctx, "t", gen_exponential(gen_scalar(2)));
    return gen_ctx_status(ctx);
}

static double normal_cdf(double x, const double *p) { return 0.5 * erfc(-(x - p[0]) / (p[1] * sqrt(2.0))); }
static double exp_cdf(double x, const double *p) { return x < 0 ? 0 : 1 - exp(-p[0] * x); }

static void test_distributions(void) {
    const int64_t n = 20000;
    gen_gf *f = gen_dynamic("chain", chain);
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate_batched(f, gen_key_new(99), n, NULL, &tr));
    if (!tr) return;
    gen_addr a = addr("a"), b = addr("b"), k = addr("k"), t = addr("t");
    STATS_KS("batched a ~ N(0,1)", gen_trace_value(tr, &a), normal_cdf, (double[]){0, 1});
    STATS_KS("batched b ~ N(0,2) marginally", gen_trace_value(tr, &b), normal_cdf, (double[]){0, sqrt(2.0)});
    STATS_MOMENTS("batched k ~ Poisson(3)", gen_trace_value(tr, &k), 3, 3);
    STATS_KS("batched t ~ Exp(2)", gen_trace_value(tr, &t), exp_cdf, (double[]){2});
    /* b given a: the residual b - a is N(0, 1), independent of a */
    gen_array *r = gen_unbatched(gen_sub(gen_trace_value(tr, &b), gen_trace_value(tr, &a)));
    STATS_KS("batched b - a ~ N(0,1)", r, normal_cdf, (double[]){0, 1});
}

static void test_per_particle_constraints(void) {
    gen_gf *f = gen_dynamic("chain", chain);
    double av[N];
    for (int i = 0; i < N; i++) av[i] = -2 + 4.0 * i / N;
    gen_array *a = gen_array_from(GEN_F64, 1, (int64_t[]){N}, av);
    gen_choicemap *c = with(with(gen_choicemap_empty(), "a", a), "k", gen_scalar_i64(2));
    gen_trace *tr = NULL;
    gen_array *w = NULL;
    CHECK_OK(gen_generate_batched(f, gen_key_new(1), N, NULL, c, &tr, &w));
    if (!tr) return;
    double lk = 2 * log(3.0) - 3 - log(2.0); /* Poisson(2 | 3) */
    for (int i = 0; i < N; i++) CHECK_CLOSE(elem(w, i), log_normal(av[i], 0, 1) + lk, 1e-13);
    check_particles(f, NULL, tr);

    /* batched update: a new per-particle a; nothing new is sampled, so the weight is the
     * score difference, and the discard restores the trace */
    for (int i = 0; i < N; i++) av[i] = 0.5 * av[i] + 0.1;
    gen_array *a2 = gen_array_from(GEN_F64, 1, (int64_t[]){N}, av);
    gen_trace *t2 = NULL, *t3 = NULL;
    gen_array *w2 = NULL, *w3 = NULL;
    gen_choicemap *disc = NULL, *disc2 = NULL;
    CHECK_OK(gen_update(tr, gen_key_new(2), NULL, NULL, with(gen_choicemap_empty(), "a", a2), &t2, &w2, NULL, &disc));
    if (!t2) return;
    CHECK(gen_trace_batch_size(t2) == N);
    CHECK_SHAPE(w2, N);
    for (int i = 0; i < N; i++)
        CHECK_CLOSE(elem(w2, i), elem(gen_trace_score(t2), i) - elem(gen_trace_score(tr), i), 1e-12);
    check_particles(f, NULL, t2);
    CHECK_OK(gen_update(t2, gen_key_new(3), NULL, NULL, disc, &t3, &w3, NULL, &disc2));
    gen_addr aa = addr("a");
    for (int i = 0; t3 && i < N; i++) {
        CHECK(elem(gen_trace_value(t3, &aa), i) == elem(a, i));
        CHECK_CLOSE(elem(w3, i), -elem(w2, i), 1e-12);
    }
}

/* a ~ N(0, 1); y ~ N(a, 1) */
static gen_status two(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *a = gen_choose(ctx, "a", gen_normal(gen_scalar(0), gen_scalar(1)));
    *retval = gen_choose(ctx, "y", gen_normal(a, gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static void test_regenerate(void) {
    gen_gf *f = gen_dynamic("two", two);
    gen_choicemap *obs = with(gen_choicemap_empty(), "y", gen_scalar(0.8));
    gen_trace *tr = NULL, *t2 = NULL;
    gen_array *w = NULL;
    CHECK_OK(gen_generate_batched(f, gen_key_new(4), N, NULL, obs, &tr, NULL));
    gen_addr a = addr("a");
    gen_selection *sel = gen_select(1, &a);
    CHECK_OK(gen_regenerate(tr, gen_key_new(5), NULL, NULL, sel, &t2, &w, NULL));
    if (!t2) return;
    int moved = 0;
    for (int i = 0; i < N; i++) {
        double a0 = elem(gen_trace_value(tr, &a), i), a1 = elem(gen_trace_value(t2, &a), i);
        moved += a0 != a1;
        /* the prior proposes a: the weight is the likelihood ratio */
        CHECK_CLOSE(elem(w, i), log_normal(0.8, a1, 1) - log_normal(0.8, a0, 1), 1e-12);
    }
    CHECK(moved == N);
    check_particles(f, NULL, t2);
}

/* Masked constraints (present for some particles only): given where the mask holds,
 * sampled (generate) or kept (update) elsewhere, weighed only where given; the discard
 * is masked alike and restores the trace. */
static void test_masked_constraints(void) {
    gen_gf *f = gen_dynamic("two", two);
    double av[N];
    bool mv[N];
    for (int i = 0; i < N; i++) av[i] = 0.01 * i, mv[i] = i % 2 == 0;
    gen_array *a = gen_batched(gen_array_from(GEN_F64, 1, (int64_t[]){N}, av));
    gen_array *mask = gen_batched(gen_array_from(GEN_BOOL, 1, (int64_t[]){N}, mv));
    gen_addr aa = addr("a"), ya = addr("y");
    gen_choicemap *c = gen_choicemap_set_masked(with(gen_choicemap_empty(), "y", gen_scalar(0.8)), &aa, a, mask);
    gen_trace *tr = NULL;
    gen_array *w = NULL;
    CHECK_OK(gen_generate_batched(f, gen_key_new(21), N, NULL, c, &tr, &w));
    if (!tr) return;
    for (int i = 0; i < N; i++) {
        double ai = elem(gen_trace_value(tr, &aa), i);
        if (mv[i]) CHECK(ai == av[i]);
        else CHECK(ai != av[i]);
        double want = log_normal(0.8, ai, 1) + (mv[i] ? log_normal(ai, 0, 1) : 0);
        CHECK_CLOSE(elem(w, i), want, 1e-12);
    }
    CHECK(gen_trace_value(tr, &ya) != NULL);
    check_particles(f, NULL, tr);
    /* update with a masked constraint: a moves for the odd particles only */
    bool odd[N];
    for (int i = 0; i < N; i++) odd[i] = !mv[i];
    gen_array *omask = gen_batched(gen_array_from(GEN_BOOL, 1, (int64_t[]){N}, odd));
    gen_choicemap *c2 = gen_choicemap_set_masked(gen_choicemap_empty(), &aa, gen_batched(gen_zeros(GEN_F64, 1, (int64_t[]){N})), omask);
    gen_trace *t2 = NULL, *t3 = NULL;
    gen_array *w2 = NULL, *w3 = NULL;
    gen_choicemap *disc = NULL;
    CHECK_OK(gen_update(tr, gen_key_new(22), NULL, NULL, c2, &t2, &w2, NULL, &disc));
    if (!t2) return;
    for (int i = 0; i < N; i++) {
        double a0 = elem(gen_trace_value(tr, &aa), i), a1 = elem(gen_trace_value(t2, &aa), i);
        CHECK(odd[i] ? a1 == 0 : a1 == a0);
        CHECK_CLOSE(elem(w2, i), elem(gen_trace_score(t2), i) - elem(gen_trace_score(tr), i), 1e-12);
    }
    CHECK(disc && gen_choicemap_mask_at(disc, &aa) != NULL);
    CHECK_OK(gen_update(t2, gen_key_new(23), NULL, NULL, disc, &t3, &w3, NULL, NULL));
    for (int i = 0; t3 && i < N; i++) {
        CHECK(elem(gen_trace_value(t3, &aa), i) == elem(gen_trace_value(tr, &aa), i));
        CHECK_CLOSE(elem(w3, i), -elem(w2, i), 1e-12);
    }
    gen_array *aw = NULL;
    CHECK_ERROR(gen_assess_batched(f, N, NULL, c, &aw, NULL), "a: assess: the value at a is present for some particles only");
}

/* x ~ N(v, 1) where v is a batched argument built outside. */
static gen_status bad_param(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *v = gen_batched(gen_zeros(GEN_F64, 1, (int64_t[]){3}));
    *retval = gen_choose(ctx, "x", gen_normal(v, gen_scalar(1)));
    return gen_ctx_status(ctx);
}

static void test_errors(void) {
    gen_gf *f = gen_dynamic("two", two);
    gen_trace *tr = NULL;
    CHECK_ERROR(gen_simulate_batched(f, gen_key_new(1), 0, NULL, &tr), "particle count must be >= 1");
    CHECK(!tr);
    /* a constraint that is neither shared nor one per particle */
    gen_choicemap *c = with(gen_choicemap_empty(), "y", gen_zeros(GEN_F64, 1, (int64_t[]){N + 1}));
    CHECK_ERROR(gen_generate_batched(f, gen_key_new(1), N, NULL, c, &tr, NULL), "y: batched normal");
    CHECK(!tr);
    CHECK_ERROR(gen_simulate_batched(gen_dynamic("bad", bad_param), gen_key_new(1), N, NULL, &tr),
                "x: gen_batched: shape [3] has no particle axis of 64");
    CHECK(gen_batch_size() == 0); /* a failed run leaves batched mode */
    gen_choicemap *ok = NULL;
    CHECK_ERROR(gen_choicemap_particle(gen_choicemap_empty(), 0) ? GEN_OK : GEN_ERR_INTERNAL, "");
    CHECK_OK(gen_simulate_batched(f, gen_key_new(1), N, NULL, &tr));
    CHECK_ERROR((ok = gen_choicemap_particle(gen_trace_choices(tr), N)) ? GEN_OK : gen_error_status(),
                "particle 64 is out of range for the 64 particles at ");
    gen_error_clear();
}

/* x ~ N(zeros [2^54, 0], 1): valid (and empty) per particle, but its 64 particles'
 * draws would have shape [64, 2^54, 0], whose nonzero extents pass the size bound. */
static gen_status wide(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *z = gen_zeros(GEN_F64, 2, (int64_t[]){(int64_t)1 << 54, 0});
    *retval = gen_choose(ctx, "x", gen_normal(z, gen_scalar(1)));
    return gen_ctx_status(ctx);
}

/* The particle count times a choice's shape goes through the checked size computation. */
static void test_shape_bounds(void) {
    gen_trace *tr = NULL;
    gen_gf *f = gen_dynamic("wide", wide);
    CHECK_OK(gen_simulate(f, gen_key_new(1), NULL, &tr)); /* one particle: fine */
    tr = NULL;
    CHECK_ERROR(gen_simulate_batched(f, gen_key_new(1), N, NULL, &tr),
                "x: gen_dist_sample: shape is too large: [64,18014398509481984,0]");
    CHECK(!tr);
    CHECK(gen_batch_size() == 0);
}

int main(void) {
    RUN(test_polynomial);
    RUN(test_call_splice_factor);
    RUN(test_distributions);
    RUN(test_per_particle_constraints);
    RUN(test_regenerate);
    RUN(test_masked_constraints);
    RUN(test_errors);
    RUN(test_shape_bounds);
    return check_finish();
}
