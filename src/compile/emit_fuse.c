/* emit_fuse.c — the order and grouping of the generated statements. Elementwise ops of
 * one size that run one after another (a density's formula and its gradient's) become
 * one loop whose intermediates are temporaries of the iteration, with the full
 * reductions they feed (a density's sum) accumulated in the same loop; a value is
 * written to memory only when something outside its loop reads it. Nodes that do not
 * depend on the loop being built are emitted before it, so that scalar work interleaved
 * in the graph does not cut a loop in two. */
#include <inttypes.h>
#include <string.h>

#include "emit.h"

typedef struct group {
    int64_t n;        /* the loop's length (0: no group open) */
    int32_t *members; /* in the loop, in order */
    int n_members;
    int32_t *pre; /* before the loop, in order */
    int n_pre;
} group;

typedef struct sched {
    cg_emit *e;
    group gr;
    bool *is_red;      /* per value: the output of a reduction of the open group */
    int32_t *node_grp; /* per node: the group it was fused into, or -1 */
    int32_t *use_off, *uses; /* consumers of each root value (CSR) */
} sched;

static int32_t root_of(const cg_emit *e, int32_t v) { return e->st[v].root; }

static bool full_reduction(const cg_emit *e, const cg_node *nd) {
    if (nd->kind != CG_OP || nd->n_out != 1) return false;
    if (nd->op != OP_SUM && nd->op != OP_PROD && nd->op != OP_MAX && nd->op != OP_MIN) return false;
    const cg_value *a = cg_val(e, nd->in[0]), *o = cg_val(e, nd->out[0]);
    return o->size == 1 && a->size > 1 && (a->dtype == GEN_F64 || a->dtype == GEN_F32) && o->dtype == a->dtype;
}

/* Whether node k can join a loop of length n: an elementwise op of that size whose
 * arguments are one element (not a reduction of this loop) or n elements; a full
 * reduction of n elements; a check of n elements. */
