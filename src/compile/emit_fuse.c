/* emit_fuse.c — the order and grouping of the generated statements. Elementwise ops of
 * one size that run one after another (a density's formula and its gradient's) become
 * one loop whose intermediates are temporaries of the iteration, with the full
 * reductions they feed (a density's sum) accumulated in the same loop; a value is
 * written to memory only when something outside its loop reads it. Ops over a
 * broadcast shape S of two or more axes (a batch of particles [N, 1] against data [50])
 * become a loop nest over S's rows (i0) and the elements of a row (i1), whose arguments
 * are read per element (i), per row (i0: [N, 1]) or along the row (i1: [50]), with the
 * reductions along the last axis (a per-particle log likelihood) accumulated per row in
 * the kernels' order. Nodes that do not depend on the loop being built are emitted
 * before it, so that scalar work interleaved in the graph does not cut a loop in two.
 * GENC_NO_FUSE2D=1 in the environment keeps to the flat loops (for comparisons). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"

#define HALF_LOG_2PI "0.91893853320467274178" /* FUSED_HALF_LOG_2PI */

typedef struct group {
    int64_t n;        /* the loop's length (0: no group open) */
    int nd;           /* its shape (leading 1s dropped), as e->fuse_* while it is open */
    int64_t shape[GEN_MAX_DIMS];
    bool nest;        /* a loop nest over rows: a member reads per row or along rows */
    int32_t *members; /* in the loop, in order */
    int n_members;
    int32_t *pre; /* before the loop, in order */
    int n_pre;
} group;

typedef struct sched {
    cg_emit *e;
    group gr;
    bool fuse2d;       /* nests, and the nodes moved before a loop fused among themselves
                        * (GENC_NO_FUSE2D=1: neither) */
    bool *is_red;      /* per value: the output of a reduction of the open group */
    int32_t *node_grp; /* per node: the group it was fused into, or -1 */
    int32_t *use_off, *uses; /* consumers of each root value (CSR) */
} sched;

static int32_t root_of(const cg_emit *e, int32_t v) { return e->st[v].root; }

static bool is_float(gen_dtype t) { return t == GEN_F64 || t == GEN_F32; }

static int32_t row_source(const cg_emit *e, const cg_node *nd);

static bool full_reduction(const cg_emit *e, const cg_node *nd) {
    if (nd->kind != CG_OP || nd->n_out != 1) return false;
    if (nd->op != OP_SUM && nd->op != OP_PROD && nd->op != OP_MAX && nd->op != OP_MIN) return false;
    if (e->rows && row_source(e, nd) >= 0) return false; /* one row's reduction: a nest's */
    const cg_value *a = cg_val(e, nd->in[0]), *o = cg_val(e, nd->out[0]);
    return o->size == 1 && a->size > 1 && is_float(a->dtype) && o->dtype == a->dtype;
}

/* v's axes without its leading 1s (how it broadcasts): their count, *shape their extents.
 * With e->rows (the lane target) one leading 1 of a value of two or more axes stays: a
 * particle's [1, m] is one row of a nest, whose reductions along it then fuse. */
static int core_dims(const cg_emit *e, const cg_value *v, const int64_t **shape) {
    int d = 0;
    while (d < v->ndim && v->shape[d] == 1) d++;
    if (e->rows && d > 0 && d < v->ndim && v->ndim >= 2) d--;
    *shape = v->shape + d;
    return v->ndim - d;
}

/* Whether v has the open loop's shape (up to leading 1s). */
static bool loop_shaped(const cg_emit *e, const cg_value *v) {
    const int64_t *sh;
    int nd = core_dims(e, v, &sh);
    return nd == e->fuse_nd && !memcmp(sh, e->fuse_shape, (size_t)nd * sizeof *sh);
}

