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

int main(void) {
    RUN(test_switch_generate);
    return check_finish();
}