static bool fits(const sched *s, const cg_node *nd, int64_t n) {
    const cg_emit *e = s->e;
    if (nd->kind == CG_CHECK)
        return (nd->check.kind == AD_CHECK_EACH || nd->check.kind == AD_CHECK_DENSITY) &&
               cg_val(e, nd->in[0])->size == n && !s->is_red[root_of(e, nd->in[0])];
    if (full_reduction(e, nd)) return cg_val(e, nd->in[0])->size == n && !s->is_red[root_of(e, nd->in[0])];
    if (!cg_is_elementwise(nd->op) || nd->n_out != 1 || cg_val(e, nd->out[0])->size != n) return false;
    for (int i = 0; i < nd->n_in; i++) {
        const cg_value *a = cg_val(e, nd->in[i]);
        if (s->is_red[root_of(e, nd->in[i])] || (a->size != 1 && a->size != n)) return false;
    }
    return true;
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
    s->node_grp[k] = e->cur_grp;
    for (int j = 0; j < nd->n_out; j++) {
        e->grp[nd->out[j]] = e->cur_grp;
        if (full_reduction(e, nd)) s->is_red[nd->out[j]] = true;
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

static void close_group(sched *s) {
    cg_emit *e = s->e;
    group *gr = &s->gr;
    if (!gr->n) return;
    for (int m = 0; m < gr->n_members; m++) {
        const cg_node *nd = &e->g->nodes[gr->members[m]];
        for (int j = 0; j < nd->n_out; j++) e->store[nd->out[j]] = used_outside(s, nd->out[j]);
    }
    for (int p = 0; p < gr->n_pre; p++) cg_emit_node(e, gr->pre[p]);
    cg_text_printf(&e->body, "    {\n");
    for (int m = 0; m < gr->n_members; m++) {
        const cg_node *nd = &e->g->nodes[gr->members[m]];
        if (full_reduction(e, nd)) cg_text_printf(&e->body, "    double a%d = %s;\n", (int)nd->out[0], red_init(nd->op));
    }
    cg_text_printf(&e->body, "    for (int64_t i = 0; i < %" PRId64 "; i++) {\n", gr->n);
    e->fusing = true;
    for (int m = 0; m < gr->n_members; m++) {
        int32_t k = gr->members[m];
        const cg_node *nd = &e->g->nodes[k];
        e->node = k;
        if (nd->kind == CG_CHECK) {
            cg_emit_check(e, nd, k);
        } else if (full_reduction(e, nd)) {
            int o = (int)nd->out[0];
            const char *x = cg_ref(e, nd->in[0], "i");
            switch (nd->op) {
            case OP_SUM: cg_text_printf(&e->body, "        a%d += %s;\n", o, x); break;
            case OP_PROD: cg_text_printf(&e->body, "        a%d *= %s;\n", o, x); break;
            case OP_MAX: cg_text_printf(&e->body, "        { double x = %s; if (x > a%d || x != x) a%d = x; }\n", x, o, o); break;
            default: cg_text_printf(&e->body, "        { double x = %s; if (x < a%d || x != x) a%d = x; }\n", x, o, o); break;
            }
        } else {
            cg_emit_node(e, k);
        }
    }
    e->fusing = false;
    cg_text_printf(&e->body, "    }\n");
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
    gr->n_members = gr->n_pre = 0;
    e->cur_grp++;
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

void cg_emit_schedule(cg_emit *e) {
    const cg_graph *g = e->g;
    sched s = {.e = e};
    size_t nn = (size_t)g->n_nodes + 1;
    s.gr.members = core_alloc(nn * sizeof *s.gr.members);
    s.gr.pre = core_alloc(nn * sizeof *s.gr.pre);
    s.is_red = core_calloc((size_t)g->n_values + 1, sizeof *s.is_red);
    s.node_grp = core_alloc(nn * sizeof *s.node_grp);
    bool ok = s.gr.members && s.gr.pre && s.is_red && s.node_grp && build_uses(&s);
    if (!ok) {
        cg_unsupported(e, "out of memory");
    } else {
        for (int32_t k = 0; k < g->n_nodes; k++) s.node_grp[k] = -1;
        e->cur_grp = 0;
        for (int32_t k = 0; k < g->n_nodes && !e->why[0]; k++) {
            const cg_node *nd = &g->nodes[k];
            if (!nd->live) continue;
            if (e->seg_of && e->seg_of[k] >= 0) { /* a loop (emit_reroll.c): written at its first node */
                if (e->segs[e->seg_of[k]].body[0] == k) {
                    close_group(&s);
                    cg_emit_segment(e, e->seg_of[k]);
                }
                continue;
            }
            if (nd->kind == CG_OP && cg_is_alias(g, nd)) continue;
            if (s.gr.n) {
                if (fits(&s, nd, s.gr.n)) {
                    add_member(&s, k);
                    continue;
                }
                if (!depends(&s, nd)) {
                    s.gr.pre[s.gr.n_pre++] = k;
                    continue;
                }
                close_group(&s);
            }
            int64_t n = nd->kind == CG_OP && full_reduction(e, nd) ? cg_val(e, nd->in[0])->size
                        : nd->kind == CG_OP && nd->n_out == 1 ? cg_val(e, nd->out[0])->size
                                                              : 0;
            if (n > 1 && fits(&s, nd, n)) {
                s.gr.n = n;
                add_member(&s, k);
            } else {
                cg_emit_node(e, k);
            }
        }
        close_group(&s);
    }
    size_t nu = s.use_off ? (size_t)s.use_off[g->n_values] : 0;
    core_free(s.uses, nu * sizeof *s.uses + 1);
    core_free(s.use_off, ((size_t)g->n_values + 2) * sizeof *s.use_off);
    core_free(s.gr.members, nn * sizeof *s.gr.members);
    core_free(s.gr.pre, nn * sizeof *s.gr.pre);
    core_free(s.is_red, ((size_t)g->n_values + 1) * sizeof *s.is_red);
    core_free(s.node_grp, nn * sizeof *s.node_grp);
}