/* How a value is read at the open loop's position. */
typedef enum bkind {
    B_NONE,  /* not at all: it does not broadcast to the loop's shape in one of these ways */
    B_ONE,   /* one element */
    B_FULL,  /* the loop's n elements, at i */
    B_OUTER, /* one per row (the last axis 1, the others the loop's), at i0 */
    B_INNER  /* one row (the other axes 1 or absent), at i1 */
} bkind;

static bkind broadcast_kind(const cg_emit *e, const cg_value *a) {
    if (a->size == 1) return B_ONE;
    if (a->size == e->fuse_n) return B_FULL;
    const int64_t *sh;
    int nd = core_dims(e, a, &sh), R = e->fuse_nd;
    if (R < 2 || nd > R) return B_NONE;
    bool outer = true, inner = true;
    for (int d = 0; d < R; d++) {
        int64_t x = d < R - nd ? 1 : sh[d - (R - nd)];
        if (d < R - 1) {
            outer &= x == e->fuse_shape[d];
            inner &= x == 1;
        } else {
            outer &= x == 1;
            inner &= x == e->fuse_shape[d];
        }
    }
    return outer ? B_OUTER : inner ? B_INNER : B_NONE;
}

const char *cg_fused_index(const cg_emit *e, int32_t v) {
    switch (broadcast_kind(e, cg_val(e, v))) {
    case B_ONE: return "0";
    case B_OUTER: return "i0";
    case B_INNER: return "i1";
    default: return "i";
    }
}

/* The value whose shape a reduction along the last axis runs over (one result per row),
 * or -1: sum, prod, max, min of a float value along its last axis (f64 and f32
 * accumulate in double, in order, as the CPU kernel does), or NORMAL_LOGPDF_SUM over one
 * event axis with one sigma (its rows case: mu of the full shape, x too or one row). */
static int32_t row_source(const cg_emit *e, const cg_node *nd) {
    if (nd->kind != CG_OP || nd->n_out != 1 || (cg_val(e, nd->out[0])->size <= 1 && !e->rows)) return -1;
    const cg_value *o = cg_val(e, nd->out[0]);
    if (nd->op == OP_SUM || nd->op == OP_PROD || nd->op == OP_MAX || nd->op == OP_MIN) {
        const cg_value *a = cg_val(e, nd->in[0]);
        bool last = nd->p.naxes == 1 && a->ndim >= 2 && nd->p.axes[0] == a->ndim - 1;
        return last && is_float(a->dtype) && o->dtype == a->dtype ? nd->in[0] : -1;
    }
    if (nd->op == OP_NORMAL_LOGPDF_SUM && nd->p.ndim == 1) {
        const cg_value *x = cg_val(e, nd->in[0]), *mu = cg_val(e, nd->in[1]), *sg = cg_val(e, nd->in[2]);
        if (mu->ndim < 2 || sg->size != 1 || x->dtype != GEN_F64 || mu->dtype != GEN_F64 || sg->dtype != GEN_F64 ||
            o->dtype != GEN_F64)
            return -1;
        bool full = x->ndim == mu->ndim && !memcmp(x->shape, mu->shape, (size_t)mu->ndim * sizeof *mu->shape);
        bool row = x->ndim == 1 && x->shape[0] == mu->shape[mu->ndim - 1];
        return full || row ? nd->in[1] : -1;
    }
    return -1;
}

/* Ops written by cg_emit_map (one output element from the arguments' elements at the
 * same broadcast position). */
static bool maps(const sched *s, op_id op) {
    return cg_is_elementwise(op) || (s->fuse2d && (op == OP_NORMAL_LOGPDF || op == OP_POISSON_LOGPMF));
}

/* Whether node nd can join the open loop (n elements of the shape e->fuse_*): an
 * elementwise op of that size whose arguments are one element (not a reduction of this
 * loop) or n elements, or, when the op has the loop's shape, one per row or one row; a
 * full reduction of n elements; a reduction along the last axis of a value of the
 * loop's shape; a check of n elements. */
