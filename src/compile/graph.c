/* graph.c — what code generators need of a captured graph besides its nodes: which
 * nodes matter (liveness from the outputs and checks), and a hash of everything the
 * generated code depends on (the cache key of compiled modules). */
#include <string.h>

#include "graph.h"

typedef struct hasher {
    uint64_t h;
} hasher;

static void mix(hasher *s, const void *p, size_t n) { /* FNV-1a, 64 bits */
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        s->h ^= b[i];
        s->h *= 0x100000001b3ULL;
    }
}

static void mix_i64(hasher *s, int64_t v) { mix(s, &v, sizeof v); }

bool cg_inline_const(const cg_graph *g, int32_t v) {
    const cg_value *x = &g->values[v];
    return x->kind == CG_CONST && x->size == 1;
}

static void mix_value(hasher *s, const cg_graph *g, int32_t v) {
    const cg_value *x = &g->values[v];
    mix_i64(s, v);
    mix_i64(s, x->kind);
    mix_i64(s, x->dtype);
    mix_i64(s, x->ndim);
    for (int d = 0; d < x->ndim; d++) mix_i64(s, x->shape[d]);
    if (cg_inline_const(g, v)) mix(s, gen_array_data(g->consts[x->index]), gen_dtype_size(x->dtype));
}

/* The parameters field by field: the struct's padding is not part of it. */
static void mix_params(hasher *s, const op_params *p) {
    mix_i64(s, p->naxes);
    for (int i = 0; i < p->naxes && i < GEN_MAX_DIMS; i++) mix_i64(s, p->axes[i]);
    mix_i64(s, p->keepdims);
    mix_i64(s, p->axis);
    mix_i64(s, p->ndim);
    for (int i = 0; i < p->ndim && i < GEN_MAX_DIMS; i++) mix_i64(s, p->shape[i]);
    mix_i64(s, p->start);
    mix_i64(s, p->stop);
    mix_i64(s, p->step);
    mix_i64(s, p->k);
    mix_i64(s, p->dtype);
    mix_i64(s, p->lower);
    mix_i64(s, p->transpose);
    mix_i64(s, p->reverse);
    mix(s, &p->scalar_grad, sizeof p->scalar_grad);
}

uint64_t cg_graph_hash(const cg_graph *g) {
    hasher s = {0xcbf29ce484222325ULL};
    mix_i64(&s, g->n_inputs);
    for (int i = 0; i < g->n_inputs; i++) mix_value(&s, g, g->inputs[i]);
    for (int32_t k = 0; k < g->n_nodes; k++) {
        const cg_node *nd = &g->nodes[k];
        if (!nd->live) continue;
        mix_i64(&s, k);
        mix_i64(&s, nd->kind);
        mix_i64(&s, nd->op);
        mix_params(&s, &nd->p);
        if (nd->kind == CG_CHECK) {
            mix_i64(&s, nd->check.kind);
            mix(&s, &nd->check.pred, sizeof nd->check.pred);
            mix(&s, nd->check.family, strlen(nd->check.family));
            mix(&s, nd->check.name, strlen(nd->check.name));
            mix(&s, nd->check.what, strlen(nd->check.what));
        }
        for (int i = 0; i < nd->n_in; i++) mix_value(&s, g, nd->in[i]);
        for (int j = 0; j < nd->n_out; j++) mix_value(&s, g, nd->out[j]);
    }
    for (int j = 0; j < g->n_outputs; j++) mix_value(&s, g, g->outputs[j]);
    return s.h;
}

gen_status cg_graph_prune(cg_graph *g) {
    bool *need = core_calloc((size_t)g->n_values + 1, sizeof *need);
    if (!need) return GEN_ERR_OOM;
    for (int j = 0; j < g->n_outputs; j++) need[g->outputs[j]] = true;
    for (int32_t k = g->n_nodes; k-- > 0;) { /* nodes are in the order they ran */
        cg_node *nd = &g->nodes[k];
        nd->live = nd->kind == CG_CHECK;
        for (int j = 0; j < nd->n_out && !nd->live; j++) nd->live = need[nd->out[j]];
        if (nd->live)
            for (int i = 0; i < nd->n_in; i++) need[nd->in[i]] = true;
    }
    core_free(need, ((size_t)g->n_values + 1) * sizeof *need);
    return GEN_OK;
}

int32_t cg_graph_live(const cg_graph *g) {
    int32_t n = 0;
    for (int32_t k = 0; k < g->n_nodes; k++) n += g->nodes[k].live;
    return n;
}
