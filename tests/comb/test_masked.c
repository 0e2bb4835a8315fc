/* test_masked.c — Switch, Mask and Mix with a branch per particle in batched mode
 * (masking): values particle by particle against scalar runs, update / regenerate with
 * per-particle branch changes (weights against the scalar update of each particle),
 * the discard round trip, branch frequencies, the GFI laws and the errors. */
#include <math.h>

#include "../testutil/check.h"
#include "../testutil/gfi_laws.h"

static const double HALF_LOG_2PI = 0.91893853320467274178;

__attribute__((unused)) static double log_normal(double x, double mu, double sigma) {
    double z = (x - mu) / sigma;
    return -0.5 * z * z - log(sigma) - HALF_LOG_2PI;
}

__attribute__((unused)) static gen_addr path(const char *p) {
    gen_addr a;
    gen_addr_parse(&a, p);
    return a;
}

static double elem(const gen_array *a, int64_t i) { return ((const double *)gen_array_data(a))[i]; }

/* b0: a ~ N(x, 1), returns a; b1: a ~ N(x + 2, 0.5), c ~ N(a, 1), returns c;
 * b2: c ~ N(0, 3), returns c (the branches share a and c) */
static gen_status b0(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    *retval = gen_choose(ctx, "a", gen_normal(args->v[0], gen_scalar(1)));
    return gen_ctx_status(ctx);
}
static gen_status b1(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *a = gen_choose(ctx, "a", gen_normal(gen_add(args->v[0], gen_scalar(2)), gen_scalar(0.5)));
    *retval = gen_choose(ctx, "c", gen_normal(a, gen_scalar(1)));
    return gen_ctx_status(ctx);
}
static gen_status b2(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    *retval = gen_choose(ctx, "c", gen_normal(gen_scalar(0), gen_scalar(3)));
    gen_factor(ctx, gen_scalar(-0.25));
    return gen_ctx_status(ctx);
}

static gen_gf *sw3(void) {
    const gen_gf *b[3] = {gen_dynamic("b0", b0), gen_dynamic("b1", b1), gen_dynamic("b2", b2)};
    return gen_switch(3, b);
}

static gen_array *batched_i64(int64_t n, const int64_t *v) { return gen_batched(gen_array_from(GEN_I64, 1, &n, v)); }

/* Each particle's score and return value equal the scalar assess of its choices. */
static void check_particles(const gen_gf *f, const gen_args *scalar_args_of_i, const gen_trace *tr, int64_t n,
                            gen_args (*args_of)(const gen_args *, int64_t, gen_array **), gen_array **buf) {
    for (int64_t i = 0; i < n; i++) {
        gen_args ai = args_of ? args_of(scalar_args_of_i, i, buf) : *scalar_args_of_i;
        gen_choicemap *ci = gen_choicemap_particle(gen_trace_choices(tr), i);
        gen_array *w = NULL, *ret = NULL;
        CHECK_OK(gen_assess(f, &ai, ci, &w, &ret));
        if (w) CHECK_CLOSE(check_item(w), elem(gen_trace_score(tr), i), 1e-12);
        if (ret && gen_trace_retval(tr)) CHECK(check_item(ret) == elem(gen_trace_retval(tr), i));
    }
}

/* The scalar arguments of particle i: element i of the batched index, x shared. */
static gen_args particle_args(const gen_args *a, int64_t i, gen_array **buf) {
    buf[0] = gen_scalar_i64(((const int64_t *)gen_array_data(a->v[0]))[i]);
    buf[1] = a->v[1];
    return (gen_args){2, buf, NULL};
}

static void test_switch_generate(void) {
    enum { P = 9 };
    gen_gf *f = sw3();
    int64_t ks[P] = {0, 1, 2, 1, 0, 2, 2, 1, 0};
    gen_array *av[2] = {batched_i64(P, ks), gen_scalar(0.5)}, *buf[2];
    gen_args args = {2, av, NULL};
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate_batched(f, gen_key_new(1), P, &args, &tr));
    if (!tr) return;
    check_particles(f, &args, tr, P, particle_args, buf);
}

/* The scalar arguments of particle i for index values ks and x. */
static gen_args args_at(const int64_t *ks, int64_t i, double x, gen_array **buf) {
    buf[0] = gen_scalar_i64(ks[i]);
    buf[1] = gen_scalar(x);
    return (gen_args){2, buf, NULL};
}