static bool fits(const sched *s, const cg_node *nd) {
    const cg_emit *e = s->e;
    int64_t n = e->fuse_n;
    if (nd->kind == CG_CHECK)
        return (nd->check.kind == AD_CHECK_EACH || nd->check.kind == AD_CHECK_DENSITY) &&
               cg_val(e, nd->in[0])->size == n && !s->is_red[root_of(e, nd->in[0])];
    if (full_reduction(e, nd)) return cg_val(e, nd->in[0])->size == n && !s->is_red[root_of(e, nd->in[0])];
    int32_t src = s->fuse2d ? row_source(e, nd) : -1;
    if (src >= 0) {
        if (e->fuse_nd < 2 || cg_val(e, src)->size != n || !loop_shaped(e, cg_val(e, src))) return false;
        for (int i = 0; i < nd->n_in; i++) {
            bkind k = broadcast_kind(e, cg_val(e, nd->in[i]));
            if (s->is_red[root_of(e, nd->in[i])] || k == B_NONE || k == B_OUTER) return false;
        }
        return true;
    }
    if (!maps(s, nd->op) || nd->n_out != 1 || cg_val(e, nd->out[0])->size != n) return false;
    bool shaped = s->fuse2d && loop_shaped(e, cg_val(e, nd->out[0]));
    for (int i = 0; i < nd->n_in; i++) {
        const cg_value *a = cg_val(e, nd->in[i]);
        if (s->is_red[root_of(e, nd->in[i])]) return false;
        bkind k = broadcast_kind(e, a);
        if (!(k == B_ONE || k == B_FULL || (shaped && (k == B_OUTER || k == B_INNER)))) return false;
    }
    return true;
}

/* Whether member nd needs the loop nest (reads per row or along rows, or reduces rows). */
static bool needs_nest(const sched *s, const cg_node *nd) {
    const cg_emit *e = s->e;
    if (nd->kind != CG_OP) return false;
    if (s->fuse2d && row_source(e, nd) >= 0) return true;
    for (int i = 0; i < nd->n_in; i++) {
        bkind k = broadcast_kind(e, cg_val(e, nd->in[i]));
        if (k == B_OUTER || k == B_INNER) return true;
    }
    return false;
}

/* Whether node k reads a value the open loop computes. */
static bool depends(const sched *s, const cg_node *nd) {
    if (!s->gr.n) return false;
    for (int i = 0; i < nd->n_in; i++)
        if (s->e->grp[root_of(s->e, nd->in[i])] == s->e->cur_grp) return true;
    return false;
}

static void add_member(sched *s, int32_t k) {
    cg_emit *e = s->e;
    const cg_node *nd = &e->g->nodes[k];
    s->gr.members[s->gr.n_members++] = k;
    s->gr.nest |= needs_nest(s, nd);
    s->node_grp[k] = e->cur_grp;
    bool red = full_reduction(e, nd) || (s->fuse2d && row_source(e, nd) >= 0);
    for (int j = 0; j < nd->n_out; j++) {
        e->grp[nd->out[j]] = e->cur_grp;
        if (red) s->is_red[nd->out[j]] = true;
    }
}

/* Whether value v (a root) is read outside the open loop or is an output. */
static bool used_outside(const sched *s, int32_t v) {
    const cg_graph *g = s->e->g;
    for (int j = 0; j < g->n_outputs; j++)
        if (root_of(s->e, g->outputs[j]) == v) return true;
    for (int32_t u = s->use_off[v]; u < s->use_off[v + 1]; u++)
        if (s->node_grp[s->uses[u]] != s->e->cur_grp) return true;
    return false;
}

static const char *red_init(op_id op) {
    switch (op) {
    case OP_SUM: return "0";
    case OP_PROD: return "1";
    case OP_MAX: return "-INFINITY";
    default: return "INFINITY";
    }
}

