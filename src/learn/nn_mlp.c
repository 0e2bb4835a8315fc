/* nn_mlp.c — gen_mlp: a multilayer perceptron as a dynamic generative function bound to
 * a parameter store (its weights "<prefix>/W<l>", "<prefix>/b<l>"), with no choices. */
#include <stdio.h>
#include <string.h>

#include "../core/core.h"
#include "genc/nn.h"

/* The function's payload: the layers and the names of their parameters. */
typedef struct mlp {
    int n;                /* layers */
    int64_t *sizes;       /* n + 1 */
    gen_activation *acts; /* n */
    char **names;         /* 2n: W1, b1, W2, b2, ... */
} mlp;

static void mlp_free(void *payload) {
    mlp *m = payload;
    if (!m) return;
    if (m->names)
        for (int i = 0; i < 2 * m->n; i++)
            if (m->names[i]) core_free(m->names[i], strlen(m->names[i]) + 1);
    core_free(m->names, (size_t)(2 * m->n) * sizeof *m->names);
    core_free(m->sizes, (size_t)(m->n + 1) * sizeof *m->sizes);
    core_free(m->acts, (size_t)m->n * sizeof *m->acts);
    core_free(m, sizeof *m);
}

static gen_status mlp_body(gen_ctx *ctx, const gen_args *args, gen_array **retval) {
    const mlp *m = gen_ctx_payload(ctx);
    int n_args = args ? args->n : 0;
    if (n_args != 1)
        return gen_error_set(GEN_ERR_VALUE, "takes 1 argument (the input), got %d", n_args);
    gen_array *h = args->v[0];
    if (!h) return gen_error_set(GEN_ERR_MISUSE, "the input is NULL");
    int nd = gen_array_ndim(h);
    if (gen_array_is_tuple(h) || nd < 1 || gen_array_shape(h)[nd - 1] != m->sizes[0])
        return gen_error_set(gen_array_is_tuple(h) ? GEN_ERR_DTYPE : GEN_ERR_SHAPE,
                             "the input has %lld features (last axis), the network takes %lld",
                             gen_array_is_tuple(h) || nd < 1 ? 0LL : (long long)gen_array_shape(h)[nd - 1],
                             (long long)m->sizes[0]);
    for (int l = 0; l < m->n; l++) {
        gen_array *w = gen_param(ctx, m->names[2 * l]), *b = gen_param(ctx, m->names[2 * l + 1]);
        if (!w || !b) return gen_ctx_status(ctx);
        h = gen_dense(h, w, b, m->acts[l]);
        if (!h) return core_error_pending() ? core_error_pending() : GEN_ERR_INTERNAL;
    }
    *retval = h;
    return gen_ctx_status(ctx);
}

static char *name_of(const char *prefix, char kind, int layer) {
    size_t n = strlen(prefix) + 16;
    char *s = core_alloc(n);
    if (s) snprintf(s, n, "%s/%c%d", prefix, kind, layer);
    return s;
}

gen_gf *gen_mlp(gen_params *store, gen_key key, const char *prefix, int n_layers, const int64_t *sizes,
                const gen_activation *acts) {
    static const char fn[] = "gen_mlp";
    if (!store || !prefix || !sizes || !acts) {
        GEN_FAIL(GEN_ERR_MISUSE, "%s: %s is NULL", fn,
                 !store ? "the store" : !prefix ? "prefix" : !sizes ? "sizes" : "acts");
        return NULL;
    }
    if (!*prefix || n_layers < 1) {
        GEN_FAIL(GEN_ERR_VALUE, "%s: %s", fn, !*prefix ? "the prefix is empty" : "n_layers must be >= 1");
        return NULL;
    }
    for (int l = 0; l <= n_layers; l++)
        if (sizes[l] < 1) {
            GEN_FAIL(GEN_ERR_VALUE, "%s: %s: sizes[%d] must be >= 1, got %lld", fn, prefix, l, (long long)sizes[l]);
            return NULL;
        }
    for (int l = 0; l < n_layers; l++)
        if (acts[l] < GEN_ACT_IDENTITY || acts[l] > GEN_ACT_SOFTPLUS) {
            GEN_FAIL(GEN_ERR_VALUE, "%s: %s: acts[%d] is an unknown activation %d", fn, prefix, l, (int)acts[l]);
            return NULL;
        }
    mlp *m = core_calloc(1, sizeof *m);
    if (!m) {
        GEN_FAIL(GEN_ERR_OOM, "%s: out of memory", fn);
        return NULL;
    }
    m->n = n_layers;
    m->sizes = core_alloc((size_t)(n_layers + 1) * sizeof *m->sizes);
    m->acts = core_alloc((size_t)n_layers * sizeof *m->acts);
    m->names = core_calloc((size_t)(2 * n_layers), sizeof *m->names);
    bool ok = m->sizes && m->acts && m->names;
    for (int l = 0; ok && l < n_layers; l++) {
        m->names[2 * l] = name_of(prefix, 'W', l + 1);
        m->names[2 * l + 1] = name_of(prefix, 'b', l + 1);
        ok = m->names[2 * l] && m->names[2 * l + 1];
    }
    if (!ok) {
        mlp_free(m);
        GEN_FAIL(GEN_ERR_OOM, "%s: out of memory", fn);
        return NULL;
    }
    memcpy(m->sizes, sizes, (size_t)(n_layers + 1) * sizeof *sizes);
    memcpy(m->acts, acts, (size_t)n_layers * sizeof *acts);
    for (int l = 0; l < n_layers; l++) {
        gen_status st = gen_dense_init(store, gen_key_fold_in(key, (uint64_t)(l + 1)), m->names[2 * l],
                                       m->names[2 * l + 1], sizes[l], sizes[l + 1], acts[l]);
        if (st != GEN_OK) {
            mlp_free(m);
            return NULL;
        }
    }
    return gen_dynamic_params_with(prefix, mlp_body, store, m, mlp_free);
}
