/* test_nn.c — the neural-network blocks (genc/nn.h): activations and dense layers
 * against values computed here in plain C; their gradients against finite differences;
 * the initialization's names, shapes, bounds and variance; the MLP as a generative
 * function (output against a hand-written forward pass, no choices, score 0), its
 * parameter and input gradients against finite differences, batched = per row; errors. */
#include <math.h>
#include <stdlib.h>

#include "../testutil/fd.h"
#include "../testutil/stats.h"
#include "genc/nn.h"

static double act_ref(double x, gen_activation a) {
    switch (a) {
    case GEN_ACT_IDENTITY: return x;
    case GEN_ACT_RELU: return x > 0 ? x : 0;
    case GEN_ACT_TANH: return tanh(x);
    case GEN_ACT_SIGMOID: return 1 / (1 + exp(-x));
    case GEN_ACT_SOFTPLUS: return log1p(exp(x));
    }
    return NAN;
}

static const gen_activation ACTS[5] = {GEN_ACT_IDENTITY, GEN_ACT_RELU, GEN_ACT_TANH, GEN_ACT_SIGMOID,
                                       GEN_ACT_SOFTPLUS};

static void test_activations(void) {
    double xs[6] = {-3.1, -0.4, 0.25, 1.7, 12.0, -15.5}, want[6];
    gen_array *x = gen_array_from_f64(GEN_DIMS(6), xs);
    for (int k = 0; k < 5; k++) {
        for (int i = 0; i < 6; i++) want[i] = act_ref(xs[i], ACTS[k]);
        gen_array *y = gen_activate(x, ACTS[k]);
        CHECK_ARRAY(y, want, 6, 1e-14, 0);
        CHECK_SHAPE(y, 6);
    }
    CHECK(strcmp(gen_activation_name(GEN_ACT_SOFTPLUS), "softplus") == 0);
    CHECK(strcmp(gen_activation_name((gen_activation)9), "?") == 0);
    CHECK(gen_activate(x, (gen_activation)9) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "unknown activation 9");
}

/* x [2,3], w [3,2], b [2] */
static const double X[6] = {0.5, -1.2, 2.0, 1.5, 0.3, -0.7};
static const double W[6] = {0.2, -0.4, 1.1, 0.6, -0.8, 0.3};
static const double B[2] = {0.05, -0.15};

static void test_dense_values(void) {
    gen_array *x = gen_array_from_f64(GEN_DIMS(2, 3), X), *w = gen_array_from_f64(GEN_DIMS(3, 2), W),
              *b = gen_array_from_f64(GEN_DIMS(2), B);
    for (int k = 0; k < 5; k++) {
        double want[4];
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++) {
                double z = B[j];
                for (int l = 0; l < 3; l++) z += X[3 * i + l] * W[2 * l + j];
                want[2 * i + j] = act_ref(z, ACTS[k]);
            }
        gen_array *y = gen_dense(x, w, b, ACTS[k]);
        CHECK_SHAPE(y, 2, 2);
        CHECK_ARRAY(y, want, 4, 1e-14, 1e-15);
        /* a 1-d x gives [n_out]: row 1 alone */
        gen_array *y1 = gen_dense(gen_slice(gen_reshape(x, GEN_DIMS(6)), 0, 3, 6, 1), w, b, ACTS[k]);
        CHECK_SHAPE(y1, 2);
        CHECK_ARRAY(y1, want + 2, 2, 1e-14, 1e-15);
    }
    /* no bias */
    gen_array *y = gen_dense(x, w, NULL, GEN_ACT_IDENTITY);
    CHECK_NEAR(check_item(gen_slice(gen_slice(y, 0, 0, 1, 1), 1, 0, 1, 1)), 0.5 * 0.2 - 1.2 * 1.1 + 2.0 * -0.8, 1e-14);
    /* errors */
    CHECK(gen_dense(gen_ones(GEN_F64, GEN_DIMS(2, 4)), w, b, GEN_ACT_TANH) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_dense: x [2,4] has 4 features (last axis), w is [3,2]");
    CHECK(gen_dense(x, w, gen_ones(GEN_F64, GEN_DIMS(3)), GEN_ACT_TANH) == NULL);
    CHECK_ERROR(GEN_ERR_SHAPE, "gen_dense: b is [3], w [3,2] wants [2]");
    CHECK(gen_dense(x, gen_ones(GEN_F64, GEN_DIMS(3)), b, GEN_ACT_TANH) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "w must be 2-d");
    CHECK(gen_dense(x, w, b, (gen_activation)7) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "unknown activation 7");
    CHECK(gen_dense(NULL, w, b, GEN_ACT_TANH) == NULL);
    CHECK_ERROR(GEN_ERR_MISUSE, "gen_dense: x is NULL");
}