/* update with per-particle branch changes (every branch change and stay), against the
 * scalar update of each particle's trace; the discard round trip. */
static void test_switch_update(void) {
    enum { P = 9 };
    gen_gf *f = sw3();
    int64_t k1[P] = {0, 1, 2, 0, 1, 2, 0, 1, 2}, k2[P] = {0, 0, 0, 1, 1, 1, 0, 1, 1};
    gen_array *av1[2] = {batched_i64(P, k1), gen_scalar(0.5)}, *av2[2] = {batched_i64(P, k2), gen_scalar(0.5)}, *buf[2];
    gen_args a1 = {2, av1, NULL}, a2 = {2, av2, NULL};
    gen_trace *tr = NULL, *t2 = NULL, *t3 = NULL;
    gen_array *w = NULL, *w3 = NULL;
    gen_choicemap *disc = NULL;
    CHECK_OK(gen_simulate_batched(f, gen_key_new(1), P, &a1, &tr));
    if (!tr) return;
    gen_addr pa = path("a");
    gen_choicemap *cons = gen_choicemap_set(gen_choicemap_empty(), &pa, gen_scalar(0.3));
    CHECK_OK(gen_update(tr, gen_key_new(2), &a2, NULL, cons, &t2, &w, NULL, &disc));
    if (!t2) return;
    CHECK_SHAPE(w, P);
    check_particles(f, &a2, t2, P, particle_args, buf);
    for (int64_t i = 0; i < P; i++) {
        gen_trace *si = NULL, *s2 = NULL;
        gen_array *wi = NULL, *g = NULL;
        gen_args ai = args_at(k1, i, 0.5, buf);
        CHECK_OK(gen_generate(f, gen_key_new(3), &ai, gen_choicemap_particle(gen_trace_choices(tr), i), &si, &g));
        if (!si) continue;
        CHECK_CLOSE(check_item(gen_trace_score(si)), elem(gen_trace_score(tr), i), 1e-12);
        ai = args_at(k2, i, 0.5, buf);
        CHECK_OK(gen_update(si, gen_key_new(4), &ai, NULL, cons, &s2, &wi, NULL, NULL));
        if (wi) CHECK_CLOSE(check_item(wi), elem(w, i), 1e-12);
        /* the hand-computed weight for two cases */
        if (i == 0)
            CHECK_CLOSE(elem(w, i), log_normal(0.3, 0.5, 1) - log_normal(check_item(gen_trace_value(si, &pa)), 0.5, 1),
                        1e-12);
        if (i == 2) CHECK_CLOSE(elem(w, i), log_normal(0.3, 0.5, 1) - elem(gen_trace_score(tr), i), 1e-12);
        /* the discard has what the particle lost */
        gen_choicemap *di = gen_choicemap_particle(disc, i);
        int64_t want = k1[i] == 2 ? 1 : k1[i] == 1 && k2[i] == 0 ? 2 : 1;
        CHECK(gen_choicemap_count(di) == want);
    }
    /* updating back with the discard restores every particle */
    CHECK_OK(gen_update(t2, gen_key_new(5), &a1, NULL, disc, &t3, &w3, NULL, NULL));
    if (t3) {
        CHECK(gen_choicemap_equal(gen_trace_choices(t3), gen_trace_choices(tr)));
        for (int64_t i = 0; i < P; i++) CHECK_CLOSE(elem(gen_trace_score(t3), i), elem(gen_trace_score(tr), i), 1e-12);
    }
}

/* regenerate with per-particle branch changes and a new x (nothing selected): weights
 * against the scalar regenerate of each particle. */
