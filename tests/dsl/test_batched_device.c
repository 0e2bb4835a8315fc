/* test_batched_device.c — batched execution of dynamic-DSL models with every particle
 * array on a device (the fake device of testutil/fake_device.h, whose memory faults when
 * the host touches it; the default device is set, so the models' arrays are made there):
 * batched simulate, generate (shared, per-particle and masked constraints), assess,
 * update (and its discard back), regenerate and project, calls, splices and factors,
 * batched importance sampling, the log mean of the weights, their effective sample size
 * and resampling. Each workload runs twice with the same keys, on the host and on the
 * device: the same draws bit for bit, weights and scores to 1e-12, results on the device.
 * The copies to the host each workload makes on the device are counted: those left are
 * the parameter checks of computed parameters (one value each) and what must reach the
 * host (log_ml, ancestor indices). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../testutil/check.h"
#include "../testutil/fake_device.h"
#include "../testutil/gfi_models.h"

#define N 64
#define N_POINTS 50

static gen_device dev;

static gen_addr addr(const char *path) {
    gen_addr a;
    gen_addr_parse(&a, path);
    return a;
}

static gen_choicemap *with(const gen_choicemap *m, const char *path, const gen_array *v) {
    gen_addr a = addr(path);
    return gen_choicemap_set(m, &a, v);
}

static const gen_array *value(const gen_trace *tr, const char *path) {
    gen_addr a = addr(path);
    return tr ? gen_trace_value(tr, &a) : NULL;
}

/* ---- the workloads: each fills out[] with the arrays to compare ---- */

#define MAX_OUT 16
typedef struct results {
    int n;
    const char *name[MAX_OUT];
    const gen_array *a[MAX_OUT];
    bool exact[MAX_OUT]; /* draws: bit for bit; else weights and scores to 1e-12 */
    double extra[4];     /* host values (log_ml, ESS, ...) */
    int64_t idx[4][N];   /* resampled ancestors */
} results;

static void put(results *r, const char *name, const gen_array *a, bool exact) {
    r->name[r->n] = name;
    r->exact[r->n] = exact;
    r->a[r->n++] = a;
}

/* The polynomial regression of GenJAX's benchmark. */
static gen_status polynomial(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_dist *prior = gen_normal(gen_scalar(0), gen_scalar(1));
    gen_array *a = gen_choose(ctx, "a", prior), *b = gen_choose(ctx, "b", prior);
    gen_array *c = gen_choose(ctx, "c", prior);
    gen_array *x = args->v[0];
    gen_array *mu = gen_add(a, gen_mul(x, gen_add(b, gen_mul(c, x))));
    *retval = gen_choose(ctx, "y", gen_broadcasted_normal(mu, gen_scalar(0.05)));
    return gen_ctx_status(ctx);
}

static gen_array *xs(void) { return gen_linspace(0, 1, N_POINTS); }
static gen_choicemap *observations(void) {
    double y[N_POINTS];
    for (int j = 0; j < N_POINTS; j++) {
        double xj = j / (N_POINTS - 1.0);
        y[j] = 0.5 - 1.25 * xj + 2 * xj * xj + 0.05 * sin(7.0 * j);
    }
    return with(gen_choicemap_empty(), "y", gen_array_from_f64(1, (int64_t[]){N_POINTS}, y));
}

/* generate with the data shared, then regenerate a and project. */
static gen_status polynomial_workload(results *r) {
    gen_gf *f = gen_dynamic("polynomial", polynomial);
    gen_array *x = xs();
    gen_args args = {1, &x, NULL};
    gen_trace *tr = NULL, *t2 = NULL;
    gen_array *w = NULL, *w2 = NULL, *pa = NULL, *pn = NULL;
    gen_status st = gen_generate_batched(f, gen_key_new(5), N, &args, observations(), &tr, &w);
    gen_addr a = addr("a");
    if (st == GEN_OK) st = gen_regenerate(tr, gen_key_new(6), &args, NULL, gen_select(1, &a), &t2, &w2, NULL);
    if (st == GEN_OK) st = gen_project(t2, gen_select_all(), &pa);
    if (st == GEN_OK) st = gen_project(t2, gen_select_none(), &pn);
    if (st != GEN_OK) return st;
    put(r, "generate: weight", w, false);
    put(r, "generate: score", gen_trace_score(tr), false);
    put(r, "generate: a", value(tr, "a"), true);
    put(r, "generate: c", value(tr, "c"), true);
    put(r, "regenerate: weight", w2, false);
    put(r, "regenerate: a", value(t2, "a"), true);
    put(r, "regenerate: b", value(t2, "b"), true);
    put(r, "project all", pa, false);
    put(r, "project none", pn, false);
    return GEN_OK;
}