static gen_activation dense_act;
static gen_status dense_fn(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)payload, (void)n_in, (void)n_out;
    out[0] = gen_dense(in[0], in[1], in[2], dense_act);
    return out[0] ? GEN_OK : gen_error_status();
}

static void test_dense_grads(void) {
    gen_array *in[3] = {fd_uniform(1, -1.5, 1.5, GEN_DIMS(4, 3)), fd_uniform(2, -1, 1, GEN_DIMS(3, 5)),
                        fd_uniform(3, -0.5, 0.5, GEN_DIMS(5))};
    for (int k = 0; k < 5; k++) {
        dense_act = ACTS[k];
        FD_CHECK(gen_activation_name(ACTS[k]), ((gen_closure){dense_fn, NULL}), 3, in, 1, 1e-6, 1e-8);
    }
}

static void test_init(void) {
    gen_params *s = gen_params_new();
    /* He for relu, Glorot otherwise; b zeros; uniform variance a^2 / 3 */
    CHECK_OK(gen_dense_init(s, gen_key_new(7), "W", "b", 200, 300, GEN_ACT_RELU));
    CHECK_OK(gen_dense_init(s, gen_key_new(8), "V", NULL, 200, 300, GEN_ACT_TANH));
    CHECK(gen_params_count(s) == 3 && !gen_params_has(s, "c"));
    const gen_array *w = gen_params_value(s, "W"), *v = gen_params_value(s, "V");
    CHECK_SHAPE(w, 200, 300);
    CHECK_SHAPE(gen_params_value(s, "b"), 300);
    CHECK(check_item(gen_sum(gen_abs(gen_params_value(s, "b")), 0, NULL, false)) == 0);
    double a_he = sqrt(6.0 / 200), a_gl = sqrt(6.0 / 500);
    CHECK(check_item(gen_max(gen_abs(w), 0, NULL, false)) <= a_he);
    CHECK(check_item(gen_max(gen_abs(v), 0, NULL, false)) <= a_gl);
    CHECK(check_item(gen_max(gen_abs(w), 0, NULL, false)) > 0.99 * a_he);
    STATS_MOMENTS("He uniform", w, 0.0, a_he * a_he / 3);
    STATS_MOMENTS("Glorot uniform", v, 0.0, a_gl * a_gl / 3);
    CHECK(gen_dense_init(s, gen_key_new(1), "W", "b", 0, 3, GEN_ACT_RELU) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_dense_init: W: the sizes must be >= 1, got 0 x 3");
    CHECK(gen_dense_init(s, gen_key_new(1), "W", "b", 2, 3, (gen_activation)-1) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "unknown activation -1");
    gen_params_free(s);
}

/* A 3 -> 4 (tanh) -> 2 (identity) network's output, in plain C from the store. */
static void mlp_ref(gen_params *s, const double *x, int rows, double *out) {
    double w1[12], b1[4], w2[8], b2[2];
    gen_array_copy_to(gen_params_value(s, "enc/W1"), GEN_F64, w1, sizeof w1);
    gen_array_copy_to(gen_params_value(s, "enc/b1"), GEN_F64, b1, sizeof b1);
    gen_array_copy_to(gen_params_value(s, "enc/W2"), GEN_F64, w2, sizeof w2);
    gen_array_copy_to(gen_params_value(s, "enc/b2"), GEN_F64, b2, sizeof b2);
    for (int r = 0; r < rows; r++) {
        double h[4];
        for (int j = 0; j < 4; j++) {
            h[j] = b1[j];
            for (int l = 0; l < 3; l++) h[j] += x[3 * r + l] * w1[4 * l + j];
            h[j] = tanh(h[j]);
        }
        for (int j = 0; j < 2; j++) {
            out[2 * r + j] = b2[j];
            for (int l = 0; l < 4; l++) out[2 * r + j] += h[l] * w2[2 * l + j];
        }
    }
}

static const int64_t SIZES[3] = {3, 4, 2};
static const gen_activation MACTS[2] = {GEN_ACT_TANH, GEN_ACT_IDENTITY};

static void test_mlp_values(void) {
    gen_params *s = gen_params_new();
    gen_gf *f = gen_mlp(s, gen_key_new(3), "enc", 2, SIZES, MACTS);
    CHECK(f != NULL && strcmp(gen_gf_name(f), "enc") == 0);
    CHECK(gen_params_count(s) == 4);
    const char *names[4] = {"enc/W1", "enc/b1", "enc/W2", "enc/b2"};
    for (int i = 0; i < 4; i++) CHECK(gen_params_name(s, i) && strcmp(gen_params_name(s, i), names[i]) == 0);
    CHECK_SHAPE(gen_params_value(s, "enc/W2"), 4, 2);
    /* the biases are zeros from the initialization: give them values */
    gen_params_set_value(s, "enc/b1", gen_array_from_f64(GEN_DIMS(4), (double[]){0.1, -0.2, 0.3, 0.05}));
    gen_params_set_value(s, "enc/b2", gen_array_from_f64(GEN_DIMS(2), (double[]){-0.3, 0.4}));
    double want[4];
    mlp_ref(s, X, 2, want);
    gen_array *x = gen_array_from_f64(GEN_DIMS(2, 3), X);
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate(f, gen_key_new(1), &(gen_args){1, &x, NULL}, &tr));
    CHECK_SHAPE(gen_trace_retval(tr), 2, 2);
    CHECK_ARRAY(gen_trace_retval(tr), want, 4, 1e-13, 1e-15);
    CHECK(gen_choicemap_count(gen_trace_choices(tr)) == 0 && check_item(gen_trace_score(tr)) == 0);
    /* the same key gives the same weights; another key other weights */
    gen_params *s2 = gen_params_new();
    gen_mlp(s2, gen_key_new(3), "enc", 2, SIZES, MACTS);
    CHECK(check_item(gen_sum(gen_abs(gen_sub(gen_params_value(s2, "enc/W2"), gen_params_value(s, "enc/W2"))), 0, NULL,
                             false)) == 0);
    gen_mlp(s2, gen_key_new(4), "enc", 2, SIZES, MACTS);
    CHECK(check_item(gen_sum(gen_abs(gen_sub(gen_params_value(s2, "enc/W2"), gen_params_value(s, "enc/W2"))), 0, NULL,
                             false)) > 0);
    /* the store's values are read when the function runs */
    gen_params_set_value(s, "enc/b2", gen_array_from_f64(GEN_DIMS(2), (double[]){1.0, 2.0}));
    mlp_ref(s, X, 2, want);
    CHECK_OK(gen_simulate(f, gen_key_new(1), &(gen_args){1, &x, NULL}, &tr));
    CHECK_ARRAY(gen_trace_retval(tr), want, 4, 1e-13, 1e-15);
    /* errors of a call */
    gen_array *bad = gen_ones(GEN_F64, GEN_DIMS(2, 5));
    CHECK(gen_simulate(f, gen_key_new(1), &(gen_args){1, &bad, NULL}, &tr) == GEN_ERR_SHAPE);
    CHECK_ERROR(GEN_ERR_SHAPE, "the input has 5 features (last axis), the network takes 3");
    gen_array *two[2] = {x, x};
    CHECK(gen_simulate(f, gen_key_new(1), &(gen_args){2, two, NULL}, &tr) == GEN_ERR_VALUE);
    CHECK_ERROR(GEN_ERR_VALUE, "takes 1 argument (the input), got 2");
    /* errors of the constructor */
    CHECK(gen_mlp(s, gen_key_new(1), "", 2, SIZES, MACTS) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "the prefix is empty");
    CHECK(gen_mlp(s, gen_key_new(1), "e", 0, SIZES, MACTS) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "n_layers must be >= 1");
    CHECK(gen_mlp(s, gen_key_new(1), "e", 2, (int64_t[]){3, 0, 2}, MACTS) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "gen_mlp: e: sizes[1] must be >= 1, got 0");
    CHECK(gen_mlp(s, gen_key_new(1), "e", 2, SIZES, (gen_activation[]){GEN_ACT_TANH, 11}) == NULL);
    CHECK_ERROR(GEN_ERR_VALUE, "acts[1] is an unknown activation 11");
    CHECK(gen_params_count(s) == 4); /* nothing added by the failed calls */
    gen_params_free(s2);
    gen_params_free(s);
}