static void test_switch_regenerate(void) {
    enum { P = 9 };
    gen_gf *f = sw3();
    int64_t k1[P] = {0, 1, 2, 0, 1, 2, 0, 1, 2}, k2[P] = {0, 0, 0, 1, 1, 1, 2, 2, 2};
    gen_array *av1[2] = {batched_i64(P, k1), gen_scalar(0.5)}, *av2[2] = {batched_i64(P, k2), gen_scalar(0.9)}, *buf[2];
    gen_args a1 = {2, av1, NULL}, a2 = {2, av2, NULL};
    gen_trace *tr = NULL, *t2 = NULL;
    gen_array *w = NULL;
    CHECK_OK(gen_simulate_batched(f, gen_key_new(1), P, &a1, &tr));
    if (!tr) return;
    CHECK_OK(gen_regenerate(tr, gen_key_new(2), &a2, NULL, gen_select_none(), &t2, &w, NULL));
    if (!t2) return;
    check_particles(f, &a2, t2, P, particle_args, buf);
    for (int64_t i = 0; i < P; i++) {
        gen_trace *si = NULL, *s2 = NULL;
        gen_array *wi = NULL, *g = NULL;
        gen_args ai = args_at(k1, i, 0.5, buf);
        CHECK_OK(gen_generate(f, gen_key_new(3), &ai, gen_choicemap_particle(gen_trace_choices(tr), i), &si, &g));
        if (!si) continue;
        ai = args_at(k2, i, 0.9, buf);
        CHECK_OK(gen_regenerate(si, gen_key_new(4), &ai, NULL, gen_select_none(), &s2, &wi, NULL));
        if (wi) CHECK_CLOSE(check_item(wi), elem(w, i), 1e-12);
    }
    CHECK_CLOSE(elem(w, 2), 0.25, 1e-12); /* b2 dropped: its factor */
    CHECK_CLOSE(elem(w, 6), -0.25, 1e-12);
}

/* k ~ categorical([0.3, 0.5, 0.2]); y = switch(k, x); obs ~ N(y, 1) */
static gen_status cat_switch(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *k = gen_choose(ctx, "k", gen_categorical(gen_array_from_f64(1, (int64_t[]){3}, (double[]){0.3, 0.5, 0.2})));
    gen_array *sa[2] = {k, gen_scalar(0.5)};
    gen_array *y = gen_call(ctx, "s", sw3(), &(gen_args){2, sa, NULL});
    *retval = gen_choose(ctx, "obs", gen_normal(y, gen_scalar(1)));
    return gen_ctx_status(ctx);
}

/* f: z ~ N(x, 2), factor -0.3; on ~ bernoulli(0.6); mask(f)(on, 1); y ~ N(0, 1) */
static gen_status f_body(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_choose(ctx, "z", gen_normal(args->v[0], gen_scalar(2)));
    *retval = NULL; /* a per-particle Mask returns none */
    gen_factor(ctx, gen_scalar(-0.3));
    return gen_ctx_status(ctx);
}
static gen_status flag_mask(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *on = gen_choose(ctx, "on", gen_bernoulli(gen_scalar(0.6)));
    gen_array *ma[2] = {on, gen_scalar(1.0)};
    gen_call(ctx, "m", gen_mask(gen_dynamic("f", f_body)), &(gen_args){2, ma, NULL});
    *retval = gen_choose(ctx, "y", gen_normal(gen_scalar(0), gen_scalar(1)));
    return gen_ctx_status(ctx);
}

/* mix(c0, c1) with components x ~ N(mu, 1) / x ~ N(mu + 3, 0.5) */
static gen_status c0(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    *retval = gen_choose(ctx, "x", gen_normal(args->v[0], gen_scalar(1)));
    return gen_ctx_status(ctx);
}
static gen_status c1(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    *retval = gen_choose(ctx, "x", gen_normal(gen_add(args->v[0], gen_scalar(3)), gen_scalar(0.5)));
    return gen_ctx_status(ctx);
}
static gen_gf *mix2(void) {
    const gen_gf *c[2] = {gen_dynamic("c0", c0), gen_dynamic("c1", c1)};
    return gen_mix(2, c);
}
static gen_array *logits(double a, double b) { return gen_array_from_f64(1, (int64_t[]){2}, (double[]){a, b}); }

static void test_laws(void) {
    CHECK_GFI_LAWS("categorical index into a switch", gen_dynamic("cat", cat_switch), NULL, 4, 64);
    CHECK_GFI_LAWS("bernoulli flag into a mask", gen_dynamic("flag", flag_mask), NULL, 4, 64);
    gen_array *av[2] = {logits(0, log(4)), gen_scalar(1.0)};
    gen_args args = {2, av, NULL};
    CHECK_GFI_LAWS("mix, per-particle index", mix2(), &args, 4, 64);
}

int main(void) {
    RUN(test_switch_generate);
    RUN(test_switch_update);
    RUN(test_switch_regenerate);
    RUN(test_laws);
    return check_finish();
}
