/* nn_dense.c — activations, the dense layer act(x W + b) and its initialization
 * (genc/nn.h): array operations only, so they differentiate and run batched. */
#include <math.h>
#include <stdio.h>

#include "../core/core.h"
#include "genc/nn.h"

const char *gen_activation_name(gen_activation act) {
    switch (act) {
    case GEN_ACT_IDENTITY: return "identity";
    case GEN_ACT_RELU: return "relu";
    case GEN_ACT_TANH: return "tanh";
    case GEN_ACT_SIGMOID: return "sigmoid";
    case GEN_ACT_SOFTPLUS: return "softplus";
    }
    return "?";
}

static bool act_known(gen_activation act) {
    return act >= GEN_ACT_IDENTITY && act <= GEN_ACT_SOFTPLUS;
}

gen_array *gen_activate(const gen_array *x, gen_activation act) {
    if (!act_known(act)) {
        GEN_FAIL(GEN_ERR_VALUE, "gen_activate: unknown activation %d", (int)act);
        return NULL;
    }
    if (!x) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "gen_activate: x is NULL");
        return NULL;
    }
    switch (act) {
    case GEN_ACT_IDENTITY: /* a new reference to the same values (a view) */
        return gen_reshape(x, gen_array_ndim(x), gen_array_shape(x));
    case GEN_ACT_RELU: return gen_maximum(x, gen_scalar(0));
    case GEN_ACT_TANH: return gen_tanh(x);
    case GEN_ACT_SIGMOID: return gen_sigmoid(x);
    case GEN_ACT_SOFTPLUS: return gen_softplus(x);
    }
    return NULL;
}

static void shape_text(const gen_array *a, char *buf, size_t n) {
    size_t k = (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < gen_array_ndim(a) && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%lld", i ? "," : "", (long long)gen_array_shape(a)[i]);
    if (k < n) snprintf(buf + k, n - k, "]");
}

gen_array *gen_dense(const gen_array *x, const gen_array *w, const gen_array *b, gen_activation act) {
    static const char fn[] = "gen_dense";
    if (!x || !w) {
        if (!core_error_pending()) GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is NULL", fn, !x ? "x" : "w");
        return NULL;
    }
    if (!act_known(act)) {
        GEN_FAIL(GEN_ERR_VALUE, "%s: unknown activation %d", fn, (int)act);
        return NULL;
    }
    if (gen_array_is_tuple(x) || gen_array_is_tuple(w) || (b && gen_array_is_tuple(b))) {
        GEN_FAIL(GEN_ERR_DTYPE, "%s: a tuple is not an array of numbers", fn);
        return NULL;
    }
    char ws[64], xs[64];
    shape_text(w, ws, sizeof ws);
    if (gen_array_ndim(w) != 2) {
        GEN_FAIL(GEN_ERR_VALUE, "%s: w must be 2-d [n_in, n_out], got %s", fn, ws);
        return NULL;
    }
    int64_t n_in = gen_array_shape(w)[0], n_out = gen_array_shape(w)[1];
    if (gen_array_ndim(x) < 1 || gen_array_shape(x)[gen_array_ndim(x) - 1] != n_in) {
        shape_text(x, xs, sizeof xs);
        GEN_FAIL(GEN_ERR_SHAPE, "%s: x %s has %lld features (last axis), w is %s", fn, xs,
                 gen_array_ndim(x) ? (long long)gen_array_shape(x)[gen_array_ndim(x) - 1] : 0LL, ws);
        return NULL;
    }
    if (b && (gen_array_ndim(b) != 1 || gen_array_shape(b)[0] != n_out)) {
        char bs[64];
        shape_text(b, bs, sizeof bs);
        GEN_FAIL(GEN_ERR_SHAPE, "%s: b is %s, w %s wants [%lld]", fn, bs, ws, (long long)n_out);
        return NULL;
    }
    if (gen_scope_begin() != GEN_OK) return NULL;
    gen_array *h = gen_matmul(x, w);
    if (b) h = gen_add(h, b);
    if (act != GEN_ACT_IDENTITY) h = gen_activate(h, act);
    gen_scope_return(h); /* intermediates go with the scope */
    gen_scope_end();
    return h;
}

gen_status gen_dense_init(gen_params *s, gen_key key, const char *w_name, const char *b_name, int64_t n_in,
                          int64_t n_out, gen_activation act) {
    static const char fn[] = "gen_dense_init";
    if (!s || !w_name) return GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is NULL", fn, !s ? "the store" : "w_name");
    if (n_in < 1 || n_out < 1)
        return GEN_FAIL(GEN_ERR_VALUE, "%s: %s: the sizes must be >= 1, got %lld x %lld", fn, w_name, (long long)n_in,
                        (long long)n_out);
    if (!act_known(act)) return GEN_FAIL(GEN_ERR_VALUE, "%s: %s: unknown activation %d", fn, w_name, (int)act);
    double a = act == GEN_ACT_RELU ? sqrt(6.0 / (double)n_in) : sqrt(6.0 / (double)(n_in + n_out));
    gen_status st = gen_scope_begin();
    if (st != GEN_OK) return st;
    gen_array *u = gen_random_uniform(key, GEN_F64, GEN_DIMS(n_in, n_out));
    gen_array *w = gen_sub(gen_mul(u, gen_scalar(2 * a)), gen_scalar(a)); /* U(-a, a) */
    if (!w) st = core_error_pending() ? core_error_pending() : GEN_ERR_INTERNAL;
    if (st == GEN_OK) st = gen_params_init(s, w_name, w);
    if (st == GEN_OK && b_name) st = gen_params_init(s, b_name, gen_zeros(GEN_F64, GEN_DIMS(n_out)));
    gen_scope_end();
    return st;
}
