/* test_params.c — parameter stores (genc/params.h): adding, reading, replacing and
 * zeroing, every error; the JSON form round-trips values bit for bit (awkward doubles,
 * non-finite ones, f32) through text and files, and bad or mismatched JSON fails with a
 * message and leaves the store unchanged; gen_params_value_and_grad (values, gradients of
 * the primals and the parameters, scale and accumulation, batched mode, nesting, a store
 * changed while it runs). */
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#define PI 3.14159265358979323846
#define EULER 2.71828182845904523536

#include "../testutil/check.h"

static gen_array *vec(int n, const double *v) { return gen_array_from_f64(1, (const int64_t[]){n}, v); }

static bool same_bits(const gen_array *a, const gen_array *b) {
    if (gen_array_dtype(a) != gen_array_dtype(b) || gen_array_ndim(a) != gen_array_ndim(b)) return false;
    if (memcmp(gen_array_shape(a), gen_array_shape(b), (size_t)gen_array_ndim(a) * sizeof(int64_t))) return false;
    return memcmp(gen_array_data(a), gen_array_data(b), (size_t)gen_array_size(a) * gen_dtype_size(gen_array_dtype(a))) == 0;
}

static void test_basics(void) {
    gen_params *s = gen_params_new();
    CHECK(s && gen_params_count(s) == 0);
    CHECK_OK(gen_params_init(s, "w", vec(3, (double[]){1, 2, 3})));
    CHECK_OK(gen_params_init(s, "b", gen_scalar_f32(0.5f)));
    CHECK(gen_params_count(s) == 2 && gen_params_has(s, "w") && !gen_params_has(s, "x"));
    CHECK(gen_params_index(s, "b") == 1 && gen_params_index(s, "x") == -1);
    CHECK(strcmp(gen_params_name(s, 0), "w") == 0 && strcmp(gen_params_name(s, 1), "b") == 0);
    CHECK_ARRAY(gen_params_value(s, "w"), ((double[]){1, 2, 3}), 3, 0, 0);
    CHECK_ARRAY(gen_params_grad(s, "w"), ((double[]){0, 0, 0}), 3, 0, 0);
    CHECK(gen_array_dtype(gen_params_grad(s, "b")) == GEN_F32 && gen_params_value_at(s, 1) == gen_params_value(s, "b"));
    CHECK(gen_params_grad_at(s, 0) == gen_params_grad(s, "w"));
    /* many parameters: the table grows, every name is still found */
    char name[16];
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof name, "p%d", i);
        CHECK_OK(gen_params_init(s, name, gen_scalar(i)));
    }
    CHECK(gen_params_count(s) == 102);
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof name, "p%d", i);
        CHECK(gen_params_index(s, name) == i + 2 && check_item(gen_params_value(s, name)) == i);
    }
    /* set_value keeps the gradient; set_grad replaces it; init resets both (any shape) */
    CHECK_OK(gen_params_set_grad(s, "w", vec(3, (double[]){7, 8, 9})));
    CHECK_OK(gen_params_set_value(s, "w", vec(3, (double[]){4, 5, 6})));
    CHECK_ARRAY(gen_params_value(s, "w"), ((double[]){4, 5, 6}), 3, 0, 0);
    CHECK_ARRAY(gen_params_grad(s, "w"), ((double[]){7, 8, 9}), 3, 0, 0);
    CHECK_OK(gen_params_zero_grads(s));
    CHECK_ARRAY(gen_params_grad(s, "w"), ((double[]){0, 0, 0}), 3, 0, 0);
    CHECK_OK(gen_params_init(s, "w", gen_scalar(2)));
    CHECK(gen_array_ndim(gen_params_value(s, "w")) == 0 && gen_array_ndim(gen_params_grad(s, "w")) == 0);
    CHECK(gen_params_count(s) == 102);
    gen_params_free(s);
    gen_params_free(NULL);
}