/* The accumulation of x into a<o> (the CPU kernels' steps; max and min keep a NaN). */
static void accumulate(cg_emit *e, op_id op, int o, const char *x) {
    switch (op) {
    case OP_SUM: cg_text_printf(&e->body, "        a%d += %s;\n", o, x); break;
    case OP_PROD: cg_text_printf(&e->body, "        a%d *= %s;\n", o, x); break;
    case OP_MAX: cg_text_printf(&e->body, "        { double x = %s; if (x > a%d || x != x) a%d = x; }\n", x, o, o); break;
    default: cg_text_printf(&e->body, "        { double x = %s; if (x < a%d || x != x) a%d = x; }\n", x, o, o); break;
    }
}

/* A row reduction's parts: at the row's start, per element, at the row's end (the
 * normal log density's sum keeps the kernel's four partial sums l<o>_<lane>: element j of
 * the row goes to sum j % 4, the tail past the last multiple of 4 to sum 0). */
static void row_start(cg_emit *e, const cg_node *nd) {
    int o = (int)nd->out[0];
    if (nd->op == OP_NORMAL_LOGPDF_SUM) cg_text_printf(&e->body, "    double l%d_0 = 0, l%d_1 = 0, l%d_2 = 0, l%d_3 = 0;\n", o, o, o, o);
    else cg_text_printf(&e->body, "    double a%d = %s;\n", o, red_init(nd->op));
}

static void row_step(cg_emit *e, const cg_node *nd, int lane) {
    int o = (int)nd->out[0];
    if (nd->op != OP_NORMAL_LOGPDF_SUM) {
        accumulate(e, nd->op, o, cg_ref(e, nd->in[0], "i"));
        return;
    }
    char x[160];
    snprintf(x, sizeof x, "%s", cg_ref(e, nd->in[0], cg_fused_index(e, nd->in[0])));
    cg_text_printf(&e->body, "        { double z = (%s - %s) * ni%d; l%d_%d += z * z; }\n", x, cg_ref(e, nd->in[1], "i"), o,
                   o, lane);
}

static void row_end(cg_emit *e, const cg_node *nd) {
    int o = (int)nd->out[0];
    if (nd->op == OP_NORMAL_LOGPDF_SUM)
        cg_text_printf(&e->body, "    %s = -0.5 * ((l%d_0 + l%d_1) + (l%d_2 + l%d_3)) - nn%d;\n",
                       cg_ref(e, nd->out[0], "i0"), o, o, o, o, o);
    else
        cg_text_printf(&e->body, "    %s = (%s)a%d;\n", cg_ref(e, nd->out[0], "i0"),
                       cg_ctype(cg_val(e, nd->out[0])->dtype), o);
}

/* The members' code for one element: lane (0..3) the normal sums' partial sum; a slow
 * pass (a row with a failed check, run again to find it) leaves the reductions out. */
static void emit_members(sched *s, int lane, bool slow) {
    cg_emit *e = s->e;
    const group *gr = &s->gr;
    e->fusing = true;
    for (int m = 0; m < gr->n_members; m++) {
        int32_t k = gr->members[m];
        const cg_node *nd = &e->g->nodes[k];
        bool row = gr->nest && row_source(e, nd) >= 0;
        e->node = k;
        if (nd->kind == CG_CHECK) cg_emit_check(e, nd, k);
        else if (full_reduction(e, nd)) { if (!slow) accumulate(e, nd->op, (int)nd->out[0], cg_ref(e, nd->in[0], "i")); }
        else if (row) { if (!slow) row_step(e, nd, lane); }
        else cg_emit_node(e, k);
    }
    e->fusing = false;
}

/* A nest over the rows of the loop's shape: per row the row reductions' accumulators, the
 * elements of the row (four at a time, one per partial sum, when a normal sum reads
 * them), the results. With checks, the fast pass counts failures and a row with any is
 * run again with the checks' branches, which return at the first. */