/* a ~ N(0, 1); b ~ N(a, 1); k ~ Poisson(3); t ~ Exponential(2); g ~ Gamma(b^2 + 1, 1) */
static gen_status chain(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *a = gen_choose(ctx, "a", gen_normal(gen_scalar(0), gen_scalar(1)));
    gen_array *b = gen_choose(ctx, "b", gen_normal(a, gen_scalar(1)));
    gen_choose(ctx, "k", gen_poisson(gen_scalar(3)));
    gen_choose(ctx, "g", gen_gamma(gen_add(gen_square(b), gen_scalar(1)), gen_scalar(1)));
    *retval = gen_choose(ctx, "t", gen_exponential(gen_scalar(2)));
    return gen_ctx_status(ctx);
}

/* simulate, assess of the simulated choices, then a per-particle update and its discard
 * back. */
static gen_status chain_workload(results *r) {
    gen_gf *f = gen_dynamic("chain", chain);
    gen_trace *tr = NULL, *t2 = NULL, *t3 = NULL;
    gen_array *aw = NULL, *w2 = NULL, *w3 = NULL;
    gen_choicemap *disc = NULL;
    gen_status st = gen_simulate_batched(f, gen_key_new(7), N, NULL, &tr);
    if (st == GEN_OK) st = gen_assess_batched(f, N, NULL, gen_trace_choices(tr), &aw, NULL);
    gen_array *a2 = gen_mul(gen_batched(gen_arange(0, N, 1, GEN_F64)), gen_scalar(0.03));
    if (st == GEN_OK) st = gen_update(tr, gen_key_new(8), NULL, NULL, with(gen_choicemap_empty(), "a", a2), &t2, &w2, NULL, &disc);
    if (st == GEN_OK) st = gen_update(t2, gen_key_new(9), NULL, NULL, disc, &t3, &w3, NULL, NULL);
    if (st != GEN_OK) return st;
    put(r, "simulate: a", value(tr, "a"), true);
    put(r, "simulate: b", value(tr, "b"), true);
    put(r, "simulate: k", value(tr, "k"), true);
    put(r, "simulate: g", value(tr, "g"), true);
    put(r, "simulate: t", value(tr, "t"), true);
    put(r, "simulate: score", gen_trace_score(tr), false);
    put(r, "assess", aw, false);
    put(r, "update: weight", w2, false);
    put(r, "update: a", value(t2, "a"), true);
    put(r, "update back: weight", w3, false);
    put(r, "update back: a", value(t3, "a"), true);
    return GEN_OK;
}

/* Calls, splices and factors, simulated batched. */
static gen_status composite_workload(results *r) {
    static const char *const names[3] = {"call: score", "splice: score", "factor: score"};
    gen_body bodies[3] = {with_call, with_splice, with_factor};
    for (int m = 0; m < 3; m++) {
        gen_trace *tr = NULL;
        gen_status st = gen_simulate_batched(gen_dynamic("model", bodies[m]), gen_key_new(11 + (uint64_t)m), N, NULL, &tr);
        if (st != GEN_OK) return st;
        put(r, names[m], gen_trace_score(tr), false);
        put(r, names[m] + 0, gen_trace_retval(tr), true);
    }
    return GEN_OK;
}

/* a given for the even particles only (a mask), sampled for the others. */
static gen_status two(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)args;
    gen_array *a = gen_choose(ctx, "a", gen_normal(gen_scalar(0), gen_scalar(1)));
    *retval = gen_choose(ctx, "y", gen_normal(a, gen_scalar(1)));
    return gen_ctx_status(ctx);
}

/* 100 particles: the bool masks (100 bytes) are device arrays too. Then what the choice
 * layer does with masks: one particle's choices, keeping particles, merging disjoint
 * masked maps, equality, JSON. */
