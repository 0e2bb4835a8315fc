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

/* Mix: the fraction of particles in each component matches the weights; update with a
 * shared index constraint moves some particles (weights against the scalar update),
 * and the discard (a masked index) restores every particle. */
static void test_mix(void) {
    enum { P = 4000 };
    gen_gf *f = mix2();
    gen_array *av[2] = {logits(0, log(4)), gen_scalar(1.0)}, *buf[2];
    gen_args args = {2, av, NULL};
    gen_trace *tr = NULL, *t2 = NULL, *t3 = NULL;
    gen_array *w = NULL, *w3 = NULL;
    CHECK_OK(gen_simulate_batched(f, gen_key_new(1), P, &args, &tr));
    if (!tr) return;
    gen_addr pi = path("index"), px = path("component/x");
    const int64_t *k = gen_array_data(gen_trace_value(tr, &pi));
    int64_t ones = 0;
    for (int64_t i = 0; i < P; i++) ones += k[i];
    double p = 0.8, sd = sqrt(p * (1 - p) / P);
    CHECK(fabs((double)ones / P - p) < 4 * sd);
    /* the component's value follows its index: mean of x per component */
    const double *x = gen_array_data(gen_trace_value(tr, &px));
    double m0 = 0, m1 = 0;
    for (int64_t i = 0; i < P; i++) k[i] ? (m1 += x[i]) : (m0 += x[i]);
    CHECK(fabs(m0 / (double)(P - ones) - 1.0) < 4 * 1.0 / sqrt((double)(P - ones)));
    CHECK(fabs(m1 / (double)ones - 4.0) < 4 * 0.5 / sqrt((double)ones));
    /* update: every particle to component 1 with x = 3.5 */
    enum { Q = 40 };
    CHECK_OK(gen_simulate_batched(f, gen_key_new(2), Q, &args, &tr));
    if (!tr) return;
    gen_choicemap *cons = gen_choicemap_set(gen_choicemap_set(gen_choicemap_empty(), &pi, gen_scalar_i64(1)), &px,
                                            gen_scalar(3.5));
    gen_choicemap *disc = NULL;
    CHECK_OK(gen_update(tr, gen_key_new(3), &args, NULL, cons, &t2, &w, NULL, &disc));
    if (!t2) return;
    k = gen_array_data(gen_trace_value(tr, &pi));
    int moved = 0;
    for (int64_t i = 0; i < Q; i++) {
        gen_trace *si = NULL, *s2 = NULL;
        gen_array *wi = NULL, *g = NULL;
        (void)buf;
        CHECK_OK(gen_generate(f, gen_key_new(4), &args, gen_choicemap_particle(gen_trace_choices(tr), i), &si, &g));
        if (!si) continue;
        CHECK_OK(gen_update(si, gen_key_new(5), &args, NULL, cons, &s2, &wi, NULL, NULL));
        if (wi) CHECK_CLOSE(check_item(wi), elem(w, i), 1e-12);
        double want = log(0.8) + log_normal(3.5, 4, 0.5) - elem(gen_trace_score(tr), i);
        CHECK_CLOSE(elem(w, i), want, 1e-12);
        moved += k[i] == 0;
        /* the discard: the old index and x for every particle */
        CHECK(gen_choicemap_count(gen_choicemap_particle(disc, i)) == 2);
    }
    CHECK(moved > 0 && moved < Q);
    /* update back with a discard whose index is masked: only the moved particles */
    bool mv[Q];
    for (int64_t i = 0; i < Q; i++) mv[i] = k[i] == 0;
    gen_array *mask = gen_array_from(GEN_BOOL, 1, (int64_t[]){Q}, mv);
    gen_choicemap *back = gen_choicemap_keep_particles(disc, mask);
    CHECK(gen_choicemap_mask_at(back, &pi) != NULL);
    CHECK_OK(gen_update(t2, gen_key_new(6), &args, NULL, disc, &t3, &w3, NULL, NULL));
    if (t3) {
        CHECK(gen_choicemap_equal(gen_trace_choices(t3), gen_trace_choices(tr)));
        for (int64_t i = 0; i < Q; i++) CHECK_CLOSE(elem(w3, i), -elem(w, i), 1e-12);
    }
    gen_trace *t4 = NULL;
    CHECK_OK(gen_update(t2, gen_key_new(7), &args, NULL, back, &t4, &w3, NULL, &disc));
    if (t4) {
        const int64_t *k4 = gen_array_data(gen_trace_value(t4, &pi));
        const double *x4 = gen_array_data(gen_trace_value(t4, &px)), *x0 = gen_array_data(gen_trace_value(tr, &px));
        for (int64_t i = 0; i < Q; i++) {
            CHECK(k4[i] == k[i]);
            CHECK(x4[i] == (mv[i] ? x0[i] : 3.5));
            CHECK_CLOSE(elem(w3, i), mv[i] ? -elem(w, i) : 0, 1e-12);
        }
        check_particles(f, &args, t4, Q, NULL, buf);
        /* its discard holds the moved particles' index (masked) and x */
        CHECK(gen_choicemap_mask_at(disc, &pi) != NULL && gen_choicemap_count(disc) == 2);
    }
}

