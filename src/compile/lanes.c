/* lanes.c — a batched graph split into lanes (lanes.h): which values carry the particle
 * axis (the per-particle inputs, the batched draws, and everything computed from them,
 * plus shared values an op aligns with them, made per particle in turn), whether every
 * op keeps particles apart, and the graph of one particle (that axis of extent 1; the
 * target shapes of reshape, broadcast_to and draw follow). */
#include <stdio.h>
#include <string.h>

#include "../distributions/dist_int.h"
#include "lanes.h"

typedef struct split {
    const cg_graph *g;
    int64_t n;
    bool *each;
    bool changed;
    char *why;
    size_t why_n;
} split;

static bool refuse(split *s, int32_t k, const char *fmt, const char *what) {
    if (!s->why[0]) {
        char buf[200];
        snprintf(buf, sizeof buf, fmt, what);
        snprintf(s->why, s->why_n, "%s (node %d, %s)", buf, (int)k,
                 s->g->nodes[k].kind == CG_CHECK ? "a check" : op_table[s->g->nodes[k].op].name);
    }
    return false;
}

static const cg_value *val(const split *s, int32_t v) { return &s->g->values[v]; }

/* Whether v has the particle axis in front. */
static bool lane_shaped(const split *s, int32_t v) {
    const cg_value *x = val(s, v);
    return x->ndim >= 1 && x->shape[0] == s->n;
}

static void make_each(split *s, int32_t v) {
    if (!s->each[v]) s->each[v] = s->changed = true;
}

/* Argument a beside an output of batch rank B (dims before `core` trailing core dims):
 * per particle it must be aligned with the output's axis 0; a shared one aligned there
 * with n elements is made per particle; otherwise it must broadcast along that axis. */
static bool align(split *s, int32_t k, int32_t a, int core, int B, bool out_each) {
    const cg_value *x = val(s, a);
    int ab = x->ndim - core;
    if (s->each[a]) return ab == B && B >= 1 ? true : refuse(s, k, "%s", "a per-particle argument not aligned with the result's particle axis");
    if (!out_each || ab < B || B < 1) return true;
    if (x->shape[0] == s->n) make_each(s, a);
    else if (x->shape[0] != 1) return refuse(s, k, "%s", "a shared argument along the particle axis");
    return true;
}

static bool any_each(const split *s, const cg_node *nd) {
    for (int i = 0; i < nd->n_in; i++)
        if (s->each[nd->in[i]]) return true;
    return false;
}

static bool has_axis0(const op_params *p) {
    for (int i = 0; i < p->naxes; i++)
        if (p->axes[i] == 0) return true;
    return false;
}

/* An op along axes other than the particle axis: every argument is per particle. */
static bool all_each(split *s, int32_t k, const cg_node *nd) {
    for (int i = 0; i < nd->n_in; i++) {
        if (s->each[nd->in[i]]) continue;
        if (!lane_shaped(s, nd->in[i])) return refuse(s, k, "%s", "a shared argument beside per-particle ones");
        make_each(s, nd->in[i]);
    }
    return true;
}

/* The cores (trailing dims that are not batch dims) of the matrix ops' arguments and
 * result; -1: not a matrix op. */
static int matrix_core(op_id op, int *core_out) {
    switch (op) {
    case OP_CHOLESKY: case OP_INV: case OP_CHOLESKY_VJP: case OP_TRIANGULAR_SOLVE: case OP_SOLVE:
        *core_out = 2;
        return 2;
    case OP_LOGDET: *core_out = 0; return 2;
    case OP_DIAG: *core_out = 1; return 2;
    case OP_DIAG_EMBED: *core_out = 2; return 1;
    default: return -1;
    }
}

/* Node k with its arguments classified: whether its outputs are per particle, after
 * making per particle the shared arguments that must be. false: it mixes particles. */