static void emit_nest(sched *s) {
    cg_emit *e = s->e;
    const group *gr = &s->gr;
    int64_t inner = e->fuse_shape[e->fuse_nd - 1], m4 = inner / 4 * 4;
    bool lanes = false, checks = false, f32_checks = true;
    for (int m = 0; m < gr->n_members; m++) {
        const cg_node *nd = &e->g->nodes[gr->members[m]];
        checks |= nd->kind == CG_CHECK;
        if (nd->kind == CG_CHECK) f32_checks &= cg_val(e, nd->in[0])->dtype == GEN_F32;
        if (nd->kind != CG_OP || nd->op != OP_NORMAL_LOGPDF_SUM) continue;
        lanes = true;
        int o = (int)nd->out[0];
        cg_text_printf(&e->body,
                       "    const double ns%d = %s, ni%d = 1 / ns%d, nn%d = (double)%" PRId64
                       " * (log(ns%d) + " HALF_LOG_2PI ");\n",
                       o, cg_ref(e, nd->in[2], "0"), o, o, o, inner, o);
    }
    cg_text_printf(&e->body, "    for (int64_t i0 = 0; i0 < %" PRId64 "; i0++) {\n", gr->n / inner);
    for (int m = 0; m < gr->n_members; m++) {
        const cg_node *nd = &e->g->nodes[gr->members[m]];
        if (row_source(e, nd) >= 0) row_start(e, nd);
    }
    /* the failure count: in f32 when every checked value is (no conversion per element;
     * it only has to stay 0 while all pass) */
    if (checks) cg_text_printf(&e->body, "    %s cf = 0;\n", f32_checks ? "float" : "double");
    e->fuse_count_checks = checks;
    const char *elem = "        const int64_t i = i0 * %" PRId64 " + i1;\n";
    if (lanes && m4 > 0) {
        cg_text_printf(&e->body, "    for (int64_t i1b = 0; i1b < %" PRId64 "; i1b += 4) {\n", m4);
        for (int lane = 0; lane < 4; lane++) {
            cg_text_printf(&e->body, "    { const int64_t i1 = i1b + %d;\n", lane);
            cg_text_printf(&e->body, elem, inner);
            emit_members(s, lane, false);
            cg_text_printf(&e->body, "    }\n");
        }
        cg_text_printf(&e->body, "    }\n");
    }
    if (!lanes || m4 < inner) {
        cg_text_printf(&e->body, "    for (int64_t i1 = %" PRId64 "; i1 < %" PRId64 "; i1++) {\n", lanes ? m4 : 0, inner);
        cg_text_printf(&e->body, elem, inner);
        emit_members(s, 0, false);
        cg_text_printf(&e->body, "    }\n");
    }
    e->fuse_count_checks = false;
    if (checks) {
        cg_text_printf(&e->body, "    if (cf != 0) for (int64_t i1 = 0; i1 < %" PRId64 "; i1++) {\n", inner);
        cg_text_printf(&e->body, elem, inner);
        emit_members(s, 0, true);
        cg_text_printf(&e->body, "    }\n");
    }
    for (int m = 0; m < gr->n_members; m++) {
        const cg_node *nd = &e->g->nodes[gr->members[m]];
        if (row_source(e, nd) >= 0) row_end(e, nd);
    }
    cg_text_printf(&e->body, "    }\n");
}

static void schedule_list(sched *s, const int32_t *nodes, int count);

static void use_shape(cg_emit *e, const group *gr) {
    e->fuse_n = gr->n;
    e->fuse_nd = gr->nd;
    memcpy(e->fuse_shape, gr->shape, (size_t)gr->nd * sizeof *gr->shape);
}