/* Mask with per-particle flags: update turning some particles on and others off. */
static void test_mask_update(void) {
    enum { P = 8 };
    gen_gf *f = gen_mask(gen_dynamic("f", f_body));
    bool on1[P] = {1, 1, 0, 0, 1, 0, 1, 0}, on2[P] = {1, 0, 1, 0, 0, 1, 1, 0};
    gen_array *av1[2] = {gen_batched(gen_array_from(GEN_BOOL, 1, (int64_t[]){P}, on1)), gen_scalar(1.0)};
    gen_array *av2[2] = {gen_batched(gen_array_from(GEN_BOOL, 1, (int64_t[]){P}, on2)), gen_scalar(1.0)};
    gen_args a1 = {2, av1, NULL}, a2 = {2, av2, NULL};
    gen_trace *tr = NULL, *t2 = NULL, *t3 = NULL;
    gen_array *w = NULL, *w3 = NULL;
    gen_choicemap *disc = NULL;
    CHECK_OK(gen_simulate_batched(f, gen_key_new(1), P, &a1, &tr));
    if (!tr) return;
    gen_addr pz = path("z");
    CHECK(gen_choicemap_mask_at(gen_trace_choices(tr), &pz) != NULL);
    CHECK_OK(gen_update(tr, gen_key_new(2), &a2, NULL, gen_choicemap_empty(), &t2, &w, NULL, &disc));
    if (!t2) return;
    const double *z1 = gen_array_data(gen_trace_value(tr, &pz)), *z2 = gen_array_data(gen_trace_value(t2, &pz));
    for (int i = 0; i < P; i++) {
        double want = on1[i] && on2[i] ? 0 : on1[i] ? -(log_normal(z1[i], 1, 2) - 0.3) : on2[i] ? -0.3 : 0;
        CHECK_CLOSE(elem(w, i), want, 1e-12);
        CHECK_CLOSE(elem(gen_trace_score(t2), i), on2[i] ? log_normal(z2[i], 1, 2) - 0.3 : 0, 1e-12);
        if (on1[i] && on2[i]) CHECK(z1[i] == z2[i]);
        CHECK(gen_choicemap_count(gen_choicemap_particle(disc, i)) == (on1[i] && !on2[i]));
    }
    /* back with the discard: the particles switched off get their z again */
    CHECK_OK(gen_update(t2, gen_key_new(3), &a1, NULL, disc, &t3, &w3, NULL, NULL));
    if (t3) {
        const double *z3 = gen_array_data(gen_trace_value(t3, &pz));
        for (int i = 0; i < P; i++) {
            if (on1[i]) CHECK(z3[i] == z1[i]);
            CHECK_CLOSE(elem(gen_trace_score(t3), i), elem(gen_trace_score(tr), i), 1e-12);
        }
    }
    /* a constraint for a particle that is off: unused */
    gen_choicemap *cz = gen_choicemap_set(gen_choicemap_empty(), &pz, gen_scalar(0.1));
    CHECK_ERROR(gen_update(tr, gen_key_new(4), &a2, NULL, cz, &t2, &w, NULL, NULL),
                "mask(f): update: constraint at z was not used by the model (the flag is off)");
}

/* Branches returning values of different shapes cannot be combined per particle; a
 * value at an address where another branch has choices below it neither. */
static gen_status r_vec(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *a = gen_choose(ctx, "a", gen_normal(args->v[0], gen_scalar(1)));
    *retval = gen_add(a, gen_zeros(GEN_F64, GEN_DIMS(2))); /* [2] per particle */
    return gen_ctx_status(ctx);
}
static gen_status r_sub(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *ba[1] = {args->v[0]};
    *retval = gen_call(ctx, "a", gen_dynamic("b0", b0), &(gen_args){1, ba, NULL});
    return gen_ctx_status(ctx);
}

static void test_errors(void) {
    enum { P = 4 };
    int64_t ks[P] = {0, 1, 0, 1};
    gen_array *av[2] = {batched_i64(P, ks), gen_scalar(0.5)};
    gen_args args = {2, av, NULL};
    gen_trace *tr = NULL;
    const gen_gf *b1[2] = {gen_dynamic("b0", b0), gen_dynamic("r_vec", r_vec)};
    CHECK_ERROR(gen_simulate_batched(gen_switch(2, b1), gen_key_new(1), P, &args, &tr),
                "switch(b0, r_vec): generate: particles take branches 0 and 1 whose return values differ in shape or "
                "dtype (f64[4] and f64[4, 2])");
    const gen_gf *b2[2] = {gen_dynamic("b0", b0), gen_dynamic("r_sub", r_sub)};
    CHECK_ERROR(gen_simulate_batched(gen_switch(2, b2), gen_key_new(1), P, &args, &tr),
                "switch(b0, r_sub): generate: the branches' choices: choicemap merge: the first map has a value at a "
                "where the other has choices");
    int64_t bad[P] = {0, 3, 0, 1};
    av[0] = batched_i64(P, bad);
    CHECK_ERROR(gen_simulate_batched(sw3(), gen_key_new(1), P, &args, &tr),
                "switch(b0, b1, b2): generate: index 3 (a particle's) is not a branch (3 branches)");
}

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
    RUN(test_mix);
    RUN(test_mask_update);
    RUN(test_errors);
    RUN(test_laws);
    return check_finish();
}