/* sum(u * mlp(x)): the scalar whose gradients are checked */
typedef struct mlp_obj {
    gen_gf *f;
    gen_array *u;
    int64_t n_batch; /* > 0: one batched assess of that many particles */
} mlp_obj;

static gen_status mlp_obj_fn(void *payload, int n_in, gen_array *const *in, int n_out, gen_array **out) {
    (void)n_in, (void)n_out;
    mlp_obj *o = payload;
    gen_array *y = NULL, *w = NULL;
    gen_status st = o->n_batch ? gen_assess_batched(o->f, o->n_batch, &(gen_args){1, in, NULL}, gen_choicemap_empty(), &w, &y)
                               : gen_assess(o->f, &(gen_args){1, in, NULL}, gen_choicemap_empty(), &w, &y);
    if (st != GEN_OK) return st;
    out[0] = gen_sum(gen_mul(o->u, y), 0, NULL, false);
    return out[0] ? GEN_OK : gen_error_status();
}

static double obj_value(mlp_obj *o, gen_array *x) {
    gen_scope_begin();
    gen_array *v = NULL;
    mlp_obj_fn(o, 1, &x, 1, &v);
    double r = check_item(v);
    gen_scope_end();
    return r;
}

static void test_mlp_grads(void) {
    gen_params *s = gen_params_new();
    /* every activation in some layer: 3 -> 5 relu -> 4 sigmoid -> 3 softplus -> 2 tanh */
    int64_t sizes[5] = {3, 5, 4, 3, 2};
    gen_activation acts[4] = {GEN_ACT_RELU, GEN_ACT_SIGMOID, GEN_ACT_SOFTPLUS, GEN_ACT_TANH};
    gen_gf *f = gen_mlp(s, gen_key_new(11), "net", 4, sizes, acts);
    for (int i = 0; i < gen_params_count(s); i++) /* nonzero biases */
        if (gen_array_ndim(gen_params_value_at(s, i)) == 1)
            gen_params_set_value(s, gen_params_name(s, i),
                                 fd_uniform(40 + (uint64_t)i, -0.5, 0.5, 1, gen_array_shape(gen_params_value_at(s, i))));
    mlp_obj o = {f, fd_uniform(5, -1, 1, GEN_DIMS(6, 2)), 0};
    gen_array *x = fd_uniform(6, -2, 2, GEN_DIMS(6, 3));
    gen_array *val = NULL, *xg[1] = {NULL};
    CHECK_OK(gen_params_value_and_grad(s, (gen_closure){mlp_obj_fn, &o}, 1, &x, 1.0, &val, xg));
    CHECK_CLOSE(check_item(val), obj_value(&o, x), 1e-14);
    /* every parameter element against central differences */
    int bad = 0, n_checked = 0;
    for (int p = 0; p < gen_params_count(s); p++) {
        const char *name = gen_params_name(s, p);
        gen_array *v0 = gen_array_retain((gen_array *)gen_params_value_at(s, p));
        int64_t n = gen_array_size(v0);
        double *d = malloc((size_t)n * sizeof *d), *g = malloc((size_t)n * sizeof *g);
        gen_array_copy_to(v0, GEN_F64, d, (size_t)n * sizeof *d);
        gen_array_copy_to(gen_params_grad_at(s, p), GEN_F64, g, (size_t)n * sizeof *g);
        for (int64_t k = 0; k < n; k++) {
            double x0 = d[k], h = 1e-6 * fmax(1, fabs(x0)), up, down;
            d[k] = x0 + h;
            gen_params_set_value(s, name, gen_array_from_f64(gen_array_ndim(v0), gen_array_shape(v0), d));
            up = obj_value(&o, x);
            d[k] = x0 - h;
            gen_params_set_value(s, name, gen_array_from_f64(gen_array_ndim(v0), gen_array_shape(v0), d));
            down = obj_value(&o, x);
            d[k] = x0;
            double fdv = (up - down) / (2 * h);
            n_checked++;
            if (fabs(fdv - g[k]) > 1e-6 * fabs(fdv) + 1e-8) {
                bad++;
                check_fail(__FILE__, __LINE__, "%s[%lld]: gradient %.12g, finite difference %.12g", name, (long long)k,
                           g[k], fdv);
            }
        }
        gen_params_set_value(s, name, v0);
        gen_array_release(v0);
        free(d);
        free(g);
    }
    CHECK(bad == 0 && n_checked == 3 * 5 + 5 + 5 * 4 + 4 + 4 * 3 + 3 + 3 * 2 + 2);
    /* the input's gradient (plain reverse and forward mode through the function) */
    FD_CHECK("mlp input", ((gen_closure){mlp_obj_fn, &o}), 1, &x, 1, 1e-6, 1e-8);
    gen_array *xg2[1] = {NULL};
    CHECK_OK(gen_grad((gen_closure){mlp_obj_fn, &o}, 1, &x, xg2));
    double a[18];
    gen_array_copy_to(xg[0], GEN_F64, a, sizeof a);
    CHECK_ARRAY(xg2[0], a, 18, 1e-14, 0);
    gen_params_free(s);
}