/* Writes the open loop (and first the nodes moved before it). */
static void close_group(sched *s) {
    cg_emit *e = s->e;
    group *gr = &s->gr;
    if (!gr->n) return;
    if (s->fuse2d && gr->n_pre) { /* the nodes moved before the loop, fused among themselves */
        e->cur_grp++;
        schedule_list(s, gr->pre, gr->n_pre);
        for (int m = 0; m < gr->n_members; m++) { /* this loop's id: the next after theirs */
            const cg_node *nd = &e->g->nodes[gr->members[m]];
            s->node_grp[gr->members[m]] = e->cur_grp;
            for (int j = 0; j < nd->n_out; j++) e->grp[nd->out[j]] = e->cur_grp;
        }
        use_shape(e, gr);
    } else {
        for (int p = 0; p < gr->n_pre; p++) cg_emit_node(e, gr->pre[p]);
    }
    for (int m = 0; m < gr->n_members; m++) {
        const cg_node *nd = &e->g->nodes[gr->members[m]];
        for (int j = 0; j < nd->n_out; j++) e->store[nd->out[j]] = used_outside(s, nd->out[j]);
    }
    cg_text_printf(&e->body, "    {\n");
    for (int m = 0; m < gr->n_members; m++) {
        const cg_node *nd = &e->g->nodes[gr->members[m]];
        if (full_reduction(e, nd)) cg_text_printf(&e->body, "    double a%d = %s;\n", (int)nd->out[0], red_init(nd->op));
    }
    if (gr->nest) {
        emit_nest(s);
    } else {
        cg_text_printf(&e->body, "    for (int64_t i = 0; i < %" PRId64 "; i++) {\n", gr->n);
        emit_members(s, 0, false);
        cg_text_printf(&e->body, "    }\n");
    }
    for (int m = 0; m < gr->n_members; m++) {
        const cg_node *nd = &e->g->nodes[gr->members[m]];
        if (full_reduction(e, nd))
            cg_text_printf(&e->body, "    %s = (%s)a%d;\n", cg_ref(e, nd->out[0], "0"), cg_ctype(cg_val(e, nd->out[0])->dtype),
                           (int)nd->out[0]);
    }
    cg_text_printf(&e->body, "    }\n");
    for (int m = 0; m < gr->n_members; m++) { /* the loop's values are ordinary values from here on */
        const cg_node *nd = &e->g->nodes[gr->members[m]];
        for (int j = 0; j < nd->n_out; j++) s->is_red[nd->out[j]] = false;
    }
    gr->n = 0;
    gr->nest = false;
    gr->n_members = gr->n_pre = 0;
    e->cur_grp++;
}

/* Opens a loop over the shape of value v for node k when k fits it. */
static bool open_group(sched *s, int32_t k, int32_t v) {
    cg_emit *e = s->e;
    const cg_value *x = cg_val(e, v);
    if (x->size <= 1) return false;
    const int64_t *sh;
    e->fuse_nd = core_dims(e, x, &sh);
    memcpy(e->fuse_shape, sh, (size_t)e->fuse_nd * sizeof *sh);
    e->fuse_n = x->size;
    if (!fits(s, &e->g->nodes[k])) return false;
    s->gr.n = x->size;
    s->gr.nd = e->fuse_nd;
    memcpy(s->gr.shape, e->fuse_shape, (size_t)e->fuse_nd * sizeof *sh);
    add_member(s, k);
    return true;
}

/* Consumers of every root value, as CSR arrays. */
static bool build_uses(sched *s) {
    const cg_graph *g = s->e->g;
    int32_t nv = g->n_values;
    s->use_off = core_calloc((size_t)nv + 2, sizeof *s->use_off);
    if (!s->use_off) return false;
    int64_t total = 0;
    for (int32_t k = 0; k < g->n_nodes; k++)
        if (g->nodes[k].live)
            for (int i = 0; i < g->nodes[k].n_in; i++) s->use_off[root_of(s->e, g->nodes[k].in[i]) + 1]++, total++;
    for (int32_t v = 0; v < nv; v++) s->use_off[v + 1] += s->use_off[v];
    s->uses = core_alloc((size_t)total * sizeof *s->uses + 1);
    int32_t *at = core_alloc(((size_t)nv + 1) * sizeof *at);
    if (!s->uses || !at) {
        core_free(at, ((size_t)nv + 1) * sizeof *at);
        return false;
    }
    memcpy(at, s->use_off, (size_t)nv * sizeof *at);
    for (int32_t k = 0; k < g->n_nodes; k++)
        if (g->nodes[k].live)
            for (int i = 0; i < g->nodes[k].n_in; i++) s->uses[at[root_of(s->e, g->nodes[k].in[i])]++] = k;
    core_free(at, ((size_t)nv + 1) * sizeof *at);
    return true;
}