static bool visit(split *s, int32_t k) {
    const cg_graph *g = s->g;
    const cg_node *nd = &g->nodes[k];
    bool in_each = any_each(s, nd), out_each = in_each;
    for (int j = 0; j < nd->n_out; j++) out_each |= s->each[nd->out[j]];
    if (nd->kind == CG_CHECK) {
        if (nd->check.kind == AD_CHECK_EACH || nd->check.kind == AD_CHECK_DENSITY || !in_each) return true;
        int B = val(s, nd->in[0])->ndim > val(s, nd->in[1])->ndim ? val(s, nd->in[0])->ndim : val(s, nd->in[1])->ndim;
        return align(s, k, nd->in[0], 0, B, true) && align(s, k, nd->in[1], 0, B, true);
    }
    dist_draw_info di = {0};
    if (nd->op == OP_DRAW) {
        di = dist_draw_site_info((const op_draw_site *)nd->p.payload);
        out_each |= di.n > 0;
        if (s->each[nd->in[0]]) return refuse(s, k, "%s", "a per-particle key");
        for (int i = 1; i < nd->n_in && out_each; i++)
            if (i - 1 < DIST_MAX_PARAMS && di.param_batched[i - 1] && lane_shaped(s, nd->in[i])) make_each(s, nd->in[i]);
    }
    if (!out_each) return true;
    for (int j = 0; j < nd->n_out; j++) {
        if (!lane_shaped(s, nd->out[j])) return refuse(s, k, "%s", "a per-particle result without the particle axis in front");
        make_each(s, nd->out[j]);
    }
    const cg_value *o = val(s, nd->out[0]);
    int core_out = 0, core;
    switch (nd->op) {
    case OP_SUM: case OP_PROD: case OP_MAX: case OP_MIN: case OP_LOGSUMEXP: case OP_ALL: case OP_ANY:
        if (has_axis0(&nd->p)) return refuse(s, k, "%s", "a reduction along the particle axis");
        return all_each(s, k, nd);
    case OP_PERMUTE:
        if (nd->p.axes[0] != 0) return refuse(s, k, "%s", "a permutation moving the particle axis");
        return all_each(s, k, nd);
    case OP_ARGMAX: case OP_ARGMIN: case OP_CUMSUM: case OP_CUMLOGSUMEXP: case OP_ARGSORT: case OP_SLICE:
    case OP_FLIP: case OP_CONCATENATE: case OP_TAKE_ALONG: case OP_SCATTER_ALONG: case OP_CUMLSE_VJP:
        if (nd->p.axis == 0) return refuse(s, k, "%s", "an operation along the particle axis");
        return all_each(s, k, nd);
    case OP_RESHAPE:
        if (!s->each[nd->in[0]]) return refuse(s, k, "%s", "a shared value reshaped to the particle axis");
        return nd->p.ndim >= 1 && nd->p.shape[0] == s->n ? true : refuse(s, k, "%s", "a reshape merging the particle axis");
    case OP_BROADCAST_TO: return align(s, k, nd->in[0], 0, o->ndim, true);
    case OP_TAKE: {
        int32_t a = nd->in[0], ix = nd->in[1];
        if (s->each[a]) {
            if (nd->p.axis == 0) return refuse(s, k, "%s", "an index along the particle axis");
            return s->each[ix] ? refuse(s, k, "%s", "per-particle indices into a per-particle array") : true;
        }
        return nd->p.axis == 0 && val(s, ix)->ndim >= 1 ? true : refuse(s, k, "%s", "per-particle indices along another axis");
    }
    case OP_MATMUL:
        if (s->each[nd->in[1]] && val(s, nd->in[1])->ndim < 3)
            return refuse(s, k, "%s", "a per-particle right factor without a batch axis");
        return align(s, k, nd->in[0], 0, o->ndim, true) && align(s, k, nd->in[1], 0, o->ndim, val(s, nd->in[1])->ndim >= 3);
    case OP_NORMAL_LOGPDF_SUM:
        for (int i = 0; i < 3; i++)
            if (!align(s, k, nd->in[i], nd->p.ndim, o->ndim, true)) return false;
        return true;
    case OP_CATEGORICAL_GATHER:
        return align(s, k, nd->in[0], 0, o->ndim, true) && align(s, k, nd->in[1], 1, o->ndim, true);
    case OP_CATEGORICAL_SAMPLE: {
        const cg_value *a = val(s, nd->in[0]);
        int64_t rows = a->size / (a->shape[a->ndim - 1] ? a->shape[a->ndim - 1] : 1);
        if (!s->each[nd->in[1]]) return refuse(s, k, "%s", "shared uniforms");
        if (!s->each[nd->in[0]]) return rows == 1 ? true : refuse(s, k, "%s", "shared rows of several categories");
        return rows == s->n && val(s, nd->in[1])->size == s->n ? true : refuse(s, k, "%s", "several draws per particle row");
    }
    case OP_DRAW:
        for (int i = 1; i < nd->n_in; i++)
            if (!align(s, k, nd->in[i], 0, o->ndim, true)) return false;
        return true;
    case OP_SUM_SCALARS: case OP_BIJECTION_SCALAR: case OP_TILE: case OP_INDEX_SET: case OP_INDEX_ADD:
        return refuse(s, k, "%s", "an operation without a per-particle form");
    default:
        break;
    }
    if ((core = matrix_core(nd->op, &core_out)) >= 0) {
        int B = o->ndim - core_out;
        for (int i = 0; i < nd->n_in; i++)
            if (!align(s, k, nd->in[i], core, B, true)) return false;
        return true;
    }
    if (cg_is_elementwise(nd->op) || nd->op == OP_NORMAL_LOGPDF || nd->op == OP_POISSON_LOGPMF) {
        for (int i = 0; i < nd->n_in; i++)
            if (!align(s, k, nd->in[i], 0, o->ndim, true)) return false;
        return true;
    }
    return refuse(s, k, "%s", "an operation without a per-particle form");
}

static cg_lanes *lanes_alloc(const cg_graph *g) {
    cg_lanes *l = core_calloc(1, sizeof *l);
    if (!l) return NULL;
    l->g = cg_graph_with_outputs(g, g->n_outputs, g->outputs);
    l->each = core_calloc((size_t)g->n_values + 1, sizeof *l->each);
    l->n_inputs0 = g->n_inputs;
    if (!l->g || !l->each || cg_graph_prune(l->g) != GEN_OK) {
        cg_lanes_free(l);
        return NULL;
    }
    return l;
}