#define NM 100
static gen_status masked_workload(results *r) {
    double av[NM];
    bool mv[NM], kv[NM], ov[NM];
    for (int i = 0; i < NM; i++) av[i] = 0.01 * i, mv[i] = i % 2 == 0, kv[i] = i % 3 == 0, ov[i] = !mv[i];
    gen_array *a = gen_batched(gen_array_from(GEN_F64, 1, (int64_t[]){NM}, av));
    gen_array *mask = gen_batched(gen_array_from(GEN_BOOL, 1, (int64_t[]){NM}, mv));
    gen_array *keep = gen_array_from(GEN_BOOL, 1, (int64_t[]){NM}, kv);
    gen_array *odd = gen_batched(gen_array_from(GEN_BOOL, 1, (int64_t[]){NM}, ov));
    gen_addr aa = addr("a");
    if (gen_device_default() == dev) CHECK(gen_array_device(mask) == dev && gen_array_device(keep) == dev);
    gen_choicemap *c = gen_choicemap_set_masked(with(gen_choicemap_empty(), "y", gen_scalar(0.8)), &aa, a, mask);
    gen_trace *tr = NULL;
    gen_array *w = NULL;
    gen_status st = gen_generate_batched(gen_dynamic("two", two), gen_key_new(21), NM, NULL, c, &tr, &w);
    if (st != GEN_OK) return st;
    put(r, "masked generate: weight", w, false);
    put(r, "masked generate: a", value(tr, "a"), true);
    gen_choicemap *p3 = gen_choicemap_particle(c, 3), *p4 = gen_choicemap_particle(c, 4);
    gen_choicemap *kept = gen_choicemap_keep_particles(c, keep);
    gen_choicemap *other = gen_choicemap_set_masked(gen_choicemap_empty(), &aa, gen_batched(gen_zeros(GEN_F64, 1, (int64_t[]){NM})), odd);
    gen_choicemap *both = gen_choicemap_merge(c, other);
    char *json = gen_choicemap_to_json(kept);
    if (!p3 || !p4 || !kept || !both || !json) return gen_error_status();
    r->extra[0] = (double)gen_choicemap_count(p3) + 10.0 * (double)gen_choicemap_count(p4); /* a absent at 3 */
    r->extra[1] = (double)strlen(json);
    r->extra[2] = gen_choicemap_equal(c, c) + 2.0 * gen_choicemap_equal(c, kept);
    free(json);
    put(r, "keep_particles: mask", gen_choicemap_mask_at(kept, &aa), true);
    put(r, "merge: a", gen_choicemap_find(both, &aa), true);
    return GEN_OK;
}

/* Batched importance sampling, then what inference does with the weights. */
static gen_status importance_workload(results *r) {
    gen_gf *f = gen_dynamic("polynomial", polynomial);
    gen_array *x = xs();
    gen_args args = {1, &x, NULL};
    gen_trace *tr = NULL;
    gen_array *lw = NULL;
    gen_status st = gen_importance_sampling_batched(f, gen_key_new(31), &args, observations(), NULL, NULL, N, &tr,
                                                    &lw, &r->extra[0]);
    if (st == GEN_OK) st = gen_log_mean_exp(lw, &r->extra[1]);
    if (st == GEN_OK) st = gen_ess_of_log_weights(lw, &r->extra[2]);
    for (int m = 0; st == GEN_OK && m < 4; m++) st = gen_resample(gen_key_new(32), lw, (gen_resampling)m, N, r->idx[m]);
    if (st != GEN_OK) return st;
    put(r, "importance: log weights", lw, false);
    put(r, "importance: a", value(tr, "a"), true);
    return GEN_OK;
}

/* ---- running both ---- */

static bool close_to(double x, double y, double rtol) {
    return x == y || (isnan(x) && isnan(y)) || fabs(x - y) <= rtol * fabs(y);
}

/* Values of a (any device) as doubles (freed by the caller). */
static double *values(const gen_array *a) {
    int64_t n = gen_array_size(a);
    double *v = calloc((size_t)n + 1, sizeof *v);
    if (gen_array_copy_to(a, GEN_F64, v, (size_t)n * sizeof *v) != GEN_OK) check_fail(__FILE__, __LINE__, "copy: %s", gen_error_message());
    return v;
}

static void compare(const char *what, const results *h, const results *d) {
    check_count++;
    if (h->n != d->n) {
        check_fail(__FILE__, __LINE__, "%s: %d results on the host, %d on the device", what, h->n, d->n);
        return;
    }
    for (int k = 0; k < h->n; k++) {
        const gen_array *ha = h->a[k], *da = d->a[k];
        check_count++;
        if (!ha || !da || gen_array_size(ha) != gen_array_size(da) || gen_array_ndim(ha) != gen_array_ndim(da)) {
            check_fail(__FILE__, __LINE__, "%s: %s: shapes differ", what, h->name[k]);
            continue;
        }
        check_count++;
        if (gen_array_device(da) != dev && gen_array_size(da) * 8 > 64)
            check_fail(__FILE__, __LINE__, "%s: %s is on the host", what, h->name[k]);
        double *x = values(ha), *y = values(da);
        for (int64_t i = 0; i < gen_array_size(ha); i++) {
            bool ok = h->exact[k] ? !memcmp(&x[i], &y[i], sizeof x[i]) : close_to(y[i], x[i], 1e-12);
            if (!ok) {
                check_fail(__FILE__, __LINE__, "%s: %s[%lld]: %.17g on the device, %.17g on the host", what, h->name[k],
                           (long long)i, y[i], x[i]);
                break;
            }
        }
        free(x);
        free(y);
    }
    for (int k = 0; k < 4; k++) {
        check_count++;
        if (!close_to(d->extra[k], h->extra[k], 1e-12))
            check_fail(__FILE__, __LINE__, "%s: value %d: %.17g on the device, %.17g on the host", what, k, d->extra[k],
                       h->extra[k]);
    }
    check_count++;
    if (memcmp(h->idx, d->idx, sizeof h->idx)) check_fail(__FILE__, __LINE__, "%s: resampled ancestors differ", what);
}