/* Schedules nodes[0..count) in order: each joins the open loop when it fits, or is moved
 * before it when it does not read it, or closes it and opens the next. */
static void schedule_list(sched *s, const int32_t *nodes, int count) {
    cg_emit *e = s->e;
    const cg_graph *g = e->g;
    group outer = s->gr; /* a loop whose moved nodes these are, written after them */
    size_t cap = (size_t)count + 1;
    s->gr = (group){.members = core_alloc(cap * sizeof *s->gr.members), .pre = core_alloc(cap * sizeof *s->gr.pre)};
    if (!s->gr.members || !s->gr.pre) cg_unsupported(e, "out of memory");
    for (int c = 0; c < count && !e->why[0]; c++) {
        int32_t k = nodes[c];
        const cg_node *nd = &g->nodes[k];
        if (!nd->live) continue;
        if (e->seg_of && e->seg_of[k] >= 0) { /* a loop (emit_reroll.c): written at its first node */
            if (e->segs[e->seg_of[k]].body[0] == k) {
                close_group(s);
                cg_emit_segment(e, e->seg_of[k]);
            }
            continue;
        }
        if (nd->kind == CG_OP && cg_is_alias(g, nd)) continue;
        if (s->gr.n) {
            if (fits(s, nd)) {
                add_member(s, k);
                continue;
            }
            if (!depends(s, nd)) {
                s->gr.pre[s->gr.n_pre++] = k;
                continue;
            }
            close_group(s);
        }
        int32_t src = nd->kind != CG_OP ? -1
                      : s->fuse2d && row_source(e, nd) >= 0 ? row_source(e, nd)
                      : full_reduction(e, nd) ? nd->in[0]
                      : nd->n_out == 1 ? nd->out[0]
                                       : -1;
        if (src < 0 || !open_group(s, k, src)) cg_emit_node(e, k);
    }
    if (!e->why[0]) close_group(s);
    core_free(s->gr.members, cap * sizeof *s->gr.members);
    core_free(s->gr.pre, cap * sizeof *s->gr.pre);
    s->gr = outer;
}

void cg_emit_schedule(cg_emit *e) {
    const cg_graph *g = e->g;
    const char *off = getenv("GENC_NO_FUSE2D");
    sched s = {.e = e, .fuse2d = !(off && *off && strcmp(off, "0") != 0)};
    size_t nn = (size_t)g->n_nodes + 1;
    int32_t *all = core_alloc(nn * sizeof *all);
    s.is_red = core_calloc((size_t)g->n_values + 1, sizeof *s.is_red);
    s.node_grp = core_alloc(nn * sizeof *s.node_grp);
    if (!all || !s.is_red || !s.node_grp || !build_uses(&s)) {
        cg_unsupported(e, "out of memory");
    } else {
        for (int32_t k = 0; k < g->n_nodes; k++) s.node_grp[k] = -1, all[k] = k;
        e->cur_grp = 0;
        schedule_list(&s, all, (int)g->n_nodes);
    }
    size_t nu = s.use_off ? (size_t)s.use_off[g->n_values] : 0;
    core_free(s.uses, nu * sizeof *s.uses + 1);
    core_free(s.use_off, ((size_t)g->n_values + 2) * sizeof *s.use_off);
    core_free(all, nn * sizeof *all);
    core_free(s.is_red, ((size_t)g->n_values + 1) * sizeof *s.is_red);
    core_free(s.node_grp, nn * sizeof *s.node_grp);
}