void cg_lanes_free(cg_lanes *l) {
    if (!l) return;
    int n_values = l->g ? l->g->n_values : 0, extra = l->g ? l->g->n_inputs - l->n_inputs0 : 0;
    core_free(l->each, ((size_t)n_values + 1) * sizeof *l->each);
    core_free(l->const_of, ((size_t)extra + 1) * sizeof *l->const_of);
    cg_graph_free(l->g);
    core_free(l, sizeof *l);
}

cg_lanes *cg_lanes_chains(const cg_graph *g) {
    cg_lanes *l = lanes_alloc(g);
    if (!l) return NULL;
    l->chains = true;
    for (int i = 0; i < g->n_inputs; i++) l->each[g->inputs[i]] = true;
    for (int j = 0; j < g->n_outputs; j++) l->each[g->outputs[j]] = true;
    return l;
}

/* Per-particle constants become inputs of the lane graph (a lane reads its own part). */
static bool consts_to_inputs(cg_lanes *l) {
    cg_graph *g = l->g;
    int extra = 0;
    for (int32_t v = 0; v < g->n_values; v++) extra += g->values[v].kind == CG_CONST && l->each[v];
    if (!extra) return true;
    int32_t *inputs = core_alloc(((size_t)g->n_inputs + (size_t)extra + 1) * sizeof *inputs);
    l->const_of = core_alloc(((size_t)extra + 1) * sizeof *l->const_of);
    if (!inputs || !l->const_of) {
        core_free(inputs, ((size_t)g->n_inputs + (size_t)extra + 1) * sizeof *inputs);
        core_free(l->const_of, ((size_t)extra + 1) * sizeof *l->const_of);
        l->const_of = NULL;
        return false;
    }
    memcpy(inputs, g->inputs, (size_t)g->n_inputs * sizeof *inputs);
    int t = 0;
    for (int32_t v = 0; v < g->n_values; v++) {
        cg_value *x = &g->values[v];
        if (x->kind != CG_CONST || !l->each[v]) continue;
        l->const_of[t] = x->index;
        x->kind = CG_INPUT;
        x->index = g->n_inputs + t;
        inputs[g->n_inputs + t++] = v;
    }
    core_free(g->inputs, ((size_t)g->n_inputs + 1) * sizeof *g->inputs);
    g->inputs = inputs;
    g->n_inputs += extra;
    return true;
}

cg_lanes *cg_lanes_particles(const cg_graph *g, int64_t n, const bool *input_each, char *why, size_t why_n) {
    why[0] = 0;
    if (n < 2) {
        snprintf(why, why_n, "fewer than two particles");
        return NULL;
    }
    cg_lanes *l = lanes_alloc(g);
    if (!l) {
        snprintf(why, why_n, "out of memory");
        return NULL;
    }
    split s = {l->g, n, l->each, true, why, why_n};
    bool ok = true;
    for (int i = 0; i < g->n_inputs && ok; i++)
        if (input_each[i]) {
            if (!lane_shaped(&s, g->inputs[i])) {
                snprintf(why, why_n, "input %d has no particle axis in front", i);
                ok = false;
            }
            l->each[g->inputs[i]] = true;
        }
    /* to a fixed point: a shared value made per particle may make more so */
    for (int round = 0; ok && s.changed && round <= l->g->n_nodes + 1; round++) {
        s.changed = false;
        for (int32_t k = 0; k < l->g->n_nodes && ok; k++)
            if (l->g->nodes[k].live) ok = visit(&s, k);
    }
    for (int32_t v = 0; ok && v < l->g->n_values; v++) {
        cg_value *x = &l->g->values[v];
        if (!l->each[v]) continue;
        if (x->ndim < 1 || x->shape[0] != n) {
            snprintf(why, why_n, "value %d is per particle without the particle axis in front", (int)v);
            ok = false;
            break;
        }
        x->shape[0] = 1;
        x->size /= n;
    }
    for (int32_t k = 0; ok && k < l->g->n_nodes; k++) {
        cg_node *nd = &l->g->nodes[k];
        if (!nd->live || nd->kind != CG_OP || !l->each[nd->out[0]]) continue;
        if ((nd->op == OP_RESHAPE || nd->op == OP_BROADCAST_TO || nd->op == OP_DRAW) && nd->p.ndim >= 1) nd->p.shape[0] = 1;
    }
    if (ok && !consts_to_inputs(l)) {
        snprintf(why, why_n, "out of memory");
        ok = false;
    }
    if (!ok) {
        cg_lanes_free(l);
        return NULL;
    }
    return l;
}

int64_t cg_lanes_source_index(const cg_lanes *l, int32_t v, int64_t lane, int64_t at) {
    if (l->chains || !l->each[v]) return at;
    return lane * l->g->values[v].size + at;
}