/* Runs w on the host and with the fake device as default device; compares; returns the
 * device run's copies to the host. */
static long run_both(const char *what, gen_status (*w)(results *)) {
    results h = {0}, d = {0};
    CHECK_OK(w(&h));
    gen_device old = gen_device_set_default(dev);
    long copies = fake_counts.to_host;
    gen_status st = w(&d);
    copies = fake_counts.to_host - copies;
    gen_device_set_default(old);
    check_count++;
    if (st != GEN_OK) {
        check_fail(__FILE__, __LINE__, "%s on the device: %s", what, gen_error_message());
        return copies;
    }
    compare(what, &h, &d);
    return copies;
}

static void test_polynomial(void) {
    long c = run_both("polynomial", polynomial_workload);
    printf("polynomial (generate, regenerate, project): %ld copies to the host\n", c);
}

static void test_chain(void) {
    long c = run_both("chain", chain_workload);
    printf("chain (simulate, assess, update, update back): %ld copies to the host\n", c);
}

static void test_composite(void) { run_both("calls, splices, factors", composite_workload); }

static void test_masked(void) { run_both("masked constraints", masked_workload); }

static void test_importance(void) {
    long c = run_both("importance sampling", importance_workload);
    printf("importance sampling, log_mean_exp, ESS, 4 resamplings: %ld copies to the host\n", c);
    /* the same call again and again (the host's runs compile it after two): the device's
     * stay on the device (the compiled programs are host code) */
    for (int k = 0; k < 3; k++) run_both("importance sampling, again", importance_workload);
}

/* A NaN density on the device is the host's error, naming the particle; so is a NaN
 * weight given to the log mean. */
static void test_errors(void) {
    char host_msg[256];
    for (int on = 0; on < 2; on++) {
        gen_device old = gen_device_set_default(on ? dev : GEN_DEVICE_CPU);
        gen_array *v = gen_mul(gen_batched(gen_arange(0, N, 1, GEN_F64)), gen_scalar(0.1));
        v = gen_where(gen_eq(gen_arange(0, N, 1, GEN_F64), gen_scalar(5)), gen_scalar(NAN), v);
        gen_array *y = gen_batched(v);
        gen_trace *tr = NULL;
        gen_status st = gen_generate_batched(gen_dynamic("two", two), gen_key_new(1), N, NULL,
                                             with(gen_choicemap_empty(), "y", y), &tr, NULL);
        check_count++;
        if (st != GEN_ERR_VALUE) check_fail(__FILE__, __LINE__, "a NaN density: %s", gen_status_name(st));
        if (!on) snprintf(host_msg, sizeof host_msg, "%s", gen_error_message());
        else CHECK_ERROR(GEN_ERR_VALUE, host_msg);
        gen_error_clear();
        double lm;
        gen_array *lw = gen_where(gen_eq(gen_arange(0, 100, 1, GEN_F64), gen_scalar(70)), gen_scalar(NAN),
                                  gen_zeros(GEN_F64, 1, (int64_t[]){100}));
        CHECK(gen_log_mean_exp(lw, &lm) == GEN_ERR_VALUE);
        CHECK_ERROR(GEN_ERR_VALUE, "gen_log_mean_exp: log weight 70 is NaN");
        gen_device_set_default(old);
    }
    check_count++;
    if (!strstr(host_msg, "particle 5")) check_fail(__FILE__, __LINE__, "the host's message: %s", host_msg);
}

int main(void) {
    dev = fake_device();
    RUN(test_polynomial);
    RUN(test_chain);
    RUN(test_composite);
    RUN(test_masked);
    RUN(test_importance);
    RUN(test_errors);
    CHECK(gen_device_default() == GEN_DEVICE_CPU);
    return check_finish();
}