/* batched MLP (a particle axis) = the MLP of each row, and a 2-d minibatch = the same */
static void test_mlp_batched(void) {
    gen_params *s = gen_params_new();
    gen_gf *f = gen_mlp(s, gen_key_new(21), "enc", 2, SIZES, MACTS);
    gen_params_set_value(s, "enc/b2", gen_array_from_f64(GEN_DIMS(2), (double[]){-0.3, 0.4}));
    enum { N = 7 };
    gen_array *x = fd_uniform(9, -2, 2, GEN_DIMS(N, 3));
    double xs[3 * N], want[2 * N];
    gen_array_copy_to(x, GEN_F64, xs, sizeof xs);
    mlp_ref(s, xs, N, want);
    gen_array *xb = gen_batched(x);
    gen_trace *tr = NULL;
    CHECK_OK(gen_simulate_batched(f, gen_key_new(2), N, &(gen_args){1, &xb, NULL}, &tr));
    CHECK(gen_trace_batch_size(tr) == N);
    CHECK_SHAPE(gen_trace_retval(tr), N, 2);
    CHECK(gen_array_is_batched(gen_trace_retval(tr)));
    CHECK_ARRAY(gen_trace_retval(tr), want, 2 * N, 1e-13, 1e-15);
    for (int i = 0; i < N; i++) { /* per row through the scalar function */
        gen_array *xi = gen_reshape(gen_slice(x, 0, i, i + 1, 1), GEN_DIMS(3));
        gen_trace *ti = NULL;
        CHECK_OK(gen_simulate(f, gen_key_new(2), &(gen_args){1, &xi, NULL}, &ti));
        CHECK_SHAPE(gen_trace_retval(ti), 2);
        CHECK_ARRAY(gen_trace_retval(ti), want + 2 * i, 2, 1e-13, 1e-15);
    }
    /* an unbatched input shared by all particles gives the same output per particle */
    gen_array *x0 = gen_reshape(gen_slice(x, 0, 0, 1, 1), GEN_DIMS(3));
    CHECK_OK(gen_simulate_batched(f, gen_key_new(2), N, &(gen_args){1, &x0, NULL}, &tr));
    double got[2];
    gen_array_copy_to(gen_trace_retval(tr), GEN_F64, got, sizeof got);
    CHECK_CLOSE(got[0], want[0], 1e-13);
    CHECK_CLOSE(got[1], want[1], 1e-13);
    /* parameter gradients of the batched run = the sum over rows of the scalar runs */
    mlp_obj o = {f, fd_uniform(5, -1, 1, GEN_DIMS(N, 2)), 0};
    CHECK_OK(gen_params_value_and_grad(s, (gen_closure){mlp_obj_fn, &o}, 1, &x, 1.0, NULL, NULL));
    double gw_minibatch[8];
    gen_array_copy_to(gen_params_grad(s, "enc/W2"), GEN_F64, gw_minibatch, sizeof gw_minibatch);
    gen_params_zero_grads(s);
    mlp_obj ob = {f, o.u, N};
    CHECK_OK(gen_params_value_and_grad(s, (gen_closure){mlp_obj_fn, &ob}, 1, &xb, 1.0, NULL, NULL));
    CHECK_ARRAY(gen_params_grad(s, "enc/W2"), gw_minibatch, 8, 1e-12, 1e-14);
    gen_params_free(s);
}

int main(int argc, char **argv) {
    check_only = argc > 1 ? argv[1] : NULL;
    RUN_ONLY(test_activations);
    RUN_ONLY(test_dense_values);
    RUN_ONLY(test_dense_grads);
    RUN_ONLY(test_init);
    RUN_ONLY(test_mlp_values);
    RUN_ONLY(test_mlp_grads);
    RUN_ONLY(test_mlp_batched);
    return check_finish();
}