static void test_errors(void) {
    gen_params *s = gen_params_new();
    CHECK_OK(gen_params_init(s, "w", vec(3, (double[]){1, 2, 3})));
    CHECK(gen_params_init(s, "", gen_scalar(1)) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "the name is empty");
    CHECK(gen_params_init(s, "n", gen_scalar_i64(1)) == GEN_ERR_DTYPE);
    CHECK_ERROR(GEN_ERR_DTYPE, "parameter 'n' must be f64 or f32, got i64");
    CHECK(gen_params_init(s, "t", gen_tuple(1, (gen_array *[]){gen_scalar(1)})) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "is a tuple");
    CHECK(gen_params_init(s, "bt", gen_batched(vec(2, (double[]){1, 2}))) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "batched");
    CHECK(gen_params_set_value(s, "w", vec(2, (double[]){1, 2})) == GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_params_set_value: parameter 'w' has shape [3], the new value [2]");
    CHECK(gen_params_set_value(s, "w", gen_cast(vec(3, (double[]){1, 2, 3}), GEN_F32)) == GEN_ERR_DTYPE);
    CHECK_ERROR(GEN_ERR_DTYPE, "parameter 'w' is f64, the new value f32");
    CHECK(gen_params_set_value(s, "v", gen_scalar(1)) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "the store has no parameter 'v' (add it with gen_params_init)");
    CHECK(gen_params_set_grad(s, "w", gen_scalar(1)) == GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "the new gradient");
    CHECK(gen_params_value(s, "v") == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_params_value: the store has no parameter 'v'");
    CHECK(gen_params_grad(s, "v") == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_params_grad: the store has no parameter 'v'");
    CHECK(gen_params_name(s, 1) == NULL);
    CHECK_ERROR(GEN_ERR_INDEX, "index 1 is out of range for a store of 1 parameters");
    CHECK(gen_params_value_at(s, -1) == NULL);
    CHECK_ERROR(GEN_ERR_INDEX, "gen_params_value_at");
    CHECK(gen_params_grad_at(s, 5) == NULL);
    CHECK_ERROR(GEN_ERR_INDEX, "gen_params_grad_at");
    /* nothing changed */
    CHECK(gen_params_count(s) == 1);
    CHECK_ARRAY(gen_params_value(s, "w"), ((double[]){1, 2, 3}), 3, 0, 0);
    gen_params_free(s);
}

/* ---- JSON ---- */

static void test_json_round_trip(void) {
    gen_params *s = gen_params_new();
    double awkward[8] = {0.1, 1.0 / 3.0, 1e-300, -0.0, 5e-324, INFINITY, -INFINITY, NAN};
    double big[6] = {PI, -EULER, 1e308, 123456789.123456789, 2.5, -7};
    CHECK_OK(gen_params_init(s, "awkward", vec(8, awkward)));
    CHECK_OK(gen_params_init(s, "m", gen_array_from_f64(2, (const int64_t[]){2, 3}, big)));
    CHECK_OK(gen_params_init(s, "f", gen_cast(vec(3, (double[]){0.1, 1.0 / 3.0, -1e-40}), GEN_F32)));
    CHECK_OK(gen_params_init(s, "scalar", gen_scalar(0.7)));
    char *json = gen_params_to_json(s);
    CHECK(json != NULL);
    gen_params *t = gen_params_new();
    CHECK_OK(gen_params_load_json(t, json));
    CHECK(gen_params_count(t) == 4);
    for (int i = 0; i < 4; i++) {
        CHECK(strcmp(gen_params_name(s, i), gen_params_name(t, i)) == 0); /* the order is kept */
        CHECK(same_bits(gen_params_value_at(s, i), gen_params_value_at(t, i)));
    }
    /* loading into a store that has the parameters replaces the values, keeps gradients */
    gen_params *u = gen_params_new();
    CHECK_OK(gen_params_init(u, "scalar", gen_scalar(-1)));
    CHECK_OK(gen_params_set_grad(u, "scalar", gen_scalar(3)));
    CHECK_OK(gen_params_load_json(u, json));
    CHECK(check_item(gen_params_value(u, "scalar")) == 0.7 && check_item(gen_params_grad(u, "scalar")) == 3);
    CHECK(gen_params_count(u) == 4 && strcmp(gen_params_name(u, 0), "scalar") == 0);
    /* through a file */
    char path[64];
    snprintf(path, sizeof path, "/tmp/genc_params_%d.json", (int)getpid());
    CHECK_OK(gen_params_save(s, path));
    gen_params *v = gen_params_new();
    CHECK_OK(gen_params_load(v, path));
    for (int i = 0; i < 4; i++) CHECK(same_bits(gen_params_value_at(s, i), gen_params_value_at(v, i)));
    unlink(path);
    CHECK(gen_params_load(v, path) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_params_load: cannot open");
    CHECK(gen_params_save(s, "/nonexistent-dir/x.json") == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_params_save: cannot open /nonexistent-dir/x.json");
    /* an empty store */
    gen_params *e = gen_params_new();
    char *ej = gen_params_to_json(e);
    CHECK(ej && strcmp(ej, "{\"params\":{}}") == 0);
    gen_params_json_free(ej);
    gen_params_json_free(json);
    gen_params_free(e);
    gen_params_free(s);
    gen_params_free(t);
    gen_params_free(u);
    gen_params_free(v);
}

static void test_json_errors(void) {
    gen_params *s = gen_params_new();
    CHECK_OK(gen_params_init(s, "w", vec(3, (double[]){1, 2, 3})));
    CHECK_OK(gen_params_init(s, "b", gen_scalar(4)));
    struct {
        const char *json;
        gen_status st;
        const char *msg;
    } bad[] = {
        {"{\"params\": {\"w\": ", GEN_ERR_VALUE, "gen_params_load_json: invalid JSON at byte"},
        {"[1, 2]", GEN_ERR_VALUE, "expected an object {\"params\""},
        {"{\"weights\": {}}", GEN_ERR_VALUE, "expected an object {\"params\""},
        {"{\"params\": {\"w\": 3}}", GEN_ERR_VALUE, "at w: a value must be an object"},
        {"{\"params\": {\"w\": {\"dtype\": \"f16\", \"shape\": [], \"data\": [1]}}}", GEN_ERR_VALUE, "at w: unknown dtype f16"},
        {"{\"params\": {\"w\": {\"dtype\": \"f64\", \"shape\": [2, 3], \"data\": [1, 2, 3, 4, 5]}}}", GEN_ERR_VALUE,
         "gen_params_load_json: at w: the shape has 6 elements, data has 5"},
        {"{\"params\": {\"w\": {\"dtype\": \"f64\", \"shape\": [3], \"data\": [1, \"x\", 3]}}}", GEN_ERR_VALUE,
         "at w: data element 1 is not a valid f64"},
        {"{\"params\": {\"w\": {\"dtype\": \"f64\", \"shape\": [2], \"data\": [1, 2]}}}", GEN_ERR_SHAPE,
         "gen_params_load_json: parameter 'w' has shape [3] in the store, [2] in the JSON"},
        {"{\"params\": {\"b\": {\"dtype\": \"f32\", \"shape\": [], \"data\": [1]}}}", GEN_ERR_DTYPE,
         "parameter 'b' is f64 in the store, f32 in the JSON"},
        {"{\"params\": {\"n\": {\"dtype\": \"i64\", \"shape\": [], \"data\": [1]}}}", GEN_ERR_DTYPE,
         "parameter 'n' must be f64 or f32, got i64"},
        {"{\"params\": {\"b\": {\"dtype\": \"f64\", \"shape\": [], \"data\": [1]}, \"b\": {\"dtype\": \"f64\", "
         "\"shape\": [], \"data\": [2]}}}", GEN_ERR_VALUE, "parameter 'b' appears twice"},
        /* the first entry is fine, the second is not: nothing is loaded */
        {"{\"params\": {\"b\": {\"dtype\": \"f64\", \"shape\": [], \"data\": [9]}, \"new\": {\"dtype\": \"f64\", "
         "\"shape\": [], \"data\": [1]}, \"w\": {\"dtype\": \"f64\", \"shape\": [1], \"data\": [1]}}}", GEN_ERR_SHAPE,
         "parameter 'w' has shape [3] in the store, [1] in the JSON"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        gen_status st = gen_params_load_json(s, bad[i].json);
        CHECK(st == bad[i].st);
        if (!strstr(gen_error_message(), bad[i].msg)) fprintf(stderr, "case %zu: %s\n", i, gen_error_message());
        CHECK_ERROR(bad[i].st, bad[i].msg);
        CHECK(gen_params_count(s) == 2 && check_item(gen_params_value(s, "b")) == 4);
        CHECK_ARRAY(gen_params_value(s, "w"), ((double[]){1, 2, 3}), 3, 0, 0);
    }
    gen_params_free(s);
}

/* ---- gen_params_value_and_grad ---- */

/* y ~ N(w . x + b, 1) with w, b parameters and x the argument; returns w . x */
static gen_status linear(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    gen_array *w = gen_param(ctx, "w"), *b = gen_param(ctx, "b");
    gen_array *m = gen_sum(gen_mul(w, args->v[0]), GEN_AXES(-1), false);
    gen_choose(ctx, "y", gen_normal(gen_add(m, b), gen_scalar(1)));
    *retval = m;
    return gen_ctx_status(ctx);
}

typedef struct lin_case {
    gen_gf *f;
    gen_choicemap *obs;
    int64_t n; /* batched: particles */
} lin_case;

/* log p(y; x) of the linear model at in[0] = x */
static gen_status lin_logp(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    lin_case *c = payload;
    gen_args a = {1, in, NULL};
    return c->n ? gen_assess_batched(c->f, c->n, &a, c->obs, &out[0], NULL) : gen_assess(c->f, &a, c->obs, &out[0], NULL);
}

static void test_value_and_grad(void) {
    gen_params *s = gen_params_new();
    double w[2] = {0.5, -1.5}, x[2] = {2, 3}, b = 0.25, y = 1.2;
    CHECK_OK(gen_params_init(s, "w", vec(2, w)));
    CHECK_OK(gen_params_init(s, "b", gen_scalar(b)));
    CHECK_OK(gen_params_init(s, "unused", gen_scalar(1)));
    gen_addr ya = {1, {gen_part_name("y")}};
    lin_case c = {gen_dynamic_params("linear", linear, s), gen_choicemap_set(gen_choicemap_empty(), &ya, gen_scalar(y)), 0};
    gen_array *in[1] = {vec(2, x)}, *v = NULL, *g[1] = {NULL};
    CHECK_OK(gen_params_value_and_grad(s, (gen_closure){lin_logp, &c}, 1, in, 2.0, &v, g));
    double r = y - (w[0] * x[0] + w[1] * x[1] + b); /* d log N(y; m, 1) / dm */
    CHECK_CLOSE(check_item(v), -0.5 * log(2 * PI) - 0.5 * r * r, 1e-12);
    CHECK_ARRAY(g[0], ((double[]){r * w[0], r * w[1]}), 2, 1e-12, 0);
    CHECK_ARRAY(gen_params_grad(s, "w"), ((double[]){2 * r * x[0], 2 * r * x[1]}), 2, 1e-12, 0);
    CHECK_CLOSE(check_item(gen_params_grad(s, "b")), 2 * r, 1e-12);
    CHECK(check_item(gen_params_grad(s, "unused")) == 0);
    /* a second call adds; NULL outputs are fine */
    CHECK_OK(gen_params_value_and_grad(s, (gen_closure){lin_logp, &c}, 1, in, -0.5, NULL, NULL));
    CHECK_CLOSE(check_item(gen_params_grad(s, "b")), 1.5 * r, 1e-12);
    /* the stored values are untouched and read again outside the call */
    CHECK_ARRAY(gen_params_value(s, "w"), w, 2, 0, 0);
    gen_array *plain = NULL;
    CHECK_OK(gen_assess(c.f, &(gen_args){1, in, NULL}, c.obs, &plain, NULL));
    CHECK_CLOSE(check_item(plain), check_item(v), 1e-14);

    /* batched mode: per-particle x [4, 2], the objective summed over particles */
    CHECK_OK(gen_params_zero_grads(s));
    double xs[8] = {2, 3, -1, 0.5, 0, 1, 4, -2};
    lin_case cb = c;
    cb.n = 4;
    gen_array *inb[1] = {gen_batched(gen_array_from_f64(2, (const int64_t[]){4, 2}, xs))}, *gb[1] = {NULL};
    CHECK_OK(gen_params_value_and_grad(s, (gen_closure){lin_logp, &cb}, 1, inb, 1.0, &v, gb));
    double tot = 0, gw[2] = {0, 0}, gbias = 0;
    for (int p = 0; p < 4; p++) {
        double rp = y - (w[0] * xs[2 * p] + w[1] * xs[2 * p + 1] + b);
        tot += -0.5 * log(2 * PI) - 0.5 * rp * rp;
        gw[0] += rp * xs[2 * p], gw[1] += rp * xs[2 * p + 1], gbias += rp;
    }
    CHECK_CLOSE(check_item(v), tot, 1e-12);
    CHECK_ARRAY(gen_params_grad(s, "w"), gw, 2, 1e-12, 0);
    CHECK_CLOSE(check_item(gen_params_grad(s, "b")), gbias, 1e-12);
    CHECK_SHAPE(gb[0], 4, 2);

    /* errors: nothing accumulated */
    CHECK_OK(gen_params_zero_grads(s));
    CHECK(gen_params_value_and_grad(s, (gen_closure){lin_logp, &c}, 1, in, NAN, &v, g) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "the scale must be finite");
    CHECK(gen_params_value_and_grad(s, (gen_closure){lin_logp, &c}, -1, in, 1, &v, g) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "n_in is -1");
    gen_params *other = gen_params_new(); /* the model reads s, not other: a missing parameter elsewhere */
    gen_gf *wrong = gen_dynamic_params("wrong", linear, other);
    lin_case cw = {wrong, c.obs, 0};
    CHECK(gen_params_value_and_grad(s, (gen_closure){lin_logp, &cw}, 1, in, 1, &v, g) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "wrong: gen_param: the parameter store has no parameter 'w'");
    CHECK(v == NULL && g[0] == NULL);
    CHECK(check_item(gen_params_grad(s, "b")) == 0);
    gen_params_free(other);
    gen_params_free(s);
}

/* f changes the store it differentiates */
static gen_status changes_store(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    gen_params *s = payload;
    gen_status st = gen_params_init(s, "z", gen_scalar(1));
    if (st != GEN_OK) return st;
    out[0] = gen_sum(in[0], 0, NULL, false);
    return GEN_OK;
}

static void test_busy(void) {
    gen_params *s = gen_params_new();
    CHECK_OK(gen_params_init(s, "w", gen_scalar(1)));
    gen_array *in[1] = {gen_scalar(2)}, *v = NULL;
    CHECK(gen_params_value_and_grad(s, (gen_closure){changes_store, s}, 1, in, 1, &v, NULL) == GEN_ERR_MISUSE);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_params_init: the store is in use by gen_params_value_and_grad");
    CHECK(gen_params_count(s) == 1);
    CHECK_OK(gen_params_init(s, "z", gen_scalar(1))); /* idle again */
    gen_params_free(s);
}

/* ---- nesting: gradients of gradients ---- */

/* factor w * x^2 (w a parameter, x the argument); returns nothing */
static gen_status quad(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    (void)retval;
    gen_factor(ctx, gen_mul(gen_param(ctx, "w"), gen_square(args->v[0])));
    return gen_ctx_status(ctx);
}

typedef struct nest {
    gen_gf *f;
    gen_params *s;
    bool inner_params; /* the inner transform: gen_params_value_and_grad of the same store, else gen_grad */
} nest;

static gen_status quad_logp(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    const nest *c = payload;
    return gen_assess(c->f, &(gen_args){1, in, NULL}, gen_choicemap_empty(), &out[0], NULL);
}

/* d/dx of the model's log density: 2 w x */
static gen_status dquad_dx(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    nest *c = payload;
    gen_array *g[1] = {NULL};
    gen_status st = c->inner_params ? gen_params_value_and_grad(c->s, (gen_closure){quad_logp, c}, 1, in, 1.0, NULL, g)
                                    : gen_grad((gen_closure){quad_logp, c}, 1, in, g);
    out[0] = g[0];
    return st;
}

static void test_nested(void) {
    for (int inner = 0; inner < 2; inner++) {
        gen_params *s = gen_params_new();
        double w = 1.5, x = 0.7;
        CHECK_OK(gen_params_init(s, "w", gen_scalar(w)));
        nest c = {gen_dynamic_params("quad", quad, s), s, inner == 1};
        gen_array *in[1] = {gen_scalar(x)}, *v = NULL, *g[1] = {NULL};
        CHECK_OK(gen_params_value_and_grad(s, (gen_closure){dquad_dx, &c}, 1, in, 1.0, &v, g));
        CHECK_CLOSE(check_item(v), 2 * w * x, 1e-12); /* d/dx w x^2 */
        CHECK_CLOSE(check_item(g[0]), 2 * w, 1e-12);   /* d2/dx2 */
        /* the outer call adds d/dw (2 w x) = 2 x; the inner one (same store) adds d/dw (w x^2) = x^2 */
        CHECK_CLOSE(check_item(gen_params_grad(s, "w")), 2 * x + (inner ? x * x : 0), 1e-12);
        gen_params_free(s);
    }
}

int main(void) {
    RUN(test_basics);
    RUN(test_errors);
    RUN(test_json_round_trip);
    RUN(test_json_errors);
    RUN(test_value_and_grad);
    RUN(test_busy);
    RUN(test_nested);
    return check_finish();
}
