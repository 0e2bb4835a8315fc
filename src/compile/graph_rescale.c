/* graph_rescale.c — a graph captured at a small particle count, made for another: two
 * captures of the same batched run at n0 and n1 particles agree in everything but the
 * extents that follow the particle count (k n0 in one, k n1 in the other), which become
 * k n, and a constant that is one value repeated over such extents (a bound broadcast to
 * the batch) is made again at them. Capturing a million-particle generate this way costs
 * two runs of a thousand particles instead of one of a million. Anything else that
 * differs (a constant made from the count, an extent n0 + 1) makes it refuse, and the
 * caller captures at n itself. */
#include <stdio.h>
#include <string.h>

#include "graph.h"

static bool same_params_but_extents(const op_params *a, const op_params *b) {
    if (a->naxes != b->naxes || a->keepdims != b->keepdims || a->axis != b->axis || a->ndim != b->ndim ||
        a->dtype != b->dtype || a->lower != b->lower || a->transpose != b->transpose || a->reverse != b->reverse ||
        a->scalar_grad != b->scalar_grad || a->rule != b->rule)
        return false;
    for (int i = 0; i < a->naxes && i < GEN_MAX_DIMS; i++)
        if (a->axes[i] != b->axes[i]) return false;
    return true;
}

static bool scale_params(op_params *p, const op_params *b, int64_t n0, int64_t n1, int64_t n) {
    for (int i = 0; i < p->ndim && i < GEN_MAX_DIMS; i++)
        if ((p->shape[i] = op_scale_extent(p->shape[i], b->shape[i], n0, n1, n)) < 0) return false;
    /* slice bounds and integer parameters: the same, or following the count */
    int64_t *f[] = {&p->start, &p->stop, &p->step, &p->k};
    const int64_t g[] = {b->start, b->stop, b->step, b->k};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++)
        if (*f[i] != g[i] && (*f[i] = op_scale_extent(*f[i], g[i], n0, n1, n)) < 0) return false;
    return true;
}

static bool scale_value(cg_value *v, const cg_value *b, int64_t n0, int64_t n1, int64_t n) {
    if (v->kind != b->kind || v->dtype != b->dtype || v->ndim != b->ndim || v->index != b->index || v->out != b->out)
        return false;
    int64_t size = 1;
    for (int d = 0; d < v->ndim; d++) {
        if ((v->shape[d] = op_scale_extent(v->shape[d], b->shape[d], n0, n1, n)) < 0) return false;
        size *= v->shape[d];
    }
    v->size = size;
    return true;
}

/* Whether every element of a has the bits of its first. */
static bool uniform(const gen_array *a) {
    size_t w = gen_dtype_size(gen_array_dtype(a));
    const char *d = gen_array_data(a);
    for (int64_t i = 1; i < gen_array_size(a); i++)
        if (memcmp(d, d + (size_t)i * w, w)) return false;
    return true;
}

/* The constant for n particles: a itself when it does not depend on the count (the same
 * shape and bits in b); one value repeated over a shape that follows the count (a bound
 * broadcast to the batch) at the new shape (a new reference); NULL otherwise. */
static gen_array *rescaled_const(gen_array *a, const gen_array *b, int64_t n0, int64_t n1, int64_t n) {
    int nd = gen_array_ndim(a);
    if (nd != gen_array_ndim(b) || gen_array_dtype(a) != gen_array_dtype(b)) return NULL;
    size_t w = gen_dtype_size(gen_array_dtype(a));
    if (!memcmp(gen_array_shape(a), gen_array_shape(b), (size_t)nd * sizeof(int64_t))) {
        size_t bytes = (size_t)gen_array_size(a) * w;
        return !bytes || !memcmp(gen_array_data(a), gen_array_data(b), bytes) ? gen_array_retain(a) : NULL;
    }
    int64_t shape[GEN_MAX_DIMS];
    for (int d = 0; d < nd; d++)
        if ((shape[d] = op_scale_extent(gen_array_shape(a)[d], gen_array_shape(b)[d], n0, n1, n)) < 0) return NULL;
    if (!gen_array_size(a) || !gen_array_size(b) || !uniform(a) || !uniform(b) ||
        memcmp(gen_array_data(a), gen_array_data(b), w))
        return NULL;
    gen_array *one = gen_array_from(gen_array_dtype(a), 0, NULL, gen_array_data(a));
    gen_array *r = one ? gen_broadcast_to(one, nd, shape) : NULL; /* in the caller's scope */
    return r ? gen_array_retain(r) : NULL;
}

cg_graph *cg_graph_rescale(const cg_graph *a, const cg_graph *b, int64_t n0, int64_t n1, int64_t n, char *why,
                           size_t why_n) {
    snprintf(why, why_n, "the captures at %lld and %lld particles differ", (long long)n0, (long long)n1);
    if (a->n_values != b->n_values || a->n_nodes != b->n_nodes || a->n_consts != b->n_consts ||
        a->n_inputs != b->n_inputs || a->n_outputs != b->n_outputs ||
        memcmp(a->inputs, b->inputs, (size_t)a->n_inputs * sizeof *a->inputs) ||
        memcmp(a->outputs, b->outputs, (size_t)a->n_outputs * sizeof *a->outputs))
        return NULL;
    cg_graph *g = cg_graph_with_outputs(a, a->n_outputs, a->outputs);
    if (!g) {
        snprintf(why, why_n, "out of memory");
        return NULL;
    }
    bool scoped = gen_scope_begin() == GEN_OK, ok = scoped; /* the new constants' temporaries */
    for (int32_t c = 0; c < g->n_consts && ok; c++) {
        gen_array *r = rescaled_const(g->consts[c], b->consts[c], n0, n1, n);
        if (!r) {
            snprintf(why, why_n, "a constant depends on the particle count");
            ok = false;
            break;
        }
        gen_array_release(g->consts[c]);
        g->consts[c] = r;
    }
    if (scoped) gen_scope_end();
    for (int32_t v = 0; v < g->n_values && ok; v++) ok = scale_value(&g->values[v], &b->values[v], n0, n1, n);
    for (int32_t k = 0; k < g->n_nodes && ok; k++) {
        cg_node *x = &g->nodes[k];
        const cg_node *y = &b->nodes[k];
        ok = x->kind == y->kind && x->op == y->op && x->n_in == y->n_in && x->n_out == y->n_out &&
             !memcmp(x->in, y->in, (size_t)x->n_in * sizeof *x->in) &&
             !memcmp(x->out, y->out, (size_t)x->n_out * sizeof *x->out);
        if (ok && x->kind == CG_CHECK)
            ok = x->check.pred == y->check.pred && x->check.kind == y->check.kind &&
                 !strcmp(x->check.family, y->check.family) && !strcmp(x->check.name, y->check.name) &&
                 !strcmp(x->check.what, y->check.what) && !strcmp(x->check.site, y->check.site);
        if (!ok || x->kind != CG_OP) continue;
        ok = same_params_but_extents(&x->p, &y->p) && scale_params(&x->p, &y->p, n0, n1, n);
        if (ok && x->op == OP_DRAW) { /* the site follows the count too */
            const op_draw_site *s = x->p.payload, *t = y->p.payload;
            ok = s && t && (x->p.payload = (void *)s->rescaled(s, t, n0, n1, n)) != NULL;
        } else if (ok) {
            ok = x->p.payload == y->p.payload;
        }
    }
    if (!ok) {
        cg_graph_free(g);
        return NULL;
    }
    why[0] = 0;
    return g;
}
